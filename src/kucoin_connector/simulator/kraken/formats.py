"""Number and time formats Kraken prints."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from ..engine.models import SymbolSpec

BALANCE_DECIMALS = 10
COST_DECIMALS = 5


def decimals_of(step: Decimal) -> int:
    exponent = step.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def pair_decimals(spec: SymbolSpec) -> int:
    return decimals_of(spec.price_increment)


def lot_decimals(spec: SymbolSpec) -> int:
    return decimals_of(spec.base_increment)


def fixed(value: Decimal, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def price_text(spec: SymbolSpec, price: Decimal) -> str:
    return fixed(price, pair_decimals(spec))


def qty_text(spec: SymbolSpec, qty: Decimal) -> str:
    return fixed(qty, lot_decimals(spec))


def seconds(ts_ms: int) -> float:
    """REST times: float seconds."""
    return ts_ms / 1000


def rfc3339(ts_ms: int) -> str:
    """WebSocket v2 times: ``2023-09-25T09:04:31.742599Z``."""
    moment = datetime.fromtimestamp(ts_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
