"""Typed models of the KuCoin REST payloads we rely on, and the wire types they share
with the private WebSocket messages (``private_messages.py``).

Parse at the edge with ``parse_model`` / ``parse_list``: they return frozen pydantic
models or raise ``ParseError`` (never a pydantic ``ValidationError``, and never with the
input values in the message, so a WS token cannot leak through an error).

Conventions: money fields are ``Decimal`` built from the wire strings (floats and bools
are rejected), always finite; amounts (sizes, funds, order prices) are never negative
(not even "-0": ``Amount``), the price and size of a fill are positive (``Positive``),
only fees and balance changes may carry a sign; optional money fields map ``""``/null to
None; timestamps are ints with the
unit in the field name; ids arrive as strings or ints and are kept as strings; unknown
enum strings become the enum's ``UNKNOWN`` member (``Side`` has none: an unknown side is a
ParseError). Extra fields are ignored, so KuCoin may add fields freely.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    ValidationError,
)
from pydantic.alias_generators import to_camel

from kucoin_connector.core.errors import ParseError

__all__ = [
    "Account",
    "AccountType",
    "BulletResponse",
    "CancelledOrders",
    "Fill",
    "HfFillsPage",
    "HfOrderDetail",
    "InstanceServer",
    "KucoinModel",
    "Liquidity",
    "OrderDetail",
    "OrderKind",
    "Page",
    "PlaceOrderResponse",
    "Side",
    "SymbolInfo",
    "TradeFeeRate",
    "WireEnum",
    "parse_list",
    "parse_model",
    "parse_server_time_ms",
]


# --------------------------------------------------------------------------- wire types


def _to_decimal(value: object) -> Decimal:
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError("not a decimal number string") from None
    elif isinstance(value, int) and not isinstance(value, bool):
        result = Decimal(value)
    else:
        raise ValueError(f"expected a decimal string, got {type(value).__name__}")
    if not result.is_finite():
        raise ValueError("decimal must be finite")
    return result


def _to_optional_decimal(value: object) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _to_decimal(value)


def _to_amount(value: object) -> Decimal:
    """A finite decimal >= 0 without a minus sign ("-0" is refused too)."""
    result = _to_decimal(value)
    if result.is_signed():
        raise ValueError("amount must not be negative")
    return result


def _to_optional_amount(value: object) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _to_amount(value)


def _to_positive(value: object) -> Decimal:
    """A finite decimal > 0: the price or size of a fill."""
    result = _to_decimal(value)
    if not result > 0:
        raise ValueError("must be positive")
    return result


def _to_optional_positive(value: object) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _to_positive(value)


def _to_int(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise ValueError(f"expected an integer, got {type(value).__name__}")


def _to_optional_int(value: object) -> int | None:
    if value is None or value == "":
        return None
    return _to_int(value)


def _to_id(value: object) -> str:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ValueError("expected a non-empty string or integer id")


def _to_optional_id(value: object) -> str | None:
    if value is None or value == "":
        return None
    return _to_id(value)


def _to_optional_str(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    raise ValueError(f"expected a string, got {type(value).__name__}")


def _to_ms(value: object) -> int:
    """An epoch timestamp in ms, whatever the wire unit (s, ms, us or ns by magnitude)."""
    return epoch_ms(_to_int(value))


def epoch_ms(number: int) -> int:
    """An epoch timestamp given in s, ms, us or ns (told apart by magnitude), in ms."""
    if number >= 10**17:  # nanoseconds
        return number // 1_000_000
    if number >= 10**14:  # microseconds
        return number // 1_000
    if number < 10**11:  # seconds
        return number * 1_000
    return number


def _to_optional_ms(value: object) -> int | None:
    if value is None or value == "":
        return None
    return _to_ms(value)


WireDecimal = Annotated[Decimal, PlainValidator(_to_decimal)]
OptDecimal = Annotated[Decimal | None, PlainValidator(_to_optional_decimal)]
Amount = Annotated[Decimal, PlainValidator(_to_amount)]
OptAmount = Annotated[Decimal | None, PlainValidator(_to_optional_amount)]
Positive = Annotated[Decimal, PlainValidator(_to_positive)]
OptPositive = Annotated[Decimal | None, PlainValidator(_to_optional_positive)]
WireInt = Annotated[int, PlainValidator(_to_int)]
OptInt = Annotated[int | None, PlainValidator(_to_optional_int)]
WireId = Annotated[str, PlainValidator(_to_id)]
OptId = Annotated[str | None, PlainValidator(_to_optional_id)]
OptStr = Annotated[str | None, PlainValidator(_to_optional_str)]
TimeMs = Annotated[int, PlainValidator(_to_ms)]
OptTimeMs = Annotated[int | None, PlainValidator(_to_optional_ms)]


class WireEnum(StrEnum):
    """A wire enum whose unknown string values map to ``UNKNOWN``."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, str):
            lowered = value.lower()
            for member in cls:
                if member.value == lowered:
                    return member
            return cls("unknown")
        return None


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderKind(WireEnum):
    LIMIT = "limit"
    MARKET = "market"
    LIMIT_STOP = "limit_stop"
    MARKET_STOP = "market_stop"
    UNKNOWN = "unknown"


