"""Public REST endpoints: server time/status, symbols, currencies, market data, bullets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..engine.models import Stats24h
from .auth import PERMISSION_GENERAL
from .candles import CANDLE_TYPES
from .payloads import currency_payload, symbol_payload
from .routing import Ctx, Route
from .wire import ApiError, bad_param, bullet_data, dec, int_param, require


async def timestamp(ctx: Ctx) -> Any:
    return ctx.now_ms()


async def status(ctx: Ctx) -> Any:
    return {"status": "open", "msg": ""}


async def symbols_v1(ctx: Ctx) -> Any:
    market = ctx.query.get("market")
    return [
        symbol_payload(s)
        for s in ctx.state.engine.symbols()
        if market is None or s.market == market
    ]


async def symbols_v2(ctx: Ctx) -> Any:
    market = ctx.query.get("market")
    return [
        symbol_payload(s, v2=True)
        for s in ctx.state.engine.symbols()
        if market is None or s.market == market
    ]


async def symbol_v2(ctx: Ctx) -> Any:
    spec = ctx.state.engine.symbol_spec(ctx.request.match_info["symbol"])
    return symbol_payload(spec, v2=True)


def _currency(ctx: Ctx, *, v3: bool) -> Any:
    currency = ctx.request.match_info["currency"]
    if currency not in ctx.state.currencies():
        raise ApiError("900003", "Currency not exists", 400)
    return currency_payload(currency, ctx.state.precision(currency), v3=v3)


async def currencies_v1(ctx: Ctx) -> Any:
    return [currency_payload(c, ctx.state.precision(c)) for c in ctx.state.currencies()]


async def currencies_v3(ctx: Ctx) -> Any:
    return [currency_payload(c, ctx.state.precision(c), v3=True) for c in ctx.state.currencies()]


async def currency_v1(ctx: Ctx) -> Any:
    return _currency(ctx, v3=False)


async def currency_v3(ctx: Ctx) -> Any:
    return _currency(ctx, v3=True)


async def markets(ctx: Ctx) -> Any:
    return sorted({s.market for s in ctx.state.engine.symbols()})


async def prices(ctx: Ctx) -> Any:
    wanted = ctx.query.get("currencies")
    result: dict[str, str] = {}
    for cur in ctx.state.currencies():
        if wanted and cur not in wanted.split(","):
            continue
        price = _usd_price(ctx, cur)
        if price is not None:
            result[cur] = dec(price)
    return result


def _usd_price(ctx: Ctx, currency: str) -> Decimal | None:
    if currency in ("USDT", "USDC", "USD"):
        return Decimal(1)
    for spec in ctx.state.engine.symbols():
        if spec.base_currency == currency and spec.quote_currency in ("USDT", "USDC"):
            return ctx.state.engine.last_price(spec.symbol) or _mid(ctx, spec.symbol)
    return None


def _mid(ctx: Ctx, symbol: str) -> Decimal | None:
    bid, ask = ctx.state.engine.best_bid_ask(symbol)
    if bid and ask:
        return (bid[0] + ask[0]) / 2
    return None


def _symbol(ctx: Ctx) -> str:
    symbol = require(ctx.query, "symbol")
    ctx.state.engine.symbol_spec(symbol)  # 900001 when unknown
    return symbol


async def level1(ctx: Ctx) -> Any:
    data = ctx.state.publisher.ticker_data(_symbol(ctx))
    return data


def _book(ctx: Ctx, depth: int | None) -> dict[str, Any]:
    seq, bids, asks = ctx.state.engine.level2_snapshot(_symbol(ctx), depth)
    return {
        "time": ctx.now_ms(),
        "sequence": str(seq),
        "bids": [[dec(p), dec(s)] for p, s in bids],
        "asks": [[dec(p), dec(s)] for p, s in asks],
    }


async def level2_20(ctx: Ctx) -> Any:
    return _book(ctx, 20)


async def level2_100(ctx: Ctx) -> Any:
    return _book(ctx, 100)


async def level2_full(ctx: Ctx) -> Any:
    return _book(ctx, None)


async def level3(ctx: Ctx) -> Any:
    seq, bids, asks = ctx.state.engine.level3_snapshot(_symbol(ctx))
    return {
        "time": ctx.now_ms(),
        "sequence": str(seq),
        "bids": [[e.order_id, dec(e.price), dec(e.size), e.time_ms * 1_000_000] for e in bids],
        "asks": [[e.order_id, dec(e.price), dec(e.size), e.time_ms * 1_000_000] for e in asks],
    }


def _stats_payload(ctx: Ctx, st: Stats24h) -> dict[str, Any]:
    bid, ask = ctx.state.engine.best_bid_ask(st.symbol)
    maker, taker = ctx.state.base_fee
    spec = ctx.state.engine.symbol_spec(st.symbol)
    avg = (st.vol_value / st.vol).quantize(spec.price_increment) if st.vol else st.last
    return {
        "time": st.time_ms,
        "symbol": st.symbol,
        "symbolName": st.symbol,
        "buy": dec(bid[0]) if bid else None,
        "bestBidSize": dec(bid[1]) if bid else None,
        "sell": dec(ask[0]) if ask else None,
        "bestAskSize": dec(ask[1]) if ask else None,
        "changeRate": dec(st.change_rate),
        "changePrice": dec(st.change_price),
        "high": _opt(st.high),
        "low": _opt(st.low),
        "vol": dec(st.vol),
        "volValue": dec(st.vol_value),
        "last": _opt(st.last),
        "averagePrice": _opt(avg),
        "takerFeeRate": dec(taker),
        "makerFeeRate": dec(maker),
        "takerCoefficient": "1",
        "makerCoefficient": "1",
    }


def _opt(value: Decimal | None) -> str | None:
    return None if value is None else dec(value)


# allTickers items only (KuCoin's 24 h stats of one symbol have none of these)
TICKER_ONLY_FIELDS = ("symbolName", "bestBidSize", "bestAskSize")


async def stats(ctx: Ctx) -> Any:
    data = _stats_payload(ctx, ctx.state.engine.stats_24h(_symbol(ctx), ctx.now_ms()))
    return {k: v for k, v in data.items() if k not in TICKER_ONLY_FIELDS}


async def all_tickers(ctx: Ctx) -> Any:
    now = ctx.now_ms()
    tickers = []
    for spec in ctx.state.engine.symbols():
        item = _stats_payload(ctx, ctx.state.engine.stats_24h(spec.symbol, now))
        item.pop("time")
        tickers.append(item)
    return {"time": now, "ticker": tickers}


async def histories(ctx: Ctx) -> Any:
    trades = ctx.state.engine.trades(_symbol(ctx), 100)
    return [
        {
            "sequence": str(t.sequence),
            "price": dec(t.price),
            "size": dec(t.size),
            "side": t.taker_side,
            "time": t.time_ms * 1_000_000,
        }
        for t in reversed(trades)
    ]


async def candles(ctx: Ctx) -> Any:
    symbol = _symbol(ctx)
    ctype = require(ctx.query, "type")
    if ctype not in CANDLE_TYPES:
        raise bad_param(f"invalid candle type {ctype}")
    rows = ctx.state.tape.candles(
        symbol,
        ctype,
        int_param(ctx.query, "startAt") or None,
        int_param(ctx.query, "endAt") or None,
    )
    return [c.row() for c in rows]


def bullet(ctx: Ctx, user_id: str | None) -> dict[str, Any]:
    settings, state = ctx.state.ws_settings, ctx.state
    token = state.tokens.issue(user_id)
    return bullet_data(token, state.ws_url, settings.ping_interval_ms, settings.ping_timeout_ms)


async def bullet_public(ctx: Ctx) -> Any:
    return bullet(ctx, None)


async def bullet_private(ctx: Ctx) -> Any:
    return bullet(ctx, ctx.user_id)


ROUTES = [
    Route("GET", "/api/v1/timestamp", timestamp),
    Route("GET", "/api/v1/status", status),
    Route("GET", "/api/v1/symbols", symbols_v1),
    Route("GET", "/api/v2/symbols", symbols_v2),
    Route("GET", "/api/v2/symbols/{symbol}", symbol_v2),
    Route("GET", "/api/v1/currencies", currencies_v1),
    Route("GET", "/api/v1/currencies/{currency}", currency_v1),
    Route("GET", "/api/v3/currencies", currencies_v3),
    Route("GET", "/api/v3/currencies/{currency}", currency_v3),
    Route("GET", "/api/v1/markets", markets),
    Route("GET", "/api/v1/prices", prices),
    Route("GET", "/api/v1/market/orderbook/level1", level1),
    Route("GET", "/api/v1/market/orderbook/level2_20", level2_20),
    Route("GET", "/api/v1/market/orderbook/level2_100", level2_100),
    Route(
        "GET",
        "/api/v3/market/orderbook/level2",
        level2_full,
        signed=True,
        permission=PERMISSION_GENERAL,
    ),
    Route("GET", "/api/v1/market/orderbook/level3", level3),
    Route("GET", "/api/v3/market/orderbook/level3", level3, signed=True),
    Route("GET", "/api/v1/market/allTickers", all_tickers),
    Route("GET", "/api/v1/market/stats", stats),
    Route("GET", "/api/v1/market/histories", histories),
    Route("GET", "/api/v1/market/candles", candles),
    Route("POST", "/api/v1/bullet-public", bullet_public),
    Route("POST", "/api/v1/bullet-private", bullet_private, signed=True),
]
