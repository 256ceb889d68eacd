"""``/0/private/AddOrder``, ``CancelOrder``, ``CancelAll``."""

from __future__ import annotations

from typing import Any

from ..engine.models import EngineError, Order, OrderRequest, SymbolSpec
from .errors import (
    COST_MINIMUM,
    ORDER_MINIMUM,
    POST_ONLY,
    UNKNOWN_ORDER,
    UNKNOWN_PAIR,
    KrakenError,
    invalid,
)
from .formats import price_text, qty_text
from .names import PairNames
from .payloads import describe
from .requests import PrivateCtx
from .state import ACCOUNT_TYPE

TIME_IN_FORCES = ("GTC", "IOC", "FOK")


class ResponseDropped(Exception):
    """The order was placed but its HTTP response is to be lost (a fault)."""


def _order_request(ctx: PrivateCtx, pair: PairNames) -> OrderRequest:
    p = ctx.params
    side = p.require("type")
    if side not in ("buy", "sell"):
        raise invalid("type")
    ordertype = p.require("ordertype")
    if ordertype not in ("limit", "market"):
        raise invalid("ordertype")
    volume = p.decimal("volume")
    if volume is None or volume <= 0:
        raise invalid("volume")
    price = p.decimal("price") if ordertype == "limit" else None
    if ordertype == "limit" and (price is None or price <= 0):
        raise invalid("price")
    flags = p.listed("oflags")
    if "post" in flags and ordertype != "limit":
        raise invalid("oflags")
    tif = p.get("timeinforce", "GTC").upper()
    if tif not in TIME_IN_FORCES:
        raise invalid("timeinforce")
    return OrderRequest(
        symbol=pair.symbol,
        side=side,
        type=ordertype,
        client_oid=p.get("cl_ord_id"),
        price=price,
        size=volume,
        time_in_force=tif,
        post_only="post" in flags,
        account_type=ACCOUNT_TYPE,
    )


def _check_minimums(ctx: PrivateCtx, spec: SymbolSpec, req: OrderRequest) -> None:
    assert req.size is not None
    if req.size < spec.base_min_size:
        raise KrakenError(ORDER_MINIMUM)
    if req.price is not None and req.price * req.size < spec.min_funds:
        raise KrakenError(COST_MINIMUM)
    if req.post_only and req.price is not None:
        bid, ask = ctx.state.engine.best_bid_ask(req.symbol)
        crosses = (req.side == "buy" and ask is not None and req.price >= ask[0]) or (
            req.side == "sell" and bid is not None and req.price <= bid[0]
        )
        if crosses:
            raise KrakenError(POST_ONLY)


def add_order(ctx: PrivateCtx) -> dict[str, Any]:
    state = ctx.state
    pair = state.directory.find(ctx.params.require("pair"))
    if pair is None:
        raise KrakenError(UNKNOWN_PAIR)
    spec = state.engine.symbol_spec(pair.symbol)
    req = _order_request(ctx, pair)
    _check_minimums(ctx, spec, req)
    descr = {"order": _preview(req, spec, pair)}
    if ctx.params.flag("validate"):
        return {"descr": descr}
    limited = state.limiter.check_add_order(ctx.key.key, pair.symbol)
    if limited:
        raise KrakenError(limited)
    try:
        order = state.engine.place_order(ctx.user_id, req)
    except EngineError as exc:
        raise KrakenError.from_engine(exc) from None
    state.order_placed_s[order.id] = state.limiter.clock_s()
    if state.faults.drop_order_responses > 0:
        state.faults.drop_order_responses -= 1
        raise ResponseDropped()
    return {
        "descr": {"order": describe(order, spec, pair)},
        "txid": [state.ids.kraken(order.id, "O")],
    }


def _preview(req: OrderRequest, spec: SymbolSpec, pair: PairNames) -> str:
    assert req.size is not None
    text = f"{req.side} {qty_text(spec, req.size)} {pair.altname} @ "
    if req.price is None:
        return text + "market"
    return text + f"limit {price_text(spec, req.price)}"


def find_order(ctx: PrivateCtx, reference: str) -> Order:
    """By txid, else by cl_ord_id."""
    engine = ctx.state.engine
    engine_id = ctx.state.ids.engine(reference)
    try:
        if engine_id is not None:
            return engine.get_order(ctx.user_id, engine_id)
        return engine.get_order_by_client_oid(ctx.user_id, reference)
    except EngineError:
        raise KrakenError(UNKNOWN_ORDER) from None


def _cancel(ctx: PrivateCtx, order: Order) -> None:
    state = ctx.state
    if not order.is_active:
        raise KrakenError(UNKNOWN_ORDER)
    placed = state.order_placed_s.get(order.id, state.limiter.clock_s())
    limited = state.limiter.check_cancel(
        ctx.key.key, order.symbol, state.limiter.clock_s() - placed
    )
    if limited:
        raise KrakenError(limited)
    try:
        state.engine.cancel_order(ctx.user_id, order.id)
    except EngineError as exc:
        raise KrakenError.from_engine(exc) from None


def cancel_order(ctx: PrivateCtx) -> dict[str, Any]:
    reference = ctx.params.get("txid") or ctx.params.get("cl_ord_id")
    if not reference:
        raise invalid("txid")
    _cancel(ctx, find_order(ctx, reference))
    return {"count": 1}


def cancel_all(ctx: PrivateCtx) -> dict[str, Any]:
    orders = ctx.state.engine.active_orders(ctx.user_id)
    for order in orders:
        _cancel(ctx, order)
    return {"count": len(orders)}
