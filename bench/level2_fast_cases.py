"""The level2 path's fast cases against their general code, on the same inputs.

    python bench/level2_fast_cases.py [--runs 7] [--loops 200000]

docs/fast-paths.md keeps a fast case only with a figure from here and an equivalence test:

* ``in_sequence``'s one- and two-change cases against ``sort_changes`` (the general
  sort): nearly every KuCoin l2update side carries one or two changes;
* ``Level2Calibrator.on_changes``' no-sort case (``_in_order``: a side already in order
  goes to the book as it is, no tuple built) against ``in_sequence`` (its fast case);
* ``on_changes``' one-change check: the sequence compared with the spelling of the
  message's start (KuCoin's one-change messages have start == end) against the full
  ``_sequence`` rule and range check (the expressions of ``on_changes``, copied here);
* ``OrderBook.apply_changes`` with its loop written out for each side against the same
  loop run over the (side, changes) pairs (``_paired``: the shape without repetition);
* ``OrderBook.apply_changes``' inlined update of a level under its stored spelling (no price parse)
  against the same changes through ``_Side.apply`` one by one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Stats, machine, ns_per_call, print_table, ratio

from kucoin_connector.core.order_book import _ZEROS, MAX_SIZE, OrderBook, _size_value
from kucoin_connector.kucoin.level2 import _in_order
from kucoin_connector.kucoin.level2_wire import in_sequence, sort_changes


def _paired(
    book: OrderBook, bids: Sequence[Sequence[Any]], asks: Sequence[Sequence[Any]], end: int
) -> bool:
    """``OrderBook.apply_changes`` as one loop over the two sides (reference only)."""
    bid_side, ask_side = book._bids, book._asks
    for side, changes in ((bid_side, bids), (ask_side, asks)):
        if not changes:
            continue
        sizes = side.sizes
        for price, size, _ in changes:
            if price in sizes and size not in _ZEROS:
                try:
                    valid = 0.0 < float(size) <= MAX_SIZE
                except ValueError:
                    valid = False
                if valid:
                    sizes[price] = size
                    continue
            if price != "0":
                side.apply(price, size)
            elif size not in _ZEROS:
                _size_value(size)
    book.last_update_id = end
    bid_keys, ask_keys = bid_side.keys, ask_side.keys
    if bid_keys and ask_keys and bid_keys[-1] >= -ask_keys[-1]:
        return book.is_crossed()
    return False


def _book(depth: int) -> OrderBook:
    book = OrderBook()
    levels = [(f"{30_000 - i * 0.1:.1f}", "1.5") for i in range(depth)]
    book.apply_snapshot(levels, [], 1)
    return book


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--loops", type=int, default=200_000)
    args = parser.parse_args(argv)
    print(machine())
    one = [("30000.1", "2.5", "1234567")]
    two = [("30000.1", "2.5", "1234568"), ("30000.2", "0", "1234567")]
    in_order = [("30000.2", "0", "1234567"), ("30000.1", "2.5", "1234568")]
    book = _book(1_000)
    wire, start = "12345678901234", 12345678901234

    def shortcut() -> bool:
        return type(wire) is str and wire == str(start)

    def full_rule() -> bool:
        return (
            type(wire) is str and wire.isdigit() and wire.isascii() and start <= int(wire) <= start
        )

    small = _book(5)
    ask = [("30000.0", "2.0", None)]
    side = book._bids
    updates = [(f"{30_000 - i * 0.1:.1f}", "2.0", None) for i in range(0, 40, 4)]
    apply = side.apply

    def one_by_one() -> None:
        for price, size, _ in updates:
            apply(price, size)

    cases = {
        "in_sequence, 1 change (fast case)": lambda: in_sequence(one, 1234560, 1234570),
        "sort_changes, 1 change (general)": lambda: sort_changes(one, 1234560, 1234570),
        "in_sequence, 2 changes (fast case)": lambda: in_sequence(two, 1234560, 1234570),
        "sort_changes, 2 changes (general)": lambda: sort_changes(two, 1234560, 1234570),
        "_in_order, 2 changes in order (no-sort case)": lambda: _in_order(
            in_order, 1234560, 1234570
        ),
        "in_sequence, 2 changes in order (general)": lambda: in_sequence(
            in_order, 1234560, 1234570
        ),
        "one-change check, start's spelling (shortcut)": shortcut,
        "one-change check, _sequence rule + range (general)": full_rule,
        "apply_changes, 1 change (sides written out)": lambda: small.apply_changes(ask, (), 1),
        "same loop over (side, changes) pairs (general)": lambda: _paired(small, ask, (), 1),
        "apply_changes, 10 level updates (inlined)": lambda: book.apply_changes(updates, (), 1),
        "_Side.apply x 10, same updates (general)": one_by_one,
    }
    figures: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):  # interleaved
        for name, fn in cases.items():
            figures[name].append(ns_per_call(fn, args.loops))
    stats = {name: Stats.of(values) for name, values in figures.items()}
    names = list(cases)
    rows = []
    for fast, general in zip(names[::2], names[1::2], strict=True):
        rows.append([fast, stats[fast].fmt(), ratio(stats[general].median, stats[fast].median)])
        rows.append([general, stats[general].fmt(), "1.00x"])
    print_table(
        f"ns per call, median [min .. max] of {args.runs} runs",
        ["case", "ns/call", "speed-up"],
        rows,
    )


if __name__ == "__main__":
    main()
