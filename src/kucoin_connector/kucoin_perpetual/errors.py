"""Futures error codes mapped into the library's exception tree.

The envelope and the system codes are the same as spot's, so ``raise_for_kucoin`` reads
the answer; the futures business codes below then refine the class. Two futures-only
classes sit under the core tree: a margin-mode mismatch (an order whose ``marginMode``
differs from the symbol's setting) and a refused position-mode switch.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from kucoin_connector.core.errors import (
    ExchangeError,
    InsufficientFundsError,
    InvalidOrderError,
    RateLimitError,
)
from kucoin_connector.core.rest import RestResponse
from kucoin_connector.kucoin.errors import raise_for_kucoin

__all__ = [
    "FUTURES_ERROR_CODES",
    "MarginModeMismatchError",
    "PositionModeChangeError",
    "raise_for_kucoin_futures",
]


class MarginModeMismatchError(InvalidOrderError):
    """The order's margin mode differs from the symbol's (KuCoin futures code 330005)."""


class PositionModeChangeError(ExchangeError):
    """The exchange refused to switch the position mode (open positions or orders)."""


FUTURES_ERROR_CODES: Mapping[str, type[ExchangeError]] = MappingProxyType(
    {
        "300003": InsufficientFundsError,  # balance not enough
        "330005": MarginModeMismatchError,  # order margin mode != the symbol's margin mode
        "100001": InvalidOrderError,  # invalid parameter
    }
)
"""Futures business code -> exception class (read-only)."""


def raise_for_kucoin_futures(response: RestResponse) -> Any:
    """The envelope's ``data``; the mapped exception otherwise (futures codes first)."""
    try:
        return raise_for_kucoin(response)
    except RateLimitError:
        raise
    except ExchangeError as exc:
        refined = FUTURES_ERROR_CODES.get(exc.code or "")
        if refined is None or type(exc) is refined:
            raise
        raise refined(str(exc), code=exc.code, http_status=exc.http_status) from None
