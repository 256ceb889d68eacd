"""KuCoin Futures orders and fills."""

from __future__ import annotations

from typing import Any

from ..engine.models import EngineError, Order, Reject
from ..engine.validation import validate_request
from ..kucoin_spot.auth import PERMISSION_TRADE
from ..kucoin_spot.wire import ApiError, bad_param, paginate, require
from .contracts import ContractDef
from .orderparse import parse_order
from .payloads import fill_payload, order_payload
from .routing import Ctx, Route


def _contract(ctx: Ctx, symbol: object) -> ContractDef:
    contract = ctx.state.contract(str(symbol)) if symbol else None
    if contract is None:
        raise ApiError("400100", "contract does not exist", 400)
    return contract


def _order(ctx: Ctx, order: Order) -> dict[str, Any]:
    return order_payload(order, ctx.state.contracts[order.symbol])


async def place(ctx: Ctx) -> Any:
    body = ctx.json()
    req = parse_order(body, _contract(ctx, body.get("symbol")))
    order = ctx.state.engine.place_order(ctx.user_id, req)
    return {"orderId": order.id, "clientOid": order.client_oid}


async def place_test(ctx: Ctx) -> Any:
    """Validates the body as a real placement would; places nothing."""
    body = ctx.json()
    contract = _contract(ctx, body.get("symbol"))
    validate_request(ctx.state.engine.symbol_spec(contract.symbol), parse_order(body, contract))
    return {"orderId": "", "clientOid": body.get("clientOid", "")}


async def cancel(ctx: Ctx) -> Any:
    order_id = ctx.request.match_info["orderId"]
    try:
        ctx.state.engine.cancel_order(ctx.user_id, order_id)
    except EngineError as exc:
        raise EngineError(Reject.ORDER_NOT_FOUND, "order not exist.") from exc
    return {"cancelledOrderIds": [order_id]}


async def cancel_by_client_oid(ctx: Ctx) -> Any:
    client_oid = ctx.request.match_info["clientOid"]
    _contract(ctx, require(ctx.query, "symbol"))
    try:
        ctx.state.engine.cancel_by_client_oid(ctx.user_id, client_oid)
    except EngineError as exc:
        raise EngineError(Reject.ORDER_NOT_FOUND, "order not exist.") from exc
    return {"clientOid": client_oid}


async def cancel_all(ctx: Ctx) -> Any:
    symbol = ctx.query.get("symbol")
    if symbol:
        _contract(ctx, symbol)
    return {"cancelledOrderIds": ctx.state.engine.cancel_all(ctx.user_id, symbol or None)}


async def list_orders(ctx: Ctx) -> Any:
    status = ctx.query.get("status", "active")
    if status not in ("active", "done"):
        raise bad_param("status must be active or done")
    symbol = ctx.query.get("symbol") or None
    side = ctx.query.get("side") or None
    orders = ctx.state.engine.list_orders(ctx.user_id, status=status, symbol=symbol, side=side)
    page = paginate([_order(ctx, o) for o in orders], ctx.query, max_page_size=1000)
    return page


async def recent_done(ctx: Ctx) -> Any:
    orders = ctx.state.engine.list_orders(
        ctx.user_id, status="done", symbol=ctx.query.get("symbol") or None
    )
    return [_order(ctx, o) for o in orders[:1000]]


async def get_order(ctx: Ctx) -> Any:
    try:
        order = ctx.state.engine.get_order(ctx.user_id, ctx.request.match_info["orderId"])
    except EngineError as exc:
        raise EngineError(Reject.ORDER_NOT_FOUND, "order not exist.") from exc
    return _order(ctx, order)


async def get_order_by_client_oid(ctx: Ctx) -> Any:
    try:
        order = ctx.state.engine.get_order_by_client_oid(
            ctx.user_id, require(ctx.query, "clientOid")
        )
    except EngineError as exc:
        raise EngineError(Reject.ORDER_NOT_FOUND, "order not exist.") from exc
    return _order(ctx, order)


def _fills(ctx: Ctx, order_id: str | None, symbol: str | None) -> list[dict[str, Any]]:
    state = ctx.state
    fills = state.engine.list_fills(ctx.user_id, order_id=order_id, symbol=symbol)
    return [
        fill_payload(
            f, state.contracts[f.symbol], state.margin.effects.get((f.order_id, f.trade_id))
        )
        for f in fills
    ]


async def fills(ctx: Ctx) -> Any:
    items = _fills(ctx, ctx.query.get("orderId") or None, ctx.query.get("symbol") or None)
    return paginate(items, ctx.query, max_page_size=1000)


# Fee-tax fields KuCoin documents on ``/api/v1/fills`` only (not on recent fills).
FILLS_ONLY = ("openFeeTaxPay", "closeFeeTaxPay")


async def recent_fills(ctx: Ctx) -> Any:
    items = _fills(ctx, None, ctx.query.get("symbol") or None)[:1000]
    return [{k: v for k, v in item.items() if k not in FILLS_ONLY} for item in items]


async def open_order_statistics(ctx: Ctx) -> Any:
    symbol = require(ctx.query, "symbol")
    contract = _contract(ctx, symbol)
    active = [o for o in ctx.state.engine.active_orders(ctx.user_id) if o.symbol == symbol]
    buys = [o for o in active if o.side == "buy"]
    sells = [o for o in active if o.side == "sell"]

    def value(orders: list[Order]) -> str:
        total = sum((o.price * o.remain_size * contract.multiplier for o in orders), start=0)
        return str(total)

    return {
        "openOrderBuySize": int(sum(o.remain_size for o in buys)),
        "openOrderSellSize": int(sum(o.remain_size for o in sells)),
        "openOrderBuyCost": value(buys),
        "openOrderSellCost": value(sells),
        "settleCurrency": contract.settle,
    }


ROUTES = [
    Route("POST", "/api/v1/orders", place, signed=True, permission=PERMISSION_TRADE),
    Route("POST", "/api/v1/orders/test", place_test, signed=True, permission=PERMISSION_TRADE),
    Route("GET", "/api/v1/orders", list_orders, signed=True),
    Route("DELETE", "/api/v1/orders", cancel_all, signed=True, permission=PERMISSION_TRADE),
    Route("GET", "/api/v1/orders/byClientOid", get_order_by_client_oid, signed=True),
    Route(
        "DELETE",
        "/api/v1/orders/client-order/{clientOid}",
        cancel_by_client_oid,
        signed=True,
        permission=PERMISSION_TRADE,
    ),
    Route("GET", "/api/v1/orders/{orderId}", get_order, signed=True),
    Route("DELETE", "/api/v1/orders/{orderId}", cancel, signed=True, permission=PERMISSION_TRADE),
    Route("GET", "/api/v1/recentDoneOrders", recent_done, signed=True),
    Route("GET", "/api/v1/fills", fills, signed=True),
    Route("GET", "/api/v1/recentFills", recent_fills, signed=True),
    Route("GET", "/api/v1/openOrderStatistics", open_order_statistics, signed=True),
]
