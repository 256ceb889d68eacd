"""``data`` shapes of the book-view and stop-order WebSocket topics, from KuCoin's docs.

- ``/spotMarket/level2Depth5`` / ``level2Depth50`` (subject ``level2``): the top levels
  ``[[price, size], ...]`` best first on each side, and ``timestamp`` (ms).
- ``/spotMarket/level1`` (subject ``level1``): ``asks``/``bids`` as ``[price, size]`` of
  the best level (``[]`` when that side is empty), and ``timestamp`` (ms).
- ``/spotMarket/advancedOrders`` (subject ``stopOrder``): a stop order's lifecycle,
  ``type`` ``open`` (placed, waiting), ``triggered`` or ``cancel``; ``ts`` in ns.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from ..engine.models import Order
from .wire import dec

Level = tuple[Decimal, Decimal]

# engine order event -> the advancedOrders ``type`` KuCoin names it
STOP_EVENT_TYPES = {"stop": "open", "triggered": "triggered", "canceled": "cancel"}


def levels_payload(levels: Sequence[Level]) -> list[list[str]]:
    return [[dec(price), dec(size)] for price, size in levels]


def depth_payload(bids: Sequence[Level], asks: Sequence[Level], time_ms: int) -> dict[str, Any]:
    return {"asks": levels_payload(asks), "bids": levels_payload(bids), "timestamp": time_ms}


def level1_payload(bid: Level | None, ask: Level | None, time_ms: int) -> dict[str, Any]:
    return {
        "asks": [dec(ask[0]), dec(ask[1])] if ask else [],
        "bids": [dec(bid[0]), dec(bid[1])] if bid else [],
        "timestamp": time_ms,
    }


def stop_event_type(order: Order, event_type: str) -> str | None:
    """The advancedOrders ``type`` for an engine order event, None when it is not one:
    a cancel counts only while the stop order has not been triggered."""
    if not order.stop:
        return None
    if event_type == "canceled" and order.stop_triggered:
        return None
    return STOP_EVENT_TYPES.get(event_type)


def stop_order_payload(order: Order, stop_type: str, time_ns: int) -> dict[str, Any]:
    data: dict[str, Any] = {
        "createdAt": order.created_at_ms,
        "orderId": order.id,
        "orderPrice": dec(order.price) if order.type == "limit" else "",
        "orderType": "stop",
        "side": order.side,
        "stop": order.stop,
        "stopPrice": dec(order.stop_price),
        "symbol": order.symbol,
        "tradeType": "TRADE",
        "ts": time_ns,
        "type": stop_type,
    }
    if order.size > 0:
        data["size"] = dec(order.size)
    if order.funds > 0:
        data["funds"] = dec(order.funds)
    if stop_type == "triggered":
        data["triggerSuccess"] = True
    return data
