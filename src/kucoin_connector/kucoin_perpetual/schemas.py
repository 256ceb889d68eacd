"""Typed models of the KuCoin futures REST payloads, parsed at the edge.

Futures payloads carry many amounts as JSON numbers (``multiplier``: 0.001, ``size``: 1):
``WireDecimal`` takes a string, an int or a float (a float through its shortest repr,
``0.001`` -> ``Decimal("0.001")``), never a bool or a non-finite value. Sizes are whole
lots (``Lots``). ``parse_model`` / ``parse_list`` raise ``ParseError`` without the input
values. Extra fields are ignored.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError
from pydantic.alias_generators import to_camel

from kucoin_connector.core.errors import ParseError

__all__ = [
    "AccountOverview",
    "Contract",
    "FillsPage",
    "FundingHistory",
    "FundingRecord",
    "FuturesFill",
    "FuturesModel",
    "FuturesOrderDetail",
    "MarginModeInfo",
    "PlacedOrder",
    "PositionModeInfo",
    "PositionRecord",
    "WireDecimal",
    "parse_list",
    "parse_model",
]


def _to_decimal(value: object) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("expected a number, got a bool")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError("not a decimal number string") from None
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    else:
        raise ValueError(f"expected a decimal, got {type(value).__name__}")
    if not result.is_finite():
        raise ValueError("decimal must be finite")
    return result


def _to_optional_decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    return _to_decimal(value)


def _to_lots(value: object) -> int:
    number = _to_decimal(value)
    if number != number.to_integral_value():
        raise ValueError("a size in lots must be a whole number")
    return int(number)


def _to_id(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("expected an id string")
    return str(value)


WireDecimal = Annotated[Decimal, PlainValidator(_to_decimal)]
OptionalDecimal = Annotated[Decimal | None, PlainValidator(_to_optional_decimal)]
Lots = Annotated[int, PlainValidator(_to_lots)]
WireId = Annotated[str, PlainValidator(_to_id)]


class FuturesModel(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="ignore", alias_generator=to_camel, populate_by_name=True
    )


M = TypeVar("M", bound=BaseModel)


def _summarize(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'root'}: {e['msg']}"
        for e in error.errors(include_input=False, include_url=False)
    )


def parse_model(model_cls: type[M], raw: Any) -> M:
    """Validate ``raw`` (decoded JSON) into ``model_cls``; ParseError on any mismatch."""
    try:
        return model_cls.model_validate(raw)
    except ValidationError as error:
        raise ParseError(f"invalid {model_cls.__name__}: {_summarize(error)}") from None


def parse_list(model_cls: type[M], raw: Any) -> list[M]:
    if not isinstance(raw, list):
        raise ParseError(f"expected a list of {model_cls.__name__}, got {type(raw).__name__}")
    return [parse_model(model_cls, item) for item in raw]


class Contract(FuturesModel):
    """One entry of ``/api/v1/contracts/active``."""

    symbol: str
    type: str
    base_currency: str
    quote_currency: str
    settle_currency: str
    multiplier: WireDecimal
    lot_size: WireDecimal
    tick_size: WireDecimal
    max_order_qty: WireDecimal
    max_price: OptionalDecimal = None
    maker_fee_rate: WireDecimal = Decimal(0)
    taker_fee_rate: WireDecimal = Decimal(0)
    is_inverse: bool = False
    status: str
    funding_fee_rate: OptionalDecimal = None
    next_funding_rate_time: int | None = None
    max_leverage: int | None = None


class PlacedOrder(FuturesModel):
    order_id: WireId
    client_oid: str | None = None


class FuturesOrderDetail(FuturesModel):
    """``GET /api/v1/orders/{orderId}`` and ``/byClientOid``."""

    id: WireId
    symbol: str
    type: str
    side: str
    price: OptionalDecimal = None
    size: Lots
    leverage: OptionalDecimal = None
    close_order: bool = False
    reduce_only: bool = False
    client_oid: str | None = None
    is_active: bool
    cancel_exist: bool = False
    status: str
    filled_size: Lots = 0
    filled_value: WireDecimal = Decimal(0)
    avg_deal_price: OptionalDecimal = None
    margin_mode: str | None = None
    position_side: str | None = None
    created_at: int
    updated_at: int | None = None


class FuturesFill(FuturesModel):
    """One row of ``GET /api/v1/fills``; ``open_fee_pay`` / ``close_fee_pay`` split the fee
    between the part that opened and the part that closed a position."""

    symbol: str
    trade_id: WireId
    order_id: WireId
    side: str
    liquidity: str
    price: WireDecimal
    size: Lots
    value: WireDecimal
    fee: WireDecimal
    fee_rate: WireDecimal = Decimal(0)
    fee_currency: str
    open_fee_pay: WireDecimal = Decimal(0)
    close_fee_pay: WireDecimal = Decimal(0)
    margin_mode: str | None = None
    trade_type: str = "trade"
    trade_time: int  # ns
    created_at: int | None = None  # ms


class FillsPage(FuturesModel):
    current_page: int
    page_size: int
    total_num: int
    total_page: int
    items: list[FuturesFill] = Field(default_factory=list)


class PositionRecord(FuturesModel):
    """One position of ``GET /api/v1/positions`` (also the ``position.change`` data)."""

    symbol: str
    current_qty: Lots  # signed
    avg_entry_price: WireDecimal = Decimal(0)
    mark_price: OptionalDecimal = None
    unrealised_pnl: WireDecimal = Decimal(0)
    realised_pnl: WireDecimal = Decimal(0)
    liquidation_price: OptionalDecimal = None
    pos_margin: WireDecimal = Decimal(0)
    leverage: OptionalDecimal = None
    real_leverage: OptionalDecimal = None
    margin_mode: str | None = None
    position_side: str = "BOTH"
    settle_currency: str
    is_inverse: bool = False
    current_timestamp: int | None = None


class AccountOverview(FuturesModel):
    """``GET /api/v1/account-overview?currency=``."""

    account_equity: WireDecimal
    available_balance: WireDecimal
    margin_balance: WireDecimal = Decimal(0)
    position_margin: WireDecimal = Decimal(0)
    order_margin: WireDecimal = Decimal(0)
    frozen_funds: WireDecimal = Decimal(0)
    unrealised_pnl: WireDecimal = Field(default=Decimal(0), alias="unrealisedPNL")
    currency: str


class FundingRecord(FuturesModel):
    """One settlement of ``GET /api/v1/funding-history``: ``funding`` is the payment,
    sign included (< 0: the account paid)."""

    symbol: str
    time_point: int
    funding_rate: WireDecimal
    position_qty: Lots
    funding: WireDecimal
    settle_currency: str
    margin_mode: str | None = None
    context: str | None = None  # JSON text, e.g. {"marginMode": ..., "positionSide": ...}

    @property
    def position_side(self) -> str:
        """The ``positionSide`` named in ``context`` (``BOTH`` when absent or unreadable)."""
        try:
            parsed = json.loads(self.context or "{}")
        except ValueError:
            return "BOTH"
        side = parsed.get("positionSide") if isinstance(parsed, dict) else None
        return side if isinstance(side, str) else "BOTH"


class FundingHistory(FuturesModel):
    data_list: list[FundingRecord] = Field(default_factory=list)
    has_more: bool = False


class MarginModeInfo(FuturesModel):
    symbol: str
    margin_mode: str


class PositionModeInfo(FuturesModel):
    position_mode: Annotated[int, PlainValidator(_to_lots)]
