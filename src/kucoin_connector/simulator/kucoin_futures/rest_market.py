"""Public KuCoin Futures REST: time, status, contracts, ticker, books, trades, klines,
funding rate, mark price, WebSocket bullets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..kucoin_spot.wire import ApiError, bad_param, bullet_data, dec, int_param, require
from .contracts import ContractDef, contract_payload
from .routing import Ctx, Route

# kline granularities in minutes (KuCoin Futures: no 3-minute and no 6-hour candles)
GRANULARITIES = (1, 5, 15, 30, 60, 120, 240, 480, 720, 1440, 10080)
MAX_KLINES = 500


def _contract(ctx: Ctx, symbol: str) -> ContractDef:
    contract = ctx.state.contract(symbol)
    if contract is None:
        raise ApiError("400100", "contract does not exist", 400)
    return contract


def _contract_data(ctx: Ctx, contract: ContractDef) -> dict[str, Any]:
    state, now = ctx.state, ctx.now_ms()
    maker, taker = state.base_fee
    return contract_payload(
        contract,
        maker_fee=maker,
        taker_fee=taker,
        mark_price=state.mark_price(contract.symbol),
        last_price=state.engine.last_price(contract.symbol),
        funding_rate=state.funding_rate(contract.symbol),
        next_funding_ms=state.next_funding(now),
        now_ms=now,
    )


async def timestamp(ctx: Ctx) -> Any:
    return ctx.now_ms()


async def status(ctx: Ctx) -> Any:
    return {"status": "open", "msg": ""}


async def contracts_active(ctx: Ctx) -> Any:
    return [_contract_data(ctx, c) for c in ctx.state.contracts.values()]


async def contract_detail(ctx: Ctx) -> Any:
    return _contract_data(ctx, _contract(ctx, ctx.request.match_info["symbol"]))


async def ticker(ctx: Ctx) -> Any:
    symbol = require(ctx.query, "symbol")
    _contract(ctx, symbol)
    engine = ctx.state.engine
    bid, ask = engine.best_bid_ask(symbol)
    last = engine.last_trade(symbol)
    return {
        "sequence": engine.sequence(symbol),
        "symbol": symbol,
        "side": last.taker_side if last else "buy",
        "size": int(last.size) if last else 0,
        "tradeId": last.trade_id if last else "",
        "price": dec(last.price) if last else dec(ctx.state.mark_price(symbol)),
        "bestBidPrice": dec(bid[0]) if bid else "",
        "bestBidSize": int(bid[1]) if bid else 0,
        "bestAskPrice": dec(ask[0]) if ask else "",
        "bestAskSize": int(ask[1]) if ask else 0,
        "ts": ctx.now_ms() * 1_000_000,
    }


def _book(ctx: Ctx, depth: int | None) -> dict[str, Any]:
    symbol = require(ctx.query, "symbol")
    _contract(ctx, symbol)
    sequence, bids, asks = ctx.state.engine.level2_snapshot(symbol, depth)
    return {
        "symbol": symbol,
        "sequence": sequence,
        "bids": [[float(p), int(s)] for p, s in bids],
        "asks": [[float(p), int(s)] for p, s in asks],
        "ts": ctx.now_ms() * 1_000_000,
    }


async def level2_snapshot(ctx: Ctx) -> Any:
    """The full book (the truncated depth endpoints below are not for calibration)."""
    return _book(ctx, None)


async def level2_depth20(ctx: Ctx) -> Any:
    return _book(ctx, 20)


async def level2_depth100(ctx: Ctx) -> Any:
    return _book(ctx, 100)


async def trade_history(ctx: Ctx) -> Any:
    symbol = require(ctx.query, "symbol")
    _contract(ctx, symbol)
    trades = ctx.state.engine.trades(symbol, 100)
    return [
        {
            "sequence": t.sequence,
            "contractId": 1,
            "tradeId": t.trade_id,
            "makerOrderId": t.maker_order_id,
            "takerOrderId": t.taker_order_id,
            "ts": t.time_ms * 1_000_000,
            "size": int(t.size),
            "price": dec(t.price),
            "side": t.taker_side,
        }
        for t in trades  # newest first
    ]


async def kline(ctx: Ctx) -> Any:
    """``[[open time ms, open, high, low, close, volume (lots), turnover], ...]`` oldest
    first, built from the trades the simulator printed."""
    symbol = require(ctx.query, "symbol")
    contract = _contract(ctx, symbol)
    granularity = int_param(ctx.query, "granularity")
    if granularity not in GRANULARITIES:
        raise bad_param("granularity is invalid")
    step = granularity * 60_000
    now = ctx.now_ms()
    end = int_param(ctx.query, "to") or now
    start = int_param(ctx.query, "from") or end - MAX_KLINES * step
    buckets: dict[int, list[Decimal]] = {}
    for trade in reversed(ctx.state.engine.trades(symbol)):  # oldest first
        if not start <= trade.time_ms <= end:
            continue
        key = trade.time_ms // step * step
        turnover = trade.price * trade.size * contract.multiplier
        row = buckets.get(key)
        if row is None:
            buckets[key] = [trade.price] * 4 + [trade.size, turnover]
            continue
        row[1] = max(row[1], trade.price)
        row[2] = min(row[2], trade.price)
        row[3] = trade.price
        row[4] += trade.size
        row[5] += turnover
    rows = sorted(buckets.items())[-MAX_KLINES:]
    return [[t, *(float(v) for v in row)] for t, row in rows]


async def funding_rate_current(ctx: Ctx) -> Any:
    symbol = ctx.request.match_info["symbol"]
    _contract(ctx, symbol)
    rate = float(ctx.state.funding_rate(symbol))
    now = ctx.now_ms()
    return {
        "symbol": f".{symbol}FPI8H",
        "granularity": 28_800_000,
        "timePoint": now,
        "value": rate,
        "predictedValue": rate,
        "fundingRateCap": 0.003,
        "fundingRateFloor": -0.003,
        "period": 1,
        "fundingTime": ctx.state.next_funding(now),
    }


async def mark_price_current(ctx: Ctx) -> Any:
    symbol = ctx.request.match_info["symbol"]
    _contract(ctx, symbol)
    return {
        "symbol": symbol,
        "granularity": 1000,
        "timePoint": ctx.now_ms(),
        "value": float(ctx.state.mark_price(symbol)),
        "indexPrice": float(ctx.state.index_price(symbol)),
    }


def _bullet(ctx: Ctx, user_id: str | None) -> dict[str, Any]:
    settings, state = ctx.state.ws_settings, ctx.state
    token = state.tokens.issue(user_id)
    return bullet_data(token, state.ws_url, settings.ping_interval_ms, settings.ping_timeout_ms)


async def bullet_public(ctx: Ctx) -> Any:
    return _bullet(ctx, None)


async def bullet_private(ctx: Ctx) -> Any:
    return _bullet(ctx, ctx.user_id)


ROUTES = [
    Route("GET", "/api/v1/timestamp", timestamp),
    Route("GET", "/api/v1/status", status),
    Route("GET", "/api/v1/contracts/active", contracts_active),
    Route("GET", "/api/v1/contracts/{symbol}", contract_detail),
    Route("GET", "/api/v1/ticker", ticker),
    Route("GET", "/api/v1/level2/snapshot", level2_snapshot),
    Route("GET", "/api/v1/level2/depth20", level2_depth20),
    Route("GET", "/api/v1/level2/depth100", level2_depth100),
    Route("GET", "/api/v1/trade/history", trade_history),
    Route("GET", "/api/v1/kline/query", kline),
    Route("GET", "/api/v1/funding-rate/{symbol}/current", funding_rate_current),
    Route("GET", "/api/v1/mark-price/{symbol}/current", mark_price_current),
    Route("POST", "/api/v1/bullet-public", bullet_public),
    Route("POST", "/api/v1/bullet-private", bullet_private, signed=True),
]
