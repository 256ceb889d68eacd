"""KuCoin's private WebSocket messages, each defined once: ``OrderChangeMessage``
(``/spotMarket/tradeOrders``, subject ``orderChange``) and ``BalanceMessage``
(``/account/balance``, subject ``account.balance``).

They are pydantic models with the wire rules of ``schemas.py`` (money as finite
``Decimal`` from the wire string, order amounts never signed, the price and size of a fill
positive, ``""`` -> None, timestamps to ms, unknown enum strings -> ``UNKNOWN``). Two
entry points validate against these same models: ``parse_private_frame`` (the raw frame,
one pydantic call, used by the user stream) and ``schemas.parse_model`` (a decoded dict).
Either refuses with ``ParseError`` / None, never a pydantic error.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError, field_validator, model_validator

from .schemas import (
    AccountType,
    KucoinModel,
    Liquidity,
    OptAmount,
    OptDecimal,
    OptId,
    OptPositive,
    OptStr,
    OptTimeMs,
    OrderKind,
    Side,
    TimeMs,
    WireDecimal,
    WireEnum,
    WireId,
    WireInt,
)

__all__ = [
    "BalanceMessage",
    "OrderChangeMessage",
    "OrderChangeStatus",
    "OrderChangeType",
    "RelationContext",
    "WsMessage",
    "parse_private_frame",
]


class OrderChangeType(WireEnum):
    RECEIVED = "received"
    OPEN = "open"
    MATCH = "match"
    UPDATE = "update"
    FILLED = "filled"
    CANCELED = "canceled"
    UNKNOWN = "unknown"


class OrderChangeStatus(WireEnum):
    NEW = "new"
    OPEN = "open"
    MATCH = "match"
    DONE = "done"
    UNKNOWN = "unknown"


class WsMessage(KucoinModel):
    """A decoded WS frame of type "message" (envelope only; ``data`` parsed by topic)."""

    type: str
    topic: str
    subject: str | None = None
    channel_type: str | None = None
    user_id: str | None = None
    data: Any = None


class OrderChangeMessage(KucoinModel):
    """``data`` of /spotMarket/tradeOrders (subject ``orderChange``).

    ``order_time_ms`` and ``ts_ms`` are normalised to ms whatever the wire unit (KuCoin
    has sent ns and ms here). A ``match`` must carry trade id, match price and size;
    a match price or size, whatever the type, is positive; the other amounts are not
    negative.
    """

    symbol: str
    order_type: OrderKind | None = None
    side: Side
    order_id: WireId
    event_type: OrderChangeType = Field(alias="type")
    status: OrderChangeStatus | None = None
    order_time_ms: OptTimeMs = Field(default=None, alias="orderTime")
    ts_ms: TimeMs = Field(alias="ts")
    client_oid: OptStr = None
    price: OptAmount = None
    size: OptAmount = None
    funds: OptAmount = None
    origin_size: OptAmount = None
    filled_size: OptAmount = None
    remain_size: OptAmount = None
    canceled_size: OptAmount = None
    old_size: OptAmount = None
    liquidity: Liquidity | None = None
    match_price: OptPositive = None
    match_size: OptPositive = None
    trade_id: OptId = None
    fee_type: OptStr = None

    @model_validator(mode="after")
    def _match_is_complete(self) -> OrderChangeMessage:
        if self.event_type is OrderChangeType.MATCH and (
            self.trade_id is None or self.match_price is None or self.match_size is None
        ):
            raise ValueError("a match needs tradeId, matchPrice and matchSize")
        return self


class RelationContext(KucoinModel):
    symbol: str | None = None
    trade_id: OptId = None
    order_id: OptId = None


class BalanceMessage(KucoinModel):
    """``data`` of /account/balance (subject ``account.balance``)."""

    account_id: OptStr = None
    currency: str
    total: WireDecimal
    available: WireDecimal
    available_change: OptDecimal = None
    hold: WireDecimal
    hold_change: OptDecimal = None
    relation_event: str
    relation_event_id: OptStr = None
    relation_context: RelationContext | None = None
    time_ms: WireInt = Field(alias="time")

    @field_validator("relation_context", mode="before")
    @classmethod
    def _context_object_only(cls, value: Any) -> Any:
        # KuCoin documents an object; anything else carries nothing we rely on.
        return value if isinstance(value, dict) else None

    @property
    def account_type(self) -> AccountType:
        """The account from the relationEvent prefix ("trade.hold" -> TRADE)."""
        return AccountType(self.relation_event.split(".", 1)[0])


class _OrderChangeFrame(KucoinModel):
    type: Literal["message"]
    subject: Literal["orderChange"]
    data: OrderChangeMessage


class _BalanceFrame(KucoinModel):
    type: Literal["message"]
    subject: Literal["account.balance"]
    data: BalanceMessage


_PRIVATE_FRAME: TypeAdapter[_OrderChangeFrame | _BalanceFrame] = TypeAdapter(
    Annotated[_OrderChangeFrame | _BalanceFrame, Field(discriminator="subject")]
)


def parse_private_frame(frame: str | bytes) -> OrderChangeMessage | BalanceMessage | None:
    """The message of a raw private frame, in one pydantic call from the JSON text.

    None for anything these models do not accept as it stands (another subject or type,
    a malformed message, invalid JSON): the caller decodes such a frame generically and
    decides (``parse_model`` on the decoded ``data`` refuses a malformed message with a
    ``ParseError``), so a refusal always comes from the same models with the same reasons.
    """
    try:
        return _PRIVATE_FRAME.validate_json(frame).data
    except ValidationError:
        return None
