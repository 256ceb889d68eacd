"""Futures answers -> the library's exception tree (futures codes refine spot's table)."""

from __future__ import annotations

import pytest

from kucoin_connector.core.errors import (
    AuthenticationError,
    ExchangeError,
    InsufficientFundsError,
    InvalidOrderError,
    OrderNotFoundError,
    RateLimitError,
)
from kucoin_connector.core.rest import RestResponse
from kucoin_connector.kucoin_perpetual.errors import (
    MarginModeMismatchError,
    raise_for_kucoin_futures,
)


def _answer(code: str, msg: str, status: int = 200) -> RestResponse:
    return RestResponse(status, {}, {"code": code, "msg": msg})


@pytest.mark.parametrize(
    ("code", "msg", "status", "expected"),
    [
        (
            "330005",
            "The order's margin mode does not match the selected one.",
            200,
            MarginModeMismatchError,
        ),
        ("300003", "Balance not enough", 200, InsufficientFundsError),
        ("400005", "Signature error", 401, AuthenticationError),
        ("429000", "Too many requests", 429, RateLimitError),
        ("400100", "order not exist", 200, OrderNotFoundError),
        ("100001", "invalid parameter", 400, InvalidOrderError),
        ("999999", "something new", 400, ExchangeError),
    ],
)
def test_codes_map_to_classes(
    code: str, msg: str, status: int, expected: type[ExchangeError]
) -> None:
    with pytest.raises(ExchangeError) as caught:
        raise_for_kucoin_futures(_answer(code, msg, status))
    assert type(caught.value) is expected
    assert caught.value.code == code


def test_margin_mismatch_is_an_invalid_order() -> None:
    with pytest.raises(InvalidOrderError):
        raise_for_kucoin_futures(_answer("330005", "margin mode mismatch"))


def test_success_returns_data() -> None:
    assert raise_for_kucoin_futures(RestResponse(200, {}, {"code": "200000", "data": 7})) == 7
