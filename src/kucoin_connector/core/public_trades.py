"""A trade printed on a venue's public tape, as a data source hands it to its listeners."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .types import TradeType


@dataclass(frozen=True, slots=True)
class PublicTrade:
    """``taker_side`` is None when the venue does not say; ``ts_ms`` is the local receipt
    time (one clock for book updates and trades)."""

    trading_pair: str
    price: Decimal
    size: Decimal
    taker_side: TradeType | None
    ts_ms: int
