"""KuCoin Futures positions, position and margin modes, leverage, funding history and the
account overview."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ..engine.positions import MarginMode, Position, PositionMode
from ..kucoin_spot.auth import PERMISSION_TRADE
from ..kucoin_spot.wire import ApiError, bad_param, require
from .payloads import account_overview_payload, funding_history_payload, position_payload
from .routing import Ctx, Route


def _symbol(ctx: Ctx, raw: object) -> str:
    symbol = str(raw or "")
    if ctx.state.contract(symbol) is None:
        raise ApiError("400100", "contract does not exist", 400)
    return symbol


def _position(ctx: Ctx, pos: Position) -> dict[str, Any]:
    state = ctx.state
    mode = state.positions.position_mode(ctx.user_id)
    contract = state.contracts[pos.symbol]
    return position_payload(pos, contract, state.mark_price(pos.symbol), mode, ctx.now_ms())


async def positions(ctx: Ctx) -> Any:
    """Open positions (a position closed since is left out, as KuCoin does)."""
    currency = ctx.query.get("currency") or None
    rows = [
        _position(ctx, p)
        for p in ctx.state.positions.positions(ctx.user_id)
        if p.qty and (currency is None or ctx.state.contracts[p.symbol].settle == currency)
    ]
    return rows


async def position(ctx: Ctx) -> Any:
    symbol = _symbol(ctx, require(ctx.query, "symbol"))
    rows = [
        _position(ctx, p)
        for p in ctx.state.positions.positions(ctx.user_id)
        if p.symbol == symbol and p.qty
    ]
    return rows[0] if len(rows) == 1 else rows


async def get_position_mode(ctx: Ctx) -> Any:
    mode = ctx.state.positions.position_mode(ctx.user_id)
    return {"positionMode": 1 if mode is PositionMode.HEDGE else 0}


async def switch_position_mode(ctx: Ctx) -> Any:
    raw = str(ctx.json().get("positionMode", ""))
    if raw not in ("0", "1"):
        raise bad_param("positionMode must be 0 (one-way) or 1 (hedge)")
    mode = PositionMode.HEDGE if raw == "1" else PositionMode.ONE_WAY
    has_orders = bool(ctx.state.engine.active_orders(ctx.user_id))
    ctx.state.positions.set_position_mode(ctx.user_id, mode, has_orders)
    return {"positionMode": int(raw)}


async def get_margin_mode(ctx: Ctx) -> Any:
    symbol = _symbol(ctx, require(ctx.query, "symbol"))
    return {"symbol": symbol, "marginMode": ctx.state.positions.margin_mode(ctx.user_id, symbol)}


async def change_margin_mode(ctx: Ctx) -> Any:
    body = ctx.json()
    symbol = _symbol(ctx, body.get("symbol"))
    raw = body.get("marginMode")
    if raw not in ("ISOLATED", "CROSS"):
        raise bad_param("marginMode must be ISOLATED or CROSS")
    ctx.state.positions.set_margin_mode(ctx.user_id, symbol, MarginMode(raw))
    return {"symbol": symbol, "marginMode": raw}


async def change_cross_leverage(ctx: Ctx) -> Any:
    body = ctx.json()
    symbol = _symbol(ctx, body.get("symbol"))
    try:
        leverage = Decimal(str(body.get("leverage", "")))
    except InvalidOperation as exc:
        raise bad_param("leverage is invalid") from exc
    terms = ctx.state.margin.terms(symbol)
    ctx.state.positions.set_leverage(ctx.user_id, terms, leverage)
    return True


async def get_cross_leverage(ctx: Ctx) -> Any:
    symbol = _symbol(ctx, require(ctx.query, "symbol"))
    leverage = ctx.state.positions.leverage(ctx.user_id, symbol)
    return {"symbol": symbol, "leverage": str(leverage)}


async def funding_history(ctx: Ctx) -> Any:
    symbol = _symbol(ctx, require(ctx.query, "symbol"))
    rows = [
        funding_history_payload(p, ctx.state.contracts[symbol])
        for p in reversed(ctx.state.funding_history)
        if p.user_id == ctx.user_id and p.symbol == symbol
    ]
    return {"dataList": rows[:100], "hasMore": len(rows) > 100}


async def account_overview(ctx: Ctx) -> Any:
    state = ctx.state
    currency = ctx.query.get("currency") or "XBT"
    wallet = state.ledger.wallet(ctx.user_id, currency)
    unrealised = sum(
        (
            p.unrealised_pnl(state.margin.terms(p.symbol), state.mark_price(p.symbol))
            for p in state.positions.positions(ctx.user_id)
            if p.qty and state.contracts[p.symbol].settle == currency
        ),
        start=Decimal(0),
    )
    return account_overview_payload(wallet, unrealised, ctx.user_id)


async def trade_fees(ctx: Ctx) -> Any:
    symbol = _symbol(ctx, require(ctx.query, "symbol"))
    maker, taker = ctx.state.base_fee
    return {"symbol": symbol, "takerFeeRate": str(taker), "makerFeeRate": str(maker)}


ROUTES = [
    Route("GET", "/api/v1/positions", positions, signed=True),
    Route("GET", "/api/v1/position", position, signed=True),
    Route("GET", "/api/v2/position/getPositionMode", get_position_mode, signed=True),
    Route(
        "POST",
        "/api/v2/position/switchPositionMode",
        switch_position_mode,
        signed=True,
        permission=PERMISSION_TRADE,
    ),
    Route("GET", "/api/v2/position/getMarginMode", get_margin_mode, signed=True),
    Route(
        "POST",
        "/api/v2/position/changeMarginMode",
        change_margin_mode,
        signed=True,
        permission=PERMISSION_TRADE,
    ),
    Route(
        "POST",
        "/api/v2/changeCrossUserLeverage",
        change_cross_leverage,
        signed=True,
        permission=PERMISSION_TRADE,
    ),
    Route("GET", "/api/v2/getCrossUserLeverage", get_cross_leverage, signed=True),
    Route("GET", "/api/v1/funding-history", funding_history, signed=True),
    Route("GET", "/api/v1/account-overview", account_overview, signed=True),
    Route("GET", "/api/v1/trade-fees", trade_fees, signed=True),
]
