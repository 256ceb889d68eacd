"""AsyncThrottler: configuration, sliding windows, linked pools, FIFO, cancellation, retry-after.

Most tests run on virtual time: ``VirtualTime.sleep`` parks the sleeper until the test
advances the clock, so every wait is exact, instant and deterministic. No test asserts
real elapsed time.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kucoin_connector.core.errors import ConfigurationError
from kucoin_connector.core.throttler import AsyncThrottler, LinkedLimit, RateLimit

DRAIN_STEPS = 12


class VirtualTime:
    """A clock plus a sleep that only wakes when the test advances the clock."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(delay, 0.0), next(self._seq), fut))
        await fut

    def _next_wake(self) -> float | None:
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)  # cancelled sleeper
        return self._sleepers[0][0] if self._sleepers else None

    async def advance(self, delta: float) -> None:
        """Move time forward by ``delta``, waking sleepers in order on the way."""
        await self.advance_to(self.now + delta)

    async def advance_to(self, target: float) -> None:
        await drain()
        while (wake := self._next_wake()) is not None and wake <= target:
            self.now = max(self.now, wake)
            _, _, fut = heapq.heappop(self._sleepers)
            fut.set_result(None)
            await drain()
        self.now = max(self.now, target)
        await drain()

    async def run_until_done(self, tasks: Sequence[asyncio.Task[object]]) -> None:
        """Advance time sleeper by sleeper until every task is done (fail on a lost wakeup)."""
        await drain()
        while not all(t.done() for t in tasks):
            wake = self._next_wake()
            assert wake is not None, "tasks wait but nobody sleeps: a wakeup was lost"
            await self.advance_to(wake)


async def drain() -> None:
    for _ in range(DRAIN_STEPS):
        await asyncio.sleep(0)


@dataclass
class Recorder:
    vt: VirtualTime
    throttler: AsyncThrottler
    grants: list[tuple[int, str, float]] = field(default_factory=list)  # (arrival, id, t)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def spawn(self, limit_id: str) -> asyncio.Task[None]:
        arrival = len(self.tasks)

        async def run() -> None:
            await self.throttler.acquire(limit_id)
            self.grants.append((arrival, limit_id, self.vt.now))

        task = asyncio.get_running_loop().create_task(run())
        self.tasks.append(task)
        return task

    def order(self) -> list[int]:
        return [arrival for arrival, _, _ in self.grants]


def make(
    limits: Sequence[RateLimit], share: float = 1.0
) -> tuple[VirtualTime, AsyncThrottler, Recorder]:
    vt = VirtualTime()
    throttler = AsyncThrottler(limits, limits_share=share, clock=vt.clock, sleep=vt.sleep)
    return vt, throttler, Recorder(vt, throttler)


def kucoin_like() -> list[RateLimit]:
    return [
        RateLimit("public", 100, 10.0),
        RateLimit("private", 200, 10.0),
        RateLimit("orders", 45, 3.0, linked_limits=(LinkedLimit("private", 2),)),
        RateLimit("cancel", 60, 3.0, linked_limits=(LinkedLimit("private"),)),
        RateLimit("ticker", 100, 10.0, weight=1, linked_limits=(LinkedLimit("public"),)),
    ]


# ------------------------------------------------------------------ configuration


@pytest.mark.parametrize(
    "limits",
    [
        [RateLimit("a", 1, 1.0), RateLimit("a", 2, 1.0)],
        [RateLimit("a", 0, 1.0)],
        [RateLimit("a", -3, 1.0)],
        [RateLimit("a", 1, 0.0)],
        [RateLimit("a", 1, math.inf)],
        [RateLimit("a", 1, math.nan)],
        [RateLimit("a", 5, 1.0, weight=0)],
        [RateLimit("a", 5, 1.0, weight=6)],
        [RateLimit("", 5, 1.0)],
        [RateLimit("a", 5, 1.0, linked_limits=(LinkedLimit("missing"),))],
        [RateLimit("a", 5, 1.0, linked_limits=(LinkedLimit("a"),))],
        [RateLimit("p", 5, 1.0), RateLimit("a", 5, 1.0, linked_limits=(LinkedLimit("p", 6),))],
        [
            RateLimit("p", 5, 1.0),
            RateLimit("a", 5, 1.0, linked_limits=(LinkedLimit("p"), LinkedLimit("p"))),
        ],
    ],
)
def test_bad_declarations_are_configuration_errors(limits: list[RateLimit]) -> None:
    with pytest.raises(ConfigurationError):
        AsyncThrottler(limits)


def test_link_to_a_limit_declared_later_is_fine() -> None:
    throttler = AsyncThrottler(
        [RateLimit("a", 5, 1.0, linked_limits=(LinkedLimit("p"),)), RateLimit("p", 5, 1.0)]
    )
    assert throttler.has_limit("a") and throttler.has_limit("p")
    assert not throttler.has_limit("q")


