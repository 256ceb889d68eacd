"""OCO orders (``/api/v3/oco/...``): a limit order and a stop-limit order, one cancels the
other (the engine side is ``engine/linked_orders.py``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ..engine.linked_orders import CANCELED, DONE, NEW, TRIGGERED, LinkedPair, PairRequest
from .auth import PERMISSION_TRADE
from .orderparse import MAX_CLIENT_OID
from .routing import Ctx, Route
from .services import services
from .wire import bad_param, dec, int_param, paginate, require

OCO_ACCOUNT = "trade"  # tradeType TRADE: the spot trading account
STATUS = {NEW: "NEW", DONE: "DONE", TRIGGERED: "TRIGGERED", CANCELED: "CANCELLED"}
MAX_REMARK = 20


def _decimal(body: dict[str, Any], name: str) -> Decimal:
    try:
        value = Decimal(str(require(body, name)))
    except InvalidOperation as exc:
        raise bad_param(f"{name} is invalid") from exc
    if not value.is_finite() or value <= 0:
        raise bad_param(f"{name} is invalid")
    return value


def parse_pair(body: dict[str, Any]) -> PairRequest:
    if str(body.get("tradeType") or "TRADE") != "TRADE":
        raise bad_param("tradeType only supports TRADE")
    side = require(body, "side")
    if side not in ("buy", "sell"):
        raise bad_param("side is invalid")
    client_oid = str(body.get("clientOid") or "")
    remark = str(body.get("remark") or "")
    if len(client_oid) > MAX_CLIENT_OID or len(remark) > MAX_REMARK:
        raise bad_param("clientOid or remark is too long")
    return PairRequest(
        symbol=require(body, "symbol"),
        side=side,
        size=_decimal(body, "size"),
        price=_decimal(body, "price"),
        stop_price=_decimal(body, "stopPrice"),
        limit_price=_decimal(body, "limitPrice"),
        client_oid=client_oid,
        remark=remark,
        account_type=OCO_ACCOUNT,
    )


def oco_summary(pair: LinkedPair) -> dict[str, Any]:
    return {
        "orderId": pair.id,
        "symbol": pair.symbol,
        "clientOid": pair.client_oid,
        "orderTime": pair.created_at_ms,
        "status": STATUS[pair.status],
    }


def oco_detail(pair: LinkedPair) -> dict[str, Any]:
    legs = [
        {
            "id": leg.id,
            "symbol": pair.symbol,
            "side": pair.side,
            "price": dec(leg.price),
            "stopPrice": dec(leg.stop_price),
            "size": dec(pair.size),
            "status": STATUS[leg.status],
        }
        for leg in pair.legs
    ]
    return {**oco_summary(pair), "orders": legs}


def _canceled(pair: LinkedPair) -> list[str]:
    return [leg.id for leg in pair.legs]


async def place(ctx: Ctx) -> Any:
    pair = services(ctx).linked.place(ctx.user_id, parse_pair(ctx.json()))
    return {"orderId": pair.id}


async def cancel(ctx: Ctx) -> Any:
    pair = services(ctx).linked.cancel(ctx.user_id, ctx.request.match_info["orderId"])
    return {"cancelledOrderIds": _canceled(pair)}


async def cancel_by_client_oid(ctx: Ctx) -> Any:
    linked = services(ctx).linked
    found = linked.get_by_client_oid(ctx.user_id, ctx.request.match_info["clientOid"])
    return {"cancelledOrderIds": _canceled(linked.cancel(ctx.user_id, found.id))}


async def cancel_many(ctx: Ctx) -> Any:
    linked = services(ctx).linked
    wanted = _order_ids(ctx)
    targets = [
        p
        for p in linked.list_pairs(ctx.user_id, ctx.query.get("symbol") or None)
        if p.status == NEW and (wanted is None or p.id in wanted)
    ]
    canceled: list[str] = []
    for pair in reversed(targets):
        canceled.extend(_canceled(linked.cancel(ctx.user_id, pair.id)))
    return {"cancelledOrderIds": canceled}


async def get_order(ctx: Ctx) -> Any:
    return oco_summary(services(ctx).linked.get(ctx.user_id, ctx.request.match_info["orderId"]))


async def get_by_client_oid(ctx: Ctx) -> Any:
    coid = ctx.request.match_info["clientOid"]
    return oco_summary(services(ctx).linked.get_by_client_oid(ctx.user_id, coid))


async def get_detail(ctx: Ctx) -> Any:
    return oco_detail(services(ctx).linked.get(ctx.user_id, ctx.request.match_info["orderId"]))


async def list_orders(ctx: Ctx) -> Any:
    q = ctx.query
    wanted = _order_ids(ctx)
    start, end = int_param(q, "startAt"), int_param(q, "endAt")
    pairs = [
        p
        for p in services(ctx).linked.list_pairs(ctx.user_id, q.get("symbol") or None)
        if (wanted is None or p.id in wanted)
        and (start is None or p.created_at_ms >= start)
        and (end is None or p.created_at_ms <= end)
    ]
    return paginate([oco_summary(p) for p in pairs], q)


def _order_ids(ctx: Ctx) -> set[str] | None:
    raw = ctx.query.get("orderIds") or ""
    ids = {part for part in raw.split(",") if part}
    return ids or None


T = PERMISSION_TRADE
ROUTES = [
    Route("POST", "/api/v3/oco/order", place, signed=True, permission=T),
    Route("GET", "/api/v3/oco/order/details/{orderId}", get_detail, signed=True),
    Route("GET", "/api/v3/oco/order/{orderId}", get_order, signed=True),
    Route("DELETE", "/api/v3/oco/order/{orderId}", cancel, signed=True, permission=T),
    Route("GET", "/api/v3/oco/client-order/{clientOid}", get_by_client_oid, signed=True),
    Route(
        "DELETE",
        "/api/v3/oco/client-order/{clientOid}",
        cancel_by_client_oid,
        signed=True,
        permission=T,
    ),
    Route("GET", "/api/v3/oco/orders", list_orders, signed=True),
    Route("DELETE", "/api/v3/oco/orders", cancel_many, signed=True, permission=T),
]
