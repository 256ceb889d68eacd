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

Beside the sliding windows, a pool may be a decaying counter (:class:`DecayingLimit`), as
Kraken counts: each request adds its weight to a level that drains continuously at
``decay_per_s``; a request goes when ``level + weight <= capacity``. Both kinds mix freely
(a request may link a window pool and a decaying one); the guarantees above hold for both.
Pools may also be declared after construction (:meth:`AsyncThrottler.declare`, e.g. one
per trading pair once the pairs are known), and a request may carry a weight of its own
(:meth:`AsyncThrottler.acquire_weight`, e.g. a cancel penalty that depends on the order's
age).
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

__all__ = ["AsyncThrottler", "DecayingLimit", "LinkedLimit", "RateLimit"]

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


@dataclass(frozen=True)
class DecayingLimit:
    """A counter that rises by each request's weight and drains at ``decay_per_s``.

    A request under ``limit_id`` may go when the counter plus its weight stays within
    ``capacity`` (Kraken's REST counter and its per-pair trading counter work this way).
    """

    limit_id: str
    capacity: int
    decay_per_s: float
    weight: int = 1
    linked_limits: tuple[LinkedLimit, ...] = ()


AnyLimit = RateLimit | DecayingLimit


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

    def consume(self, now: float, weight: int) -> None:
        self.window.append((now + self.interval_s, weight))
        self.used += weight

    def refund(self, granted_at: float, weight: int) -> None:
        try:
            self.window.remove((granted_at + self.interval_s, weight))
        except ValueError:
            return  # already expired from the window
        self.used -= weight

    def usage(self) -> float:
        return float(self.used)


@dataclass(eq=False, slots=True)
class _DecayPool:
    """One decaying counter: ``level`` as of ``updated_at``, draining at ``decay_per_s``."""

    limit_id: str
    limit: int
    decay_per_s: float
    level: float = 0.0
    updated_at: float = -math.inf
    waiting: int = 0
    blocked_until: float = -math.inf
    queue: deque[_Waiter] = field(default_factory=deque)

    @property
    def used(self) -> int:
        """The level rounded up: what a fixed-window reader of ``used`` may assume."""
        return math.ceil(self.level - 1e-9)

    def purge(self, now: float) -> None:
        if now > self.updated_at:
            if self.level > 0.0:
                self.level = max(0.0, self.level - (now - self.updated_at) * self.decay_per_s)
            self.updated_at = now

    def ready_at(self, weight: int, now: float) -> float:
        """Earliest time ``weight`` fits (level already drained to ``now``)."""
        excess = self.level + weight - self.limit
        ready = now + excess / self.decay_per_s if excess > 1e-9 else now
        return max(ready, self.blocked_until)

    def consume(self, now: float, weight: int) -> None:
        self.purge(now)
        self.level += weight

    def refund(self, granted_at: float, weight: int) -> None:
        self.level = max(0.0, self.level - weight)

    def usage(self) -> float:
        return self.level


_AnyPool = _Pool | _DecayPool


@dataclass(eq=False, slots=True)
class _Waiter:
    costs: tuple[tuple[_AnyPool, int], ...]
    future: asyncio.Future[None]
    granted_at: float | None = None
    queued: bool = True


