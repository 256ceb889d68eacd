"""A clock plus a sleep that only wakes when the test advances the clock."""

from __future__ import annotations

import asyncio
import heapq
import itertools

DRAIN_STEPS = 12


async def drain() -> None:
    for _ in range(DRAIN_STEPS):
        await asyncio.sleep(0)


class VirtualTime:
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

    async def advance_to(self, target: float) -> None:
        await drain()
        while self._sleepers and self._sleepers[0][0] <= target:
            wake, _, fut = heapq.heappop(self._sleepers)
            if fut.done():
                continue
            self.now = max(self.now, wake)
            fut.set_result(None)
            await drain()
        self.now = max(self.now, target)
        await drain()
