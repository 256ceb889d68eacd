"""KuCoin Futures' ``/contractMarket/limitCandle:{symbol}_{type}`` topic (subject
``candle.stick``), computed from the engine's own trades.

KuCoin's order here is **open time (s), open, close, high, low, volume, amount** (unlike
the REST klines' open, high, low, close in ms), with ``data.time`` in milliseconds. KuCoin
documents the volume field as wrong ("please do not use it"); its documented example
carries the traded lots in both the volume and the amount field, and so does this
simulator. Types: the REST granularities (no 3min, no 6hour).
"""

from __future__ import annotations

from decimal import Decimal

from ..engine.clock import SimClock
from ..engine.engine import MatchingEngine
from ..engine.models import Trade
from ..kucoin_spot.publisher import message
from ..kucoin_spot.wire import dec
from ..kucoin_spot.ws import ParsedTopic, TopicError
from ..kucoin_spot.ws_hub import WsHub

LIMIT_CANDLE = "/contractMarket/limitCandle"
SUBJECT = "candle.stick"
CANDLE_MINUTES = {
    "1min": 1,
    "5min": 5,
    "15min": 15,
    "30min": 30,
    "1hour": 60,
    "2hour": 120,
    "4hour": 240,
    "8hour": 480,
    "12hour": 720,
    "1day": 1440,
    "1week": 10080,
}


def parse_candle_topic(topic: str, symbols: set[str]) -> ParsedTopic:
    """``/contractMarket/limitCandle:XBTUSDTM_1min`` -> one subscription (one symbol)."""
    key = topic.partition(":")[2].strip()
    symbol, _, ctype = key.rpartition("_")
    if symbol not in symbols or ctype not in CANDLE_MINUTES:
        return ParsedTopic([], TopicError(404, f"topic {topic} is not found"))
    return ParsedTopic([(LIMIT_CANDLE, key)])


def candle_row(trades: list[Trade], start_ms: int) -> list[str] | None:
    """The bucket's row from trades (newest first), None when it has none yet."""
    window = [t for t in reversed(trades) if t.time_ms >= start_ms]
    if not window:
        return None
    prices = [t.price for t in window]
    lots = sum((t.size for t in window), Decimal(0))
    return [
        str(start_ms // 1000),
        dec(prices[0]),
        dec(prices[-1]),
        dec(max(prices)),
        dec(min(prices)),
        dec(lots),
        dec(lots),
    ]


class LimitCandles:
    """Publishes the open candle of every subscribed type after each trade."""

    def __init__(self, hub: WsHub, clock: SimClock, engine: MatchingEngine) -> None:
        self.hub, self.clock, self.engine = hub, clock, engine

    def publish(self, symbol: str) -> None:
        now_ms = self.clock.now_ms()
        for ctype, minutes in CANDLE_MINUTES.items():
            key = f"{symbol}_{ctype}"
            if not self.hub.has_subscribers(LIMIT_CANDLE, key):
                continue
            step = minutes * 60_000
            row = candle_row(self.engine.trades(symbol), now_ms - now_ms % step)
            if row is None:
                continue
            data = {"symbol": symbol, "candles": row, "time": now_ms}
            self.hub.publish(LIMIT_CANDLE, key, message(f"{LIMIT_CANDLE}:{key}", SUBJECT, data))
