"""The venue-agnostic candles feed: intervals, aggregation, the buffer, gaps, ready.

A venue supplies a :class:`CandleSource` (its REST paths, row order, units and WS topic
live in its own package); this module knows none of that. Every candle is normalised at
the venue's edge into a :class:`Candle`: open time in UTC seconds, Decimal prices and
volumes (base and quote).

How the feed stays correct:

- **Buckets** are aligned to multiples of the interval since the Unix epoch (UTC), as KuCoin
  aligns its own (its weekly candles open on Thursdays, the epoch's weekday).
- **Synthesised intervals**: a length the venue lacks is built from the longest native
  length that divides it (KuCoin futures' 3min from 1min, 6hour from 2hour): the exchange
  is never asked for a different length than the one the user gets.
- **Closed candles come from REST**, fetched by time range (paged within the venue's row
  limit) whenever the clock passes a bucket end, live data shows a newer bucket, or the
  socket reconnects: a bucket missed while disconnected is refetched, never hidden, and
  the buffer is never reset. The WebSocket only moves the open candle, in place.
- **No-trade intervals** are flat candles at the previous close with zero volume, marked
  ``flat`` (``mark_flat=False`` keeps them unmarked); never a gap, never a reset.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from kucoin_connector.core.errors import ConfigurationError, ConnectorError

__all__ = [
    "INTERVAL_ALIASES",
    "INTERVAL_SECONDS",
    "Candle",
    "CandleSource",
    "CandlesFeed",
    "aggregate",
    "bucket_start",
    "fill_flat",
    "native_for",
    "parse_interval",
]

log = logging.getLogger(__name__)

ZERO = Decimal(0)
INTERVAL_SECONDS: dict[str, int] = {
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
INTERVAL_ALIASES: dict[str, str] = {
    "1m": "1min",
    "3m": "3min",
    "5m": "5min",
    "15m": "15min",
    "30m": "30min",
    "1h": "1hour",
    "2h": "2hour",
    "4h": "4hour",
    "6h": "6hour",
    "8h": "8hour",
    "12h": "12hour",
    "1d": "1day",
    "1w": "1week",
}


def parse_interval(interval: str) -> tuple[str, int]:
    """``"1m"`` or ``"1min"`` -> (``"1min"``, 60); unknown names are a ConfigurationError."""
    name = INTERVAL_ALIASES.get(interval, interval)
    seconds = INTERVAL_SECONDS.get(name)
    if seconds is None:
        known = ", ".join([*INTERVAL_SECONDS, *INTERVAL_ALIASES])
        raise ConfigurationError(f"unknown candle interval {interval!r}; one of {known}")
    return name, seconds


def bucket_start(time_s: int, interval_s: int) -> int:
    return time_s - time_s % interval_s


def native_for(interval_s: int, native: Iterable[int]) -> int:
    """The longest native length that divides ``interval_s`` (itself when native)."""
    divisors = [n for n in native if interval_s % n == 0]
    if not divisors:
        raise ConfigurationError(f"no native candle length builds {interval_s} s candles")
    return max(divisors)


@dataclass(frozen=True, slots=True)
class Candle:
    """One bucket: open time (UTC s), OHLC, base and quote volume. ``quote_volume`` is
    None when the venue did not give it; ``flat`` marks a no-trade interval."""

    open_time_s: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    quote_volume: Decimal | None
    flat: bool = False


def aggregate(rows: Iterable[Candle], interval_s: int) -> list[Candle]:
    """Native rows (any order, one per bucket) -> ``interval_s`` candles in time order."""
    groups: dict[int, list[Candle]] = {}
    for row in sorted(rows, key=lambda c: c.open_time_s):
        groups.setdefault(bucket_start(row.open_time_s, interval_s), []).append(row)
    return [_merge(start, group) for start, group in sorted(groups.items())]


def _merge(start: int, group: Sequence[Candle]) -> Candle:
    if len(group) == 1 and group[0].open_time_s == start:
        return group[0]
    quotes = [c.quote_volume for c in group]
    return Candle(
        open_time_s=start,
        open=group[0].open,
        high=max(c.high for c in group),
        low=min(c.low for c in group),
        close=group[-1].close,
        volume=sum((c.volume for c in group), ZERO),
        quote_volume=None if None in quotes else sum((q for q in quotes if q is not None), ZERO),
        flat=all(c.flat for c in group),
    )


def fill_flat(
    candles: Sequence[Candle],
    start_s: int,
    end_s: int,
    interval_s: int,
    previous_close: Decimal | None,
    *,
    mark: bool = True,
) -> list[Candle]:
    """Every bucket of [start_s, end_s): the candle, or a flat one at the previous close.
    Buckets before the first known price (no previous close) are left out."""
    by_start = {c.open_time_s: c for c in candles}
    out: list[Candle] = []
    close = previous_close
    for t in range(start_s, end_s, interval_s):
        candle = by_start.get(t)
        if candle is None and close is not None:
            candle = Candle(t, close, close, close, close, ZERO, ZERO, flat=mark)
        if candle is not None:
            out.append(candle)
            close = candle.close
    return out


class CandleSource(Protocol):
    """A venue's candles, normalised at its edge. Lengths are in seconds."""

    name: str
    native_intervals: frozenset[int]
    max_rows: int  # rows one REST request returns at most
    history_rows: int | None  # how far back (in rows) the venue serves at all; None: no limit

    async def fetch(self, native_s: int, start_s: int, end_s: int) -> list[Candle]:
        """Native rows whose open time is in [start_s, end_s); at most ``max_rows`` of them
        are asked for at a time by the feed."""

    async def open_live(
        self,
        native_s: int,
        on_candle: Callable[[Candle], None],
        on_reconnected: Callable[[], Awaitable[None]],
    ) -> None:
        """Subscribe to live native candles (the open bucket, updated in place)."""

    async def close(self) -> None: ...


