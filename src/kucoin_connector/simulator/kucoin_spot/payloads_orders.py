"""Payloads of the synchronous, batch, modify and paged order routes (KuCoin's shapes)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..engine.models import Order
from .payloads import order_payload
from .wire import dec


def _sizes(order: Order) -> dict[str, Any]:
    """originSize/dealSize/remainSize/canceledSize/status as the sync routes word them."""
    return {
        "originSize": dec(order.size),
        "dealSize": dec(order.deal_size),
        "remainSize": dec(order.remain_size if order.is_active else Decimal(0)),
        "canceledSize": dec(order.cancelled_size),
        "status": "open" if order.is_active else "done",
    }


def sync_place_payload(order: Order) -> dict[str, Any]:
    """An order's state right after matching (``/api/v1/hf/orders/sync``)."""
    return {
        "orderId": order.id,
        "clientOid": order.client_oid,
        "orderTime": order.created_at_ms,
        **_sizes(order),
        "matchTime": order.updated_at_ms,
    }


def sync_cancel_payload(order: Order, key: str) -> dict[str, Any]:
    """The state after a synchronous cancel; ``key`` is ``orderId`` or ``clientOid``."""
    ident = order.id if key == "orderId" else order.client_oid
    return {key: ident, **_sizes(order)}


def hf_batch_item(order: Order) -> dict[str, Any]:
    """One accepted order of ``/api/v1/hf/orders/multi``."""
    return {"orderId": order.id, "clientOid": order.client_oid, "success": True}


def hf_batch_sync_item(order: Order) -> dict[str, Any]:
    """One accepted order of ``/api/v1/hf/orders/multi/sync``."""
    return {**sync_place_payload(order), "success": True}


def hf_batch_failure(body: dict[str, Any], message: str) -> dict[str, Any]:
    """One refused order of an HF batch (no order id)."""
    return {"clientOid": str(body.get("clientOid") or ""), "success": False, "failMsg": message}


def classic_batch_item(
    body: dict[str, Any], symbol: str, order: Order | None, fail_msg: str | None
) -> dict[str, Any]:
    """One item of ``/api/v1/orders/multi``: the request echoed, ``id`` and status."""

    def text(name: str) -> str | None:
        value = body.get(name)
        return None if value is None or value == "" else str(value)

    iceberg = bool(order.iceberg) if order is not None else body.get("iceberg") is True
    return {
        "symbol": symbol,
        "type": text("type") or "limit",
        "side": text("side"),
        "price": text("price"),
        "size": text("size"),
        "funds": text("funds"),
        "stp": text("stp") or "",
        "stop": text("stop") or "",
        "stopPrice": text("stopPrice"),
        "timeInForce": text("timeInForce") or "GTC",
        "cancelAfter": order.cancel_after_s if order is not None else 0,
        "postOnly": order.post_only if order is not None else body.get("postOnly") is True,
        "hidden": order.hidden if order is not None else body.get("hidden") is True,
        "iceberge": iceberg,
        "iceberg": iceberg,
        "visibleSize": text("visibleSize"),
        "channel": "API",
        "id": order.id if order is not None else None,
        "status": "success" if order is not None else "fail",
        "failMsg": fail_msg,
        "clientOid": order.client_oid if order is not None else text("clientOid"),
    }


def modify_payload(new_order: Order | None, client_oid: str) -> dict[str, Any]:
    """``/api/v1/hf/orders/alter``: the replacement's id (None when only canceled)."""
    return {"newOrderId": new_order.id if new_order is not None else None, "clientOid": client_oid}


def open_order_item(order: Order) -> dict[str, Any]:
    """An item of ``/api/v1/hf/orders/active/page``: the order detail, with no STP mode
    as null (KuCoin's enum has no empty value)."""
    item = order_payload(order)
    if not item.get("stp"):
        item["stp"] = None
    return item
