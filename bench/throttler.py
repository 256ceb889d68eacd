"""AsyncThrottler benchmark: uncontended acquire overhead and FIFO service under contention.

Run: ``python bench/throttler.py``. Prints the median and min-max of 5 runs per figure.

* uncontended: a KuCoin-like table of ~30 limits (public 100/10 s per IP, private
  200/10 s per user, endpoint pools linked to them), limits scaled up so nothing ever
  waits; figures are the whole cost of one ``async with execute_task(id)`` /
  ``await acquire(id)`` loop iteration in µs, next to the same loop around a no-op.
* contended: 100 concurrent waiters (random weights through linked endpoint pools) on one
  tight pool in real time; throughput in grants/s (and as a share of the pool's
  theoretical rate) and the FIFO rank displacement |grant rank - arrival rank|.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager

from kucoin_connector.core.throttler import AsyncThrottler, LinkedLimit, RateLimit

RUNS = 5
N_UNCONTENDED = 50_000
N_WAITERS = 100
TIGHT_LIMIT = 20
TIGHT_INTERVAL_S = 0.02


def kucoin_like_table(scale: int = 1) -> list[RateLimit]:
    """~30 limits shaped like KuCoin spot's: two base pools and linked endpoint pools."""
    public, private = "public_ip", "private_user"
    table = [RateLimit(public, 100 * scale, 10.0), RateLimit(private, 200 * scale, 10.0)]
    public_eps = [
        "symbols",
        "ticker",
        "all_tickers",
        "stats",
        "markets",
        "l2_20",
        "l2_100",
        "trade_histories",
        "klines",
        "currencies",
        "prices",
        "server_time",
    ]
    private_eps = [
        ("place_order", 45, 2),
        ("place_hf_order", 45, 1),
        ("cancel_order", 60, 1),
        ("cancel_all", 3, 3),
        ("list_orders", 30, 2),
        ("order_detail", 40, 1),
        ("order_by_client_oid", 40, 1),
        ("fills", 9, 2),
        ("hf_fills", 9, 2),
        ("accounts", 20, 1),
        ("account_detail", 20, 1),
        ("bullet_private", 10, 1),
        ("l2_full", 30, 2),
        ("batch_orders", 3, 4),
        ("transfer", 10, 1),
    ]
    for name in public_eps:
        table.append(RateLimit(name, 30 * scale, 3.0, linked_limits=(LinkedLimit(public),)))
    for name, limit, weight in private_eps:
        table.append(
            RateLimit(name, limit * scale, 3.0, linked_limits=(LinkedLimit(private, weight),))
        )
    table.append(RateLimit("bullet_public", 10 * scale, 3.0))
    return table


class _Noop(AbstractAsyncContextManager[None]):
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def acquire(self, limit_id: str) -> None:
        return None


async def _time_cm(
    ids: Sequence[str], enter: Callable[[str], AbstractAsyncContextManager[None]]
) -> float:
    start = time.perf_counter()
    for limit_id in ids:
        async with enter(limit_id):
            pass
    return (time.perf_counter() - start) * 1e6 / len(ids)


async def uncontended_once() -> tuple[float, float, float, float, int]:
    """µs per call: execute_task, acquire, no-op async-with, no-op await; limit count."""
    table = kucoin_like_table(scale=100_000)
    ids = [rl.limit_id for rl in table] * (N_UNCONTENDED // len(table))
    noop = _Noop()
    noop_cm = await _time_cm(ids, lambda _: noop)
    start = time.perf_counter()
    for limit_id in ids:
        await noop.acquire(limit_id)
    noop_await = (time.perf_counter() - start) * 1e6 / len(ids)
    with_cm = await _time_cm(ids, AsyncThrottler(table).execute_task)
    throttler = AsyncThrottler(table)
    start = time.perf_counter()
    for limit_id in ids:
        await throttler.acquire(limit_id)
    plain = (time.perf_counter() - start) * 1e6 / len(ids)
    return with_cm, plain, noop_cm, noop_await, len(table)


async def contended_once(seed: int) -> tuple[float, float, int, float]:
    """(grants/s, share of theoretical rate, max displacement, median displacement)."""
    rng = random.Random(seed)
    table = [RateLimit("tight", TIGHT_LIMIT, TIGHT_INTERVAL_S)]
    table += [
        RateLimit(f"w{w}", 10_000, 1.0, linked_limits=(LinkedLimit("tight", w),)) for w in (1, 2, 3)
    ]
    throttler = AsyncThrottler(table)
    weights = [rng.choice((1, 2, 3)) for _ in range(N_WAITERS)]
    served: list[int] = []

    async def waiter(rank: int) -> None:
        async with throttler.execute_task(f"w{weights[rank]}"):
            served.append(rank)

    start = time.perf_counter()
    await asyncio.gather(*(waiter(rank) for rank in range(N_WAITERS)))
    elapsed = time.perf_counter() - start
    displacement = [abs(grant_rank - arrival) for grant_rank, arrival in enumerate(served)]
    # the first window is free; the rest of the weight needs ceil(rest/limit) more intervals
    rest = max(0, sum(weights) - TIGHT_LIMIT)
    ideal_s = -(-rest // TIGHT_LIMIT) * TIGHT_INTERVAL_S
    rate = N_WAITERS / elapsed
    return rate, ideal_s / elapsed, max(displacement), statistics.median(displacement)


def _fmt(values: Sequence[float], fmt: Callable[[float], str]) -> str:
    return f"{fmt(statistics.median(values)):>10}  [{fmt(min(values))} .. {fmt(max(values))}]"


def main() -> None:
    unc = [asyncio.run(uncontended_once()) for _ in range(RUNS)]
    con = [asyncio.run(contended_once(seed)) for seed in range(RUNS)]
    n_limits = unc[0][4]
    rows = [
        (f"async with execute_task(id), {n_limits} limits (us)", [u[0] for u in unc], "{:.2f}"),
        (f"await acquire(id), {n_limits} limits (us)", [u[1] for u in unc], "{:.2f}"),
        ("  baseline: async with no-op (us)", [u[2] for u in unc], "{:.2f}"),
        ("  baseline: await no-op coroutine (us)", [u[3] for u in unc], "{:.2f}"),
        (
            f"{N_WAITERS} waiters on {TIGHT_LIMIT}/{TIGHT_INTERVAL_S}s: grants/s",
            [c[0] for c in con],
            "{:.0f}",
        ),
        ("  elapsed vs ideal (1.0 = no slack)", [c[1] for c in con], "{:.3f}"),
        ("  FIFO displacement, max (ranks)", [float(c[2]) for c in con], "{:.0f}"),
        ("  FIFO displacement, median (ranks)", [c[3] for c in con], "{:.1f}"),
    ]
    print(f"AsyncThrottler benchmark: median [min .. max] of {RUNS} runs")
    print(f"{'figure':<48}{'median':>10}  range")
    for label, values, pattern in rows:
        print(f"{label:<48}{_fmt(values, pattern.format)}")


if __name__ == "__main__":
    main()