@pytest.mark.parametrize("share", [0.0, -0.5, 1.5, math.nan])
def test_bad_limits_share(share: float) -> None:
    with pytest.raises(ConfigurationError):
        AsyncThrottler([RateLimit("a", 5, 1.0)], limits_share=share)


def test_limits_share_floors_with_minimum_one() -> None:
    throttler = AsyncThrottler(
        [RateLimit("a", 100, 1.0), RateLimit("b", 3, 1.0), RateLimit("c", 7, 1.0)],
        limits_share=0.3,
    )
    assert throttler.pool_limit("a") == 30
    assert throttler.pool_limit("b") == 1
    assert throttler.pool_limit("c") == 2


def test_weight_above_the_shared_limit_is_rejected() -> None:
    limits = [
        RateLimit("p", 10, 1.0),
        RateLimit("a", 10, 1.0, linked_limits=(LinkedLimit("p", 4),)),
    ]
    AsyncThrottler(limits, limits_share=0.4)
    with pytest.raises(ConfigurationError):
        AsyncThrottler(limits, limits_share=0.3)


async def test_unknown_ids_raise_before_any_await() -> None:
    throttler = AsyncThrottler([RateLimit("a", 1, 1.0)])
    with pytest.raises(ConfigurationError):
        throttler.execute_task("nope")  # the call itself raises, nothing to enter
    with pytest.raises(ConfigurationError):
        await throttler.acquire("nope")
    with pytest.raises(ConfigurationError):
        throttler.block_for("nope", 1.0)
    with pytest.raises(ConfigurationError):
        throttler.block_for("a", -1.0)
    assert throttler.waiting_count == 0


# ------------------------------------------------------------------ windows and linked pools


async def test_sliding_window_waits_exactly_for_the_oldest_entry() -> None:
    vt, throttler, rec = make([RateLimit("a", 3, 1.0)])
    for _ in range(3):
        rec.spawn("a")
    await vt.advance(0.4)
    rec.spawn("a")  # at 0.4
    rec.spawn("a")
    await drain()
    assert [t for _, _, t in rec.grants] == [0.0, 0.0, 0.0]
    await vt.run_until_done(rec.tasks)
    # the window is sliding: both wait for the first entries to expire at t=1.0
    assert [t for _, _, t in rec.grants] == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert rec.order() == [0, 1, 2, 3, 4]
    assert throttler.current_usage("a") == 2


async def test_linked_pools_are_consumed_atomically() -> None:
    _vt, throttler, _rec = make(kucoin_like())
    async with throttler.execute_task("orders"):
        pass
    assert throttler.current_usage("orders") == 1
    assert throttler.current_usage("private") == 2
    assert throttler.current_usage("public") == 0
    await throttler.acquire("ticker")
    assert throttler.current_usage("public") == 1
    assert throttler.current_usage("ticker") == 1


async def test_linked_pool_exhaustion_blocks_other_endpoints() -> None:
    vt, throttler, rec = make(
        [
            RateLimit("user", 4, 1.0),
            RateLimit("x", 10, 1.0, linked_limits=(LinkedLimit("user", 2),)),
            RateLimit("y", 10, 1.0, linked_limits=(LinkedLimit("user"),)),
            RateLimit("z", 10, 1.0),
        ]
    )
    rec.spawn("x")
    rec.spawn("x")  # user pool full (4)
    rec.spawn("y")
    rec.spawn("z")  # unrelated pool: not delayed
    await drain()
    assert sorted(rec.order()) == [0, 1, 3]
    assert throttler.current_usage("y") == 0  # waiting consumes nothing
    await vt.run_until_done(rec.tasks)
    assert rec.grants[-1] == (2, "y", 1.0)


async def test_execute_task_propagates_errors_and_still_counts() -> None:
    _vt, throttler, _rec = make([RateLimit("a", 2, 1.0)])
    with pytest.raises(RuntimeError):
        async with throttler.execute_task("a"):
            raise RuntimeError("boom")
    assert throttler.current_usage("a") == 1


# ------------------------------------------------------------------ fairness


async def test_fifo_with_100_concurrent_waiters_of_random_weights() -> None:
    rng = random.Random(7)
    limits = [RateLimit("pool", 5, 1.0)]
    limits += [
        RateLimit(f"w{w}", 100, 1.0, linked_limits=(LinkedLimit("pool", w),)) for w in range(1, 6)
    ]
    vt, throttler, rec = make(limits)
    for _ in range(100):
        rec.spawn(f"w{rng.randint(1, 5)}")
    await vt.run_until_done(rec.tasks)
    assert rec.order() == list(range(100))
    assert throttler.waiting_count == 0