class _ThrottledTask(AbstractAsyncContextManager[None]):
    __slots__ = ("_costs", "_throttler")

    def __init__(self, throttler: AsyncThrottler, costs: tuple[tuple[_AnyPool, int], ...]) -> None:
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
        rate_limits: Iterable[AnyLimit],
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
        self._pools: dict[str, _AnyPool] = {}
        self._costs: dict[str, tuple[tuple[_AnyPool, int], ...]] = {}
        self.declare(rate_limits)
        self._queued = 0  # waiters still queued
        # waiters first in all their pools but not ready yet -> the time they will be
        # (valid until their pools change: grants, refunds, block_for)
        self._heads: dict[_Waiter, float] = {}
        self._timer: asyncio.Task[None] | None = None
        self._timer_deadline = math.inf

    # ----------------------------------------------------------------- declaration

    def declare(self, rate_limits: Iterable[AnyLimit]) -> None:
        """Add limits (all or none): ids must be new; links may name any declared pool."""
        declared = list(rate_limits)
        pools = self._build_pools(declared)
        known = {**self._pools, **pools}
        costs = {rl.limit_id: self._build_costs(rl, known) for rl in declared}
        self._pools = known
        self._costs.update(costs)

    def _build_pools(self, declared: list[AnyLimit]) -> dict[str, _AnyPool]:
        pools: dict[str, _AnyPool] = {}
        for rl in declared:
            if not isinstance(rl, RateLimit | DecayingLimit):
                raise ConfigurationError(f"not a RateLimit: {rl!r}")
            if not isinstance(rl.limit_id, str) or not rl.limit_id:
                raise ConfigurationError(f"rate limit id must be a non-empty str: {rl!r}")
            if rl.limit_id in pools or rl.limit_id in self._pools:
                raise ConfigurationError(f"duplicate rate limit id {rl.limit_id!r}")
            pools[rl.limit_id] = self._build_pool(rl)
        return pools

    def _build_pool(self, rl: AnyLimit) -> _AnyPool:
        if isinstance(rl, DecayingLimit):
            if not _is_positive_int(rl.capacity):
                raise ConfigurationError(f"capacity of {rl.limit_id!r} must be a positive int")
            decay = rl.decay_per_s
            if not (isinstance(decay, int | float) and math.isfinite(decay) and decay > 0):
                raise ConfigurationError(f"decay_per_s of {rl.limit_id!r} must be > 0")
            shared = max(1, math.floor(rl.capacity * self._limits_share))
            return _DecayPool(rl.limit_id, shared, float(decay) * self._limits_share)
        if not _is_positive_int(rl.limit):
            raise ConfigurationError(f"limit of {rl.limit_id!r} must be a positive int")
        interval = rl.time_interval_s
        if not (isinstance(interval, int | float) and math.isfinite(interval) and interval > 0):
            raise ConfigurationError(f"time_interval_s of {rl.limit_id!r} must be > 0")
        shared = max(1, math.floor(rl.limit * self._limits_share))
        return _Pool(rl.limit_id, shared, float(interval))

    def _build_costs(
        self, rl: AnyLimit, pools: dict[str, _AnyPool]
    ) -> tuple[tuple[_AnyPool, int], ...]:
        costs: list[tuple[_AnyPool, int]] = [(pools[rl.limit_id], rl.weight)]
        for linked in rl.linked_limits:
            if not isinstance(linked, LinkedLimit):
                raise ConfigurationError(f"{rl.limit_id!r}: not a LinkedLimit: {linked!r}")
            pool = pools.get(linked.limit_id)
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

    def _costs_of(self, limit_id: str) -> tuple[tuple[_AnyPool, int], ...]:
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

    async def acquire_weight(self, limit_id: str, weight: int) -> None:
        """As :meth:`acquire`, with ``weight`` instead of the declared weight in the pool
        ``limit_id`` itself (linked pools keep theirs). A weight of 0 costs nothing there."""
        declared = self._costs_of(limit_id)
        own_pool = declared[0][0]
        if not (isinstance(weight, int) and not isinstance(weight, bool) and weight >= 0):
            raise ConfigurationError(f"weight must be an int >= 0, got {weight!r}")
        if weight > own_pool.limit:
            raise ConfigurationError(
                f"weight {weight} exceeds the limit {own_pool.limit} of {limit_id!r}"
            )
        costs = ((own_pool, weight), *declared[1:]) if weight else declared[1:]
        if costs:
            await self._acquire_costs(costs)

    def current_level(self, limit_id: str) -> float:
        """The pool's usage right now: window weight, or a decaying counter's level."""
        pool = self._costs_of(limit_id)[0][0]
        pool.purge(self._clock())
        return pool.usage()

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
        """Weight inside the sliding window of the pool ``limit_id`` right now (a decaying
        counter's level rounded up)."""
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

    async def _acquire_costs(self, costs: tuple[tuple[_AnyPool, int], ...]) -> None:
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

    async def _wait(self, costs: tuple[tuple[_AnyPool, int], ...]) -> None:
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

    def _front(self, pool: _AnyPool) -> _Waiter | None:
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

    def _fronts(self, costs: tuple[tuple[_AnyPool, int], ...]) -> list[_Waiter]:
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


def _consume(costs: tuple[tuple[_AnyPool, int], ...], now: float) -> None:
    for pool, weight in costs:
        pool.consume(now, weight)


def _refund(costs: tuple[tuple[_AnyPool, int], ...], granted_at: float) -> None:
    for pool, weight in costs:
        pool.refund(granted_at, weight)


def _is_positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
