"""The KuCoin envelope and code -> exception mapping."""

from __future__ import annotations

from typing import Any

import pytest

from kucoin_connector.core.errors import (
    AuthenticationError,
    ConnectorError,
    ExchangeError,
    ExchangeUnavailableError,
    InsufficientFundsError,
    InvalidOrderError,
    InvalidTimestampError,
    OrderNotFoundError,
    ParseError,
    RateLimitError,
)
from kucoin_connector.core.rest import RestResponse
from kucoin_connector.kucoin.errors import (
    ERROR_CODES,
    error_for,
    parse_retry_after_s,
    raise_for_kucoin,
)


def respond(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Any:
    return raise_for_kucoin(RestResponse(status=status, headers=headers or {}, payload=payload))


def fail(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> ConnectorError:
    with pytest.raises(ConnectorError) as info:
        respond(payload, status, headers)
    return info.value


# ----------------------------------------------------------------------------- success


def test_success_returns_data() -> None:
    # the seed's "Get server time" answer
    assert respond({"code": "200000", "msg": "success", "data": 1546837113087}) == 1546837113087


@pytest.mark.parametrize("data", [None, [], {"orderId": "5bd6e9286d99522a52e458de"}, "success"])
def test_success_returns_any_data_shape(data: Any) -> None:
    assert respond({"code": "200000", "data": data}) == data


def test_success_without_data_returns_none() -> None:
    assert respond({"code": "200000"}) is None


def test_integer_code_is_accepted() -> None:
    assert respond({"code": 200000, "data": 1}) == 1


# ----------------------------------------------------------------------------- malformed


@pytest.mark.parametrize(
    "payload",
    [None, [], "ok", 12, {"data": 1}, {"msg": "x"}, {"code": None}, {"code": True}, {"code": ""}],
)
def test_malformed_envelope_on_2xx_is_parse_error(payload: Any) -> None:
    error = fail(payload)
    assert type(error) is ParseError


# ----------------------------------------------------------------------------- code table

SEED_SYSTEM_CODES = {
    "400001": AuthenticationError,
    "400002": InvalidTimestampError,
    "400003": AuthenticationError,
    "400004": AuthenticationError,
    "400005": AuthenticationError,
    "400006": AuthenticationError,
    "400007": AuthenticationError,
    "404000": ExchangeError,
    "400100": InvalidOrderError,
    "411100": AuthenticationError,
    "500000": ExchangeUnavailableError,
}

TODAY_CODES = {
    "200001": InvalidOrderError,
    "200002": InvalidOrderError,
    "200003": InvalidOrderError,
    "200004": InsufficientFundsError,
    "400200": InvalidOrderError,
    "400350": InvalidOrderError,
    "400370": InvalidOrderError,
    "400500": InvalidOrderError,
    "400600": InvalidOrderError,
    "400760": InvalidOrderError,
    "415000": ExchangeError,
    "429000": RateLimitError,
}


@pytest.mark.parametrize(("code", "cls"), sorted({**SEED_SYSTEM_CODES, **TODAY_CODES}.items()))
def test_code_table(code: str, cls: type[ExchangeError]) -> None:
    assert ERROR_CODES[code] is cls
    error = fail({"code": code, "msg": "some reason"}, status=200)
    assert type(error) is cls
    assert isinstance(error, ExchangeError)
    assert error.code == code
    assert error.http_status == 200
    assert "some reason" in str(error)
    assert code in str(error)


def test_code_wins_over_http_status() -> None:
    # KuCoin sends auth errors with HTTP 401 and a body code
    error = fail({"code": "400002", "msg": "Invalid KC-API-TIMESTAMP"}, status=401)
    assert type(error) is InvalidTimestampError
    assert error.http_status == 401


def test_unknown_code_falls_back_to_exchange_error() -> None:
    error = fail({"code": "987654", "msg": "something new"})
    assert type(error) is ExchangeError
    assert error.code == "987654"


def test_unknown_code_on_5xx_is_unavailable() -> None:
    error = fail({"code": "987654", "msg": "busy"}, status=503)
    assert type(error) is ExchangeUnavailableError
    assert error.may_have_executed is True


@pytest.mark.parametrize(
    "msg",
    [
        "order not exist.",
        "order not exist",
        "order_not_exist",
        "order_not_exist_or_not_allow_to_cancel",
        "The order does not exist.",
    ],
)
def test_order_not_found_messages(msg: str) -> None:
    error = fail({"code": "400100", "msg": msg})
    assert type(error) is OrderNotFoundError
    assert error.code == "400100"


def test_400100_parameter_error_stays_invalid_order() -> None:
    error = fail({"code": "400100", "msg": "Order size below the minimum requirement."})
    assert type(error) is InvalidOrderError


def test_400100_insufficient_balance_message() -> None:
    error = fail({"code": "400100", "msg": "Balance insufficient!"})
    assert type(error) is InsufficientFundsError


def test_long_messages_are_truncated() -> None:
    error = fail({"code": "400100", "msg": "x" * 5000})
    assert len(str(error)) < 400


# ----------------------------------------------------------------------------- HTTP status


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, ExchangeError),
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, ExchangeError),
        (405, ExchangeError),
        (500, ExchangeUnavailableError),
        (502, ExchangeUnavailableError),
        (503, ExchangeUnavailableError),
        (504, ExchangeUnavailableError),
    ],
)
@pytest.mark.parametrize("payload", [None, "<html>Bad Gateway</html>", {"error": "x"}])
def test_status_mapping_without_envelope(
    status: int, cls: type[ExchangeError], payload: Any
) -> None:
    error = fail(payload, status=status)
    assert type(error) is cls
    assert isinstance(error, ExchangeError)
    assert error.http_status == status
    assert error.code is None


