"""Builders of the order events from an InFlightOrder (used by ClientOrderTracker)."""

from __future__ import annotations

from kucoin_connector.core.events import (
    OrderCancelledEvent,
    OrderCompletedEvent,
    OrderCreatedEvent,
    OrderFailedEvent,
    OrderFilledEvent,
)
from kucoin_connector.core.in_flight_order import InFlightOrder, TradeUpdate
from kucoin_connector.core.types import OrderState


def final_kind(state: OrderState) -> str:
    """The announcement key of a done state: "completed", "cancelled" or "failed" (FAILED
    and WRITTEN_OFF: a written-off order is reported failed, once, even if revived)."""
    if state is OrderState.FILLED:
        return "completed"
    if state is OrderState.CANCELED:
        return "cancelled"
    if state is OrderState.FAILED or state is OrderState.WRITTEN_OFF:
        return "failed"
    raise KeyError(state)


def created_event(order: InFlightOrder, timestamp_ms: int) -> OrderCreatedEvent:
    return OrderCreatedEvent(
        timestamp_ms,
        order.client_order_id,
        order.exchange_order_id,
        order.trading_pair,
        order.order_type,
        order.trade_type,
        order.amount,
        order.price,
    )


def filled_event(order: InFlightOrder, update: TradeUpdate) -> OrderFilledEvent:
    return OrderFilledEvent(
        update.fill_timestamp_ms,
        order.client_order_id,
        order.exchange_order_id,
        order.trading_pair,
        order.order_type,
        order.trade_type,
        update.trade_id,
        update.fill_price,
        update.fill_base_amount,
        update.fee,
        update.is_maker,
    )


def completed_event(order: InFlightOrder, timestamp_ms: int) -> OrderCompletedEvent:
    return OrderCompletedEvent(
        timestamp_ms,
        order.client_order_id,
        order.exchange_order_id,
        order.trading_pair,
        order.order_type,
        order.trade_type,
        order.executed_amount_base,
        order.executed_amount_quote,
        order.average_executed_price,
    )


def cancelled_event(order: InFlightOrder, timestamp_ms: int) -> OrderCancelledEvent:
    return OrderCancelledEvent(
        timestamp_ms, order.client_order_id, order.exchange_order_id, order.trading_pair
    )


def failed_event(order: InFlightOrder, timestamp_ms: int) -> OrderFailedEvent:
    return OrderFailedEvent(
        timestamp_ms,
        order.client_order_id,
        order.trading_pair,
        order.order_type,
        order.reason or "unknown",
    )
