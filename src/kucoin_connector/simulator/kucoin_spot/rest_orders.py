"""Classic (``trade`` account) orders, stop orders and fills."""

from __future__ import annotations

from typing import Any

from ..engine.models import EngineError, Order, Reject
from .auth import PERMISSION_TRADE
from .orderparse import parse_order
from .payloads import fill_payload, order_payload, stop_order_payload
from .routing import Ctx, Route
from .wire import int_param, paginate, require

ACCOUNT = "trade"
DAY_MS = 86_400_000


async def place(ctx: Ctx) -> Any:
    req = parse_order(ctx.json(), account_type=ACCOUNT)
    order = ctx.state.engine.place_order(ctx.user_id, req)
    return {"orderId": order.id}


async def place_test(ctx: Ctx) -> Any:
    req = parse_order(ctx.json(), account_type=ACCOUNT)
    return {"orderId": ctx.state.engine.check_order(ctx.user_id, req)}


async def place_stop(ctx: Ctx) -> Any:
    req = parse_order(ctx.json(), account_type=ACCOUNT, stop_required=True)
    order = ctx.state.engine.place_order(ctx.user_id, req)
    return {"orderId": order.id, "clientOid": order.client_oid}


async def cancel(ctx: Ctx) -> Any:
    order = ctx.state.engine.cancel_order(ctx.user_id, ctx.request.match_info["orderId"])
    return {"cancelledOrderIds": [order.id]}


async def cancel_by_client_oid(ctx: Ctx) -> Any:
    coid = ctx.request.match_info["clientOid"]
    order = ctx.state.engine.cancel_by_client_oid(ctx.user_id, coid)
    return {"cancelledOrderId": order.id, "clientOid": coid}


async def cancel_all(ctx: Ctx) -> Any:
    ids = ctx.state.engine.cancel_all(ctx.user_id, ctx.query.get("symbol") or None, ACCOUNT)
    return {"cancelledOrderIds": ids}


def _filtered(ctx: Ctx, status: str | None) -> list[Order]:
    q = ctx.query
    return ctx.state.engine.list_orders(
        ctx.user_id,
        status=status,
        symbol=q.get("symbol") or None,
        side=q.get("side") or None,
        type=q.get("type") or None,
        start_ms=int_param(q, "startAt"),
        end_ms=int_param(q, "endAt"),
        account_type=ACCOUNT,
    )


async def list_orders(ctx: Ctx) -> Any:
    status = ctx.query.get("status") or "done"
    orders = [o for o in _filtered(ctx, status) if o.status != "stop"]
    return paginate([order_payload(o) for o in orders], ctx.query)


async def recent_orders(ctx: Ctx) -> Any:
    since = ctx.now_ms() - DAY_MS
    orders = ctx.state.engine.list_orders(ctx.user_id, start_ms=since, account_type=ACCOUNT)
    return [order_payload(o) for o in orders[:1000]]


async def get_order(ctx: Ctx) -> Any:
    return order_payload(ctx.state.engine.get_order(ctx.user_id, ctx.request.match_info["orderId"]))


async def get_by_client_oid(ctx: Ctx) -> Any:
    coid = ctx.request.match_info["clientOid"]
    return order_payload(ctx.state.engine.get_order_by_client_oid(ctx.user_id, coid))


# ---- stop orders -------------------------------------------------------------------------
def _stop_order(ctx: Ctx, order: Order) -> dict[str, Any]:
    if not order.stop:
        raise EngineError(Reject.ORDER_NOT_FOUND, "order not exist.")
    return stop_order_payload(order, ctx.user_id)


async def list_stop(ctx: Ctx) -> Any:
    orders = [o for o in _filtered(ctx, "active") if o.status == "stop"]
    return paginate([stop_order_payload(o, ctx.user_id) for o in orders], ctx.query)


async def get_stop(ctx: Ctx) -> Any:
    order = ctx.state.engine.get_order(ctx.user_id, ctx.request.match_info["orderId"])
    return _stop_order(ctx, order)


