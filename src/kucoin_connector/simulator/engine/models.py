"""Plain data shared by the simulator's engine, accounts and server.

String "enums" keep KuCoin's wire spelling so the server can copy them into payloads:

- side: ``"buy"`` | ``"sell"``;  type: ``"limit"`` | ``"market"``
- time_in_force: ``"GTC"`` | ``"GTT"`` | ``"IOC"`` | ``"FOK"``
- stp: ``""`` | ``"CN"`` | ``"CO"`` | ``"CB"`` | ``"DC"``;  stop: ``""`` | ``"loss"`` | ``"entry"``
- account_type: ``"main"`` | ``"trade"`` | ``"trade_hf"`` (orders use trade or trade_hf)
- Order.status: ``"stop"`` (untriggered stop order) | ``"new"`` (received, being matched) |
  ``"open"`` (resting on the book) | ``"done"``; Order.done_reason: ``""`` | ``"filled"`` |
  ``"canceled"``.

Money is ``Decimal`` everywhere; unset optional amounts are ``Decimal(0)`` on ``Order`` (as
KuCoin prints ``"0"``) and ``None`` on ``OrderRequest``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal(0)

BUY = "buy"
SELL = "sell"
LIMIT = "limit"
MARKET = "market"
ACCOUNT_TYPES = ("main", "trade", "trade_hf")
ORDER_ACCOUNT_TYPES = ("trade", "trade_hf")
TIME_IN_FORCES = ("GTC", "GTT", "IOC", "FOK")
STP_MODES = ("", "CN", "CO", "CB", "DC")
STOP_TYPES = ("", "loss", "entry")


class Reject(StrEnum):
    """Why the engine refuses a request. Each front-end words it in its own protocol
    (KuCoin's codes, Kraken's error strings)."""

    INVALID_PARAMETER = "invalid_parameter"
    ORDER_NOT_FOUND = "order_not_found"
    DUPLICATE_CLIENT_ID = "duplicate_client_id"
    TOO_MANY_ORDERS = "too_many_orders"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    UNKNOWN_SYMBOL = "unknown_symbol"
    TRADING_DISABLED = "trading_disabled"
    MARGIN_MODE_MISMATCH = "margin_mode_mismatch"  # derivatives: order vs the symbol's mode
    POSITION_MODE_LOCKED = "position_mode_locked"  # derivatives: positions or orders exist


class EngineError(Exception):
    """A request the engine refuses: a :class:`Reject` reason and a human message."""

    def __init__(self, reason: Reject, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


@dataclass(slots=True)
class SymbolSpec:
    """A trading pair and its rules (KuCoin ``GET /api/v1/symbols`` fields)."""

    symbol: str
    base_currency: str
    quote_currency: str
    base_min_size: Decimal
    quote_min_size: Decimal
    base_max_size: Decimal
    quote_max_size: Decimal
    base_increment: Decimal
    quote_increment: Decimal
    price_increment: Decimal
    name: str = ""  # defaults to symbol
    fee_currency: str = ""  # defaults to quote_currency (the engine always charges quote)
    market: str = "USDS"
    price_limit_rate: Decimal = Decimal("0.1")
    min_funds: Decimal = Decimal("0.1")  # minimum price*size (limit) or funds (market)
    enable_trading: bool = True
    multiplier: Decimal = Decimal(1)  # a contract's base units per lot (1 on spot)

    def __post_init__(self) -> None:
        if not self.name:
            self.name = self.symbol
        if not self.fee_currency:
            self.fee_currency = self.quote_currency


@dataclass(slots=True)
class OrderRequest:
    """What a client asks for (``POST /api/v1/orders`` or ``/api/v1/hf/orders``).

    Limit: ``price`` and ``size``. Market: exactly one of ``size`` or ``funds``.
    ``cancel_after_s`` only with GTT. ``visible_size`` only with ``iceberg``.
    """

    symbol: str
    side: str
    type: str = LIMIT
    client_oid: str = ""
    price: Decimal | None = None
    size: Decimal | None = None
    funds: Decimal | None = None
    time_in_force: str = "GTC"
    cancel_after_s: int = 0
    post_only: bool = False
    hidden: bool = False
    iceberg: bool = False
    visible_size: Decimal | None = None
    stp: str = ""
    stop: str = ""
    stop_price: Decimal | None = None
    remark: str = ""
    tags: str = ""
    account_type: str = "trade"
    # derivatives (MarginSettlement): the position acted on ("" / BOTH in one-way mode,
    # LONG / SHORT in hedge mode), leverage (None: the user's setting for the symbol),
    # margin mode asked ("": the user's), reduce-only, close the whole position
    position_side: str = ""
    leverage: Decimal | None = None
    margin_mode: str = ""
    reduce_only: bool = False
    close_order: bool = False


@dataclass(slots=True, eq=False)
class Order:
    """An order as the engine keeps it (mutable; identity equality).

    ``size`` is the (possibly STP-DC-decreased) order size, ``deal_size``/``deal_funds``
    what has executed, ``remain_size`` what can still execute (size orders).
    ``visible`` is the part currently shown in level2 (0 for hidden orders; the current
    slice for icebergs). ``hold_currency``/``hold_remaining``: funds still on hold for it.
    Listeners must read an Order synchronously inside the callback: it keeps changing.
    """

    id: str
    user_id: str
    symbol: str
    side: str
    type: str
    client_oid: str
    price: Decimal
    size: Decimal
    funds: Decimal
    time_in_force: str
    cancel_after_s: int
    post_only: bool
    hidden: bool
    iceberg: bool
    visible_size: Decimal
    stp: str
    stop: str
    stop_price: Decimal
    remark: str
    tags: str
    account_type: str
    fee_currency: str
    created_at_ms: int
    updated_at_ms: int
    seq: int  # engine arrival sequence (time priority tiebreak, stable ordering)
    deal_size: Decimal = ZERO
    deal_funds: Decimal = ZERO
    fee: Decimal = ZERO
    remain_size: Decimal = ZERO
    remain_funds: Decimal = ZERO  # market-by-funds: quote still to spend/receive
    visible: Decimal = ZERO
    cancelled_size: Decimal = ZERO
    status: str = "new"
    done_reason: str = ""
    is_active: bool = True
    cancel_exist: bool = False
    stop_triggered: bool = False
    hold_currency: str = ""
    hold_remaining: Decimal = ZERO
    hold_unit: Decimal = ZERO  # limit buy: quote held per unit of size (price*(1+taker))
    expire_at_ms: int = 0  # GTT deadline, 0 = none
    position_side: str = ""  # derivatives: see OrderRequest
    leverage: Decimal = ZERO
    margin_mode: str = ""
    reduce_only: bool = False
    close_order: bool = False

    @property
    def op_type(self) -> str:
        return "DEAL"


@dataclass(slots=True)
class Fill:
    """One side of one match, as ``GET /api/v1/fills`` lists it."""

    trade_id: str
    order_id: str
    counter_order_id: str
    user_id: str
    symbol: str
    side: str
    liquidity: str  # "maker" | "taker"
    price: Decimal
    size: Decimal
    funds: Decimal
    fee: Decimal
    fee_rate: Decimal
    fee_currency: str
    stop: str
    type: str  # the order's type: "limit" | "market"
    created_at_ms: int
    account_type: str
    force_taker: bool = False


@dataclass(slots=True)
class Trade:
    """A public trade (match feed / ``GET /api/v1/market/histories``); side = taker side."""

    symbol: str
    trade_id: str
    sequence: int
    price: Decimal
    size: Decimal
    taker_side: str
    maker_order_id: str
    taker_order_id: str
    time_ms: int


@dataclass(slots=True)
class Level3Entry:
    """One visible resting order of a level3 snapshot (iceberg: its visible slice)."""

    order_id: str
    price: Decimal
    size: Decimal
    time_ms: int


@dataclass(slots=True)
class Stats24h:
    """24h statistics over the engine's recent-trade window (approximate beyond it)."""

    symbol: str
    open: Decimal | None
    high: Decimal | None
    low: Decimal | None
    last: Decimal | None
    vol: Decimal
    vol_value: Decimal
    change_price: Decimal
    change_rate: Decimal
    time_ms: int


