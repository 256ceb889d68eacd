"""KucoinAuth: the seed's worked example, key versions, query signing, secrecy."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from kucoin_connector.core.errors import ConfigurationError
from kucoin_connector.kucoin.auth import KucoinAuth

# Every value below is copied from the seed ("Example for Create Deposit Address").
SEED_KEY = "5c2db93503aa674c74a31734"
SEED_SECRET = "f03a5284-5c39-4aaa-9b20-dea10bdcf8e3"
SEED_PASSPHRASE = "Abc123456"
SEED_TIMESTAMP = 1547015186532
SEED_ENDPOINT = "/api/v1/deposit-addresses"
SEED_BODY = b'{"currency":"BTC"}'
SEED_SIGN = "7QP/oM0ykidMdrfNEUmng8eZjg/ZvPafjIqmxiVfYu4="


def _b64_hmac(secret: str, message: str) -> str:
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def make_auth(key_version: int = 2, now_ms: int = SEED_TIMESTAMP) -> KucoinAuth:
    return KucoinAuth(
        SEED_KEY, SEED_SECRET, SEED_PASSPHRASE, key_version=key_version, time_ms=lambda: now_ms
    )


def test_seed_worked_example_reproduces_signature_exactly() -> None:
    headers = make_auth(key_version=1).headers_at(SEED_TIMESTAMP, "POST", SEED_ENDPOINT, SEED_BODY)
    assert headers == {
        "KC-API-KEY": SEED_KEY,
        "KC-API-SIGN": SEED_SIGN,
        "KC-API-TIMESTAMP": "1547015186532",
        "KC-API-PASSPHRASE": SEED_PASSPHRASE,
        "Content-Type": "application/json",
    }


def test_sign_uses_injected_clock_and_upper_cases_method() -> None:
    headers = make_auth(key_version=1).sign("post", SEED_ENDPOINT, SEED_BODY)
    assert headers["KC-API-TIMESTAMP"] == str(SEED_TIMESTAMP)
    assert headers["KC-API-SIGN"] == SEED_SIGN


def test_clock_is_read_on_every_sign() -> None:
    now = [1000]
    auth = KucoinAuth("k", "s", "p", key_version=2, time_ms=lambda: now[0])
    first = auth.sign("GET", "/api/v1/accounts", b"")
    now[0] = 2000
    second = auth.sign("GET", "/api/v1/accounts", b"")
    assert first["KC-API-TIMESTAMP"] == "1000"
    assert second["KC-API-TIMESTAMP"] == "2000"
    assert first["KC-API-SIGN"] != second["KC-API-SIGN"]


@pytest.mark.parametrize("version", [2, 3])
def test_v2_v3_sign_the_passphrase_and_send_the_version(version: int) -> None:
    headers = make_auth(key_version=version).headers_at(
        SEED_TIMESTAMP, "POST", SEED_ENDPOINT, SEED_BODY
    )
    assert headers["KC-API-PASSPHRASE"] == _b64_hmac(SEED_SECRET, SEED_PASSPHRASE)
    assert headers["KC-API-PASSPHRASE"] != SEED_PASSPHRASE
    assert headers["KC-API-KEY-VERSION"] == str(version)
    # the request signature itself does not depend on the key version
    assert headers["KC-API-SIGN"] == SEED_SIGN


def test_v1_sends_plain_passphrase_and_no_version_header() -> None:
    headers = make_auth(key_version=1).headers_at(1, "GET", "/api/v1/accounts", b"")
    assert headers["KC-API-PASSPHRASE"] == SEED_PASSPHRASE
    assert "KC-API-KEY-VERSION" not in headers


def test_get_signs_path_with_query_and_empty_body() -> None:
    path = "/api/v1/accounts?currency=BTC&type=trade"
    headers = make_auth().headers_at(1700000000000, "GET", path, b"")
    assert headers["KC-API-SIGN"] == _b64_hmac(SEED_SECRET, "1700000000000GET" + path)
    without_query = make_auth().headers_at(1700000000000, "GET", "/api/v1/accounts", b"")
    assert without_query["KC-API-SIGN"] != headers["KC-API-SIGN"]


def test_delete_with_quoted_path_signs_exact_bytes() -> None:
    path = "/api/v1/hf/orders/client-order/a%2Fb%20c?symbol=BTC-USDT"
    headers = make_auth().headers_at(5, "DELETE", path, b"")
    assert headers["KC-API-SIGN"] == _b64_hmac(SEED_SECRET, "5DELETE" + path)


def test_body_bytes_are_signed_verbatim_including_utf8() -> None:
    body = '{"remark":"café","size":"1"}'.encode()
    headers = make_auth().headers_at(7, "POST", "/api/v1/orders", body)
    assert headers["KC-API-SIGN"] == _b64_hmac(SEED_SECRET, "7POST/api/v1/orders" + body.decode())


@pytest.mark.parametrize("version", [0, 4, -1, True, "2", 2.0])
def test_bad_key_version_is_configuration_error(version: object) -> None:
    with pytest.raises(ConfigurationError):
        KucoinAuth("k", "s", "p", key_version=version, time_ms=lambda: 0)  # type: ignore[arg-type]


@pytest.mark.parametrize("field", ["api_key", "api_secret", "passphrase"])
def test_empty_credentials_are_configuration_errors(field: str) -> None:
    values = {"api_key": "k", "api_secret": "s", "passphrase": "p"}
    values[field] = ""
    with pytest.raises(ConfigurationError) as info:
        KucoinAuth(**values, key_version=2, time_ms=lambda: 0)
    assert field in str(info.value)


def test_repr_and_str_hide_secret_passphrase_and_signatures() -> None:
    auth = make_auth(key_version=2)
    headers = auth.headers_at(SEED_TIMESTAMP, "POST", SEED_ENDPOINT, SEED_BODY)
    for text in (repr(auth), str(auth), f"{auth}"):
        assert SEED_SECRET not in text
        assert SEED_PASSPHRASE not in text
        assert headers["KC-API-PASSPHRASE"] not in text
        assert SEED_SIGN not in text
        assert SEED_KEY not in text  # at most the first 4 characters
        assert SEED_KEY[:4] in text
    assert not hasattr(auth, "__dict__")  # no attribute bag to dump


def test_exposes_key_and_version() -> None:
    auth = make_auth(key_version=3)
    assert auth.api_key == SEED_KEY
    assert auth.key_version == 3
