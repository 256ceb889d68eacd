"""The values the paper engine reads and writes: requests, resting orders, fills, trades.

Everything is exchange-agnostic and Decimal; timestamps are milliseconds (``ts_ms``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum

from kucoin_connector.core.public_trades import PublicTrade
from kucoin_connector.core.types import OrderType, TimeInForce, TradeType

ZERO = Decimal(0)

__all__ = [
    "ZERO",
    "Fill",
    "Outcome",
    "PaperOrderRequest",
    "PublicTrade",
    "RestingOrder",
    "SubmitResult",
]


class Outcome(Enum):
    """Where a submitted order stands once the engine has matched it."""

    RESTING = "RESTING"  # on the paper book (possibly partly filled)
    FILLED = "FILLED"
    CANCELLED = "CANCELLED"  # IOC/FOK/market remainder, or a post-only that would take


@dataclass(frozen=True, slots=True)
class PaperOrderRequest:
    """An order as it reaches the paper matching engine (already on the venue's grid)."""

    order_id: str
    side: TradeType
    order_type: OrderType
    amount: Decimal  # base amount; 0 for a MARKET order sized by quote funds
    price: Decimal | None = None
    quote_amount: Decimal | None = None  # funds of a MARKET order by funds (fee included)
    time_in_force: TimeInForce = TimeInForce.GTC
    base_increment: Decimal = Decimal("1e-8")
    taker_fee_rate: Decimal = ZERO  # market-by-funds orders keep the taker fee inside funds


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution of a paper order."""

    order_id: str
    price: Decimal
    amount: Decimal
    is_maker: bool
    ts_ms: int


@dataclass(frozen=True, slots=True)
class SubmitResult:
    outcome: Outcome
    fills: tuple[Fill, ...]
    reason: str = ""


@dataclass(slots=True)
class RestingOrder:
    """A paper order on the paper book: its queue position and what is left of it.

    ``queue_ahead`` is the venue's real (visible) volume in front of it at its price.
    """

    order_id: str
    side: TradeType
    price: Decimal
    remaining: Decimal
    queue_ahead: Decimal
    sequence: int
    filled: Decimal = field(default=ZERO)

    @property
    def is_buy(self) -> bool:
        return self.side is TradeType.BUY
