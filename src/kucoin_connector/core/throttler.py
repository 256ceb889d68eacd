"""Client-side rate limiting: weighted, linked sliding-window pools.

Rate limits are declared as data (:class:`RateLimit`). Each declared limit owns one pool
(a sliding window of ``time_interval_s`` seconds holding at most ``limit`` units of
weight) and may consume from other declared pools too (:class:`LinkedLimit`), e.g. an
endpoint pool linked to the per-IP public pool. A request consumes its weight in all of
its pools atomically, at one instant, or waits.

Guarantees of :class:`AsyncThrottler`:

* never more than the (shared) limit of weight inside any pool's window;
* FIFO fairness: a waiter is never overtaken by a later waiter that needs a pool it
  needs (directly or through a chain of earlier waiters), so heavy requests do not starve;
  requests on disjoint pools do not wait for each other;
* no polling: one timer sleeps exactly until the earliest moment the head waiters can be
  served (computed from the windows and any server retry-after);
* cost: each pool keeps its own FIFO of waiters; a waiter may go only when it is first in
  every pool it needs (which is exactly "no earlier waiter shares a pool with it"), so a
  grant, an enqueue or a cancellation looks only at the waiters it affects (the next ones
  in the same pools), never at the whole queue: O(pools of the request) per event, plus
  O(head waiters) (at most one per pool) when the timer fires;
* a cancelled waiter leaves the queue and consumes nothing (refunded if it was granted
  in the same loop iteration it was cancelled);
* an unknown limit id is a :class:`ConfigurationError`, raised before any await.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from types import TracebackType

from kucoin_connector.core.errors import ConfigurationError

__all__ = ["AsyncThrottler", "LinkedLimit", "RateLimit"]

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class LinkedLimit:
    """Another declared pool a request also consumes from, with its own weight."""

    limit_id: str
    weight: int = 1


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` units of weight per sliding ``time_interval_s`` seconds.

    A request under ``limit_id`` costs ``weight`` in this pool plus each linked pool's
    weight in that pool.
    """

    limit_id: str
    limit: int
    time_interval_s: float
    weight: int = 1
    linked_limits: tuple[LinkedLimit, ...] = ()


@dataclass(eq=False, slots=True)
class _Pool:
    """One sliding window. Entries are (expires_at, weight), in grant order."""

    limit_id: str
    limit: int
    interval_s: float
    window: deque[tuple[float, int]] = field(default_factory=deque)
    used: int = 0
    waiting: int = 0  # queued waiters that need this pool
    blocked_until: float = -math.inf
    # waiters needing this pool, in arrival order; left ones (granted or cancelled) are
    # dropped lazily when they reach the front
    queue: deque[_Waiter] = field(default_factory=deque)

    def purge(self, now: float) -> None:
        window = self.window
        while window and window[0][0] <= now:
            self.used -= window.popleft()[1]

    def ready_at(self, weight: int, now: float) -> float:
        """Earliest time ``weight`` fits (window already purged at ``now``)."""
        excess = self.used + weight - self.limit
        ready = now
        if excess > 0:
            for expires_at, entry_weight in self.window:
                excess -= entry_weight
                if excess <= 0:
                    ready = expires_at
                    break
        return max(ready, self.blocked_until)


@dataclass(eq=False, slots=True)
class _Waiter:
    costs: tuple[tuple[_Pool, int], ...]
    future: asyncio.Future[None]
    granted_at: float | None = None
    queued: bool = True


class _ThrottledTask(AbstractAsyncContextManager[None]):
    __slots__ = ("_costs", "_throttler")

    def __init__(self, throttler: AsyncThrottler, costs: tuple[tuple[_Pool, int], ...]) -> None:
        self._throttler = throttler
        self._costs = costs

    async def __aenter__(self) -> None:
        await self._throttler._acquire_costs(self._costs)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


