"""``/0/public/*``: Time, Assets, AssetPairs, Ticker, Depth, OHLC, Trades."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ..engine.models import ZERO, SymbolSpec, Trade
from .candles import OHLC_INTERVALS, Candle, build_candles
from .errors import UNKNOWN_PAIR, KrakenError, invalid
from .formats import COST_DECIMALS, fixed, lot_decimals, pair_decimals, price_text, qty_text
from .names import PairNames, asset_altname, asset_name
from .requests import Params
from .state import KrakenState

MAX_DEPTH = 500
OHLC_ROWS = 720

PublicHandler = Callable[[KrakenState, Params], Any]


def server_time(state: KrakenState, params: Params) -> dict[str, Any]:
    now_s = state.clock.now_ms() // 1000
    rfc1123 = datetime.fromtimestamp(now_s, tz=UTC).strftime("%a, %d %b %y %H:%M:%S +0000")
    return {"unixtime": now_s, "rfc1123": rfc1123}


def assets(state: KrakenState, params: Params) -> dict[str, Any]:
    wanted = {state.directory.currency(a) for a in params.listed("asset")}
    out: dict[str, Any] = {}
    for currency in state.directory.currencies():
        if wanted and currency not in wanted:
            continue
        out[asset_name(currency)] = {
            "aclass": "currency",
            "altname": asset_altname(currency),
            "decimals": 10,
            "display_decimals": 5,
            "status": "enabled",
        }
    return out


def _pairs(state: KrakenState, params: Params) -> list[PairNames]:
    names = params.listed("pair")
    if not names:
        return list(state.directory.pairs)
    found = []
    for name in names:
        pair = state.directory.find(name)
        if pair is None:
            raise KrakenError(UNKNOWN_PAIR)
        found.append(pair)
    return found


def _fee_tiers(rate: Decimal) -> list[list[float]]:
    return [[0, float(rate * 100)]]


def asset_pairs(state: KrakenState, params: Params) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in _pairs(state, params):
        spec = state.engine.symbol_spec(pair.symbol)
        maker, taker = state.base_fee
        out[pair.name] = {
            "altname": pair.altname,
            "wsname": pair.wsname,
            "aclass_base": "currency",
            "base": asset_name(pair.base),
            "aclass_quote": "currency",
            "quote": asset_name(pair.quote),
            "lot": "unit",
            "cost_decimals": COST_DECIMALS,
            "pair_decimals": pair_decimals(spec),
            "lot_decimals": lot_decimals(spec),
            "lot_multiplier": 1,
            "leverage_buy": [],
            "leverage_sell": [],
            "fees": _fee_tiers(taker),
            "fees_maker": _fee_tiers(maker),
            "fee_volume_currency": "ZUSD",
            "margin_call": 80,
            "margin_stop": 40,
            "ordermin": str(spec.base_min_size.normalize()),
            "costmin": str(spec.min_funds.normalize()),
            "tick_size": str(spec.price_increment.normalize()),
            "status": "online" if spec.enable_trading else "cancel_only",
        }
    return out


def ticker(state: KrakenState, params: Params) -> dict[str, Any]:
    now = state.clock.now_ms()
    return {pair.name: _ticker_row(state, pair, now) for pair in _pairs(state, params)}


def _ticker_row(state: KrakenState, pair: PairNames, now: int) -> dict[str, Any]:
    spec = state.engine.symbol_spec(pair.symbol)
    bid, ask = state.engine.best_bid_ask(pair.symbol)
    stats = state.engine.stats_24h(pair.symbol, now)
    last = state.engine.last_trade(pair.symbol)
    last_price = stats.last or ZERO
    vwap = stats.vol_value / stats.vol if stats.vol > 0 else last_price

    def p(value: Decimal) -> str:
        return price_text(spec, value)

    def q(value: Decimal) -> str:
        return qty_text(spec, value)

    count = sum(1 for t in state.engine.trades(pair.symbol) if t.time_ms > now - 86_400_000)
    return {
        "a": [p(ask[0]), "1", q(ask[1])] if ask else ["0", "0", "0"],
        "b": [p(bid[0]), "1", q(bid[1])] if bid else ["0", "0", "0"],
        "c": [p(last_price), q(last.size if last else ZERO)],
        "v": [q(stats.vol), q(stats.vol)],
        "p": [p(vwap), p(vwap)],
        "t": [count, count],
        "l": [p(stats.low or last_price)] * 2,
        "h": [p(stats.high or last_price)] * 2,
        "o": p(stats.open or last_price),
    }


def _one_pair(state: KrakenState, params: Params) -> PairNames:
    pair = state.directory.find(params.require("pair"))
    if pair is None:
        raise KrakenError(UNKNOWN_PAIR)
    return pair


def depth(state: KrakenState, params: Params) -> dict[str, Any]:
    pair = _one_pair(state, params)
    count = params.integer("count", 100)
    if not 1 <= count <= MAX_DEPTH:
        count = MAX_DEPTH if count > MAX_DEPTH or count == 0 else 1
    spec = state.engine.symbol_spec(pair.symbol)
    _, bids, asks = state.engine.level2_snapshot(pair.symbol, count)
    now_s = state.clock.now_ms() // 1000

    def rows(levels: list[tuple[Decimal, Decimal]]) -> list[list[Any]]:
        return [[price_text(spec, px), qty_text(spec, qty), now_s] for px, qty in levels]

    return {pair.name: {"asks": rows(asks), "bids": rows(bids)}}


def _trade_row(
    spec_price: Callable[[Decimal], str], spec_qty: Callable[[Decimal], str], trade: Trade
) -> list[Any]:
    side = "b" if trade.taker_side == "buy" else "s"
    return [
        spec_price(trade.price),
        spec_qty(trade.size),
        trade.time_ms / 1000,
        side,
        "l",
        "",
        trade.sequence,
    ]


def trades(state: KrakenState, params: Params) -> dict[str, Any]:
    pair = _one_pair(state, params)
    spec = state.engine.symbol_spec(pair.symbol)
    since_ns = params.integer("since", 0)
    rows = [
        t for t in reversed(state.engine.trades(pair.symbol)) if t.time_ms * 1_000_000 > since_ns
    ][-params.integer("count", 1000) :]
    last = str(rows[-1].time_ms * 1_000_000) if rows else str(since_ns)
    return {
        pair.name: [
            _trade_row(lambda v: price_text(spec, v), lambda v: qty_text(spec, v), t) for t in rows
        ],
        "last": last,
    }


def ohlc(state: KrakenState, params: Params) -> dict[str, Any]:
    pair = _one_pair(state, params)
    interval = params.integer("interval", 1)
    if interval not in OHLC_INTERVALS:
        raise invalid("interval")
    spec = state.engine.symbol_spec(pair.symbol)
    since = params.integer("since", 0)
    candles = build_candles(list(reversed(state.engine.trades(pair.symbol))), interval)
    rows = [_candle_row(c, spec) for c in candles if c.start_s > since][-OHLC_ROWS:]
    last = rows[-1][0] if rows else since
    return {pair.name: rows, "last": last}


def _candle_row(candle: Candle, spec: SymbolSpec) -> list[Any]:
    prices = (candle.open, candle.high, candle.low, candle.close, candle.vwap)
    return [
        candle.start_s,
        *(price_text(spec, p) for p in prices),
        qty_text(spec, candle.volume),
        candle.count,
    ]


PUBLIC_ROUTES: dict[str, PublicHandler] = {
    "Time": server_time,
    "Assets": assets,
    "AssetPairs": asset_pairs,
    "Ticker": ticker,
    "Depth": depth,
    "Trades": trades,
    "OHLC": ohlc,
}

__all__ = ["PUBLIC_ROUTES", "fixed"]
