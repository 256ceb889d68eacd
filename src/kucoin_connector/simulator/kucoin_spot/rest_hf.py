"""High-frequency (``trade_hf`` account) orders and fills."""

from __future__ import annotations

from typing import Any

from ..engine.models import EngineError, Order, Reject
from .auth import PERMISSION_TRADE
from .orderparse import decimal_field, parse_order
from .payloads import fill_payload, order_payload
from .payloads_orders import (
    modify_payload,
    open_order_item,
    sync_cancel_payload,
    sync_place_payload,
)
from .routing import Ctx, Route
from .wire import bad_param, dec, int_param, require

ACCOUNT = "trade_hf"
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def _check_symbol(ctx: Ctx, order: Order) -> Order:
    symbol = require(ctx.query, "symbol")
    if order.symbol != symbol or order.account_type != ACCOUNT:
        raise EngineError(Reject.ORDER_NOT_FOUND, "order not exist.")
    return order


def _by_id(ctx: Ctx) -> Order:
    order = ctx.state.engine.get_order(ctx.user_id, ctx.request.match_info["orderId"])
    return _check_symbol(ctx, order)


def _by_client_oid(ctx: Ctx) -> Order:
    coid = ctx.request.match_info["clientOid"]
    return _check_symbol(ctx, ctx.state.engine.get_order_by_client_oid(ctx.user_id, coid))


async def place(ctx: Ctx) -> Any:
    order = ctx.state.engine.place_order(ctx.user_id, parse_order(ctx.json(), account_type=ACCOUNT))
    return {"orderId": order.id, "clientOid": order.client_oid}


async def place_sync(ctx: Ctx) -> Any:
    order = ctx.state.engine.place_order(ctx.user_id, parse_order(ctx.json(), account_type=ACCOUNT))
    return sync_place_payload(order)


async def place_test(ctx: Ctx) -> Any:
    req = parse_order(ctx.json(), account_type=ACCOUNT)
    return {"orderId": ctx.state.engine.check_order(ctx.user_id, req), "clientOid": req.client_oid}


async def modify(ctx: Ctx) -> Any:
    body = ctx.json()
    symbol = body.get("symbol")
    if not isinstance(symbol, str) or not symbol:
        raise bad_param("symbol is required")
    engine = ctx.state.engine
    if body.get("orderId"):
        order = engine.get_order(ctx.user_id, str(body["orderId"]))
    elif body.get("clientOid"):
        order = engine.get_order_by_client_oid(ctx.user_id, str(body["clientOid"]))
    else:
        raise bad_param("orderId or clientOid is required")
    if order.symbol != symbol or order.account_type != ACCOUNT:
        raise EngineError(Reject.ORDER_NOT_FOUND, "order not exist.")
    price = decimal_field(body, "newPrice")
    size = decimal_field(body, "newSize")
    new_order = engine.amend(ctx.user_id, order.id, price=price, size=size)
    return modify_payload(new_order, order.client_oid)


async def get_order(ctx: Ctx) -> Any:
    return order_payload(_by_id(ctx))


async def get_by_client_oid(ctx: Ctx) -> Any:
    return order_payload(_by_client_oid(ctx))


async def cancel(ctx: Ctx) -> Any:
    order = _by_id(ctx)
    ctx.state.engine.cancel_order(ctx.user_id, order.id)
    return {"orderId": order.id}


async def cancel_by_client_oid(ctx: Ctx) -> Any:
    order = _by_client_oid(ctx)
    ctx.state.engine.cancel_order(ctx.user_id, order.id)
    return {"clientOid": order.client_oid}


async def cancel_sync(ctx: Ctx) -> Any:
    order = _by_id(ctx)
    ctx.state.engine.cancel_order(ctx.user_id, order.id)
    return sync_cancel_payload(order, "orderId")


async def cancel_sync_by_client_oid(ctx: Ctx) -> Any:
    order = _by_client_oid(ctx)
    ctx.state.engine.cancel_order(ctx.user_id, order.id)
    return sync_cancel_payload(order, "clientOid")


async def cancel_partial(ctx: Ctx) -> Any:
    order = _by_id(ctx)
    amount = decimal_field(dict(ctx.query), "cancelSize")
    if amount is None:
        raise bad_param("cancelSize is required")
    removed = ctx.state.engine.reduce_size(ctx.user_id, order.id, amount)
    return {"orderId": order.id, "cancelSize": dec(removed)}


async def cancel_symbol(ctx: Ctx) -> Any:
    ctx.state.engine.cancel_all(ctx.user_id, require(ctx.query, "symbol"), ACCOUNT)
    return "success"


async def cancel_all(ctx: Ctx) -> Any:
    active = ctx.state.engine.list_orders(ctx.user_id, status="active", account_type=ACCOUNT)
    symbols = sorted({o.symbol for o in active})
    ctx.state.engine.cancel_all(ctx.user_id, None, ACCOUNT)
    return {"succeedSymbols": symbols, "failedSymbols": []}