class CandlesFeed:
    """History over REST, then live over WebSocket, for one pair and one interval.

    ``candles`` holds up to ``max_records`` closed candles in time order plus the open one
    (last); ``ready`` once ``max_records`` closed candles are held (or the venue has no
    older candles: a new market).
    """

    def __init__(
        self,
        source: CandleSource,
        *,
        trading_pair: str,
        interval: str = "1min",
        max_records: int = 150,
        mark_flat: bool = True,
        clock_s: Callable[[], float] = time.time,
        poll_s: float = 1.0,
    ) -> None:
        if max_records < 1 or poll_s <= 0:
            raise ConfigurationError("max_records >= 1 and poll_s > 0")
        self.source = source
        self.trading_pair = trading_pair
        self.interval, self.interval_s = parse_interval(interval)
        self.native_s = native_for(self.interval_s, source.native_intervals)
        self.max_records = max_records
        self.mark_flat = mark_flat
        self._clock_s = clock_s
        self._poll_s = poll_s
        self._closed: dict[int, Candle] = {}  # open time -> closed candle, time order
        self._live: dict[int, Candle] = {}  # native open time -> live native candle
        self._settled_until: int | None = None  # closed buckets before this are held
        self._history_exhausted = False
        self._lock = asyncio.Lock()
        self._changed = asyncio.Event()  # set on every stored or live change
        self._tasks: set[asyncio.Task[None]] = set()
        self._poller: asyncio.Task[None] | None = None
        self.refetches = 0  # REST range fetches after the history (rollovers, reconnects)
        self.reconnects = 0

    # ------------------------------------------------------------------ state
    @property
    def name(self) -> str:
        return f"{self.source.name} {self.trading_pair} {self.interval}"

    @property
    def closed_candles(self) -> list[Candle]:
        return list(self._closed.values())

    @property
    def open_candle(self) -> Candle | None:
        if self._settled_until is None:
            return None
        rows = [c for t, c in self._live.items() if t >= self._settled_until]
        current = aggregate(rows, self.interval_s)
        return current[-1] if current else None

    @property
    def candles(self) -> list[Candle]:
        open_candle = self.open_candle
        return self.closed_candles + ([open_candle] if open_candle is not None else [])

    @property
    def ready(self) -> bool:
        return len(self._closed) >= self.max_records or (
            self._history_exhausted and bool(self._closed)
        )

    def _now_s(self) -> int:
        return int(self._clock_s())

    # ------------------------------------------------------------------ life cycle
    async def start(self) -> None:
        """Subscribe first (nothing is missed), then fill the history, then keep current.
        On failure the source is closed (its socket and session) and the error raised."""
        try:
            await self.source.open_live(self.native_s, self._on_live, self._on_reconnected)
            await self._fill_history()
        except BaseException:
            await self.source.close()
            raise
        self._poller = asyncio.get_running_loop().create_task(self._poll())

    async def stop(self) -> None:
        tasks = [*self._tasks, *([self._poller] if self._poller else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._poller = None
        await self.source.close()

    async def __aenter__(self) -> CandlesFeed:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def wait_until_ready(self, timeout_s: float | None = None) -> None:
        async with asyncio.timeout(timeout_s):
            while not self.ready:
                self._changed.clear()
                await self._changed.wait()

    async def wait_for_update(self, timeout_s: float | None = None) -> None:
        """Return at the next change: a live update of the open candle or stored closes."""
        self._changed.clear()
        async with asyncio.timeout(timeout_s):
            await self._changed.wait()

    # ------------------------------------------------------------------ REST
    async def fetch_range(
        self, start_s: int, end_s: int, *, previous_close: Decimal | None = None
    ) -> list[Candle]:
        """Closed candles with open time in [start_s, end_s) (aligned), paged, flat-filled;
        ``previous_close`` (else looked up before ``start_s``) prices leading flat ones."""
        start = bucket_start(start_s, self.interval_s)
        end = bucket_start(end_s + self.interval_s - 1, self.interval_s)
        start = max(start, self._oldest_servable())
        rows = await self._fetch_native(start, end)
        candles = aggregate(rows, self.interval_s)
        first = candles[0].open_time_s if candles else end
        if previous_close is None and first > start:
            previous_close = await self._close_before(start)
        return fill_flat(candles, start, end, self.interval_s, previous_close, mark=self.mark_flat)

    def _oldest_servable(self) -> int:
        rows = self.source.history_rows
        if rows is None:
            return 0
        return bucket_start(self._now_s() - (rows - 1) * self.native_s, self.interval_s)

    async def _fetch_native(self, start_s: int, end_s: int) -> list[Candle]:
        page_s = self.source.max_rows * self.native_s
        rows: dict[int, Candle] = {}
        for page_end in range(end_s, start_s, -page_s):  # newest page first
            page = await self.source.fetch(self.native_s, max(start_s, page_end - page_s), page_end)
            rows.update((c.open_time_s, c) for c in page)
        return [rows[t] for t in sorted(rows)]

    async def _close_before(self, start_s: int) -> Decimal | None:
        """The last close before ``start_s`` (one page back), None when there is none."""
        floor = self._oldest_servable()
        page_start = max(floor, start_s - self.source.max_rows * self.native_s)
        if page_start >= start_s:
            return None
        page = await self.source.fetch(self.native_s, page_start, start_s)
        return max(page, key=lambda c: c.open_time_s).close if page else None

    async def _fill_history(self) -> None:
        async with self._lock:
            current = bucket_start(self._now_s(), self.interval_s)
            start = current - self.max_records * self.interval_s
            candles = await self.fetch_range(start, current)
            self._history_exhausted = not candles or candles[0].open_time_s > start
            self._store(candles, current)
            await self._seed_open(current, override=False)

    # ------------------------------------------------------------------ keeping current
    async def settle(self, *, reconnected: bool = False) -> None:
        """Fetch every bucket closed since the last settled one (REST, by time range);
        after a reconnect also the open bucket (the socket missed its trades)."""
        async with self._lock:
            current = bucket_start(self._now_s(), self.interval_s)
            since = self._settled_until
            if since is None:
                return
            if since < current:
                last = self._closed[max(self._closed)].close if self._closed else None
                candles = await self.fetch_range(since, current, previous_close=last)
                self.refetches += 1
                self._store(self._keep_live_data(candles, since, current, last), current)
            if reconnected or since < current:
                await self._seed_open(current, override=reconnected)

    async def _seed_open(self, current: int, *, override: bool) -> None:
        """The open bucket's native rows over REST; live rows win unless ``override``."""
        for row in await self.source.fetch(self.native_s, current, current + self.interval_s):
            if override or row.open_time_s not in self._live:
                self._live[row.open_time_s] = row

    def _keep_live_data(
        self, candles: list[Candle], start: int, end: int, last: Decimal | None
    ) -> list[Candle]:
        """A bucket REST does not show yet but the socket did stays (data over absence)."""
        live = aggregate((c for t, c in self._live.items() if start <= t < end), self.interval_s)
        by_start = {c.open_time_s: c for c in candles if not c.flat}
        for candle in live:
            by_start.setdefault(candle.open_time_s, candle)
        ordered = [by_start[t] for t in sorted(by_start)]
        return fill_flat(ordered, start, end, self.interval_s, last, mark=self.mark_flat)

    def _store(self, candles: list[Candle], current: int) -> None:
        for candle in candles:
            if candle.open_time_s < current:
                self._closed[candle.open_time_s] = candle
        for start in sorted(self._closed)[: -self.max_records]:
            del self._closed[start]
        self._closed = dict(sorted(self._closed.items()))
        self._settled_until = current
        self._changed.set()
        for start in [t for t in self._live if t < current]:
            del self._live[start]

    def _on_live(self, candle: Candle) -> None:
        """A live native candle: replaces its bucket in place; a newer bucket means the
        previous ones closed, so they are settled over REST."""
        if self._settled_until is not None and candle.open_time_s < self._settled_until:
            return  # a bucket already settled from REST
        self._live[candle.open_time_s] = candle
        self._changed.set()
        target = bucket_start(candle.open_time_s, self.interval_s)
        if self._settled_until is not None and target > self._settled_until:
            self._spawn(self.settle())

    async def _on_reconnected(self) -> None:
        log.info("%s: reconnected, refetching the buckets missed", self.name)
        self.reconnects += 1
        self._spawn(self.settle(reconnected=True))

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(self._guarded(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guarded(self, work: Awaitable[None]) -> None:
        try:
            await work
        except ConnectorError as exc:  # the next poll tries again
            log.warning("%s: refetch failed: %s: %s", self.name, type(exc).__name__, exc)

    async def _poll(self) -> None:
        """The clock closes buckets too: a no-trade interval must appear (flat)."""
        while True:
            await asyncio.sleep(self._poll_s)
            current = bucket_start(self._now_s(), self.interval_s)
            if self._settled_until is not None and current > self._settled_until:
                await self._guarded(self.settle())
