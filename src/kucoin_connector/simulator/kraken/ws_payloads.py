"""WebSocket v2 data objects: ticker, trade, executions, balances (docs:
api-reference/spot-websocket-v2). Numbers go out as JSON numbers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..engine.engine import MatchingEngine
from ..engine.models import ZERO, Fill, Order, Trade
from .candles import Candle
from .formats import rfc3339
from .ids import IdMap
from .names import PairNames

EXEC_TYPES = {
    "received": ("pending_new", "pending_new"),
    "open": ("new", "new"),
    "match": ("trade", "partially_filled"),
    "filled": ("filled", "filled"),
    "canceled": ("canceled", "canceled"),
    "update": ("amended", "new"),
}


def num(value: Decimal) -> float:
    return float(value)


def ticker_data(engine: MatchingEngine, symbol: str, ws_symbol: str, now_ms: int) -> dict[str, Any]:
    bid, ask = engine.best_bid_ask(symbol)
    stats = engine.stats_24h(symbol, now_ms)
    last = stats.last or ZERO
    vwap = stats.vol_value / stats.vol if stats.vol > 0 else last
    return {
        "symbol": ws_symbol,
        "bid": num(bid[0]) if bid else 0.0,
        "bid_qty": num(bid[1]) if bid else 0.0,
        "ask": num(ask[0]) if ask else 0.0,
        "ask_qty": num(ask[1]) if ask else 0.0,
        "last": num(last),
        "volume": num(stats.vol),
        "vwap": num(vwap),
        "low": num(stats.low or last),
        "high": num(stats.high or last),
        "change": num(stats.change_price),
        "change_pct": num(stats.change_rate * 100),
    }


def trade_data(trade: Trade, ws_symbol: str) -> dict[str, Any]:
    return {
        "symbol": ws_symbol,
        "side": trade.taker_side,
        "price": num(trade.price),
        "qty": num(trade.size),
        "ord_type": "limit",
        "trade_id": trade.sequence,
        "timestamp": rfc3339(trade.time_ms),
    }


def order_fields(order: Order, pair: PairNames, ids: IdMap) -> dict[str, Any]:
    data: dict[str, Any] = {
        "order_id": ids.kraken(order.id, "O"),
        "symbol": pair.ws2,
        "side": order.side,
        "order_type": order.type,
        "order_qty": num(order.size),
        "time_in_force": order.time_in_force,
        "post_only": order.post_only,
        "cum_qty": num(order.deal_size),
        "cum_cost": num(order.deal_funds),
        "fee_ccy_pref": "fciq",
        "timestamp": rfc3339(order.updated_at_ms),
    }
    if order.type == "limit":
        data["limit_price"] = num(order.price)
    if order.deal_size > 0:
        data["avg_price"] = num(order.deal_funds / order.deal_size)
    if order.client_oid:
        data["cl_ord_id"] = order.client_oid
    return data


def execution(
    order: Order, event_type: str, fill: Fill | None, pair: PairNames, ids: IdMap, time_ms: int
) -> dict[str, Any]:
    exec_type, status = EXEC_TYPES.get(event_type, (event_type, "new"))
    data = order_fields(order, pair, ids)
    data.update(exec_type=exec_type, order_status=status, timestamp=rfc3339(time_ms))
    data["exec_id"] = ids.kraken(f"{order.id}{order.updated_at_ms:x}{order.seq:x}", "E")
    if event_type == "canceled":
        data["reason"] = "User requested"
    if fill is not None:
        data.update(fill_fields(fill, ids))
        data["fees"] = [{"asset": fill.fee_currency, "qty": num(fill.fee)}]
    return data


def fill_fields(fill: Fill, ids: IdMap) -> dict[str, Any]:
    return {
        "exec_id": ids.kraken(fill.trade_id, "T"),
        "trade_id": int(fill.trade_id, 16) % 1_000_000_000,
        "last_qty": num(fill.size),
        "last_price": num(fill.price),
        "cost": num(fill.funds),
        "liquidity_ind": "m" if fill.liquidity == "maker" else "t",
        "fee_usd_equiv": num(fill.fee),
    }


def trade_snapshot_item(fill: Fill, pair: PairNames, ids: IdMap) -> dict[str, Any]:
    data = fill_fields(fill, ids)
    data.update(
        order_id=ids.kraken(fill.order_id, "O"),
        symbol=pair.ws2,
        side=fill.side,
        order_type=fill.type,
        exec_type="trade",
        timestamp=rfc3339(fill.created_at_ms),
        fees=[{"asset": fill.fee_currency, "qty": num(fill.fee)}],
    )
    return data


def ohlc_data(candle: Candle, ws_symbol: str, interval: int, now_ms: int) -> dict[str, Any]:
    return {
        "symbol": ws_symbol,
        "open": num(candle.open),
        "high": num(candle.high),
        "low": num(candle.low),
        "close": num(candle.close),
        "trades": candle.count,
        "volume": num(candle.volume),
        "vwap": num(candle.vwap),
        "interval_begin": rfc3339(candle.start_s * 1000),
        "interval": interval,
        "timestamp": rfc3339(now_ms),
    }
