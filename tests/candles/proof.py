"""Shared pieces of the candles proofs: a manual clock both sides read, trading the
simulator through time, and candles recomputed from the engine's own trade tape.

The recomputation is written here, from the definition of a candle (first, highest,
lowest and last price of the trades whose time falls in the bucket, summed size and
price * size), and never calls the feed's or the simulator's candle code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from kucoin_connector.core.candles import Candle
from kucoin_connector.simulator.engine.market import MarketActivity
from kucoin_connector.simulator.engine.models import Trade

# a Thursday 00:00 UTC: a boundary of every interval (weeks count from the epoch's Thursday)
T0 = 2_900 * 604_800
WAIT_S = 20.0


class ManualClock:
    """Seconds since the epoch, moved by the test only."""

    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


async def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.01)


async def trade_through(
    market: MarketActivity,
    clock: ManualClock,
    first_bucket_s: int,
    buckets: int,
    interval_s: int,
    *,
    ticks: int = 6,
    quiet: Iterable[int] = (),
    pause_s: float = 0.0,
) -> None:
    """Market activity spread over ``buckets`` buckets; the ``quiet`` ones (indexes) get
    none. ``pause_s`` lets the socket deliver between ticks."""
    silent = set(quiet)
    for bucket in range(buckets):
        if bucket in silent:
            continue
        for tick in range(ticks):
            clock.t = first_bucket_s + bucket * interval_s + (tick + 0.5) * interval_s / ticks
            market.tick()
            await asyncio.sleep(pause_s)


@dataclass(frozen=True)
class Expected:
    open_time_s: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    quote_volume: Decimal
    flat: bool


def recompute(
    trades: Iterable[Trade],
    interval_s: int,
    start_s: int,
    end_s: int,
    *,
    multiplier: Decimal = Decimal(1),
) -> list[Expected]:
    """Buckets [start_s, end_s) from the tape; no-trade buckets flat at the last close."""
    ordered = sorted(trades, key=lambda t: t.sequence)
    by_bucket: dict[int, list[Trade]] = {}
    close: Decimal | None = None
    for trade in ordered:
        time_s = trade.time_ms // 1000
        if time_s < start_s:
            close = trade.price
        elif time_s < end_s:
            by_bucket.setdefault(time_s - time_s % interval_s, []).append(trade)
    out: list[Expected] = []
    for t in range(start_s, end_s, interval_s):
        bucket = by_bucket.get(t)
        if bucket:
            prices = [x.price for x in bucket]
            out.append(
                Expected(
                    t,
                    prices[0],
                    max(prices),
                    min(prices),
                    prices[-1],
                    sum((x.size * multiplier for x in bucket), Decimal(0)),
                    sum((x.price * x.size * multiplier for x in bucket), Decimal(0)),
                    False,
                )
            )
            close = prices[-1]
        elif close is not None:
            out.append(Expected(t, close, close, close, close, Decimal(0), Decimal(0), True))
    return out


def as_expected(candle: Candle) -> Expected:
    assert candle.quote_volume is not None
    return Expected(
        candle.open_time_s,
        candle.open,
        candle.high,
        candle.low,
        candle.close,
        candle.volume,
        candle.quote_volume,
        candle.flat,
    )


def assert_same(got: list[Candle], expected: list[Expected], *, quote_rel: Decimal) -> None:
    """Exact equality, but quote volume within ``quote_rel`` (futures REST sends floats)."""
    assert [c.open_time_s for c in got] == [e.open_time_s for e in expected]
    for candle, want in zip(got, expected, strict=True):
        have = as_expected(candle)
        tolerance = quote_rel * max(want.quote_volume, Decimal(1))
        assert abs(have.quote_volume - want.quote_volume) <= tolerance
        assert replace_quote(have) == replace_quote(want), f"bucket {candle.open_time_s}"


def replace_quote(e: Expected) -> Expected:
    return Expected(e.open_time_s, e.open, e.high, e.low, e.close, e.volume, Decimal(0), e.flat)
