"""Chaos runs by hand: many seeds, bigger workloads, classic and HF accounts.

    .venv/bin/python bench/chaos.py --seeds 50 --account both --orders 400
    .venv/bin/python bench/chaos.py --first-seed 7 --seeds 1 --account trade_hf -v

Each run: the simulator (market activity on) behind a seeded fault proxy (REST and
WebSocket) plus the simulator's own fault injector, a seeded bot placing and cancelling
orders, then, faults off, the connector compared with the simulator (orders, fills,
balances, book) and its logs checked for unhandled errors. One line per run, a total, and
the exit status 1 if any run failed; ``-v`` prints what differed and why.

The per-seed code is ``tests/chaos/run.py``, shared with ``tests/chaos/test_chaos.py``.
Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from pathlib import Path

# run from a checkout without installing: the package, and the repository (for tests.chaos)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.chaos.proxy import ChaosConfig
from tests.chaos.run import RunSettings, SeedResult, run_seed

ACCOUNTS = {"trade": ["trade"], "trade_hf": ["trade_hf"], "both": ["trade", "trade_hf"]}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10, help="how many seeds (default 10)")
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--account", choices=sorted(ACCOUNTS), default="both")
    parser.add_argument("--orders", type=int, default=400, help="orders per run")
    parser.add_argument(
        "--burst", type=int, default=45, help="far-from-market resting orders placed at once"
    )
    parser.add_argument(
        "--ladder", type=int, default=25, help="sells swept by one market buy (0: none)"
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiply every fault probability (0 = no fault)"
    )
    parser.add_argument("--no-faults", action="store_true", help="the control run")
    parser.add_argument(
        "--settle-timeout",
        type=float,
        default=30.0,
        help="seconds allowed to converge once the faults stop",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="print what differed (and why) for every failed run",
    )
    args = parser.parse_args(argv)
    if args.seeds < 1 or args.orders < 1:
        parser.error("--seeds and --orders must be >= 1")
    return args


def total_line(results: list[SeedResult]) -> str:
    failed = [r for r in results if not r.ok]
    times = [r.duration_s for r in results]
    sums = {
        "lost": sum(len(r.verdict.of("lost")) for r in results),
        "doubled": sum(len(r.verdict.of("doubled")) + len(r.verdict.of("orphan")) for r in results),
        "fill_mismatches": sum(len(r.verdict.of("fills")) for r in results),
        "balance_mismatches": sum(len(r.verdict.balances) for r in results),
        "book_differs": sum(1 for r in results if r.verdict.book),
        "errors": sum(r.error_count for r in results),
        "harness_errors": sum(r.harness_error_count for r in results),
    }
    counts = " ".join(f"{k}={v}" for k, v in sums.items())
    return (
        f"total: {len(results)} runs, {len(failed)} failed, "
        f"{sum(r.orders for r in results)} orders; {counts}; time per run median "
        f"{statistics.median(times):.1f}s max {max(times):.1f}s"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    chaos = ChaosConfig().scaled(args.scale)
    results: list[SeedResult] = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        for account in ACCOUNTS[args.account]:
            settings = RunSettings(
                seed=seed,
                account_type=account,
                orders=args.orders,
                burst=args.burst,
                ladder=args.ladder,
                chaos=chaos,
                faults=not args.no_faults and args.scale > 0,
                settle_timeout_s=args.settle_timeout,
            )
            result = asyncio.run(run_seed(settings))
            results.append(result)
            if args.verbose and not result.ok:
                print(result.report(max_items=40), flush=True)
            else:
                print(result.summary_line(), flush=True)
    print(total_line(results))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