def test_success_code_on_error_status_is_an_error() -> None:
    error = fail({"code": "200000", "data": None}, status=500)
    assert type(error) is ExchangeUnavailableError


# ----------------------------------------------------------------------------- 429


def test_429_with_retry_after_seconds() -> None:
    error = fail({"code": "429000", "msg": "Too Many Requests"}, 429, {"Retry-After": "2"})
    assert isinstance(error, RateLimitError)
    assert error.retry_after_s == 2.0
    assert error.code == "429000"
    assert error.http_status == 429


def test_429_with_gateway_reset_in_ms() -> None:
    headers = {
        "gw-ratelimit-limit": "2000",
        "gw-ratelimit-remaining": "0",
        "gw-ratelimit-reset": "1500",
    }
    error = fail(None, 429, headers)
    assert isinstance(error, RateLimitError)
    assert error.retry_after_s == 1.5
    assert error.code is None


def test_429_without_headers() -> None:
    error = fail({"code": "429000"}, 429)
    assert isinstance(error, RateLimitError)
    assert error.retry_after_s is None


def test_rate_limit_code_on_200() -> None:
    error = fail({"code": "429000", "msg": "too many"}, 200, {"GW-RateLimit-Reset": "250"})
    assert isinstance(error, RateLimitError)
    assert error.retry_after_s == 0.25
    assert error.http_status == 200


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"Retry-After": "3"}, 3.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"RETRY-AFTER": "0"}, 0.0),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, None),
        ({"Retry-After": "-1"}, None),
        ({"Retry-After": "nan"}, None),
        ({"Retry-After": "inf", "gw-ratelimit-reset": "100"}, 0.1),
        ({"gw-ratelimit-reset": "30000"}, 30.0),
        ({"Gw-Ratelimit-Reset": "abc"}, None),
        ({"Retry-After": "1", "gw-ratelimit-reset": "9000"}, 1.0),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after_s(headers) == expected


# ----------------------------------------------------------------------------- secrecy


def test_messages_never_include_headers() -> None:
    headers = {
        "KC-API-KEY": "KEYVALUE123",
        "KC-API-SIGN": "SIGNATUREVALUE",
        "KC-API-PASSPHRASE": "PASSVALUE",
        "Retry-After": "1",
    }
    for status, payload in (
        (429, None),
        (401, {"code": "400005", "msg": "Signature error"}),
        (500, None),
    ):
        error = fail(payload, status, headers)
        text = f"{error!s} {error!r} {error.args!r}"
        for secret in ("KEYVALUE123", "SIGNATUREVALUE", "PASSVALUE"):
            assert secret not in text


def test_error_for_direct_use() -> None:
    error = error_for(404, "404000", "Url Not Found")
    assert type(error) is ExchangeError
    assert str(error) == "KuCoin error 404000 (HTTP 404): Url Not Found"
