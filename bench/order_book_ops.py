"""Order book micro-benchmark: single changes applied per second, top-of-book read costs.

    python bench/order_book_ops.py [--runs 5] [--changes 200000] [--depth 2000] [--quick]

A seeded synthetic stream (prices on a tick grid around the top of a ``depth``-level book,
~25% size-zero removals, exact wire strings prepared beforehand) is applied with
``apply_bid`` / ``apply_ask``; reads are timed on a ``depth``-level book. Each figure is the
median and the min-max of ``--runs`` runs. Compare figures within one run only: shared
machines are noisy.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Stats, machine, ns_per_call, print_table

from kucoin_connector.core.order_book import OrderBook

TICK = 0.01
MID = 1000.0


def _price(ticks: int) -> str:
    return f"{ticks * TICK:.2f}"


def _size(rng: random.Random) -> str:
    if rng.random() < 0.25:
        return rng.choice(("0", "0.0", "0.00000000"))
    return f"{rng.uniform(0.001, 50):.8f}"


def full_book(depth: int, seed: int) -> OrderBook:
    rng = random.Random(seed)
    mid = round(MID / TICK)
    book = OrderBook()
    book.apply_snapshot(
        [(_price(mid - 1 - i), f"{rng.uniform(0.001, 50):.8f}") for i in range(depth)],
        [(_price(mid + 1 + i), f"{rng.uniform(0.001, 50):.8f}") for i in range(depth)],
        update_id=1,
    )
    return book


def change_stream(count: int, depth: int, seed: int) -> list[tuple[bool, str, str]]:
    """(is_bid, price, size): most changes near the top, some deep in the book."""
    rng = random.Random(seed)
    mid = round(MID / TICK)
    out = []
    for _ in range(count):
        distance = int(rng.expovariate(1 / 40)) % depth
        is_bid = rng.random() < 0.5
        ticks = mid - 1 - distance if is_bid else mid + 1 + distance
        out.append((is_bid, _price(ticks), _size(rng)))
    return out


def bench_changes(stream: list[tuple[bool, str, str]], depth: int, seed: int) -> float:
    book = full_book(depth, seed)
    bids = [(p, s) for is_bid, p, s in stream if is_bid]
    asks = [(p, s) for is_bid, p, s in stream if not is_bid]
    apply_bid, apply_ask = book.apply_bid, book.apply_ask
    start = time.perf_counter()
    for price, size in bids:
        apply_bid(price, size)
    for price, size in asks:
        apply_ask(price, size)
    return len(stream) / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--changes", type=int, default=200_000)
    parser.add_argument("--depth", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    args = parser.parse_args(argv)
    loops = 200_000
    if args.quick:
        args.runs, args.changes, args.depth, loops = 2, 2_000, 200, 1_000

    stream = change_stream(args.changes, args.depth, args.seed)
    book = full_book(args.depth, args.seed)
    reads: dict[str, tuple[Callable[[], object], str]] = {
        "best_bid": (lambda: book.best_bid, "<= 1,000 ns"),
        "best_ask": (lambda: book.best_ask, "<= 1,000 ns"),
        "best_bid_level()": (book.best_bid_level, "-"),
        "is_crossed()": (book.is_crossed, "-"),
        "bids(20)": (lambda: book.bids(20), "<= 20,000 ns"),
        "asks(20)": (lambda: book.asks(20), "<= 20,000 ns"),
    }
    changes: list[float] = []
    results: dict[str, list[float]] = {name: [] for name in reads}
    for _ in range(max(2, args.runs)):
        changes.append(bench_changes(stream, args.depth, args.seed))
        for name, (read, _target) in reads.items():
            results[name].append(ns_per_call(read, loops // 10 if "20" in name else loops))

    print(machine())
    rows = [["apply_bid/apply_ask", Stats.of(changes).fmt(), "changes/s", "-"]]
    for name, values in results.items():
        rows.append([name, Stats.of(values).fmt(), "ns/call", reads[name][1]])
    print_table(
        f"OrderBook, {args.depth:,} levels a side, {args.changes:,} changes, "
        f"median [min .. max] of {max(2, args.runs)} runs",
        ["operation", "figure", "unit", "target"],
        rows,
    )


if __name__ == "__main__":
    main()
