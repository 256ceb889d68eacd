"""Translating orders between the connector's vocabulary and KuCoin's order payloads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kucoin_connector.core.in_flight_order import InFlightOrder
from kucoin_connector.core.order_rules import PreparedOrder
from kucoin_connector.core.types import OrderOptions, OrderState, OrderType, TimeInForce

MAX_CLIENT_OID_LENGTH = 40


def wire_decimal(value: Decimal) -> str:
    """Plain decimal notation (never '1E-8'), as KuCoin expects."""
    text = format(value, "f")
    return text


def order_body(
    order: InFlightOrder, prepared: PreparedOrder, options: OrderOptions, symbol: str
) -> dict[str, Any]:
    """The JSON body of a place-order request (classic, HF and stop orders share it)."""
    body: dict[str, Any] = {
        "clientOid": order.client_order_id,
        "side": order.trade_type.value.lower(),
        "symbol": symbol,
        "type": "market" if order.order_type is OrderType.MARKET else "limit",
    }
    if order.order_type is OrderType.MARKET:
        if prepared.quote_amount is not None:
            body["funds"] = wire_decimal(prepared.quote_amount)
        else:
            body["size"] = wire_decimal(prepared.amount)
    else:
        assert prepared.price is not None  # prepare_order guarantees it for limit types
        body["price"] = wire_decimal(prepared.price)
        body["size"] = wire_decimal(prepared.amount)
        body["timeInForce"] = options.time_in_force.value
        if options.time_in_force is TimeInForce.GTT and options.cancel_after_s is not None:
            body["cancelAfter"] = options.cancel_after_s
        if order.order_type is OrderType.LIMIT_MAKER:
            body["postOnly"] = True
        if options.hidden:
            body["hidden"] = True
        if options.visible_size is not None:
            body["iceberg"] = True
            body["visibleSize"] = wire_decimal(options.visible_size)
    if options.self_trade_prevention is not None:
        body["stp"] = options.self_trade_prevention.value
    if options.stop is not None:
        body["stop"] = options.stop.value
        if options.stop_price is not None:
            body["stopPrice"] = wire_decimal(options.stop_price)
    if options.remark:
        body["remark"] = options.remark
    return body


def state_from_flags(
    *, is_active: bool, cancel_exist: bool, deal_size: Decimal, size: Decimal | None
) -> OrderState:
    """KuCoin order detail flags -> OrderState (classic ``isActive``, HF ``active``)."""
    if is_active:
        return OrderState.PARTIALLY_FILLED if deal_size > 0 else OrderState.OPEN
    if cancel_exist and (size is None or size == 0 or deal_size < size):
        return OrderState.CANCELED
    return OrderState.FILLED


ORDER_CHANGE_STATES: dict[str, OrderState | None] = {
    "received": None,  # accepted by the engine, not yet in the book: no state change
    "open": OrderState.OPEN,
    "match": OrderState.PARTIALLY_FILLED,
    "update": None,  # size changed (e.g. STP decrease): state follows remaining size
    "filled": OrderState.FILLED,
    "canceled": OrderState.CANCELED,
}
