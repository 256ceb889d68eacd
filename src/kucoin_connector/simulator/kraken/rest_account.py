"""``/0/private/*`` queries: orders, trades, balances, WebSocket token, positions."""

from __future__ import annotations

from typing import Any

from ..engine.models import Order
from .errors import UNKNOWN_ORDER, KrakenError, invalid
from .names import asset_name
from .payloads import money, order_info, trade_info
from .requests import PrivateCtx
from .rest_orders import find_order
from .state import ACCOUNT_TYPE, TOKEN_LIFETIME_S

MAX_QUERY = 50


def _info(ctx: PrivateCtx, order: Order) -> dict[str, Any]:
    state = ctx.state
    pair = state.directory.by_symbol(order.symbol)
    spec = state.engine.symbol_spec(order.symbol)
    fills = None
    if ctx.params.flag("trades"):
        fills = state.engine.list_fills(ctx.user_id, order_id=order.id)
    return order_info(order, spec, pair, state.ids, fills)


def _txid(ctx: PrivateCtx, order: Order) -> str:
    return ctx.state.ids.kraken(order.id, "O")


def _client_filter(ctx: PrivateCtx, orders: list[Order]) -> list[Order]:
    wanted = ctx.params.get("cl_ord_id")
    return [o for o in orders if not wanted or o.client_oid == wanted]


def open_orders(ctx: PrivateCtx) -> dict[str, Any]:
    orders = _client_filter(ctx, ctx.state.engine.list_orders(ctx.user_id, status="active"))
    return {"open": {_txid(ctx, o): _info(ctx, o) for o in orders}}


def closed_orders(ctx: PrivateCtx) -> dict[str, Any]:
    orders = _client_filter(ctx, ctx.state.engine.list_orders(ctx.user_id, status="done"))
    start = ctx.params.decimal("start")
    end = ctx.params.decimal("end")
    orders = [
        o
        for o in orders
        if (start is None or o.updated_at_ms / 1000 > start)
        and (end is None or o.updated_at_ms / 1000 <= end)
    ]
    offset = ctx.params.integer("ofs", 0)
    page = orders[offset : offset + MAX_QUERY]
    return {"closed": {_txid(ctx, o): _info(ctx, o) for o in page}, "count": len(orders)}


def query_orders(ctx: PrivateCtx) -> dict[str, Any]:
    references = ctx.params.listed("txid") or ctx.params.listed("cl_ord_id")
    if not references or len(references) > MAX_QUERY:
        raise invalid("txid")
    out: dict[str, Any] = {}
    for reference in references:
        order = find_order(ctx, reference)
        out[_txid(ctx, order)] = _info(ctx, order)
    return out


def trades_history(ctx: PrivateCtx) -> dict[str, Any]:
    state = ctx.state
    fills = state.engine.list_fills(ctx.user_id, account_type=ACCOUNT_TYPE)
    offset = ctx.params.integer("ofs", 0)
    page = fills[offset : offset + MAX_QUERY]
    trades = {}
    for fill in page:
        pair = state.directory.by_symbol(fill.symbol)
        spec = state.engine.symbol_spec(fill.symbol)
        trades[state.ids.kraken(fill.trade_id, "T")] = trade_info(fill, spec, pair, state.ids)
    return {"trades": trades, "count": len(fills)}


def query_trades(ctx: PrivateCtx) -> dict[str, Any]:
    state = ctx.state
    wanted = ctx.params.listed("txid")
    if not wanted or len(wanted) > 20:
        raise invalid("txid")
    fills = {
        state.ids.kraken(f.trade_id, "T"): f
        for f in state.engine.list_fills(ctx.user_id, account_type=ACCOUNT_TYPE)
    }
    out: dict[str, Any] = {}
    for txid in wanted:
        fill = fills.get(txid)
        if fill is None:
            raise KrakenError(UNKNOWN_ORDER)  # Kraken: "EQuery:..."; not verified
        pair = state.directory.by_symbol(fill.symbol)
        out[txid] = trade_info(fill, state.engine.symbol_spec(fill.symbol), pair, state.ids)
    return out


def balance(ctx: PrivateCtx) -> dict[str, Any]:
    accounts = ctx.state.accounts.list_accounts(ctx.user_id, account_type=ACCOUNT_TYPE)
    return {asset_name(a.currency): money(a.balance) for a in accounts}


def balance_ex(ctx: PrivateCtx) -> dict[str, Any]:
    accounts = ctx.state.accounts.list_accounts(ctx.user_id, account_type=ACCOUNT_TYPE)
    return {
        asset_name(a.currency): {"balance": money(a.balance), "hold_trade": money(a.holds)}
        for a in accounts
    }


def websockets_token(ctx: PrivateCtx) -> dict[str, Any]:
    return {"token": ctx.state.tokens.issue(ctx.user_id), "expires": TOKEN_LIFETIME_S}


def open_positions(ctx: PrivateCtx) -> dict[str, Any] | list[Any]:
    """Spot: no margin positions (a list when consolidated by market, as Kraken does)."""
    return [] if ctx.params.get("consolidation") == "market" else {}