class AsyncThrottler:
    """Weighted, linked, sliding-window rate limiter for asyncio.

    ``limits_share`` in (0, 1] scales every pool's limit (floored, at least 1), e.g. to
    split one account's limits between processes. ``clock`` and ``sleep`` are injectable
    for deterministic tests; they must agree (``sleep(d)`` lets ``clock()`` advance by d).
    """

    def __init__(
        self,
        rate_limits: Iterable[RateLimit],
        *,
        limits_share: float = 1.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if not (isinstance(limits_share, int | float) and 0.0 < limits_share <= 1.0):
            raise ConfigurationError(f"limits_share must be in (0, 1], got {limits_share!r}")
        self._clock = clock
        self._sleep = sleep
        self._limits_share = float(limits_share)
        declared = list(rate_limits)
        self._pools = self._build_pools(declared)
        self._costs = {rl.limit_id: self._build_costs(rl) for rl in declared}
        self._queued = 0  # waiters still queued
        # waiters first in all their pools but not ready yet -> the time they will be
        # (valid until their pools change: grants, refunds, block_for)
        self._heads: dict[_Waiter, float] = {}
        self._timer: asyncio.Task[None] | None = None
        self._timer_deadline = math.inf

    # ----------------------------------------------------------------- declaration

    def _build_pools(self, declared: list[RateLimit]) -> dict[str, _Pool]:
        pools: dict[str, _Pool] = {}
        for rl in declared:
            if not isinstance(rl, RateLimit):
                raise ConfigurationError(f"not a RateLimit: {rl!r}")
            if not isinstance(rl.limit_id, str) or not rl.limit_id:
                raise ConfigurationError(f"rate limit id must be a non-empty str: {rl!r}")
            if rl.limit_id in pools:
                raise ConfigurationError(f"duplicate rate limit id {rl.limit_id!r}")
            if not _is_positive_int(rl.limit):
                raise ConfigurationError(f"limit of {rl.limit_id!r} must be a positive int")
            interval = rl.time_interval_s
            if not (isinstance(interval, int | float) and math.isfinite(interval) and interval > 0):
                raise ConfigurationError(f"time_interval_s of {rl.limit_id!r} must be > 0")
            shared = max(1, math.floor(rl.limit * self._limits_share))
            pools[rl.limit_id] = _Pool(rl.limit_id, shared, float(interval))
        return pools

    def _build_costs(self, rl: RateLimit) -> tuple[tuple[_Pool, int], ...]:
        costs: list[tuple[_Pool, int]] = [(self._pools[rl.limit_id], rl.weight)]
        for linked in rl.linked_limits:
            if not isinstance(linked, LinkedLimit):
                raise ConfigurationError(f"{rl.limit_id!r}: not a LinkedLimit: {linked!r}")
            pool = self._pools.get(linked.limit_id)
            if pool is None:
                raise ConfigurationError(
                    f"{rl.limit_id!r} links to undeclared rate limit {linked.limit_id!r}"
                )
            if any(p is pool for p, _ in costs):
                raise ConfigurationError(f"{rl.limit_id!r} links {linked.limit_id!r} twice")
            costs.append((pool, linked.weight))
        for pool, weight in costs:
            if not _is_positive_int(weight):
                raise ConfigurationError(f"{rl.limit_id!r}: weight must be a positive int")
            if weight > pool.limit:
                raise ConfigurationError(
                    f"{rl.limit_id!r}: weight {weight} exceeds the limit {pool.limit} "
                    f"of pool {pool.limit_id!r} (after limits_share); it could never run"
                )
        return tuple(costs)

    def _costs_of(self, limit_id: str) -> tuple[tuple[_Pool, int], ...]:
        costs = self._costs.get(limit_id)
        if costs is None:
            raise ConfigurationError(f"unknown rate limit id {limit_id!r}")
        return costs

    # ------------------------------------------------------------------ public API

    def has_limit(self, limit_id: str) -> bool:
        return limit_id in self._costs

    @property
    def limits_share(self) -> float:
        return self._limits_share

    def execute_task(self, limit_id: str) -> AbstractAsyncContextManager[None]:
        """``async with throttler.execute_task(id):`` waits for capacity, then runs."""
        return _ThrottledTask(self, self._costs_of(limit_id))

    async def acquire(self, limit_id: str) -> None:
        """Wait until a request under ``limit_id`` may be sent, and account for it."""
        await self._acquire_costs(self._costs_of(limit_id))

    def block_for(self, limit_id: str, seconds: float) -> None:
        """Honour a server retry-after: the pools of ``limit_id`` grant nothing for now."""
        costs = self._costs_of(limit_id)
        if not (isinstance(seconds, int | float) and math.isfinite(seconds) and seconds >= 0):
            raise ConfigurationError(f"block_for needs finite seconds >= 0, got {seconds!r}")
        until = self._clock() + seconds
        for pool, _ in costs:
            pool.blocked_until = max(pool.blocked_until, until)
        # cached ready times of the heads may be too early now: the timer then fires,
        # finds them not ready and re-arms (once), so nothing polls

    def current_usage(self, limit_id: str) -> int:
        """Weight inside the sliding window of the pool ``limit_id`` right now."""
        pool = self._costs_of(limit_id)[0][0]
        pool.purge(self._clock())
        return pool.used

    def pool_limit(self, limit_id: str) -> int:
        """The pool's limit after ``limits_share``."""
        return self._costs_of(limit_id)[0][0].limit

    @property
    def waiting_count(self) -> int:
        """Number of requests queued for capacity."""
        return self._queued

    # ------------------------------------------------------------------- internals

    async def _acquire_costs(self, costs: tuple[tuple[_Pool, int], ...]) -> None:
        now = self._clock()
        for pool, weight in costs:  # fast path: nobody queued on our pools, room now
            if pool.waiting or now < pool.blocked_until:
                break
            pool.purge(now)
            if pool.used + weight > pool.limit:
                break
        else:
            _consume(costs, now)
            return
        await self._wait(costs)

    async def _wait(self, costs: tuple[tuple[_Pool, int], ...]) -> None:
        waiter = _Waiter(costs, asyncio.get_running_loop().create_future())
        self._queued += 1
        for pool, _ in costs:
            pool.waiting += 1
            pool.queue.append(waiter)
        self._evaluate([waiter])
        try:
            await waiter.future
        except asyncio.CancelledError:
            if waiter.queued:
                self._dequeue(waiter)
            elif waiter.granted_at is not None:  # granted, then cancelled before resuming
                _refund(costs, waiter.granted_at)
            self._evaluate(self._fronts(costs))
            raise

    def _dequeue(self, waiter: _Waiter) -> None:
        """Mark ``waiter`` as no longer queued (its pool queue entries go lazily)."""
        waiter.queued = False
        self._queued -= 1
        self._heads.pop(waiter, None)
        for pool, _ in waiter.costs:
            pool.waiting -= 1

    def _front(self, pool: _Pool) -> _Waiter | None:
        """The first still-queued waiter of ``pool`` (dropping the ones that left)."""
        queue = pool.queue
        while queue:
            waiter = queue[0]
            if waiter.queued:
                if not waiter.future.done():
                    return waiter
                self._dequeue(waiter)  # cancelled; its task has not resumed yet
            queue.popleft()
        return None

    def _fronts(self, costs: tuple[tuple[_Pool, int], ...]) -> list[_Waiter]:
        fronts = []
        for pool, _ in costs:
            front = self._front(pool)
            if front is not None:
                fronts.append(front)
        return fronts

    def _evaluate(self, candidates: list[_Waiter]) -> None:
        """Grant each candidate that is first in all its pools and fits now, then the
        waiters behind it; remember when the others may go; arm the timer."""
        now = self._clock()
        while candidates:
            waiter = candidates.pop()
            if not waiter.queued or any(self._front(p) is not waiter for p, _ in waiter.costs):
                continue
            ready = now
            for pool, weight in waiter.costs:
                pool.purge(now)
                pool_ready = pool.ready_at(weight, now)
                if pool_ready > ready:
                    ready = pool_ready
            if ready > now:
                self._heads[waiter] = ready
                continue
            self._dequeue(waiter)
            _consume(waiter.costs, now)
            waiter.granted_at = now
            waiter.future.set_result(None)
            candidates.extend(self._fronts(waiter.costs))
        self._arm_timer(min(self._heads.values(), default=math.inf), now)

    def _arm_timer(self, deadline: float, now: float) -> None:
        if deadline == math.inf:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._timer_deadline = math.inf
            return
        if self._timer is not None:
            if self._timer_deadline <= deadline:
                return  # fires earlier; it will re-dispatch and re-arm
            self._timer.cancel()
        self._timer_deadline = deadline
        self._timer = asyncio.get_running_loop().create_task(self._on_timer(deadline - now))

    async def _on_timer(self, delay_s: float) -> None:
        await self._sleep(delay_s)
        self._timer = None
        self._timer_deadline = math.inf
        self._evaluate(list(self._heads))


def _consume(costs: tuple[tuple[_Pool, int], ...], now: float) -> None:
    for pool, weight in costs:
        pool.window.append((now + pool.interval_s, weight))
        pool.used += weight


def _refund(costs: tuple[tuple[_Pool, int], ...], granted_at: float) -> None:
    for pool, weight in costs:
        entry = (granted_at + pool.interval_s, weight)
        try:
            pool.window.remove(entry)
        except ValueError:
            continue  # already expired from the window
        pool.used -= weight


def _is_positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
