"""Candles built from the public trades the simulator printed."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from .wire import dec

CANDLE_SECONDS = {
    "1min": 60,
    "3min": 180,
    "5min": 300,
    "15min": 900,
    "30min": 1800,
    "1hour": 3600,
    "2hour": 7200,
    "4hour": 14400,
    "6hour": 21600,
    "8hour": 28800,
    "12hour": 43200,
    "1day": 86400,
    "1week": 604800,
}
CANDLE_TYPES = (*CANDLE_SECONDS, "1month")


@dataclass(slots=True)
class Candle:
    start_s: int
    open: Decimal
    close: Decimal
    high: Decimal
    low: Decimal
    volume: Decimal
    turnover: Decimal

    def row(self) -> list[str]:
        return [
            str(self.start_s),
            dec(self.open),
            dec(self.close),
            dec(self.high),
            dec(self.low),
            dec(self.volume),
            dec(self.turnover),
        ]


def bucket_start_s(time_s: int, ctype: str) -> int:
    if ctype == "1month":
        moment = datetime.fromtimestamp(time_s, UTC)
        return int(datetime(moment.year, moment.month, 1, tzinfo=UTC).timestamp())
    period = CANDLE_SECONDS[ctype]
    return time_s - time_s % period


class TradeTape:
    """Per-symbol log of (time_ms, price, size), bounded."""

    def __init__(self, max_trades: int = 100_000) -> None:
        self._max = max_trades
        self._tapes: dict[str, deque[tuple[int, Decimal, Decimal]]] = {}

    def record(self, symbol: str, time_ms: int, price: Decimal, size: Decimal) -> None:
        tape = self._tapes.get(symbol)
        if tape is None:
            tape = self._tapes[symbol] = deque(maxlen=self._max)
        tape.append((time_ms, price, size))

    def candles(
        self,
        symbol: str,
        ctype: str,
        start_s: int | None = None,
        end_s: int | None = None,
        limit: int = 1500,
    ) -> list[Candle]:
        """Newest first, only buckets with trades: every candle whose interval meets
        [start_s, end_s] (so ``endAt=now`` includes the candle still open, as ccxt expects
        of KuCoin)."""
        buckets: dict[int, Candle] = {}
        first = bucket_start_s(start_s, ctype) if start_s is not None else None
        for time_ms, price, size in self._tapes.get(symbol, ()):
            t_s = time_ms // 1000
            start = bucket_start_s(t_s, ctype)
            if (first is not None and start < first) or (end_s is not None and start > end_s):
                continue
            c = buckets.get(start)
            if c is None:
                buckets[start] = Candle(start, price, price, price, price, size, price * size)
                continue
            c.close = price
            c.high = max(c.high, price)
            c.low = min(c.low, price)
            c.volume += size
            c.turnover += price * size
        return [buckets[k] for k in sorted(buckets, reverse=True)[:limit]]

    def current(self, symbol: str, ctype: str, now_ms: int) -> Candle | None:
        """The candle of the bucket holding ``now_ms`` (scans back from the newest trade)."""
        start_ms = bucket_start_s(now_ms // 1000, ctype) * 1000
        recent: list[tuple[int, Decimal, Decimal]] = []
        for item in reversed(self._tapes.get(symbol, ())):
            if item[0] < start_ms:
                break
            recent.append(item)
        if not recent:
            return None
        recent.reverse()
        prices = [p for _, p, _ in recent]
        return Candle(
            start_ms // 1000,
            prices[0],
            prices[-1],
            max(prices),
            min(prices),
            sum((s for _, _, s in recent), Decimal(0)),
            sum((p * s for _, p, s in recent), Decimal(0)),
        )
