"""The venue-agnostic feed over a scripted in-memory source: intervals, synthesised
lengths, paging, flat candles, the open candle in place, reconnects that refetch."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal

import pytest

from candles.proof import ManualClock, wait_for
from kucoin_connector.core.candles import (
    INTERVAL_ALIASES,
    INTERVAL_SECONDS,
    Candle,
    CandlesFeed,
    aggregate,
    bucket_start,
    fill_flat,
    native_for,
    parse_interval,
)
from kucoin_connector.core.errors import ConfigurationError, ExchangeUnavailableError
from kucoin_connector.kraken.candles import KrakenCandleSource
from kucoin_connector.kucoin.candles import KucoinSpotCandleSource
from kucoin_connector.kucoin_perpetual.candles import KucoinPerpetualCandleSource

D = Decimal
MINUTE = 60
T0 = 1_753_920_000  # a Thursday 00:00 UTC


def row(t: int, o: str, h: str, low: str, c: str, v: str = "1") -> Candle:
    return Candle(t, D(o), D(h), D(low), D(c), D(v), D(v) * D(c))


class ScriptedSource:
    """Native rows held in memory; live pushes and reconnects are driven by the test."""

    name = "scripted"

    def __init__(self, native: frozenset[int], max_rows: int = 1000) -> None:
        self.native_intervals = native
        self.max_rows = max_rows
        self.history_rows: int | None = None
        self.rows: dict[int, Candle] = {}
        self.calls: list[tuple[int, int, int]] = []
        self.push: Callable[[Candle], None] | None = None
        self.reconnected: Callable[[], Awaitable[None]] | None = None
        self.closed = False

    async def fetch(self, native_s: int, start_s: int, end_s: int) -> list[Candle]:
        self.calls.append((native_s, start_s, end_s))
        assert (end_s - start_s) // native_s <= self.max_rows
        return [c for t, c in sorted(self.rows.items()) if start_s <= t < end_s]

    async def open_live(
        self,
        native_s: int,
        on_candle: Callable[[Candle], None],
        on_reconnected: Callable[[], Awaitable[None]],
    ) -> None:
        self.push, self.reconnected = on_candle, on_reconnected

    async def close(self) -> None:
        self.closed = True


def test_every_interval_and_short_form() -> None:
    assert len(INTERVAL_SECONDS) == 13
    for short, name in INTERVAL_ALIASES.items():
        assert parse_interval(short) == parse_interval(name) == (name, INTERVAL_SECONDS[name])
    with pytest.raises(ConfigurationError):
        parse_interval("1month")


@pytest.mark.parametrize(
    ("source", "interval", "native"),
    [
        (KucoinPerpetualCandleSource, "3min", 60),
        (KucoinPerpetualCandleSource, "6hour", 7200),
        (KucoinPerpetualCandleSource, "8hour", 28800),  # native: never 8h rows for 6h
        (KucoinPerpetualCandleSource, "1day", 86400),
        (KucoinSpotCandleSource, "6hour", 21600),
        (KrakenCandleSource, "2hour", 3600),
        (KrakenCandleSource, "12hour", 14400),
        (KrakenCandleSource, "3min", 60),
    ],
)
def test_native_length_divides_the_asked_one(
    source: type[KrakenCandleSource], interval: str, native: int
) -> None:
    seconds = parse_interval(interval)[1]
    assert native_for(seconds, source.native_intervals) == native


def test_every_interval_is_buildable_on_every_venue() -> None:
    for source in (KucoinSpotCandleSource, KucoinPerpetualCandleSource, KrakenCandleSource):
        for seconds in INTERVAL_SECONDS.values():
            assert seconds % native_for(seconds, source.native_intervals) == 0


def test_weekly_buckets_open_on_thursdays() -> None:
    monday = T0 + 4 * 86400
    assert bucket_start(monday, 604800) == T0  # KuCoin's weekly candles open on Thursdays


def test_aggregate_three_minutes_from_one() -> None:
    rows = [
        row(T0 + 60, "11", "13", "10", "12"),
        row(T0, "10", "11", "9", "11"),
        row(T0 + 180, "12", "12", "12", "12"),
    ]
    three = aggregate(rows, 180)
    assert [c.open_time_s for c in three] == [T0, T0 + 180]
    first = three[0]
    assert (first.open, first.high, first.low, first.close) == (D(10), D(13), D(9), D(12))
    assert first.volume == D(2) and first.quote_volume == D(23)


def test_fill_flat_marks_or_keeps() -> None:
    rows = [row(T0, "10", "11", "9", "10.5"), row(T0 + 120, "11", "11", "11", "11")]
    filled = fill_flat(rows, T0 - 60, T0 + 180, 60, None)
    assert [c.open_time_s for c in filled] == [T0, T0 + 60, T0 + 120]  # no price before T0
    flat = filled[1]
    assert flat.flat and flat.volume == 0 and flat.open == flat.close == D("10.5")
    assert not fill_flat(rows, T0, T0 + 180, 60, None, mark=False)[1].flat


async def test_history_paged_within_the_row_limit_then_ready() -> None:
    source = ScriptedSource(frozenset({MINUTE}), max_rows=4)
    for i in range(12):
        source.rows[T0 + i * MINUTE] = row(T0 + i * MINUTE, "1", "2", "1", "2")
    clock = ManualClock(T0 + 12 * MINUTE + 5)
    feed = CandlesFeed(source, trading_pair="X-Y", interval="1m", max_records=10, clock_s=clock)
    await feed.start()
    try:
        assert feed.ready
        assert [c.open_time_s for c in feed.closed_candles] == [
            T0 + i * MINUTE for i in range(2, 12)
        ]
        pages = [call for call in source.calls if call[2] <= T0 + 12 * MINUTE]
        assert len(pages) >= 3  # 10 rows at most 4 a request
    finally:
        await feed.stop()
    assert source.closed


async def test_synthesised_interval_asks_only_native_rows() -> None:
    source = ScriptedSource(frozenset({60, 7200}))
    for i in range(36):  # 3 days of 2-hour rows
        source.rows[T0 + i * 7200] = row(T0 + i * 7200, str(i + 1), str(i + 2), str(i), str(i + 1))
    clock = ManualClock(T0 + 36 * 7200 + 1)
    feed = CandlesFeed(source, trading_pair="X-Y", interval="6h", max_records=12, clock_s=clock)
    await feed.start()
    try:
        assert {call[0] for call in source.calls} == {7200}
        held = feed.closed_candles
        assert len(held) == 12 and all(c.open_time_s % 21600 == 0 for c in held)
        last = held[-1]  # rows 33, 34, 35
        assert (last.open, last.high, last.low, last.close) == (D(34), D(37), D(33), D(36))
        assert last.volume == D(3)
    finally:
        await feed.stop()


async def test_open_candle_in_place_and_rollover_settles_over_rest() -> None:
    source = ScriptedSource(frozenset({MINUTE}))
    source.rows[T0] = row(T0, "10", "10", "10", "10")
    clock = ManualClock(T0 + MINUTE + 1)
    feed = CandlesFeed(
        source, trading_pair="X-Y", interval="1m", max_records=3, clock_s=clock, poll_s=3600
    )
    await feed.start()
    try:
        assert source.push is not None
        source.push(row(T0 + MINUTE, "10", "11", "10", "11"))
        source.push(row(T0 + MINUTE, "10", "12", "10", "12"))
        assert len(feed.candles) == 2 and feed.candles[-1].close == D(12)  # in place
        # the next minute: REST knows the closed bucket; the socket shows the new one
        source.rows[T0 + MINUTE] = row(T0 + MINUTE, "10", "12", "9", "11.5")
        clock.t = T0 + 2 * MINUTE + 1
        source.push(row(T0 + 2 * MINUTE, "11.5", "11.5", "11.5", "11.5"))
        await wait_for(lambda: len(feed.closed_candles) == 2, "rollover")
        assert feed.closed_candles[-1].close == D("11.5")  # REST's figure, not the socket's
        assert feed.open_candle is not None and feed.open_candle.open_time_s == T0 + 2 * MINUTE
    finally:
        await feed.stop()


async def test_reconnect_refetches_missed_buckets_and_never_resets() -> None:
    source = ScriptedSource(frozenset({MINUTE}))
    for i in range(3):
        source.rows[T0 + i * MINUTE] = row(T0 + i * MINUTE, "10", "10", "10", "10")
    clock = ManualClock(T0 + 3 * MINUTE + 1)
    feed = CandlesFeed(
        source, trading_pair="X-Y", interval="1m", max_records=6, clock_s=clock, poll_s=3600
    )
    await feed.start()
    try:
        before = feed.closed_candles
        assert len(before) == 3 and feed.ready  # a new market: the venue has nothing older
        # 3 minutes pass while the socket is down: one traded, two did not
        source.rows[T0 + 4 * MINUTE] = row(T0 + 4 * MINUTE, "10", "13", "10", "13")
        clock.t = T0 + 6 * MINUTE + 1
        assert source.reconnected is not None
        await source.reconnected()
        await wait_for(lambda: len(feed.closed_candles) == 6, "refetch")
        held = feed.closed_candles
        assert held[:3] == before  # nothing was reset
        assert [c.flat for c in held[3:]] == [True, False, True]
        assert held[5].open == D(13)  # flat at the previous close
        assert feed.ready and feed.refetches == 1 and feed.reconnects == 1
    finally:
        await feed.stop()


async def test_clock_alone_closes_quiet_buckets() -> None:
    source = ScriptedSource(frozenset({MINUTE}))
    source.rows[T0] = row(T0, "10", "10", "10", "10")
    clock = ManualClock(T0 + MINUTE + 1)
    feed = CandlesFeed(
        source, trading_pair="X-Y", interval="1m", max_records=3, clock_s=clock, poll_s=0.01
    )
    async with feed:
        clock.t = T0 + 3 * MINUTE + 1
        await wait_for(lambda: len(feed.closed_candles) == 3, "quiet buckets")
        assert [c.flat for c in feed.closed_candles] == [False, True, True]


async def test_wait_until_ready_times_out() -> None:
    source = ScriptedSource(frozenset({MINUTE}))
    feed = CandlesFeed(source, trading_pair="X-Y", interval="1m", clock_s=ManualClock(T0))
    with pytest.raises(TimeoutError):
        await feed.wait_until_ready(0.05)
    await asyncio.sleep(0)


async def test_a_failed_start_closes_the_source() -> None:
    class Failing(ScriptedSource):
        async def fetch(self, native_s: int, start_s: int, end_s: int) -> list[Candle]:
            raise ExchangeUnavailableError("down")

    source = Failing(frozenset({MINUTE}))
    feed = CandlesFeed(source, trading_pair="X-Y", interval="1m", clock_s=ManualClock(T0))
    with pytest.raises(ExchangeUnavailableError):
        await feed.start()
    assert source.closed