async def active(ctx: Ctx) -> Any:
    orders = ctx.state.engine.list_orders(
        ctx.user_id, status="active", symbol=require(ctx.query, "symbol"), account_type=ACCOUNT
    )
    return [order_payload(o) for o in orders]


def _int_or(ctx: Ctx, name: str, default: int) -> int:
    value = int_param(ctx.query, name)
    return default if value is None else value


async def active_page(ctx: Ctx) -> Any:
    """Active orders of a symbol, newest first, by ``pageNum``/``pageSize``."""
    orders = ctx.state.engine.list_orders(
        ctx.user_id, status="active", symbol=require(ctx.query, "symbol"), account_type=ACCOUNT
    )
    page = _int_or(ctx, "pageNum", 1)
    size = _int_or(ctx, "pageSize", DEFAULT_PAGE_SIZE)
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        raise bad_param(f"pageNum must be >= 1 and pageSize between 1 and {MAX_PAGE_SIZE}")
    start = (page - 1) * size
    return {
        "currentPage": page,
        "pageSize": size,
        "totalNum": len(orders),
        "totalPage": -(-len(orders) // size),
        "items": [open_order_item(o) for o in orders[start : start + size]],
    }


async def active_symbols(ctx: Ctx) -> Any:
    orders = ctx.state.engine.list_orders(ctx.user_id, status="active", account_type=ACCOUNT)
    return {"symbols": sorted({o.symbol for o in orders})}


def _limit(ctx: Ctx) -> int:
    limit = int_param(ctx.query, "limit") or 20
    if not 1 <= limit <= 100:
        raise bad_param("limit must be between 1 and 100")
    return limit


async def done(ctx: Ctx) -> Any:
    q = ctx.query
    orders = ctx.state.engine.list_orders(
        ctx.user_id,
        status="done",
        symbol=require(q, "symbol"),
        side=q.get("side") or None,
        type=q.get("type") or None,
        start_ms=int_param(q, "startAt"),
        end_ms=int_param(q, "endAt"),
        account_type=ACCOUNT,
    )
    last_id = int_param(q, "lastId")
    if last_id:
        orders = [o for o in orders if o.seq < last_id]
    page = orders[: _limit(ctx)]
    return {"lastId": page[-1].seq if page else 0, "items": [order_payload(o) for o in page]}


async def fills(ctx: Ctx) -> Any:
    q = ctx.query
    found = ctx.state.engine.list_fills(
        ctx.user_id,
        order_id=q.get("orderId") or None,
        symbol=require(q, "symbol"),
        side=q.get("side") or None,
        type=q.get("type") or None,
        start_ms=int_param(q, "startAt"),
        end_ms=int_param(q, "endAt"),
        account_type=ACCOUNT,
    )
    numbered = [(len(found) - i, f) for i, f in enumerate(found)]
    last_id = int_param(q, "lastId")
    if last_id:
        numbered = [(n, f) for n, f in numbered if n < last_id]
    page = numbered[: _limit(ctx)]
    return {
        "lastId": page[-1][0] if page else 0,
        "items": [fill_payload(f, numeric_id=n) for n, f in page],
    }


T = PERMISSION_TRADE
ROUTES = [
    Route("POST", "/api/v1/hf/orders", place, signed=True, permission=T),
    Route("POST", "/api/v1/hf/orders/sync", place_sync, signed=True, permission=T),
    Route("POST", "/api/v1/hf/orders/test", place_test, signed=True, permission=T),
    Route("POST", "/api/v1/hf/orders/alter", modify, signed=True, permission=T),
    Route("DELETE", "/api/v1/hf/orders/sync/{orderId}", cancel_sync, signed=True, permission=T),
    Route(
        "DELETE",
        "/api/v1/hf/orders/sync/client-order/{clientOid}",
        cancel_sync_by_client_oid,
        signed=True,
        permission=T,
    ),
    Route(
        "DELETE", "/api/v1/hf/orders/cancel/{orderId}", cancel_partial, signed=True, permission=T
    ),
    Route("DELETE", "/api/v1/hf/orders", cancel_symbol, signed=True, permission=T),
    Route("DELETE", "/api/v1/hf/orders/cancelAll", cancel_all, signed=True, permission=T),
    Route("GET", "/api/v1/hf/orders/active", active, signed=True),
    Route("GET", "/api/v1/hf/orders/active/page", active_page, signed=True),
    Route("GET", "/api/v1/hf/orders/active/symbols", active_symbols, signed=True),
    Route("GET", "/api/v1/hf/orders/done", done, signed=True),
    Route("GET", "/api/v1/hf/orders/client-order/{clientOid}", get_by_client_oid, signed=True),
    Route(
        "DELETE",
        "/api/v1/hf/orders/client-order/{clientOid}",
        cancel_by_client_oid,
        signed=True,
        permission=T,
    ),
    Route("GET", "/api/v1/hf/orders/{orderId}", get_order, signed=True),
    Route("DELETE", "/api/v1/hf/orders/{orderId}", cancel, signed=True, permission=T),
    Route("GET", "/api/v1/hf/fills", fills, signed=True),
]
