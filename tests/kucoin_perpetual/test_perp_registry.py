"""``kucoin_perpetual`` in the registry: prompts, config secrecy, key verification."""

from __future__ import annotations

from urllib.parse import urlsplit

import perp_payloads as doc
import pytest

from fakes import FakeTransport, json_response
from kucoin_connector.core.errors import AuthenticationError, ConfigurationError
from kucoin_connector.core.transport import HttpRequest, HttpResponse
from kucoin_connector.kucoin.auth import KucoinAuth
from kucoin_connector.kucoin_perpetual.config import KucoinPerpetualConfig
from kucoin_connector.kucoin_perpetual.connector import verify_kucoin_perpetual_keys
from kucoin_connector.kucoin_perpetual.exchange import KucoinPerpetualExchange
from kucoin_connector.registry import connector_ids, get_connector

CONFIG = KucoinPerpetualConfig.model_validate(
    {
        "api_key": "fkey",
        "api_secret": "fsecret",
        "passphrase": "fpass",
        "base_url": "http://127.0.0.1:8090",
    }
)


def test_registered_with_the_spot_prompts() -> None:
    assert "kucoin_perpetual" in connector_ids()
    spec = get_connector("kucoin_perpetual")
    assert spec.exchange_class is KucoinPerpetualExchange
    assert spec.default_base_url == "https://api-futures.kucoin.com"
    assert [p.prompt("kucoin_perpetual") for p in spec.key_prompts] == [
        "Enter your kucoin_perpetual API key >>> ",
        "Enter your kucoin_perpetual secret key >>> ",
        "Enter your kucoin_perpetual passphrase >>> ",
    ]
    built = spec.build(CONFIG, trading_pairs=["BTC-USDT"])
    assert isinstance(built, KucoinPerpetualExchange) and built.is_authenticated


def test_config_hides_secrets_and_refuses_plain_http_off_loopback() -> None:
    assert "fsecret" not in repr(CONFIG) and "fpass" not in repr(CONFIG)
    spec = get_connector("kucoin_perpetual")
    with pytest.raises(ConfigurationError) as caught:
        spec.make_config(
            {"api_key": "k", "api_secret": "s", "passphrase": "p", "base_url": "http://x.com"}
        )
    assert "base_url" in str(caught.value)


def _path(request: HttpRequest) -> str:
    return urlsplit(request.url).path


async def test_verify_signs_account_overview_on_the_futures_host() -> None:
    transport = FakeTransport()
    transport.reply_json({"code": "200000", "data": doc.ACCOUNT_OVERVIEW_USDT})
    check = await verify_kucoin_perpetual_keys(CONFIG, transport=transport)
    assert check.connector_id == "kucoin_perpetual" and check.clock_offset_ms is None
    [request] = transport.requests
    assert request.url == "http://127.0.0.1:8090/api/v1/account-overview?currency=USDT"
    ts = int(request.headers["KC-API-TIMESTAMP"])
    expected = KucoinAuth("fkey", "fsecret", "fpass", time_ms=lambda: 0).headers_at(
        ts, "GET", "/api/v1/account-overview?currency=USDT", b""
    )
    assert request.headers["KC-API-SIGN"] == expected["KC-API-SIGN"]
    assert request.headers["KC-API-PASSPHRASE"] == expected["KC-API-PASSPHRASE"]
    assert transport.close_calls == 1


async def test_verify_resyncs_the_clock_once_on_a_timestamp_rejection() -> None:
    transport = FakeTransport()
    transport.reply_json({"code": "400002", "msg": "KC-API-TIMESTAMP Invalid"}, status=401)
    transport.reply_json({"code": "200000", "data": 10**15})  # server time far ahead

    def overview(_: HttpRequest) -> HttpResponse:
        return json_response({"code": "200000", "data": doc.ACCOUNT_OVERVIEW_USDT})

    transport.respond(overview)
    check = await verify_kucoin_perpetual_keys(CONFIG, transport=transport)
    assert check.clock_offset_ms is not None and check.clock_offset_ms > 0
    assert [_path(r) for r in transport.requests] == [
        "/api/v1/account-overview",
        "/api/v1/timestamp",
        "/api/v1/account-overview",
    ]


async def test_verify_raises_the_typed_error_for_bad_keys() -> None:
    transport = FakeTransport()
    transport.reply_json({"code": "400003", "msg": "KC-API-KEY not exists"}, status=401)
    with pytest.raises(AuthenticationError) as caught:
        await verify_kucoin_perpetual_keys(CONFIG, transport=transport, clock_correction=False)
    assert caught.value.code == "400003"
    spec = get_connector("kucoin_perpetual")
    assert "400003" in spec.explain(caught.value)
