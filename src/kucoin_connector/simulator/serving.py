"""Serving one venue's aiohttp app on loopback: the lifecycle every front-end shares.

A front-end builds its app (routes, WebSocket endpoint, middlewares) and its background
coroutines (market activity, funding, feeds); :class:`AppServer` binds the app to a port
(0: a free one), runs the coroutines as tasks, and on stop cancels them, closes the
front-end's WebSocket connections and shuts the app down within a second.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from types import TracebackType
from typing import Any, Self

from aiohttp import web


class AppServer:
    """One app on ``host:port`` with its background tasks."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def running(self) -> bool:
        return self._runner is not None

    @property
    def app(self) -> web.Application | None:
        """The app being served (None when stopped)."""
        return self._runner.app if self._runner is not None else None

    def url(self, scheme: str, path: str = "") -> str:
        return f"{scheme}://{self.host}:{self.port}{path}"

    async def start(
        self, app: web.Application, background: Iterable[Coroutine[Any, Any, None]] = ()
    ) -> None:
        """Serve ``app`` (the bound port replaces a port of 0) and run ``background``.
        If the port cannot be bound (OSError), nothing keeps running."""
        coros = list(background)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        try:
            await runner.setup()
            await web.TCPSite(runner, self.host, self.port).start()
        except BaseException:
            for coro in coros:
                coro.close()  # never started: no "never awaited" warning
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = bound_port(runner) or self.port
        loop = asyncio.get_running_loop()
        self._tasks.extend(loop.create_task(coro) for coro in coros)

    async def stop(self, close_connections: Callable[[], Awaitable[None]]) -> None:
        """Cancel the background tasks, close the WebSocket connections (the front-end's
        ``close_connections``), then shut the app down."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await close_connections()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def bound_port(runner: web.AppRunner) -> int | None:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            port: Any = address[1]
            return int(port)
    return None


class ServedVenue:
    """What every venue's simulator shares: its URLs, start/stop on an :class:`AppServer`,
    and use as ``async with``. A venue implements :meth:`start` (build its app and
    background coroutines, then :meth:`_serve`) and :meth:`_close_connections`."""

    _server: AppServer
    rest_url: str
    ws_url: str

    async def start(self) -> None:
        raise NotImplementedError

    async def _close_connections(self) -> None:
        """Close the venue's WebSocket connections (before the app shuts down)."""
        raise NotImplementedError

    async def _serve(
        self,
        app: web.Application,
        background: Iterable[Coroutine[Any, Any, None]],
        ws_path: str,
    ) -> None:
        await self._server.start(app, background)
        self.rest_url = self._server.url("http")
        self.ws_url = self._server.url("ws", ws_path)

    async def stop(self) -> None:
        await self._server.stop(self._close_connections)

    @property
    def host(self) -> str:
        return self._server.host

    @property
    def port(self) -> int:
        """The port served (the bound one once started on port 0)."""
        return self._server.port

    @property
    def served_app(self) -> web.Application | None:
        """The aiohttp app being served (None when stopped): its router lists the routes."""
        return self._server.app

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
