"""Batch placement: classic ``/api/v1/orders/multi`` and HF ``/api/v1/hf/orders/multi[/sync]``.

Orders of a batch are placed one after the other; each succeeds or fails on its own (an
earlier order's hold counts against a later one) and the answer lists every order in
request order with its own status and failure message. KuCoin documents at most 5 orders
per batch for all three routes; a larger or empty list refuses the whole request (400100).
The classic batch takes limit orders (stop limit included) of the one ``symbol`` of the
body; the HF batches validate each order exactly as a single HF placement does (an order
without ``symbol`` takes the body's, as ccxt sends it; orders of several symbols are
accepted, as in KuCoin's own example).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..engine.models import EngineError, Order
from .auth import PERMISSION_TRADE
from .orderparse import parse_order
from .payloads_orders import (
    classic_batch_item,
    hf_batch_failure,
    hf_batch_item,
    hf_batch_sync_item,
)
from .routing import Ctx, Route
from .wire import ApiError, bad_param

MAX_BATCH = 5


def _order_list(ctx: Ctx) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    body = ctx.json()
    items = body.get("orderList")
    if not isinstance(items, list) or not items:
        raise bad_param("orderList is required")
    if len(items) > MAX_BATCH:
        raise bad_param(f"orderList cannot exceed {MAX_BATCH} orders")
    if not all(isinstance(item, dict) for item in items):
        raise bad_param("orderList items must be objects")
    return body, items


def _try_place(ctx: Ctx, item: dict[str, Any], account_type: str) -> Order | str:
    """The placed order, or the reason it was refused."""
    try:
        return ctx.state.engine.place_order(
            ctx.user_id, parse_order(item, account_type=account_type)
        )
    except (EngineError, ApiError) as exc:
        return exc.message


async def place_classic(ctx: Ctx) -> Any:
    body, items = _order_list(ctx)
    symbol = body.get("symbol")
    if not isinstance(symbol, str) or not symbol:
        raise bad_param("symbol is required")
    ctx.state.engine.symbol_spec(symbol)
    answers = []
    for item in items:
        if item.get("symbol") not in (None, "", symbol):
            answers.append(classic_batch_item(item, symbol, None, "symbol must be the batch's"))
            continue
        if str(item.get("type") or "limit") != "limit":
            answers.append(classic_batch_item(item, symbol, None, "only limit orders"))
            continue
        result = _try_place(ctx, {**item, "symbol": symbol}, "trade")
        if isinstance(result, Order):
            answers.append(classic_batch_item(item, symbol, result, None))
        else:
            answers.append(classic_batch_item(item, symbol, None, result))
    return {"data": answers}


def _hf_batch(ctx: Ctx, accepted: Callable[[Order], dict[str, Any]]) -> list[dict[str, Any]]:
    body, items = _order_list(ctx)
    answers = []
    for item in items:
        if not item.get("symbol") and body.get("symbol"):
            item = {**item, "symbol": body["symbol"]}  # ccxt also sends a top-level symbol
        result = _try_place(ctx, item, "trade_hf")
        answers.append(
            accepted(result) if isinstance(result, Order) else hf_batch_failure(item, result)
        )
    return answers


async def place_hf(ctx: Ctx) -> Any:
    return _hf_batch(ctx, hf_batch_item)


async def place_hf_sync(ctx: Ctx) -> Any:
    return _hf_batch(ctx, hf_batch_sync_item)


T = PERMISSION_TRADE
ROUTES = [
    Route("POST", "/api/v1/orders/multi", place_classic, signed=True, permission=T),
    Route("POST", "/api/v1/hf/orders/multi", place_hf, signed=True, permission=T),
    Route("POST", "/api/v1/hf/orders/multi/sync", place_hf_sync, signed=True, permission=T),
]