class Liquidity(WireEnum):
    MAKER = "maker"
    TAKER = "taker"
    UNKNOWN = "unknown"


class AccountType(WireEnum):
    MAIN = "main"
    TRADE = "trade"
    TRADE_HF = "trade_hf"
    MARGIN = "margin"
    ISOLATED = "isolated"
    CONTRACT = "contract"
    UNKNOWN = "unknown"


# --------------------------------------------------------------------------- base + helpers


class KucoinModel(BaseModel):
    """Base: camelCase wire names, extra fields ignored, immutable."""

    model_config = ConfigDict(
        extra="ignore", frozen=True, alias_generator=to_camel, populate_by_name=True
    )


M = TypeVar("M", bound=BaseModel)
T = TypeVar("T", bound=BaseModel)


def _summarize(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_url=False, include_input=False, include_context=False)[:5]:
        location = ".".join(str(part) for part in item["loc"]) or "<root>"
        parts.append(f"{location}: {item['msg']}")
    more = error.error_count() - len(parts)
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def parse_model(model_cls: type[M], raw: Any) -> M:
    """Validate ``raw`` (decoded JSON) into ``model_cls``; ParseError on any mismatch."""
    try:
        return model_cls.model_validate(raw)
    except ValidationError as error:
        raise ParseError(f"invalid {model_cls.__name__}: {_summarize(error)}") from None


def parse_list(model_cls: type[M], raw: Any) -> list[M]:
    """Validate a JSON array of ``model_cls`` items; ParseError names the bad index."""
    if not isinstance(raw, list):
        raise ParseError(f"expected a list of {model_cls.__name__}, got {type(raw).__name__}")
    result = []
    for index, item in enumerate(raw):
        try:
            result.append(model_cls.model_validate(item))
        except ValidationError as error:
            raise ParseError(
                f"invalid {model_cls.__name__} at index {index}: {_summarize(error)}"
            ) from None
    return result


def parse_server_time_ms(data: Any) -> int:
    """The ``data`` of GET /api/v1/timestamp (epoch ms)."""
    try:
        return _to_int(data)
    except ValueError:
        raise ParseError("invalid server time: expected an integer (ms)") from None


# --------------------------------------------------------------------------- REST models


class SymbolInfo(KucoinModel):
    """One item of GET /api/v2/symbols (or /api/v1/symbols)."""

    symbol: str
    name: str | None = None
    base_currency: str
    quote_currency: str
    fee_currency: str | None = None
    market: str | None = None
    base_min_size: WireDecimal
    quote_min_size: WireDecimal
    base_max_size: WireDecimal
    quote_max_size: WireDecimal
    base_increment: WireDecimal
    quote_increment: WireDecimal
    price_increment: WireDecimal
    price_limit_rate: OptDecimal = None
    min_funds: OptDecimal = None
    is_margin_enabled: StrictBool | None = None
    enable_trading: StrictBool


class Account(KucoinModel):
    """One item of GET /api/v1/accounts."""

    id: WireId
    currency: str
    account_type: AccountType = Field(alias="type")
    balance: WireDecimal
    available: WireDecimal
    holds: WireDecimal


class TradeFeeRate(KucoinModel):
    """One item of GET /api/v1/trade-fees?symbols=... (the user's actual rates)."""

    symbol: str
    taker_fee_rate: WireDecimal
    maker_fee_rate: WireDecimal


class InstanceServer(KucoinModel):
    endpoint: str
    protocol: str = "websocket"
    encrypt: StrictBool = True
    ping_interval_ms: WireInt = Field(alias="pingInterval")
    ping_timeout_ms: WireInt = Field(alias="pingTimeout")


