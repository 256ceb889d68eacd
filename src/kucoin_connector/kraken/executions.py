"""WS v2 private channels: ``executions`` (orders and fills) and ``balances``.

An ``executions`` message carries execution reports; the fields present depend on
``exec_type`` (docs: api-reference/spot-websocket-v2/executions): ``pending_new``/``new``
(an order entered), ``trade`` (a fill: ``exec_id``, ``last_qty``, ``last_price``,
``cost``, ``liquidity_ind`` t|m, ``fees`` [{asset, qty}]), ``filled``, ``canceled``,
``expired``, ... A report may lack the symbol (a ``new`` report names only the order),
so reports are matched to tracked orders by ``order_id`` or ``cl_ord_id``. On spot a
trade report may say ``partially_filled`` for the fill that completes the order: the
completion comes as its own ``filled`` report. Numbers are decoded from their wire text
into Decimals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from kucoin_connector.core.errors import ParseError
from kucoin_connector.core.in_flight_order import OrderUpdate, TradeFee, TradeUpdate
from kucoin_connector.core.types import OrderState

from .pairs import normalize_asset

__all__ = [
    "ExecutionFill",
    "ExecutionReport",
    "is_balances_message",
    "order_update_of",
    "parse_executions",
    "trade_update_of",
]

_ORDER_STATES = {
    "new": OrderState.OPEN,
    "partially_filled": OrderState.PARTIALLY_FILLED,
    "filled": OrderState.FILLED,
    "canceled": OrderState.CANCELED,
    "expired": OrderState.CANCELED,
}


@dataclass(frozen=True, slots=True)
class ExecutionFill:
    exec_id: str
    qty: Decimal
    price: Decimal
    cost: Decimal
    fees: tuple[TradeFee, ...]
    is_maker: bool | None


@dataclass(frozen=True, slots=True)
class ExecutionReport:
    exec_type: str
    order_id: str
    cl_ord_id: str | None
    symbol: str | None
    order_status: str | None
    timestamp_ms: int
    fill: ExecutionFill | None  # exec_type "trade" only


def _decimal(raw: Any, what: str) -> Decimal:
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        raise ParseError(f"executions: {what} is not a number") from None


def _timestamp_ms(raw: Any) -> int:
    if not isinstance(raw, str):
        raise ParseError("executions: timestamp missing")
    try:
        return int(datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        raise ParseError(f"executions: bad timestamp {raw!r}") from None


def _fill(item: dict[str, Any]) -> ExecutionFill:
    fees = tuple(
        TradeFee(asset=normalize_asset(str(fee["asset"])), amount=_decimal(fee["qty"], "fee"))
        for fee in item.get("fees", [])
    )
    liquidity = item.get("liquidity_ind")
    return ExecutionFill(
        exec_id=str(item.get("exec_id") or item.get("trade_id")),
        qty=_decimal(item.get("last_qty"), "last_qty"),
        price=_decimal(item.get("last_price"), "last_price"),
        cost=_decimal(item.get("cost"), "cost"),
        fees=fees,
        is_maker=None if liquidity is None else liquidity == "m",
    )


def _report(item: Any) -> ExecutionReport:
    if not isinstance(item, dict) or not isinstance(item.get("order_id"), str):
        raise ParseError("executions: report without an order_id")
    exec_type = str(item.get("exec_type"))
    try:
        fill = _fill(item) if exec_type == "trade" else None
    except (KeyError, TypeError):
        raise ParseError("executions: malformed trade report") from None
    return ExecutionReport(
        exec_type=exec_type,
        order_id=item["order_id"],
        cl_ord_id=item.get("cl_ord_id"),
        symbol=item.get("symbol"),
        order_status=item.get("order_status"),
        timestamp_ms=_timestamp_ms(item.get("timestamp")),
        fill=fill,
    )


def parse_executions(message: Any) -> list[ExecutionReport] | None:
    """The reports of a decoded ``executions`` message; None for any other message."""
    if not isinstance(message, dict) or message.get("channel") != "executions":
        return None
    data = message.get("data")
    if not isinstance(data, list):
        raise ParseError("executions message without a data list")
    return [_report(item) for item in data]


def is_balances_message(message: Any) -> bool:
    return (
        isinstance(message, dict)
        and message.get("channel") == "balances"
        and message.get("type") in ("snapshot", "update")
    )


def order_update_of(
    report: ExecutionReport, trading_pair: str, client_order_id: str
) -> OrderUpdate | None:
    """The order state a report announces (None for ``pending_new`` and the like)."""
    state = _ORDER_STATES.get(report.order_status or "")
    if state is None or report.exec_type == "trade":
        return None  # a trade report's status may understate; fills move the order
    return OrderUpdate(
        trading_pair=trading_pair,
        update_timestamp_ms=report.timestamp_ms,
        new_state=state,
        client_order_id=client_order_id,
        exchange_order_id=report.order_id,
    )


def trade_update_of(
    report: ExecutionReport, trading_pair: str, client_order_id: str
) -> TradeUpdate | None:
    fill = report.fill
    if fill is None:
        return None
    quote = trading_pair.partition("-")[2]
    fee = _one_fee(fill.fees, quote)
    return TradeUpdate(
        trade_id=fill.exec_id,
        client_order_id=client_order_id,
        exchange_order_id=report.order_id,
        trading_pair=trading_pair,
        fill_timestamp_ms=report.timestamp_ms,
        fill_price=fill.price,
        fill_base_amount=fill.qty,
        fill_quote_amount=fill.cost,
        fee=fee,
        is_maker=fill.is_maker,
    )


def _one_fee(fees: tuple[TradeFee, ...], quote: str) -> TradeFee:
    """The fee in the asset Kraken charged it in (one asset per fill on spot)."""
    charged = [fee for fee in fees if fee.amount != 0]
    if not charged:
        return TradeFee(asset=fees[0].asset if fees else quote, amount=Decimal(0))
    if len({fee.asset for fee in charged}) > 1:
        raise ParseError("executions: a fill charged in several assets")
    return TradeFee(asset=charged[0].asset, amount=sum((f.amount for f in charged), Decimal(0)))
