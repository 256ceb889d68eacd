"""Order book micro-benchmark: single changes applied per second, top-of-book read costs.

    python bench/order_book_ops.py [--runs 5] [--changes 200000] [--depth 2000]

A seeded synthetic stream (prices on a tick grid around the top of a ``depth``-level book,
~25% size-zero removals, exact wire strings prepared beforehand) is applied with
``apply_bid`` / ``apply_ask``; reads are timed on a ``depth``-level book. Each figure is the
median and the min-max of ``--runs`` runs. Compare figures within one run only: shared
machines are noisy.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

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


def bench_read(read: Callable[[], object], loops: int) -> float:
    start = time.perf_counter()
    for _ in range(loops):
        read()
    return (time.perf_counter() - start) / loops * 1e9


def _row(name: str, values: list[float], unit: str, fmt: str) -> str:
    median = statistics.median(values)
    low, high = min(values), max(values)
    return f"| {name:<28} | {median:>12{fmt}} | {low:>10{fmt}} - {high:<10{fmt}} | {unit:<9} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--changes", type=int, default=200_000)
    parser.add_argument("--depth", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    stream = change_stream(args.changes, args.depth, args.seed)
    book = full_book(args.depth, args.seed)
    reads: dict[str, Callable[[], object]] = {
        "best_bid": lambda: book.best_bid,
        "best_ask": lambda: book.best_ask,
        "best_bid_level()": book.best_bid_level,
        "is_crossed()": book.is_crossed,
        "bids(20)": lambda: book.bids(20),
        "asks(20)": lambda: book.asks(20),
    }
    results: dict[str, list[float]] = {"apply_bid/apply_ask": []}
    results.update({name: [] for name in reads})
    for _ in range(args.runs):
        results["apply_bid/apply_ask"].append(bench_changes(stream, args.depth, args.seed))
        for name, read in reads.items():
            results[name].append(bench_read(read, 20_000 if "20" in name else 200_000))

    print(f"OrderBook, {args.depth} levels per side, {args.changes:,} changes, {args.runs} runs")
    print(f"| {'operation':<28} | {'median':>12} | {'min - max':^23} | {'unit':<9} |")
    print(f"|{'-' * 30}|{'-' * 14}|{'-' * 25}|{'-' * 11}|")
    changes = results.pop("apply_bid/apply_ask")
    print(_row("apply_bid/apply_ask", changes, "changes/s", ",.0f"))
    for name, values in results.items():
        print(_row(name, values, "ns/call", ",.0f"))


if __name__ == "__main__":
    main()
