"""WebSocket connections, their subscriptions and the fan-out of published messages.

Each connection has an outbound queue drained by one writer task; WS faults (drop,
duplicate, reorder, delay) are applied per (connection, message) when it is queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from ..engine.faults import FaultInjector
from .tokens import TokenStore
from .wire import dumps

log = logging.getLogger(__name__)

REORDER_FLUSH_S = 1.0
MAX_TOPICS_PER_CONNECTION = 100
UPLINK_LOG = 10_000  # client frames remembered per connection

Subscription = tuple[str, str]  # (topic base, key) e.g. ("/market/level2", "BTC-USDT")
SubscribeHook = Callable[["WsConnection", list[Subscription]], None]


@dataclass(eq=False)
class WsConnection:
    connect_id: str
    user_id: str | None
    token: str = field(repr=False)
    ws: web.WebSocketResponse = field(repr=False)
    subscriptions: set[Subscription] = field(default_factory=set)
    queue: asyncio.Queue[tuple[float, str] | None] = field(default_factory=asyncio.Queue)
    held: str | None = None
    # every client frame received: (loop time, frame type), for the uplink limit and tests
    uplink: deque[tuple[float, str]] = field(default_factory=lambda: deque(maxlen=UPLINK_LOG))
    writer: asyncio.Task[None] | None = None
    flush_handle: asyncio.TimerHandle | None = None

    @property
    def private(self) -> bool:
        return self.user_id is not None

    def send_raw(self, text: str) -> None:
        """Queue a control message (welcome, pong, ack, error): no faults applied."""
        self.queue.put_nowait((0.0, text))


class WsHub:
    """All live connections; implements the faults' :class:`FaultTarget`."""

    def __init__(self, tokens: TokenStore, faults: FaultInjector) -> None:
        self.tokens = tokens
        self.faults = faults
        self.connections: list[WsConnection] = []
        self._index: dict[Subscription, set[WsConnection]] = {}
        self._tasks: set[asyncio.Task[object]] = set()
        self.sent_count = 0
        # called with (connection, its new subscriptions) after each subscribe
        self.on_subscribe: list[SubscribeHook] = []

    # ---- lifecycle ------------------------------------------------------------------
    def add(self, conn: WsConnection) -> None:
        self.connections.append(conn)
        conn.writer = asyncio.get_running_loop().create_task(self._write_loop(conn))

    async def remove(self, conn: WsConnection) -> None:
        if conn in self.connections:
            self.connections.remove(conn)
        for sub in list(conn.subscriptions):
            self._unindex(conn, sub)
        if conn.flush_handle is not None:
            conn.flush_handle.cancel()
        if conn.writer is not None:
            conn.writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await conn.writer

    async def close_all(self) -> None:
        for conn in list(self.connections):
            await conn.ws.close()
        await self.drain_tasks()

    async def drain_tasks(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # ---- subscriptions --------------------------------------------------------------
    def subscribe(self, conn: WsConnection, subs: Iterable[Subscription]) -> None:
        added = [sub for sub in dict.fromkeys(subs) if sub not in conn.subscriptions]
        for sub in added:
            conn.subscriptions.add(sub)
            self._index.setdefault(sub, set()).add(conn)
        for hook in self.on_subscribe:
            hook(conn, added)

    def unsubscribe(self, conn: WsConnection, subs: Iterable[Subscription]) -> None:
        for sub in subs:
            conn.subscriptions.discard(sub)
            self._unindex(conn, sub)

    def _unindex(self, conn: WsConnection, sub: Subscription) -> None:
        members = self._index.get(sub)
        if members is not None:
            members.discard(conn)
            if not members:
                del self._index[sub]

    def has_subscribers(self, base: str, key: str = "") -> bool:
        return bool(self._index.get((base, key)))

    def subscribers(self, base: str, key: str = "") -> list[WsConnection]:
        return list(self._index.get((base, key), ()))

    # ---- publishing -----------------------------------------------------------------
    def publish(
        self, base: str, key: str, message: dict[str, object], user_id: str | None = None
    ) -> int:
        """Send ``message`` to every connection subscribed to (base, key); a private
        message (``user_id`` set) only to that user's connections. Returns deliveries."""
        members = self._index.get((base, key))
        if not members:
            return 0
        text = dumps(message)
        topic = str(message.get("topic", base))
        delivered = 0
        for conn in list(members):
            if user_id is not None and conn.user_id != user_id:
                continue
            self._enqueue(conn, topic, text)
            delivered += 1
        return delivered

    def send_to(self, conn: WsConnection, message: dict[str, object]) -> None:
        """Send one published-style message to one connection (faults apply)."""
        if conn in self.connections:
            self._enqueue(conn, str(message.get("topic", "")), dumps(message))

    def _enqueue(self, conn: WsConnection, topic: str, text: str) -> None:
        fault = self.faults.ws_fault_for(topic)
        action = fault.action if fault is not None else None
        if action == "drop":
            return
        if action == "reorder" and conn.held is None:
            conn.held = text
            conn.flush_handle = asyncio.get_running_loop().call_later(
                REORDER_FLUSH_S, self._flush_held, conn
            )
            return
        delay = fault.delay_s if fault is not None and action == "delay" else 0.0
        conn.queue.put_nowait((delay, text))
        if action == "duplicate":
            conn.queue.put_nowait((0.0, text))
        self._flush_held(conn)

    def _flush_held(self, conn: WsConnection) -> None:
        if conn.held is not None:
            conn.queue.put_nowait((0.0, conn.held))
            conn.held = None
        if conn.flush_handle is not None:
            conn.flush_handle.cancel()
            conn.flush_handle = None

    async def _write_loop(self, conn: WsConnection) -> None:
        try:
            while True:
                item = await conn.queue.get()
                if item is None:
                    return
                delay, text = item
                if delay > 0:
                    await asyncio.sleep(delay)
                if conn.ws.closed:
                    return
                await conn.ws.send_str(text)
                self.sent_count += 1
        except (ConnectionError, RuntimeError) as exc:
            log.debug("ws writer stopped: %s", type(exc).__name__)

    # ---- FaultTarget ----------------------------------------------------------------
    def close_connections(self, *, private: bool | None = None, count: int | None = None) -> int:
        chosen = [c for c in self.connections if private is None or c.private == private]
        if count is not None:
            chosen = chosen[:count]
        for conn in chosen:
            self._spawn(conn.ws.close(code=1001, message=b"closed by server"))
        return len(chosen)

    def expire_tokens(self) -> int:
        self.tokens.expire_all()
        return self.close_connections()

    def _spawn(self, coro: Coroutine[Any, Any, object]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