async def test_heavy_request_is_not_starved_by_later_light_ones() -> None:
    vt, _throttler, rec = make(
        [
            RateLimit("pool", 10, 1.0),
            RateLimit("heavy", 10, 1.0, linked_limits=(LinkedLimit("pool", 10),)),
            RateLimit("light", 100, 1.0, linked_limits=(LinkedLimit("pool"),)),
        ]
    )
    for _ in range(9):
        rec.spawn("light")
    heavy = rec.spawn("heavy")
    await vt.advance(0.5)
    for _ in range(30):  # light ones keep arriving; one unit is free but must not be taken
        rec.spawn("light")
        await vt.advance(0.1)
    assert heavy.done()
    heavy_t = next(t for a, i, t in rec.grants if i == "heavy")
    assert heavy_t == 1.0
    assert all(t >= heavy_t for a, _, t in rec.grants if a > 9)
    await vt.run_until_done(rec.tasks)
    assert rec.order() == list(range(40))


async def test_waiters_on_disjoint_pools_do_not_wait_for_each_other() -> None:
    vt, _throttler, rec = make([RateLimit("a", 1, 1.0), RateLimit("b", 1, 1.0)])
    rec.spawn("a")
    rec.spawn("a")  # waits until 1.0
    rec.spawn("b")  # not behind the "a" waiter
    await drain()
    assert rec.order() == [0, 2]
    await vt.run_until_done(rec.tasks)
    assert rec.order() == [0, 2, 1]


# ------------------------------------------------------------------ cancellation


async def test_cancelled_waiter_leaves_cleanly_and_unblocks_the_queue() -> None:
    _vt, throttler, rec = make(
        [
            RateLimit("pool", 4, 1.0),
            RateLimit("heavy", 4, 1.0, linked_limits=(LinkedLimit("pool", 4),)),
            RateLimit("light", 4, 1.0, linked_limits=(LinkedLimit("pool"),)),
        ]
    )
    rec.spawn("light")
    heavy = rec.spawn("heavy")  # needs the whole pool: waits for t=1.0
    rec.spawn("light")  # queued behind heavy although a unit is free
    await drain()
    assert rec.order() == [0] and throttler.waiting_count == 2
    heavy.cancel()
    await drain()
    assert heavy.cancelled()
    assert rec.order() == [0, 2]  # the light one behind it goes at once, same instant
    assert throttler.waiting_count == 0
    assert throttler.current_usage("pool") == 2
    assert throttler.current_usage("heavy") == 0
    await throttler.acquire("light")  # fast path works again: no stale waiting counts
    assert throttler.current_usage("pool") == 3
    assert [task for task in asyncio.all_tasks() if task is not asyncio.current_task()] == []


async def test_waiter_granted_then_cancelled_before_resuming_is_refunded() -> None:
    vt, throttler, rec = make([RateLimit("a", 1, 1.0)])
    rec.spawn("a")
    waiter = rec.spawn("a")
    await drain()
    assert throttler.waiting_count == 1
    vt.now = 1.0  # the timer is woken by hand so that the test runs between grant and resume
    _, _, timer_fut = heapq.heappop(vt._sleepers)
    timer_fut.set_result(None)
    await asyncio.sleep(0)  # the timer task runs: grants the waiter (its wakeup is queued)
    assert throttler.waiting_count == 0
    waiter.cancel()  # arrives before the waiter resumes
    await drain()
    assert waiter.cancelled()
    assert rec.order() == [0]
    assert throttler.current_usage("a") == 0  # the grant was refunded
    await throttler.acquire("a")
    assert throttler.current_usage("a") == 1


# ------------------------------------------------------------------ retry-after


async def test_block_for_blocks_the_pool_and_its_linked_pools_only() -> None:
    vt, throttler, rec = make(kucoin_like())
    throttler.block_for("orders", 5.0)  # orders + private
    rec.spawn("orders")
    rec.spawn("cancel")  # linked to the blocked private pool
    rec.spawn("ticker")  # public: unaffected
    await vt.advance(4.9)
    assert rec.order() == [2]
    await vt.advance(0.1)
    assert rec.order() == [2, 0, 1]
    assert [t for _, _, t in rec.grants] == [0.0, 5.0, 5.0]


async def test_block_for_extends_but_never_shortens_and_reaches_waiters() -> None:
    vt, throttler, rec = make(kucoin_like())
    throttler.block_for("private", 3.0)
    throttler.block_for("private", 1.0)  # shorter: ignored
    rec.spawn("orders")
    await vt.advance(2.0)
    throttler.block_for("cancel", 4.0)  # also blocks private, until 6.0, while one waits
    await vt.run_until_done(rec.tasks)
    assert rec.grants == [(0, "orders", 6.0)]


# ------------------------------------------------------------------ real asyncio time


