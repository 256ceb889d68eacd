"""Candles built from the engine's recent public trades (REST ``OHLC`` and WS ``ohlc``).

Intervals in minutes, as Kraken: 1, 5, 15, 30, 60, 240, 1440, 10080, 21600. The last
candle is the current, not yet closed one."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..engine.models import ZERO, Trade

OHLC_INTERVALS = (1, 5, 15, 30, 60, 240, 1440, 10080, 21600)


@dataclass(frozen=True)
class Candle:
    start_s: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    vwap: Decimal
    volume: Decimal
    count: int


def _candle(start_s: int, items: list[Trade]) -> Candle:
    volume = sum((t.size for t in items), ZERO)
    value = sum((t.price * t.size for t in items), ZERO)
    prices = [t.price for t in items]
    vwap = value / volume if volume > 0 else prices[-1]
    return Candle(
        start_s, prices[0], max(prices), min(prices), prices[-1], vwap, volume, len(items)
    )


def build_candles(trades_oldest_first: list[Trade], interval_min: int) -> list[Candle]:
    width_s = interval_min * 60
    buckets: dict[int, list[Trade]] = {}
    for trade in trades_oldest_first:
        start = trade.time_ms // 1000 // width_s * width_s
        buckets.setdefault(start, []).append(trade)
    return [_candle(start, items) for start, items in sorted(buckets.items())]
