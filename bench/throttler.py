"""AsyncThrottler benchmark on KuCoin's own limit table (``kucoin.endpoints.rate_limits()``).

    python bench/throttler.py [--runs 5] [--calls 50000] [--quick]

* uncontended: the full KuCoin table (every endpoint limit linked to its pool), today's
  weighted pools (``TODAY_POOLS``: each call costs its endpoint's weight) and the seed's
  request-count pools, budgets scaled up so that nothing ever waits; the whole cost of one
  ``await acquire(id)`` / ``async with execute_task(id)`` in µs, cycling over every
  endpoint, next to the same loop around a no-op (the asyncio floor).
* contended: 100 concurrent waiters on the private endpoints of the same table with its
  time intervals shrunk (10 s -> 20 ms) so that the pools really throttle: CPU µs per
  grant (the throttler's bookkeeping with 100 queued), grants/s against the pool's
  theoretical rate, and FIFO fairness (|grant rank - arrival rank|).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Stats, machine, print_table

from kucoin_connector.core.throttler import AsyncThrottler, RateLimit
from kucoin_connector.kucoin.endpoints import ENDPOINTS, TODAY_POOLS, PoolLimit, rate_limits

N_WAITERS = 100
TIGHT_INTERVAL_S = 0.02
HUGE = 10**9


def uncontended_table(weighted: bool) -> list[RateLimit]:
    if weighted:
        pools = {name: PoolLimit(HUGE, pool.time_interval_s) for name, pool in TODAY_POOLS.items()}
        return rate_limits(weighted_pools=pools)
    return rate_limits(public_per_10s=HUGE, private_per_10s=HUGE)


def contended_table(private_per_interval: int) -> list[RateLimit]:
    """The real table (request-count pools), every interval shrunk to TIGHT_INTERVAL_S."""
    table = rate_limits(public_per_10s=private_per_interval, private_per_10s=private_per_interval)
    return [dataclasses.replace(rl, time_interval_s=TIGHT_INTERVAL_S) for rl in table]


class _Noop(AbstractAsyncContextManager[None]):
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def acquire(self, limit_id: str) -> None:
        return None


async def _per_call_us(ids: Sequence[str], call: Callable[[str], object]) -> float:
    start = time.perf_counter()
    for limit_id in ids:
        await call(limit_id)  # type: ignore[misc]
    return (time.perf_counter() - start) * 1e6 / len(ids)


async def _per_cm_us(
    ids: Sequence[str], enter: Callable[[str], AbstractAsyncContextManager[None]]
) -> float:
    start = time.perf_counter()
    for limit_id in ids:
        async with enter(limit_id):
            pass
    return (time.perf_counter() - start) * 1e6 / len(ids)


async def uncontended_once(calls: int) -> dict[str, float]:
    endpoint_ids = sorted({e.limit_id for e in ENDPOINTS.values()})
    ids = (endpoint_ids * (calls // len(endpoint_ids) + 1))[:calls]
    noop = _Noop()
    out = {
        "baseline: await no-op coroutine": await _per_call_us(ids, noop.acquire),
        "baseline: async with no-op": await _per_cm_us(ids, lambda _id: noop),
    }
    for weighted in (True, False):
        kind = "weighted TODAY_POOLS" if weighted else "request-count pools"
        throttler = AsyncThrottler(uncontended_table(weighted))
        out[f"await acquire(id), {kind}"] = await _per_call_us(ids, throttler.acquire)
        throttler = AsyncThrottler(uncontended_table(weighted))
        out[f"async with execute_task(id), {kind}"] = await _per_cm_us(ids, throttler.execute_task)
    return out


async def contended_once(seed: int, limit: int) -> dict[str, float]:
    rng = random.Random(seed)
    private_ids = sorted(
        {e.limit_id for e in ENDPOINTS.values() if e.signed and not e.limit_id.startswith("ws")}
    )
    throttler = AsyncThrottler(contended_table(limit))
    chosen = [rng.choice(private_ids) for _ in range(N_WAITERS)]
    served: list[int] = []

    async def waiter(rank: int) -> None:
        await throttler.acquire(chosen[rank])
        served.append(rank)

    async def bare(rank: int) -> None:
        await asyncio.sleep(0)
        served.append(rank)

    cpu_start = time.process_time()
    await asyncio.gather(*(bare(rank) for rank in range(N_WAITERS)))
    baseline_cpu = time.process_time() - cpu_start
    served.clear()
    cpu_start, start = time.process_time(), time.perf_counter()
    await asyncio.gather(*(waiter(rank) for rank in range(N_WAITERS)))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    displacement = [abs(grant - arrival) for grant, arrival in enumerate(served)]
    # every private call costs 1 in the private pool: the first window is free
    ideal_s = -(-max(0, N_WAITERS - limit) // limit) * TIGHT_INTERVAL_S
    return {
        "cpu_us": cpu * 1e6 / N_WAITERS,
        "baseline_us": baseline_cpu * 1e6 / N_WAITERS,
        "rate": N_WAITERS / elapsed,
        "ideal": ideal_s / elapsed,
        "max_disp": float(max(displacement)),
        "median_disp": statistics.median(displacement),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.calls = 2, 2_000
    runs = max(2, args.runs)
    unc = [asyncio.run(uncontended_once(args.calls)) for _ in range(runs)]
    con = [asyncio.run(contended_once(seed, 20)) for seed in range(runs)]
    table = rate_limits()
    print(machine())
    rows = []
    for name in unc[0]:
        target = "<= 10 us" if "acquire" in name or "execute_task" in name else "-"
        rows.append([name, Stats.of([u[name] for u in unc]).fmt(",.2f"), "us/call", target])
    print_table(
        f"Uncontended, KuCoin table ({len(table)} limits, {len(ENDPOINTS)} endpoints), "
        f"{args.calls:,} calls, median [min .. max] of {runs} runs",
        ["figure", "value", "unit", "target"],
        rows,
    )
    contended = [
        ("CPU per grant (task + throttler, 5 windows)", "cpu_us", ",.2f", "us"),
        ("  baseline: CPU per bare gathered task", "baseline_us", ",.2f", "us"),
        ("grants/s (pool: 20 per 20 ms = 1,000/s)", "rate", ",.0f", "grants/s"),
        ("ideal elapsed / elapsed (1.0 = no slack)", "ideal", ".3f", "ratio"),
        ("FIFO displacement, max", "max_disp", ".0f", "ranks"),
        ("FIFO displacement, median", "median_disp", ".1f", "ranks"),
    ]
    print_table(
        f"{N_WAITERS} concurrent waiters on KuCoin's private endpoints (intervals 10 s -> "
        f"{TIGHT_INTERVAL_S * 1000:.0f} ms), median [min .. max] of {runs} runs",
        ["figure", "value", "unit"],
        [
            [label, Stats.of([c[key] for c in con]).fmt(fmt), unit]
            for label, key, fmt, unit in contended
        ],
    )


if __name__ == "__main__":
    main()