class BulletResponse(KucoinModel):
    """``data`` of POST /api/v1/bullet-public|private. The token never shows in a repr."""

    token: str = Field(min_length=1, repr=False)
    instance_servers: tuple[InstanceServer, ...] = Field(min_length=1)


class PlaceOrderResponse(KucoinModel):
    """``data`` of a placement (classic, HF or stop)."""

    order_id: WireId
    client_oid: OptStr = None


class CancelledOrders(KucoinModel):
    """``data`` of classic cancels: ``cancelledOrderIds`` (and ``clientOid`` by clientOid)."""

    cancelled_order_ids: tuple[str, ...] = ()
    cancelled_order_id: OptStr = None
    client_oid: OptStr = None

    @property
    def order_ids(self) -> tuple[str, ...]:
        if self.cancelled_order_id and self.cancelled_order_id not in self.cancelled_order_ids:
            return (*self.cancelled_order_ids, self.cancelled_order_id)
        return self.cancelled_order_ids


class _OrderCommon(KucoinModel):
    id: WireId
    symbol: str
    op_type: OptStr = None
    order_type: OrderKind = Field(alias="type")
    side: Side
    price: OptAmount = None
    size: OptAmount = None
    funds: OptAmount = None
    deal_funds: Amount
    deal_size: Amount
    fee: WireDecimal
    fee_currency: str
    stp: OptStr = None
    time_in_force: OptStr = None
    post_only: StrictBool = False
    hidden: StrictBool = False
    iceberg: StrictBool = False
    visible_size: OptAmount = None
    cancel_after: OptInt = None
    channel: OptStr = None
    client_oid: OptStr = None
    remark: OptStr = None
    tags: OptStr = None
    cancel_exist: StrictBool = False
    created_at_ms: WireInt = Field(alias="createdAt")
    trade_type: OptStr = None


class OrderDetail(_OrderCommon):
    """A classic order: GET /api/v1/orders/{orderId}, by clientOid, list items."""

    stop: OptStr = None
    stop_triggered: StrictBool = False
    stop_price: OptAmount = None
    is_active: StrictBool

    @property
    def is_open(self) -> bool:
        return self.is_active


class StopOrderDetail(KucoinModel):
    """An item of GET /api/v1/stop-order/queryOrderByClientOid.

    A stop order waiting for its trigger has status NEW; once triggered it becomes an
    ordinary order (same clientOid) and is looked up as such.
    """

    id: WireId
    symbol: str
    status: str
    client_oid: OptStr = None
    stop: OptStr = None
    stop_price: OptAmount = None

    @property
    def is_waiting(self) -> bool:
        return self.status.upper() == "NEW"


class HfOrderDetail(_OrderCommon):
    """A high-frequency order: GET /api/v1/hf/orders/{orderId}, by clientOid, active."""

    active: StrictBool
    in_order_book: StrictBool | None = None
    remain_size: OptAmount = None
    remain_funds: OptAmount = None
    cancelled_size: OptAmount = None
    cancelled_funds: OptAmount = None
    last_updated_at_ms: OptInt = Field(default=None, alias="lastUpdatedAt")

    @property
    def is_open(self) -> bool:
        return self.active


class Fill(KucoinModel):
    """One fill of GET /api/v1/fills or /api/v1/hf/fills (HF ids arrive as ints); its
    price and size are positive, its funds not negative (its fee may be: a rebate)."""

    id: OptId = None
    symbol: str
    trade_id: WireId
    order_id: WireId
    counter_order_id: OptStr = None
    side: Side
    liquidity: Liquidity
    force_taker: StrictBool | None = None
    price: Positive
    size: Positive
    funds: Amount
    fee: WireDecimal
    fee_rate: OptDecimal = None
    fee_currency: str
    stop: OptStr = None
    order_type: OrderKind | None = Field(default=None, alias="type")
    created_at_ms: WireInt = Field(alias="createdAt")
    trade_type: OptStr = None


class Page(KucoinModel, Generic[T]):
    """A classic paginated list: ``Page[OrderDetail]``, ``Page[Fill]``."""

    current_page: WireInt
    page_size: WireInt
    total_num: WireInt
    total_page: WireInt
    items: tuple[T, ...]


class HfFillsPage(KucoinModel):
    """``data`` of GET /api/v1/hf/fills: items plus ``lastId`` for the next page."""

    items: tuple[Fill, ...]
    last_id: OptInt = None