async def get_stop_by_client_oid(ctx: Ctx) -> Any:
    order = ctx.state.engine.get_order_by_client_oid(ctx.user_id, require(ctx.query, "clientOid"))
    return [_stop_order(ctx, order)]


async def cancel_stop(ctx: Ctx) -> Any:
    order = ctx.state.engine.get_order(ctx.user_id, ctx.request.match_info["orderId"])
    _stop_order(ctx, order)
    ctx.state.engine.cancel_order(ctx.user_id, order.id)
    return {"cancelledOrderIds": [order.id]}


async def cancel_stop_by_client_oid(ctx: Ctx) -> Any:
    coid = require(ctx.query, "clientOid")
    order = ctx.state.engine.get_order_by_client_oid(ctx.user_id, coid)
    _stop_order(ctx, order)
    ctx.state.engine.cancel_order(ctx.user_id, order.id)
    return {"cancelledOrderId": order.id, "clientOid": coid}


async def cancel_stops(ctx: Ctx) -> Any:
    orders = [o for o in _filtered(ctx, "active") if o.status == "stop"]
    for order in orders:
        ctx.state.engine.cancel_order(ctx.user_id, order.id)
    return {"cancelledOrderIds": [o.id for o in orders]}


# ---- fills -------------------------------------------------------------------------------
async def list_fills(ctx: Ctx) -> Any:
    q = ctx.query
    fills = ctx.state.engine.list_fills(
        ctx.user_id,
        order_id=q.get("orderId") or None,
        symbol=q.get("symbol") or None,
        side=q.get("side") or None,
        type=q.get("type") or None,
        start_ms=int_param(q, "startAt"),
        end_ms=int_param(q, "endAt"),
        account_type=ACCOUNT,
    )
    return paginate([fill_payload(f) for f in fills], q)


async def recent_fills(ctx: Ctx) -> Any:
    since = ctx.now_ms() - DAY_MS
    fills = ctx.state.engine.list_fills(ctx.user_id, start_ms=since, account_type=ACCOUNT)
    return [fill_payload(f) for f in fills[:1000]]


T = PERMISSION_TRADE
ROUTES = [
    Route("POST", "/api/v1/orders", place, signed=True, permission=T),
    Route("POST", "/api/v1/orders/test", place_test, signed=True, permission=T),
    Route("GET", "/api/v1/orders", list_orders, signed=True),
    Route("DELETE", "/api/v1/orders", cancel_all, signed=True, permission=T),
    Route("GET", "/api/v1/limit/orders", recent_orders, signed=True),
    Route("GET", "/api/v1/orders/{orderId}", get_order, signed=True),
    Route("DELETE", "/api/v1/orders/{orderId}", cancel, signed=True, permission=T),
    Route("GET", "/api/v1/order/client-order/{clientOid}", get_by_client_oid, signed=True),
    Route(
        "DELETE",
        "/api/v1/order/client-order/{clientOid}",
        cancel_by_client_oid,
        signed=True,
        permission=T,
    ),
    Route("POST", "/api/v1/stop-order", place_stop, signed=True, permission=T),
    Route("GET", "/api/v1/stop-order", list_stop, signed=True),
    Route("DELETE", "/api/v1/stop-order/cancel", cancel_stops, signed=True, permission=T),
    Route("GET", "/api/v1/stop-order/queryOrderByClientOid", get_stop_by_client_oid, signed=True),
    Route(
        "DELETE",
        "/api/v1/stop-order/cancelOrderByClientOid",
        cancel_stop_by_client_oid,
        signed=True,
        permission=T,
    ),
    Route("GET", "/api/v1/stop-order/{orderId}", get_stop, signed=True),
    Route("DELETE", "/api/v1/stop-order/{orderId}", cancel_stop, signed=True, permission=T),
    Route("GET", "/api/v1/fills", list_fills, signed=True),
    Route("GET", "/api/v1/limit/fills", recent_fills, signed=True),
]
