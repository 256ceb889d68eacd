"""The Kraken front-end's WebSocket connections, subscriptions and outgoing faults.

Every outgoing message names its channel; the engine's ``FaultInjector`` is consulted
with ``channel`` as the topic (``drop``, ``duplicate``, ``reorder``, ``delay``), and can
cut connections (``close_ws``) or expire tokens (closing the private connections).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

from aiohttp import web

from ..engine.faults import FaultInjector
from .state import WsTokens

PRIVATE_CHANNELS = ("executions", "balances")


@dataclass(frozen=True)
class Subscription:
    channel: str
    symbol: str = ""  # the engine symbol; "" for private channels
    depth: int = 0  # book only
    interval: int = 0  # ohlc only (minutes)
    user_id: str = ""  # private channels only
    token: str = ""


@dataclass(eq=False)
class KrakenConnection:
    ws: web.WebSocketResponse
    connection_id: int
    subs: dict[tuple[str, str], Subscription] = field(default_factory=dict)
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    sequence: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    held: list[str] = field(default_factory=list)  # reorder fault: sent after the next one

    @property
    def private(self) -> bool:
        return any(s.channel in PRIVATE_CHANNELS for s in self.subs.values())


class KrakenHub:
    def __init__(self, faults: FaultInjector, tokens: WsTokens) -> None:
        self.faults = faults
        self.tokens = tokens
        self.connections: list[KrakenConnection] = []
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[bool]] = set()

    def open(self, ws: web.WebSocketResponse) -> KrakenConnection:
        conn = KrakenConnection(ws, next(self._ids))
        self.connections.append(conn)
        return conn

    def forget(self, conn: KrakenConnection) -> None:
        if conn in self.connections:
            self.connections.remove(conn)
        conn.queue.put_nowait(None)

    # ---- subscriptions ------------------------------------------------------------------
    def book_subscribers(self, symbol: str) -> list[tuple[KrakenConnection, int]]:
        return [
            (c, sub.depth)
            for c in self.connections
            if (sub := c.subs.get(("book", symbol))) is not None
        ]

    def subscribers(self, channel: str, symbol: str) -> list[KrakenConnection]:
        return [c for c in self.connections if (channel, symbol) in c.subs]

    def private_subscribers(self, channel: str, user_id: str) -> list[KrakenConnection]:
        return [
            c
            for c in self.connections
            if (sub := c.subs.get((channel, ""))) is not None and sub.user_id == user_id
        ]

    def depths(self, symbol: str) -> set[int]:
        return {depth for _, depth in self.book_subscribers(symbol)}

    # ---- sending ------------------------------------------------------------------------
    def send(self, conn: KrakenConnection, channel: str, text: str) -> None:
        """Queue a message, through the fault rules for ``channel``."""
        fault = self.faults.ws_fault_for(channel)
        if fault is None:
            self._put(conn, text)
        elif fault.action == "duplicate":
            self._put(conn, text)
            self._put(conn, text)
        elif fault.action == "reorder":
            conn.held.append(text)
        elif fault.action == "delay":
            loop = asyncio.get_running_loop()
            loop.call_later(fault.delay_s, self._put, conn, text)
        # "drop": nothing

    def reply(self, conn: KrakenConnection, text: str) -> None:
        """Acks and pongs: never faulted."""
        self._put(conn, text)

    def _put(self, conn: KrakenConnection, text: str) -> None:
        conn.queue.put_nowait(text)
        if conn.held:
            for held in conn.held:
                conn.queue.put_nowait(held)
            conn.held.clear()

    async def write_loop(self, conn: KrakenConnection) -> None:
        while True:
            text = await conn.queue.get()
            if text is None or conn.ws.closed:
                return
            try:
                await conn.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return

    # ---- faults (FaultTarget) -----------------------------------------------------------
    def close_connections(self, *, private: bool | None = None, count: int | None = None) -> int:
        targets = [c for c in self.connections if private is None or c.private == private]
        targets = targets[:count] if count is not None else targets
        for conn in targets:
            self._close(conn)
        return len(targets)

    def expire_tokens(self) -> int:
        self.tokens.expire_all()
        return self.close_connections(private=True)

    def _close(self, conn: KrakenConnection) -> None:
        self.forget(conn)
        task = asyncio.get_running_loop().create_task(conn.ws.close())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close_all(self, connections: Iterable[KrakenConnection] | None = None) -> None:
        for conn in list(connections if connections is not None else self.connections):
            self.forget(conn)
            with contextlib.suppress(Exception):
                await conn.ws.close()
        for task in list(self._tasks):
            with contextlib.suppress(Exception):
                await task
