"""Kraken's error strings map into the library's exception tree."""

from __future__ import annotations

import pytest

from kucoin_connector.core.errors import (
    AuthenticationError,
    ExchangeError,
    ExchangeUnavailableError,
    InsufficientFundsError,
    InvalidOrderError,
    InvalidTimestampError,
    OrderNotFoundError,
    ParseError,
    RateLimitError,
)
from kucoin_connector.kraken.errors import kraken_result


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("EAPI:Invalid nonce", InvalidTimestampError),
        ("EAPI:Invalid key", AuthenticationError),
        ("EAPI:Invalid signature", AuthenticationError),
        ("EAPI:Rate limit exceeded", RateLimitError),
        ("EGeneral:Temporary lockout", AuthenticationError),
        ("EGeneral:Permission denied", AuthenticationError),
        ("EGeneral:Invalid arguments", InvalidOrderError),
        ("EGeneral:Invalid arguments:volume", InvalidOrderError),
        ("EGeneral:Internal error", ExchangeUnavailableError),
        ("EOrder:Insufficient funds", InsufficientFundsError),
        ("EOrder:Unknown order", OrderNotFoundError),
        ("EOrder:Rate limit exceeded", RateLimitError),
        ("EOrder:Order minimum not met", InvalidOrderError),
        ("EOrder:Post only order", InvalidOrderError),
        ("EOrder:Some future order error", InvalidOrderError),
        ("EService:Unavailable", ExchangeUnavailableError),
        ("EService:Busy", ExchangeUnavailableError),
        ("EService:Market in cancel_only mode", InvalidOrderError),
        ("EQuery:Unknown asset pair", ExchangeError),
        ("EFunding:Unknown withdraw key", ExchangeError),
    ],
)
def test_error_prefix_maps_to_class(error: str, expected: type[Exception]) -> None:
    with pytest.raises(expected) as caught:
        kraken_result({"error": [error], "result": {}}, http_status=200)
    assert type(caught.value) is expected
    assert isinstance(caught.value, ExchangeError)
    assert caught.value.code == error


def test_unavailable_may_have_executed_but_invalid_nonce_did_not() -> None:
    with pytest.raises(ExchangeUnavailableError) as unavailable:
        kraken_result({"error": ["EService:Unavailable"]}, http_status=200)
    assert unavailable.value.may_have_executed
    with pytest.raises(InvalidTimestampError) as nonce:
        kraken_result({"error": ["EAPI:Invalid nonce"]}, http_status=200)
    assert not nonce.value.may_have_executed


def test_success_returns_result_and_ignores_warnings() -> None:
    assert kraken_result({"error": [], "result": {"count": 1}}, http_status=200) == {"count": 1}
    assert kraken_result({"error": ["WGeneral:note"], "result": 5}, http_status=200) == 5


def test_non_envelope_answers() -> None:
    with pytest.raises(ParseError):
        kraken_result({"data": 1}, http_status=200)
    with pytest.raises(ExchangeUnavailableError):
        kraken_result(None, http_status=520)
    with pytest.raises(RateLimitError):
        kraken_result(None, http_status=429)
    with pytest.raises(ExchangeError):
        kraken_result(None, http_status=404)