@dataclass(slots=True)
class Account:
    """One (user, currency, account type) balance. ``available = balance - holds``."""

    id: str
    user_id: str
    currency: str
    type: str
    balance: Decimal = ZERO
    holds: Decimal = ZERO
    order_holds: dict[str, Decimal] = field(default_factory=dict)  # hold id -> amount

    @property
    def available(self) -> Decimal:
        return self.balance - self.holds


@dataclass(slots=True)
class HoldEntry:
    """An item of ``GET /api/v1/accounts/{id}/holds``."""

    currency: str
    hold_amount: Decimal
    biz_type: str
    order_id: str


@dataclass(slots=True)
class LedgerEntry:
    """An item of ``GET /api/v1/accounts/ledgers``.

    ``amount`` is the total change including ``fee`` (always positive; ``direction`` says
    in/out); ``balance`` the account balance after it. ``biz_type``: "Exchange",
    "Transfer", "Deposit", "Withdrawal". ``context``: orderId/tradeId/symbol for trades,
    orderId for transfers.
    """

    id: str
    user_id: str
    account_id: str
    account_type: str
    currency: str
    amount: Decimal
    fee: Decimal
    balance: Decimal
    biz_type: str
    direction: str  # "in" | "out"
    created_at_ms: int
    context: dict[str, str]


@dataclass(slots=True)
class BalanceChange:
    """What ``/account/balance`` (subject ``account.balance``) reports for one change.

    ``relation_event``: "main.deposit" / "trade.deposit", "trade.hold" (hold placed or
    released; also for trade_hf), "trade.setted" (a fill settled), "main.transfer" /
    "trade.transfer" / "trade_hf.transfer" (inner transfer).  ``relation_event_id``: the
    order id, transfer id or deposit id behind the change.
    """

    user_id: str
    account_id: str
    currency: str
    account_type: str
    total: Decimal
    available: Decimal
    hold: Decimal
    available_change: Decimal
    hold_change: Decimal
    relation_event: str
    relation_event_id: str
    time_ms: int


IdFactory = Callable[[], str]
ClockMs = Callable[[], int]


class SequentialIds:
    """A deterministic id factory: 24 lowercase hex digits (like KuCoin's ids), counting up.

    Give the engine and the accounts the same instance so all ids are unique together.
    """

    __slots__ = ("_next",)

    def __init__(self, start: int = 0x5C0000000000000000000000) -> None:
        self._next = start

    def __call__(self) -> str:
        value = self._next
        self._next = value + 1
        return f"{value:024x}"
