"""Transport decision data: aiohttp vs picows, asyncio vs uvloop, on a live loopback socket.

    python bench/live_transport.py [--symbols 1000] [--runs 3] [--window 3] [--quick]
    python bench/live_transport.py --cases picows/uvloop/pipeline --profile   # cProfile top

Run it in a scratch venv that has picows and uvloop (``python3 -m venv /tmp/scratch &&
/tmp/scratch/bin/pip install -e . picows uvloop``): they are not project dependencies, and
a case whose package is missing is skipped. The feed (``bench/_l2feed.py``, its own
process, uvloop when installed) keeps every connection's socket full (flood mode); each
case runs in a fresh child process with its loop, follows N symbols (50 a connection, as
the connector splits them) and measures, over ``--window`` s after ``--settle`` s, the
messages it took per second and its own CPU time (``process_time``) per message:

* ``decode``: each frame decoded with the connector's own typed decode
  (``L2FrameDecoder.decode_fast``) and counted: socket + WebSocket client + decode;
* ``pipeline``: each frame handed to the connector's real ``KucoinOrderBookDataSource``
  frame hook (decode -> ``Level2Calibrator`` -> ``OrderBook``; snapshots over REST first);
* ``connector``: the whole keyless ``KucoinExchange`` as shipped (its ``WsClient`` over the
  default transport, ``_on_frame``, the frame hook), only the loop changes;
  ``connector-aiohttp`` / ``connector-picows``: the same with ``ws_transport`` chosen.

aiohttp connections are read as ``core/ws.py`` reads them (``await ws.receive()``);
picows calls the handler from its ``on_ws_frame`` listener with a memoryview payload.
Runs are interleaved case by case; figures are the median [min .. max] of ``--runs``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import logging
import multiprocessing as mp
import pstats
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _l2feed as feedmod
import msgspec
from _common import Stats, machine, print_table
from _l2feed import FeedProcess, symbol_name
from _live_clients import AiohttpClient, PicowsClient, pipeline_source

from kucoin_connector.kucoin.endpoints import rate_limits
from kucoin_connector.kucoin.exchange import KucoinExchange
from kucoin_connector.kucoin.level2 import L2FrameDecoder

CASES = [
    f"{transport}/{loop}/{work}"
    for transport, works in (
        ("aiohttp", ("decode", "pipeline")),
        ("picows", ("decode", "pipeline")),
        ("connector", ("pipeline",)),
        ("connector-aiohttp", ("pipeline",)),
        ("connector-picows", ("pipeline",)),
    )
    for loop in ("asyncio", "uvloop")
    for work in works
]


def available(case: str) -> bool:
    transport, loop, _ = case.split("/")
    for module, needed in (("picows", transport.endswith("picows")), ("uvloop", loop == "uvloop")):
        if needed:
            try:
                __import__(module)
            except ImportError:
                return False
    return True


# ---------------------------------------------------------------------------- the child
class _Counter:
    __slots__ = ("n",)

    def __init__(self) -> None:
        self.n = 0


async def _case(
    case: str,
    feed: Any,
    base_url: str,
    symbols: list[str],
    settle_s: float,
    window_s: float,
    profile: bool,
    gc_mode: str,
) -> dict[str, Any]:
    transport, _, work = case.split("/")
    counters, control = feed
    closers: list[Any] = []
    count = _Counter()
    books: list[Any] = []
    if transport.startswith("connector"):
        _, _, ws_transport = transport.partition("-")
        options: dict[str, Any] = {"ws_transport": ws_transport} if ws_transport else {}
        exchange = KucoinExchange(
            trading_pairs=symbols,
            base_url=base_url,
            rate_limits=rate_limits(10**7, 10**7),
            **options,
        )
        await exchange.start()
        closers.append(exchange.stop)
        source = exchange.order_book_source
    elif work == "pipeline":
        source, close = await pipeline_source(base_url, symbols)
        closers.append(close)
        handler: Any = source._on_frame  # the connector's frame hook
    else:
        decode, error = L2FrameDecoder().decode_fast, msgspec.DecodeError

        def handler(frame: Any) -> None:
            try:
                decode(frame)
            except error:
                return
            count.n += 1

    if not transport.startswith("connector"):
        client = (AiohttpClient if transport == "aiohttp" else PicowsClient)(
            base_url, symbols, handler
        )
        await client.start()
        closers.insert(0, client.stop)
    if work == "pipeline":
        deadline = time.perf_counter() + 60.0
        while not source.all_live and time.perf_counter() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        books = [source.order_book(s) for s in symbols]
        base = len(books) * (feedmod.SEQ0 - 1)

        def progress() -> int:
            return int(sum(b.last_update_id for b in books)) - base

        unit = feedmod.SENT_CHANGES
    else:

        def progress() -> int:
            return count.n

        unit = feedmod.SENT_MSGS

    if gc_mode == "freeze":
        gc.freeze()  # everything alive now (books, sessions, models) leaves the GC's scans
    elif gc_mode.isdigit():
        gc.set_threshold(int(gc_mode), *gc.get_threshold()[1:])
    collections0 = sum(g["collections"] for g in gc.get_stats())
    control[feedmod.MODE] = feedmod.MODE_FLOOD
    await asyncio.sleep(settle_s)
    profiler = cProfile.Profile() if profile else None

    def snap() -> tuple[float, ...]:
        return (
            time.perf_counter(),
            time.process_time(),
            progress(),
            counters[feedmod.SENT_MSGS],
            counters[unit],
            counters[feedmod.FEED_CPU_US],
        )

    a = snap()
    if profiler is not None:
        profiler.enable()
    await asyncio.sleep(window_s)
    if profiler is not None:
        profiler.disable()
    b = snap()
    collections = sum(g["collections"] for g in gc.get_stats()) - collections0
    control[feedmod.MODE] = feedmod.MODE_RATE
    control[feedmod.MULTIPLE] = 0.0
    dt = b[0] - a[0]
    per_unit = (b[3] - a[3]) / max(1, b[4] - a[4])  # messages per progress unit
    msgs = (b[2] - a[2]) * per_unit
    resyncs = sum(source.calibrator(s).resync_count for s in symbols) if books else 0
    top = ""
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        top = out.getvalue()
    for close in closers:
        await close()
    return {
        "msgs_s": msgs / dt,
        "cpu_us": (b[1] - a[1]) / max(1.0, msgs) * 1e6,
        "client_cpu": (b[1] - a[1]) / dt,
        "feed_cpu": (b[5] - a[5]) / 1e6 / dt,
        "sent_s": (b[3] - a[3]) / dt,
        "resyncs": resyncs,
        "profile": top,
        "gc_per_s": collections / (dt + settle_s),
    }


def run_case(
    case: str,
    feed: Any,
    base_url: str,
    symbols: list[str],
    settle_s: float,
    window_s: float,
    profile: bool,
    gc_mode: str,
    results: Any,
) -> None:
    logging.basicConfig(level=logging.ERROR)
    if case.split("/")[1] == "uvloop":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    results.put(
        asyncio.run(_case(case, feed, base_url, symbols, settle_s, window_s, profile, gc_mode))
    )


# ---------------------------------------------------------------------------- the parent
def _result_of(child: Any, results: Any, timeout_s: float) -> dict[str, Any] | None:
    import queue

    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        try:
            result: dict[str, Any] = results.get(timeout=0.5)
        except queue.Empty:
            if not child.is_alive():
                return None
            continue
        child.join(30)
        return result
    child.kill()
    child.join(5)
    return None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--symbols", type=int, default=1000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--settle", type=float, default=1.0)
    p.add_argument("--window", type=float, default=3.0)
    p.add_argument(
        "--cases",
        default=",".join(CASES),
        help="comma list, e.g. picows/uvloop/"
        "pipeline; default: every case whose packages are installed",
    )
    p.add_argument("--profile", action="store_true", help="print each case's cProfile top 25")
    p.add_argument(
        "--gc",
        default="default",
        help="the client's GC once all books are live: default, freeze "
        "(gc.freeze()), or a number (generation-0 threshold)",
    )
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv)
    if args.quick:
        args.symbols, args.runs, args.settle, args.window = 20, 1, 0.2, 0.5
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    print(machine())
    cases = [c for c in args.cases.split(",") if c]
    skipped = [c for c in cases if not available(c)]
    cases = [c for c in cases if c not in skipped]
    feed = FeedProcess(args.symbols)
    print(
        f"feed loop: {feed.loop_name}; N = {args.symbols}; skipped (not installed): "
        f"{', '.join(skipped) or 'none'}",
        flush=True,
    )
    ctx = mp.get_context("spawn")
    symbols = [symbol_name(i) for i in range(args.symbols)]
    got: dict[str, list[dict[str, Any]]] = {c: [] for c in cases}
    try:
        for _ in range(max(1, args.runs)):
            for case in cases:
                results = ctx.Queue()
                child = ctx.Process(
                    target=run_case,
                    args=(
                        case,
                        (feed.counters, feed.control),
                        feed.base_url,
                        symbols,
                        args.settle,
                        args.window,
                        args.profile,
                        args.gc,
                        results,
                    ),
                )
                child.start()
                result = _result_of(child, results, 120 + args.settle + args.window)
                if result is None:
                    print(f"  {case}: the child failed (exit code {child.exitcode})")
                    continue
                got[case].append(result)
                print(
                    f"  {case}: {result['msgs_s']:,.0f} msgs/s, {result['cpu_us']:.2f} us "
                    f"CPU/msg (client {result['client_cpu']:.0%}, feed "
                    f"{result['feed_cpu']:.0%}), resyncs {result['resyncs']}, "
                    f"{result['gc_per_s']:.0f} GC runs/s",
                    flush=True,
                )
                if args.profile:
                    print(result["profile"])
    finally:
        feed.close()
    rows = []
    for case in cases:
        runs = got[case]
        if not runs:
            rows.append([case, "failed", "-", "-", "-", "-"])
            continue
        rate = Stats.of([r["msgs_s"] for r in runs])
        cpu = Stats.of([r["cpu_us"] for r in runs])
        rows.append(
            [
                case,
                rate.fmt(),
                cpu.fmt(".2f"),
                Stats.of([r["client_cpu"] * 100 for r in runs]).fmt(".0f"),
                Stats.of([r["feed_cpu"] * 100 for r in runs]).fmt(".0f"),
                sum(r["resyncs"] for r in runs),
            ]
        )
    print_table(
        f"Live loopback socket, flood, N = {args.symbols} symbols "
        f"({-(-args.symbols // 50)} connections), one client process",
        [
            "transport/loop/work",
            "msgs/s",
            "client CPU us/msg",
            "client CPU %",
            "feed CPU %",
            "resyncs",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
