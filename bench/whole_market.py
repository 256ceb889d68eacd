"""Whole market over a live socket: N symbols at M x KuCoin's rate, one client process.

    python bench/whole_market.py                          # N = 100, 500, 1000 (~1.5 min)
    python bench/whole_market.py --raw                    # + bare aiohttp, decode only
    python bench/whole_market.py --symbols 1000 --window 5 --settle 2 --refine 3
    python bench/whole_market.py --cold-start seed,today --no-sweep   # ~3 min
    python bench/whole_market.py --cold-start scaled --cold-start-symbols 100 \
        --ack-delay-ms 50 --no-sweep                      # serial acks on a 50 ms link
    python bench/whole_market.py --quick

A purpose-built feed (``bench/_l2feed.py``) runs in its own process and serves KuCoin's
protocol subset on 127.0.0.1 (bullet, welcome, subscribe/ack, ping/pong, level2_100
snapshots, ``trade.l2update`` frames with consistent sequences). The measuring process runs
the connector's real code: a keyless ``KucoinExchange`` (symbols from ``/api/v2/symbols``,
one ``KucoinOrderBookDataSource`` with its WsClients, calibrators and books) following N
symbols. For the sweep its throttler table is KuCoin's with budgets scaled up (it accounts
but never waits): the cold start printed with the sweep is then what the protocol costs;
``--cold-start seed,today`` measures it with the real tables (the 2019 seed pools;
today's weighted pools, the connector's default) against the computed floor.

Sweep, for each N: the feed sends every symbol ``13 * M`` l2updates/s (KuCoin's real
average is ~13), M doubling from ``--start-multiple`` until a step fails, then ``--refine``
bisection steps. A step (``--settle`` s, then a ``--window`` s window) is sustained when
the lag (changes sent but not yet applied to a book) does not grow (mean of the last
quarter of samples minus the first quarter <= 2% of what was sent) and ends under
250 ms, the feed never had to hold frames back for a full socket buffer, the feed kept
its schedule, and no book resynced. Client CPU is the measuring process's
``process_time`` per message applied. ``flood`` keeps every socket full instead: the
client's ceiling. ``--raw``: the same feed read by bare aiohttp connections that only
decode each frame (the connector's own typed msgspec decode,
``L2FrameDecoder.decode_fast``) and count: socket + decode without the pipeline. Feed
and client share the machine's cores: where the feed cannot offer enough (``feed`` in
the limit column) the client's CPU per message is still printed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _l2feed as feedmod
import msgspec
from _common import machine, print_table
from _l2feed import FeedProcess, symbol_name
from _live_clients import AiohttpClient

from kucoin_connector.kucoin.endpoints import ENDPOINTS, TODAY_POOLS, PoolLimit, rate_limits
from kucoin_connector.kucoin.exchange import KucoinExchange
from kucoin_connector.kucoin.level2 import L2FrameDecoder

SAMPLE_S = 0.25
MAX_END_LAG_MS = 250.0  # a sustained step ends less than this far behind the feed


# ---------------------------------------------------------------------------- clients
class ConnectorClient:
    """A keyless KucoinExchange following the symbols; progress = changes applied."""

    unit = feedmod.SENT_CHANGES

    def __init__(
        self,
        feed: FeedProcess,
        symbols: list[str],
        limits: str = "scaled",
        ws_transport: str | None = None,
    ) -> None:
        self.feed = feed
        self.symbols = symbols
        if limits == "scaled":  # KuCoin's table, budgets scaled up: accounts, never waits
            table = rate_limits(10**7, 10**7)
        elif limits == "today":
            table = rate_limits(weighted_pools=TODAY_POOLS)
        else:
            table = rate_limits(seed_pools=True)  # the 2019 seed pools
        options: dict[str, Any] = {} if ws_transport is None else {"ws_transport": ws_transport}
        self.exchange = KucoinExchange(
            trading_pairs=symbols, base_url=feed.base_url, rate_limits=table, **options
        )
        self.books: list[Any] = []
        self.cold: dict[str, float] = {}

    async def start(self) -> None:
        t0 = time.perf_counter()
        await self.exchange.start()
        self.cold["subscribed_s"] = time.perf_counter() - t0
        source = self.exchange.order_book_source
        deadline = t0 + 600.0
        while not source.all_live and time.perf_counter() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        self.cold["live_s"] = time.perf_counter() - t0
        self.cold["connections"] = source.connection_count
        self.calibrators = [source.calibrator(s) for s in self.symbols]
        self.books = [c.order_book for c in self.calibrators]
        self.base = len(self.books) * (feedmod.SEQ0 - 1)

    def progress(self) -> int:
        return int(sum(book.last_update_id for book in self.books)) - self.base

    def resyncs(self) -> int:
        return sum(c.resync_count for c in self.calibrators)

    async def books_match_feed(self, sample: int = 5) -> bool:
        """Pause the feed, let the client drain, compare books with fresh snapshots."""
        self.feed.set_multiple(0.0)
        deadline = time.perf_counter() + 10.0
        while (  # noqa: ASYNC110 - a poll
            self.feed.get(self.unit) != self.progress() and time.perf_counter() < deadline
        ):
            await asyncio.sleep(0.05)
        step = max(1, len(self.symbols) // sample)
        for symbol in self.symbols[::step]:
            snapshot = await self.exchange.api.level2_snapshot(symbol, full_depth=False)
            book = self.exchange.get_order_book(symbol)
            wire = (
                [(str(p), str(s)) for p, s in book.bids()],
                [(str(p), str(s)) for p, s in book.asks()],
            )
            if (
                book.last_update_id != snapshot.sequence
                or _norm(wire[0]) != _norm(snapshot.bids)
                or _norm(wire[1]) != _norm(snapshot.asks)
            ):
                return False
        return True

    async def stop(self) -> None:
        await self.exchange.stop()


def _norm(levels: Any) -> list[tuple[str, str]]:
    from decimal import Decimal

    return [(str(Decimal(p).normalize()), str(Decimal(s).normalize())) for p, s in levels]


class RawClient:
    """Bare aiohttp connections; each frame decoded (``decode_fast``) and counted."""

    unit = feedmod.SENT_MSGS

    def __init__(self, feed: FeedProcess, symbols: list[str]) -> None:
        self.count = 0
        decode = L2FrameDecoder().decode_fast
        error = msgspec.DecodeError

        def handler(frame: str | bytes) -> None:
            try:
                decode(frame)
            except error:
                return  # welcome, ack, pong
            self.count += 1

        self.client = AiohttpClient(feed.base_url, symbols, handler)
        self.cold: dict[str, float] = {}

    async def start(self) -> None:
        t0 = time.perf_counter()
        await self.client.start()
        self.cold["subscribed_s"] = time.perf_counter() - t0

    def progress(self) -> int:
        return self.count

    def resyncs(self) -> int:
        return 0

    async def stop(self) -> None:
        await self.client.stop()


Client = ConnectorClient | RawClient


# ---------------------------------------------------------------------------- steps
@dataclass
class Step:
    multiple: float  # math.inf for flood
    target_msgs_s: float
    offered_msgs_s: float
    applied_msgs_s: float
    cpu_us_per_msg: float
    client_cpu: float  # share of one core
    feed_cpu: float
    lag_growth: float  # in messages over the window
    end_lag_ms: float
    held: int
    deficit: int
    resyncs: int
    sustained: bool = False
    limit: str = ""
    notes: list[str] = field(default_factory=list)


def _snap(feed: FeedProcess, client: Client) -> dict[str, float]:
    return {
        "t": time.perf_counter(),
        "cpu": time.process_time(),
        "sent": feed.get(client.unit),
        "msgs": feed.get(feedmod.SENT_MSGS),
        "changes": feed.get(feedmod.SENT_CHANGES),
        "held": feed.get(feedmod.HELD_MSGS),
        "deficit": feed.get(feedmod.DEFICIT_MSGS),
        "feed_cpu": feed.get(feedmod.FEED_CPU_US),
        "progress": client.progress(),
        "resyncs": client.resyncs(),
    }


async def _drain(feed: FeedProcess, client: Client, limit_s: float) -> None:
    """Wait (bounded) until the client has caught up with what was sent."""
    deadline = time.perf_counter() + limit_s
    while time.perf_counter() < deadline:
        if feed.get(client.unit) - client.progress() < 100:
            return
        await asyncio.sleep(0.05)


async def measure(
    feed: FeedProcess,
    client: Client,
    multiple: float,
    n_symbols: int,
    settle_s: float,
    window_s: float,
) -> Step:
    flood = math.isinf(multiple)
    if flood:
        feed.set_flood()
    else:
        feed.set_multiple(0.0)  # a backlog left by a failed step is drained first
        await _drain(feed, client, 15.0)
        feed.set_multiple(multiple)
    await asyncio.sleep(settle_s)
    a = _snap(feed, client)
    lags: list[float] = []
    samples = max(4, round(window_s / SAMPLE_S))
    for _ in range(samples):
        await asyncio.sleep(window_s / samples)
        lags.append(feed.get(client.unit) - client.progress())
    b = _snap(feed, client)
    if flood:
        feed.set_multiple(0.0)
    dt = b["t"] - a["t"]
    per_msg = (b["msgs"] - a["msgs"]) / max(1, b["sent"] - a["sent"])  # msgs per unit
    applied_msgs = (b["progress"] - a["progress"]) * per_msg
    quarter = max(1, samples // 4)
    growth = (sum(lags[-quarter:]) - sum(lags[:quarter])) / quarter * per_msg
    applied_rate = applied_msgs / dt
    step = Step(
        multiple=multiple,
        target_msgs_s=math.inf if flood else feedmod.BASE_RATE * multiple * n_symbols,
        offered_msgs_s=(b["msgs"] - a["msgs"] + b["held"] - a["held"]) / dt,
        applied_msgs_s=applied_rate,
        cpu_us_per_msg=(b["cpu"] - a["cpu"]) / max(1.0, applied_msgs) * 1e6,
        client_cpu=(b["cpu"] - a["cpu"]) / dt,
        feed_cpu=(b["feed_cpu"] - a["feed_cpu"]) / 1e6 / dt,
        lag_growth=growth,
        end_lag_ms=lags[-1] * per_msg / max(1.0, applied_rate) * 1e3,
        held=int(b["held"] - a["held"]),
        deficit=int(b["deficit"] - a["deficit"]),
        resyncs=int(b["resyncs"] - a["resyncs"]),
    )
    sent_msgs = b["msgs"] - a["msgs"]
    client_ok = (
        step.held == 0
        and growth <= 0.02 * sent_msgs
        and step.resyncs == 0
        and step.end_lag_ms <= MAX_END_LAG_MS
    )
    feed_ok = step.deficit == 0 and step.offered_msgs_s >= 0.95 * step.target_msgs_s
    step.sustained = client_ok and feed_ok
    if flood:
        step.sustained, step.limit = False, "ceiling"
    elif not client_ok:
        step.limit = "client"
    elif not feed_ok:
        step.limit = "feed"
    return step


async def sweep(
    feed: FeedProcess, client: Client, n_symbols: int, args: argparse.Namespace, log: list[Step]
) -> tuple[Step | None, Step | None]:
    """Double M until a step fails, then bisect; (best sustained, first failed)."""
    good: Step | None = None
    bad: Step | None = None
    multiple = args.start_multiple
    while multiple <= args.max_multiple:
        step = await measure(feed, client, multiple, n_symbols, args.settle, args.window)
        log.append(step)
        _print_step(n_symbols, step)
        if not step.sustained:
            bad = step
            break
        good = step
        multiple *= 2
    if bad is not None and good is None:  # even the first failed: go down
        multiple = args.start_multiple / 2
        while multiple >= 0.25 and good is None:
            step = await measure(feed, client, multiple, n_symbols, args.settle, args.window)
            log.append(step)
            _print_step(n_symbols, step)
            if step.sustained:
                good = step
            multiple /= 2
    for _ in range(args.refine if good is not None and bad is not None else 0):
        assert good is not None and bad is not None
        mid = round(math.sqrt(good.multiple * bad.multiple), 2)
        if mid <= good.multiple * 1.03 or mid >= bad.multiple * 0.97:
            break
        step = await measure(feed, client, mid, n_symbols, args.settle, args.window)
        log.append(step)
        _print_step(n_symbols, step)
        if step.sustained:
            good = step
        else:
            bad = step
    return good, bad


def _print_step(n: int, s: Step) -> None:
    m = "flood" if math.isinf(s.multiple) else f"M={s.multiple:g}"
    verdict = "ok" if s.sustained else f"FAIL({s.limit})"
    if math.isinf(s.multiple):
        verdict = "ceiling"
    print(
        f"  N={n} {m}: offered {s.offered_msgs_s:,.0f}/s applied {s.applied_msgs_s:,.0f}/s "
        f"cpu {s.cpu_us_per_msg:.2f} us/msg (client {s.client_cpu:.0%}, feed "
        f"{s.feed_cpu:.0%}) lag growth {s.lag_growth:,.0f} end {s.end_lag_ms:.0f} ms "
        f"held {s.held} deficit {s.deficit} resyncs {s.resyncs} -> {verdict}",
        flush=True,
    )


# ---------------------------------------------------------------------------- runs
@dataclass
class Result:
    n: int
    mode: str
    cold: dict[str, float]
    feed_counts: dict[str, int]
    good: Step | None
    bad: Step | None
    flood: Step | None
    books_ok: bool | None


async def run_one(n: int, args: argparse.Namespace, raw: bool, feed_uvloop: bool) -> Result:
    feed = FeedProcess(n, use_uvloop=feed_uvloop)
    symbols = [symbol_name(i) for i in range(n)]
    client: Client = (
        RawClient(feed, symbols)
        if raw
        else ConnectorClient(feed, symbols, "scaled", args.ws_transport)
    )
    log: list[Step] = []
    try:
        await client.start()
        counts = {name: feed.get(index) for name, index in _COUNTS.items()}
        good, bad = await sweep(feed, client, n, args, log)
        flood = None
        if not args.no_flood:
            flood = await measure(feed, client, math.inf, n, args.settle, args.window)
            _print_step(n, flood)
        books_ok = await client.books_match_feed() if isinstance(client, ConnectorClient) else None
    finally:
        await client.stop()
        feed.close()
    return Result(
        n,
        "raw aiohttp + decode" if raw else "connector",
        client.cold,
        counts,
        good,
        bad,
        flood,
        books_ok,
    )


_COUNTS = {
    "subscribe_frames": feedmod.SUBSCRIBE_FRAMES,
    "max_topics_per_frame": feedmod.MAX_TOPICS_PER_FRAME,
    "max_uplink_10s": feedmod.MAX_UPLINK_10S,
    "ws_connects": feedmod.WS_CONNECTS,
    "bullets": feedmod.BULLETS,
    "snapshots": feedmod.SNAPSHOTS,
}


def _m(step: Step | None) -> str:
    if step is None:
        return "-"
    return "flood" if math.isinf(step.multiple) else f"{step.multiple:g}"


def print_sweep(results: list[Result], feed_loop: str) -> None:
    rows = []
    for r in results:
        g, b, f = r.good, r.bad, r.flood
        rows.append(
            [
                r.mode,
                r.n,
                f"{_m(g)} ({g.applied_msgs_s:,.0f} msgs/s)" if g else "< 0.25",
                f"{g.cpu_us_per_msg:.2f} ({g.client_cpu:.0%} of a core)" if g else "-",
                f"{_m(b)}: {b.limit}" if b else "none up to max",
                f"{f.applied_msgs_s:,.0f} msgs/s at {f.client_cpu:.0%} of a core, "
                f"{f.cpu_us_per_msg:.2f} us/msg (one full core: "
                f"{1e6 / f.cpu_us_per_msg:,.0f}/s)"
                if f
                else "-",
                f"{r.cold['live_s']:.2f}" if "live_s" in r.cold else "n/a",
                "yes" if r.books_ok else ("n/a" if r.books_ok is None else "NO"),
            ]
        )
    print_table(
        f"Whole market, live loopback socket (feed loop: {feed_loop}; M = multiple of "
        "13 l2updates/s/symbol)",
        [
            "client",
            "N",
            "max sustained M",
            "client CPU us/msg at max",
            "first failed M",
            "flood ceiling",
            "cold start s (no rate-limit waits)",
            "books = feed",
        ],
        rows,
    )
    rows = []
    for r in results:
        c = r.feed_counts
        rows.append(
            [
                r.mode,
                r.n,
                r.cold.get("connections", c["ws_connects"]),
                c["ws_connects"],
                c["subscribe_frames"],
                c["max_topics_per_frame"],
                c["max_uplink_10s"],
                c["bullets"],
                c["snapshots"],
                f"{r.cold['subscribed_s']:.2f}",
            ]
        )
    print_table(
        "Start-up traffic as the feed saw it",
        [
            "client",
            "N",
            "connections",
            "ws connects",
            "subscribe frames",
            "topics per frame",
            "max client frames in 10 s on one connection",
            "bullets",
            "snapshots",
            "start() returned after s",
        ],
        rows,
    )


# ---------------------------------------------------------------------------- cold start
def _floor_s(n: int, connections: int, limits: str) -> tuple[float, str]:
    """The earliest the last snapshot may go under a throttler table (sliding windows:
    ``limit`` weight at once, then ``limit`` per interval), counting the start-up calls
    in the same pool (timestamp, symbols, one bullet per connection)."""
    ep = ENDPOINTS
    public = ["server_time", "symbols"] + ["bullet_public"] * connections
    if limits == "scaled":
        return 0.0, "no waits"
    if limits == "seed":
        pool, weights = PoolLimit(100, 10.0), [1] * (len(public) + n)
    else:
        pool = TODAY_POOLS["public"]
        weights = [ep[e].weight for e in public] + [ep["orderbook_level2_100"].weight] * n
    total = sum(weights)
    windows = max(0, math.ceil(total / pool.limit) - 1)
    return windows * pool.time_interval_s, (
        f"{total} weight in {pool.limit}/{pool.time_interval_s:g}s: "
        f"{windows} full windows after the first"
    )


def keyed_floor_s(n: int, limits: str) -> str:
    if limits == "scaled":
        return "0 s"
    pool = PoolLimit(200, 10.0) if limits == "seed" else TODAY_POOLS["private"]
    weight = 1 if limits == "seed" else ENDPOINTS["orderbook_full"].weight
    windows = max(0, math.ceil(n * weight / pool.limit) - 1)
    return f"{windows * pool.time_interval_s:g} s"


async def cold_start(
    n: int,
    limits: str,
    feed_uvloop: bool,
    ack_delay_ms: float,
) -> list[object]:
    feed = FeedProcess(n, use_uvloop=feed_uvloop)
    feed.set_ack_delay(ack_delay_ms / 1e3)
    symbols = [symbol_name(i) for i in range(n)]
    client = ConnectorClient(feed, symbols, limits=limits)
    try:
        await client.start()
        first, last = feed.get(feedmod.FIRST_SNAPSHOT_MS), feed.get(feedmod.LAST_SNAPSHOT_MS)
        sub0, sub1 = feed.get(feedmod.FIRST_SUBSCRIBE_MS), feed.get(feedmod.LAST_SUBSCRIBE_MS)
        conns = int(client.cold["connections"])
        floor, how = _floor_s(n, conns, limits)
        row: list[object] = [
            limits,
            f"{ack_delay_ms:g}",
            n,
            f"{client.cold['live_s']:.1f}",
            f"{client.cold['subscribed_s']:.1f}",
            f"{(sub1 - sub0) / 1e3:.1f}",
            f"{(last - first) / 1e3:.1f}",
            f"{floor:g} s ({how})",
            keyed_floor_s(n, limits),
            f"{conns} conns, {feed.get(feedmod.SUBSCRIBE_FRAMES)} frames, max "
            f"{feed.get(feedmod.MAX_UPLINK_10S)}/10 s on one",
        ]
    finally:
        await client.stop()
        feed.close()
    return row


# ---------------------------------------------------------------------------- main
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--symbols", default="100,500,1000", help="comma-separated N values")
    p.add_argument("--start-multiple", type=float, default=4.0)
    p.add_argument("--max-multiple", type=float, default=512.0)
    p.add_argument("--refine", type=int, default=2, help="bisection steps after a failure")
    p.add_argument("--settle", type=float, default=0.5, help="seconds before each window")
    p.add_argument("--window", type=float, default=1.5, help="measuring window seconds")
    p.add_argument(
        "--raw", action="store_true", help="also run bare aiohttp + decode-only clients (same feed)"
    )
    p.add_argument("--raw-only", action="store_true", help="only the raw clients")
    p.add_argument("--no-flood", action="store_true", help="skip the flood ceiling")
    p.add_argument("--no-sweep", action="store_true", help="only --cold-start runs")
    p.add_argument(
        "--cold-start",
        default="",
        help="comma list of seed,today,scaled: cold starts with that throttler "
        "table (seed: the 2019 seed pools; today: TODAY_POOLS, the connector's default; "
        "scaled: no waits)",
    )
    p.add_argument("--cold-start-symbols", type=int, default=1000)
    p.add_argument(
        "--ack-delay-ms",
        type=float,
        default=0.0,
        help="the feed delays each subscribe ack (a network round trip stand-in)",
    )
    p.add_argument(
        "--feed-loop",
        choices=("uvloop", "asyncio"),
        default="uvloop",
        help="the feed's loop (uvloop only if installed)",
    )
    p.add_argument(
        "--ws-transport",
        choices=("aiohttp", "picows"),
        default=None,
        help="the connector's WebSocket transport (default: the connector's default)",
    )
    p.add_argument("--quick", action="store_true", help="smoke-sized run")
    args = p.parse_args(argv)
    if args.quick:
        args.symbols, args.settle, args.window, args.refine = "20", 0.2, 0.5, 0
        args.start_multiple, args.max_multiple = 4.0, 8.0
    return args


async def amain(args: argparse.Namespace) -> None:
    print(machine())
    uv = args.feed_loop == "uvloop"
    ns = [int(x) for x in args.symbols.split(",") if x]
    results: list[Result] = []
    if not args.no_sweep:
        modes = ([] if args.raw_only else [False]) + ([True] if args.raw or args.raw_only else [])
        for raw in modes:
            for n in ns:
                results.append(await run_one(n, args, raw, uv))
        probe = FeedProcess(1, use_uvloop=uv)
        loop_name = probe.loop_name
        probe.close()
        print_sweep(results, loop_name)
    rows = [
        await cold_start(args.cold_start_symbols, limits, uv, args.ack_delay_ms)
        for limits in args.cold_start.split(",")
        if limits
    ]
    if rows:
        print_table(
            "Cold start of a keyless KucoinExchange (level2_100 snapshots) against the feed",
            [
                "limits",
                "ack delay ms",
                "N",
                "all live s",
                "start() returned s",
                "subscribes span s",
                "snapshots span s",
                "floor (keyless, this many connections)",
                "floor with keys (full depth, private pool)",
                "WS",
            ],
            rows,
        )


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(amain(parse_args(argv)))


if __name__ == "__main__":
    main()