async def test_real_time_smoke() -> None:
    throttler = AsyncThrottler([RateLimit("a", 2, 0.05)])
    order: list[int] = []

    async def run(i: int) -> None:
        async with throttler.execute_task("a"):
            order.append(i)

    await asyncio.wait_for(asyncio.gather(*(run(i) for i in range(6))), timeout=5.0)
    assert order == list(range(6))
    assert throttler.waiting_count == 0


# ------------------------------------------------------------------ property-based


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[RateLimit], float, list[tuple[str, int, float]]]:
    share = draw(st.sampled_from([1.0, 0.5, 0.34]))
    intervals = st.sampled_from([0.5, 1.0, 2.0])

    def cap(limit: int) -> int:
        return max(1, math.floor(limit * share))

    bases = [
        RateLimit(f"b{i}", draw(st.integers(1, 6)), draw(intervals))
        for i in range(draw(st.integers(1, 3)))
    ]
    endpoints = []
    for i in range(draw(st.integers(1, 4))):
        limit = draw(st.integers(1, 8))
        linked = draw(st.lists(st.sampled_from(bases), unique=True, max_size=len(bases)))
        links = tuple(
            LinkedLimit(b.limit_id, min(cap(b.limit), draw(st.integers(1, 3)))) for b in linked
        )
        weight = min(cap(limit), draw(st.integers(1, 3)))
        endpoints.append(RateLimit(f"e{i}", limit, draw(intervals), weight, links))
    ops = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["req", "req", "req", "tick", "cancel", "block"]),
                st.integers(0, 50),
                st.sampled_from([0.0, 0.01, 0.1, 0.25, 0.49, 0.5, 1.0]),
            ),
            min_size=1,
            max_size=60,
        )
    )
    return bases + endpoints, share, ops


def pools_of(limits: Sequence[RateLimit]) -> dict[str, list[tuple[str, int]]]:
    return {
        rl.limit_id: [(rl.limit_id, rl.weight)]
        + [(ln.limit_id, ln.weight) for ln in rl.linked_limits]
        for rl in limits
    }


async def play(
    limits: list[RateLimit], share: float, ops: list[tuple[str, int, float]]
) -> tuple[AsyncThrottler, Recorder, list[tuple[str, int, float]]]:
    vt, throttler, rec = make(limits, share)
    ids = [rl.limit_id for rl in limits]
    costs = pools_of(limits)
    blocks: list[tuple[str, int, float]] = []  # (pool, grants recorded before, until)
    for kind, n, dt in ops:
        if kind == "req":
            rec.spawn(ids[n % len(ids)])
        elif kind == "tick":
            await vt.advance(dt)
        elif kind == "cancel" and rec.tasks:
            rec.tasks[n % len(rec.tasks)].cancel()
        elif kind == "block":
            limit_id = ids[n % len(ids)]
            throttler.block_for(limit_id, dt * 2)
            before = len(rec.grants)
            blocks += [(pool, before, vt.now + dt * 2) for pool, _ in costs[limit_id]]
        await drain()
    await asyncio.wait_for(vt.run_until_done(rec.tasks), timeout=10.0)
    return throttler, rec, blocks


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_property_windows_fifo_and_blocks(
    scenario: tuple[list[RateLimit], float, list[tuple[str, int, float]]],
) -> None:
    limits, share, ops = scenario
    throttler, rec, blocks = asyncio.run(play(limits, share, ops))
    costs = pools_of(limits)
    intervals = {rl.limit_id: rl.time_interval_s for rl in limits}
    caps = {rl.limit_id: max(1, math.floor(rl.limit * share)) for rl in limits}
    uses = [
        (seq, t, pool, w)
        for seq, (_, limit_id, t) in enumerate(rec.grants)
        for pool, w in costs[limit_id]
    ]
    # 1. no pool's sliding window ever holds more than its shared limit
    for _, t, pool, _ in uses:
        in_window = sum(
            w2 for _, t2, p2, w2 in uses if p2 == pool and t2 <= t and t2 + intervals[pool] > t
        )
        assert in_window <= caps[pool], (pool, t, in_window)
    # 2. no grant on a pool after a retry-after blocked it, until the block ends
    for seq, t, pool, _ in uses:
        assert not any(p == pool and seq >= before and t < until for p, before, until in blocks)
    # 3. FIFO: an earlier request sharing a pool is never granted later
    granted = {arrival: (t, {p for p, _ in costs[lid]}) for arrival, lid, t in rec.grants}
    for a, (ta, pa) in granted.items():
        for b, (tb, pb) in granted.items():
            if a < b and pa & pb:
                assert ta <= tb, (a, b)
    # 4. every request either ran or was cancelled; nothing is left queued
    for i, task in enumerate(rec.tasks):
        assert task.cancelled() or i in granted
    assert throttler.waiting_count == 0
