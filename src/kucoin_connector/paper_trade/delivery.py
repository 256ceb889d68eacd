"""In-order, delayed delivery of what the paper venue tells the connector.

Acknowledgements, fills, order updates and balance changes are queued with the response
latency and delivered strictly in the order they were produced (one task, FIFO), so the
events a bot sees come in the order the live connector gives them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


class Delivery:
    def __init__(self) -> None:
        self._queue: asyncio.Queue[tuple[float, Callable[[], object]]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def send(self, delay_s: float, action: Callable[[], object]) -> None:
        """Run ``action`` ``delay_s`` from now, after everything sent before it."""
        due = asyncio.get_running_loop().time() + delay_s
        self._queue.put_nowait((due, action))

    async def drain(self) -> None:
        """Wait until everything sent so far has been delivered."""
        done = asyncio.Event()
        self.send(0.0, done.set)
        await done.wait()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due, action = await self._queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                action()
            except Exception:  # one bad delivery must not stop the others
                log.exception("paper delivery failed")
