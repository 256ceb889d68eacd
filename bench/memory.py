"""Memory: RSS of live order books, 100 pairs x 2,000 levels a side.

    python bench/memory.py [--runs 3] [--pairs 100] [--depth 2000] [--updates 2000] [--quick]

Each run happens in a fresh subprocess (RSS never shrinks back reliably). It builds one
``Level2Calibrator`` (and so one ``OrderBook``) per pair, applies a ``depth``-level-a-side
snapshot (wire strings, as from REST), then feeds ``updates`` l2update frames per pair
through ``L2FrameDecoder`` (synthetic stream, bench/_l2data.py), and reports the RSS delta
(VmRSS, /proc/self/status) against the moment just before the first book was built, with
the inputs already freed. Median and min-max of ``--runs`` subprocesses.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Stats, machine, print_table, rss_bytes
from _l2data import MID_TICKS, synthetic

from kucoin_connector.kucoin.level2 import (
    L2FrameDecoder,
    Level2Calibrator,
    SyncState,
    parse_l2snapshot,
)


def _snapshot(depth: int, sequence: str, pair: int) -> dict[str, Any]:
    def side(sign: int) -> list[list[str]]:
        return [
            [f"{(MID_TICKS + sign * d) / 10:.1f}", f"{(d * 7919 + pair) % 25000 / 1000:.8f}1"]
            for d in range(1, depth + 1)
        ]

    return {"sequence": sequence, "bids": side(-1), "asks": side(1)}


def child(pairs: int, depth: int, updates: int) -> dict[str, float]:
    decoder = L2FrameDecoder()
    gc.collect()
    before = rss_bytes()
    calibrators: list[Level2Calibrator] = []
    for pair in range(pairs):
        stream = synthetic(updates * 2, seed=pair)  # ~2 changes a message
        symbol = f"P{pair:03d}-USDT"
        frames = [f.replace("BTC-USDT", symbol) for f in stream.frames[:updates]]
        snapshot = stream.snapshots["BTC-USDT"]
        calibrator = Level2Calibrator(symbol)
        calibrator.on_snapshot(parse_l2snapshot(_snapshot(depth, snapshot["sequence"], pair)))
        for frame in frames:
            data = decoder.decode_fast(frame).data  # what the data source does
            changes = data.changes
            calibrator.on_changes(data.sequenceStart, data.sequenceEnd, changes.asks, changes.bids)
        if calibrator.state is not SyncState.LIVE:
            raise RuntimeError(f"{symbol}: {calibrator.resync_reason}")
        calibrators.append(calibrator)
        del stream, frames, snapshot
    gc.collect()
    after = rss_bytes()
    levels = sum(c.order_book.bid_depth + c.order_book.ask_depth for c in calibrators)
    return {"delta_mb": (after - before) / 2**20, "levels": levels, "rss_mb": after / 2**20}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--depth", type=int, default=2_000)
    parser.add_argument("--updates", type=int, default=2_000)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.pairs, args.depth, args.updates = 2, 2, 100, 50
    if args.child:
        print(json.dumps(child(args.pairs, args.depth, args.updates)))
        return
    results = []
    for _ in range(max(2, args.runs)):
        command = [
            sys.executable,
            __file__,
            "--child",
            "--pairs",
            str(args.pairs),
            "--depth",
            str(args.depth),
            "--updates",
            str(args.updates),
        ]
        out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=1800)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    delta = Stats.of([r["delta_mb"] for r in results])
    levels = int(results[-1]["levels"])
    print(machine())
    print_table(
        f"Memory, {args.pairs} pairs x {args.depth:,} levels a side, {args.updates:,} "
        f"updates a pair, median [min .. max] of {len(results)} subprocesses",
        ["figure", "value", "target"],
        [
            ["RSS delta (MB)", delta.fmt(",.1f"), "< 150 MB"],
            ["levels held", f"{levels:,}", "-"],
            ["bytes per level", f"{delta.median * 2**20 / max(1, levels):,.0f}", "-"],
            ["process RSS after (MB)", Stats.of([r["rss_mb"] for r in results]).fmt(",.1f"), "-"],
        ],
    )


if __name__ == "__main__":
    main()
