"""BackgroundTasks: the connector's fire-and-forget work, owned, logged and cancellable.

A task that fails with a ConnectorError (an expected failure: network, exchange answer)
is logged at WARNING with its reason and no traceback; anything else is a bug and keeps
its traceback at ERROR. Callers that owe the user an event (a failed cancel, a failed
order) publish it themselves before the error reaches here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from .errors import ConnectorError

log = logging.getLogger(__name__)


class BackgroundTasks:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self.closing = False  # set by cancel_all: no new work should start

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        name = getattr(coro, "__qualname__", "task")
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if isinstance(exc, ConnectorError):
            log.warning(
                "background task %s failed: %s: %s", task.get_name(), type(exc).__name__, exc
            )
        elif exc is not None:
            log.error("background task failed", exc_info=exc)

    async def cancel_all(self) -> None:
        self.closing = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()

    def reopen(self) -> None:
        self.closing = False
