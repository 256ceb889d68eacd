"""Exchange-agnostic domain types, in Hummingbot's vocabulary."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum


class OrderType(Enum):
    """How an order executes: LIMIT (rests at its price), LIMIT_MAKER (post-only: refused rather
    than take liquidity), MARKET (at the book's prices).
    """

    LIMIT = "LIMIT"
    LIMIT_MAKER = "LIMIT_MAKER"  # post-only: rejected instead of taking liquidity
    MARKET = "MARKET"

    def is_limit_type(self) -> bool:
        """True for LIMIT and LIMIT_MAKER (orders with a price)."""
        return self is not OrderType.MARKET


class TradeType(Enum):
    """The side of an order or a fill: BUY or SELL."""

    BUY = "BUY"
    SELL = "SELL"


class TimeInForce(Enum):
    """How long an order stays: GTC (until cancelled), GTT (``cancel_after_s``), IOC (fill what
    it can at once, cancel the rest), FOK (all at once or nothing).
    """

    GTC = "GTC"  # good till cancelled
    GTT = "GTT"  # good till time (cancel after N seconds)
    IOC = "IOC"  # immediate or cancel
    FOK = "FOK"  # fill or kill


class SelfTradePrevention(Enum):
    """What happens when two of the account's own orders would trade: DC (decrease and cancel),
    CO (cancel the oldest), CN (cancel the newest), CB (cancel both).
    """

    DECREASE_AND_CANCEL = "DC"
    CANCEL_OLDEST = "CO"
    CANCEL_NEWEST = "CN"
    CANCEL_BOTH = "CB"


class StopType(Enum):
    """A stop order's trigger: LOSS (last price at or below the stop price), ENTRY (at or
    above).
    """

    LOSS = "loss"  # triggers when the last price moves to or below the stop price
    ENTRY = "entry"  # triggers when the last price moves to or above the stop price


@dataclass(frozen=True, slots=True)
class OrderOptions:
    """Optional order parameters beyond pair/side/type/amount/price.

    ``quote_amount`` is for MARKET orders sized in quote currency (KuCoin's ``funds``);
    ``visible_size`` makes a LIMIT order an iceberg.
    """

    time_in_force: TimeInForce = TimeInForce.GTC
    cancel_after_s: int | None = None
    hidden: bool = False
    visible_size: Decimal | None = None
    self_trade_prevention: SelfTradePrevention | None = None
    stop: StopType | None = None
    stop_price: Decimal | None = None
    quote_amount: Decimal | None = None
    remark: str | None = None


class OrderState(Enum):
    """Life cycle of a tracked order; the legal moves are a table in ``core/order_states.py``.

    PENDING_CREATE -> OPEN -> PARTIALLY_FILLED -> FILLED
                   \\-> FAILED          \\-> PENDING_CANCEL -> CANCELED
    PLACEMENT_UNKNOWN: the placement request was sent but its response was lost
    (timeout, 5xx, cut connection). The order may or may not exist on the exchange; it is
    resolved by looking it up by client order id, never by placing it again.
    WRITTEN_OFF: a PLACEMENT_UNKNOWN order the exchange kept answering "not found" for.
    Done (reported as failed), but revivable: if the exchange shows it after all, it takes
    the state the exchange gives.
    """

    PENDING_CREATE = "PENDING_CREATE"
    PLACEMENT_UNKNOWN = "PLACEMENT_UNKNOWN"
    OPEN = "OPEN"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    PENDING_CANCEL = "PENDING_CANCEL"
    CANCELED = "CANCELED"
    FILLED = "FILLED"
    FAILED = "FAILED"
    WRITTEN_OFF = "WRITTEN_OFF"

    # The state groups live with the transition table (order_states imports this module).
    @property
    def is_done(self) -> bool:
        """True for a final state (filled, cancelled, failed, written off)."""
        from kucoin_connector.core.order_states import DONE_STATES

        return self in DONE_STATES

    @property
    def is_open(self) -> bool:
        """True for a state in which the order can still trade."""
        from kucoin_connector.core.order_states import OPEN_STATES

        return self in OPEN_STATES


class PositionMode(Enum):
    """Perpetual position modes (used by derivative connectors)."""

    ONEWAY = "ONEWAY"
    HEDGE = "HEDGE"


class PositionAction(Enum):
    """Hummingbot's position action of a derivative order: OPEN, CLOSE, or NIL (spot)."""

    OPEN = "OPEN"
    CLOSE = "CLOSE"
    NIL = "NIL"


class PositionSide(Enum):
    """The side of a derivative position: LONG, SHORT, or BOTH (one-way mode)."""

    LONG = "LONG"
    SHORT = "SHORT"
    BOTH = "BOTH"


@dataclass(frozen=True, slots=True)
class TradingRule:
    """What the exchange allows for one trading pair; every amount is in exact Decimal."""

    trading_pair: str
    min_order_size: Decimal = Decimal(0)
    max_order_size: Decimal | None = None
    min_price_increment: Decimal = Decimal("1e-8")
    min_base_amount_increment: Decimal = Decimal("1e-8")
    min_quote_amount_increment: Decimal = Decimal("1e-8")
    min_notional_size: Decimal = Decimal(0)
    max_notional_size: Decimal | None = None
    supports_limit_orders: bool = True
    supports_market_orders: bool = True


@dataclass(frozen=True, slots=True)
class Balance:
    """One asset's balance: ``total`` and ``available`` (total minus what open orders hold)."""

    asset: str
    total: Decimal
    available: Decimal


def split_trading_pair(trading_pair: str) -> tuple[str, str]:
    """'BTC-USDT' -> ('BTC', 'USDT'). Trading pairs are always BASE-QUOTE in this library."""
    base, sep, quote = trading_pair.partition("-")
    if not sep or not base or not quote or "-" in quote:
        raise ValueError(f"trading pair must look like BASE-QUOTE, got {trading_pair!r}")
    return base, quote
