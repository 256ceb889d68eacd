"""Exchange-agnostic WebSocket client: connect, welcome, keepalive, backoff, resubscribe.

The protocol specifics (token, welcome, ping/pong, subscribe/ack frames) come from an
injected :class:`WsAdapter` (``ws_protocol``; it and ``Backoff`` are re-exported here).
One background task owns the connection loop:

connect_spec() (fresh token) -> ws_connect -> wait for the welcome -> start the reader and
the keepalive -> (re)subscribe every remembered topic, awaiting acks -> connected ->
on_reconnected() after a re-connect -> ... -> on close/error/silence: exponential backoff
with equal jitter, then again.

Subscribing (``ws_subscriptions.WsSubscriptions``): topics are remembered one by one and
sent in frames grouped by the venue's ``topic_batcher`` (default: one topic a frame), all
in flight together, paced by ``subscribe_pacing`` (a per-connection sliding window) and
``subscribe_throttle`` (a shared throttler's limit). A subscribe not acknowledged within
``ack_timeout_s`` is sent again with a fresh request id, ``subscribe_retries`` times (an
ack of any earlier attempt still counts); if none is acknowledged the connection is
recycled: closed and opened again (fresh token), which resubscribes every topic. A topic
is never left dead on a connection that looks healthy.

Data frames: an optional ``frame_handler`` (constructor argument or settable attribute)
sees each raw frame first and returns True when it consumed it; that lets the owner of a
hot stream decode it its own (typed, faster) way. Every other frame is decoded with
``decode`` and goes through the adapter (welcome/pong/ack/error) to ``on_message``.

Bad input is expected, bugs are not: a frame that cannot be decoded, nests deeper than
``max_depth`` (checked on the text before the generic decode), or that the hook or
``on_message`` refuses with ``ParseError`` / ``RecursionError`` is dropped, counted in
``parse_errors`` and logged at WARNING with its reason (the first, then one in
``_LOG_EVERY``), never with a traceback. Any other exception from the hook or
``on_message`` is a bug: logged with its traceback; the reader goes on either way.

The keepalive sends the adapter's ping every ``ping_interval_s`` regardless of traffic and
drops the connection when nothing at all (pong or data) arrived for
``ping_interval_s + ping_timeout_s``. URLs are logged without their query (it holds the token);
aiohttp exception messages (which may embed the URL) are never logged, only their class.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
import ujson

from kucoin_connector.core.backoff import Backoff
from kucoin_connector.core.errors import (
    ConfigurationError,
    ConnectionLostError,
    ConnectorError,
    ExchangeError,
    ParseError,
    RequestTimeoutError,
)
from kucoin_connector.core.json_depth import MAX_JSON_DEPTH, json_too_deep
from kucoin_connector.core.throttler import AsyncThrottler, RateLimit
from kucoin_connector.core.ws_protocol import WsAdapter, WsConnectSpec, redact_url
from kucoin_connector.core.ws_subscriptions import (
    TopicBatcher,
    WsSubscriptions,
    one_topic_per_frame,
)

__all__ = ["Backoff", "WsAdapter", "WsClient", "WsConnectSpec", "redact_url"]

logger = logging.getLogger(__name__)

_MAX_MSG_SIZE = 64 * 1024 * 1024
_LOG_EVERY = 100  # dropped frames: the first is logged, then one in 100
_EXPECTED_BAD_INPUT = (ParseError, RecursionError)
_CLOSED_TYPES = frozenset(
    {aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED}
)


def _describe(exc: BaseException) -> str:
    """A log-safe description: aiohttp messages can embed the URL (and its token)."""
    if isinstance(exc, ConnectorError):
        return f"{type(exc).__name__}: {exc}"
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"{type(exc).__name__} (HTTP {exc.status})"
    return type(exc).__name__


class WsClient:
    def __init__(
        self,
        adapter: WsAdapter,
        *,
        on_message: Callable[[Any], None],
        on_reconnected: Callable[[], Awaitable[None]] | None = None,
        session: aiohttp.ClientSession | None = None,
        decode: Callable[[str | bytes], Any] = ujson.loads,
        backoff_initial_s: float = 0.5,
        backoff_max_s: float = 30.0,
        rng: random.Random | None = None,
        name: str = "ws",
        handshake_timeout_s: float = 10.0,
        ack_timeout_s: float | None = None,
        frame_handler: Callable[[str | bytes], bool] | None = None,
        subscribe_retries: int = 2,
        max_depth: int | None = MAX_JSON_DEPTH,
        topic_batcher: TopicBatcher = one_topic_per_frame,
        subscribe_pacing: RateLimit | None = None,
        subscribe_throttle: tuple[AsyncThrottler, str] | None = None,
    ) -> None:
        if handshake_timeout_s <= 0 or subscribe_retries < 0:
            raise ConfigurationError("handshake_timeout_s > 0 and subscribe_retries >= 0")
        self._adapter = adapter
        self._on_message = on_message
        self._on_reconnected = on_reconnected
        self._session = session
        self._owns_session = session is None
        self._decode = decode
        self.frame_handler = frame_handler
        self._backoff = Backoff(backoff_initial_s, backoff_max_s, rng or random.Random())
        self._name = name
        self._handshake_timeout_s = handshake_timeout_s
        self._ack_timeout_s = ack_timeout_s if ack_timeout_s is not None else handshake_timeout_s
        self._subscribe_retries = subscribe_retries
        self._max_depth = max_depth
        self._recycle: asyncio.Future[str] | None = None  # set: end this connection
        self._subs = WsSubscriptions(
            adapter,
            name=name,
            ack_timeout_s=self._ack_timeout_s,
            retries=subscribe_retries,
            batcher=topic_batcher,
            pacing=subscribe_pacing,
            shared=subscribe_throttle,
            current=lambda: self._ws,
            recycle=self._recycle_connection,
            recycling=self._recycling,
        )
        self._topics = self._subs.topics  # remembered topics, insertion ordered
        self._active = self._subs.active  # topics acked on the current connection
        self._pending = self._subs.pending  # request id -> error reason | None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last_rx_s = 0.0
        self._connected_at_s: float | None = None
        self._healthy_after_s = 0.0
        self._connects = 0
        self.reconnect_count = 0
        self.last_backoff_s: float | None = None
        self.parse_errors = 0  # frames dropped as bad input (observability)

    # ---------------------------------------------------------------- public surface
    @property
    def name(self) -> str:
        return self._name

    @property
    def topics(self) -> frozenset[str]:
        return frozenset(self._topics)

    @property
    def active_topics(self) -> frozenset[str]:
        """The topics acknowledged on the current connection."""
        return frozenset(self._active)

    @property
    def is_connected(self) -> bool:
        return self._connected.is_set()

    async def start(self) -> None:
        """Start the background connection loop; returns at once."""
        if self._task is not None and not self._task.done():
            return
        self._task = asyncio.create_task(self._run(), name=f"{self._name}-loop")

    async def wait_connected(self, timeout_s: float | None = None) -> None:
        if self._task is None or self._task.done():
            raise ConfigurationError(f"{self._name}: wait_connected() before start()")
        try:
            async with asyncio.timeout(timeout_s):
                await self._connected.wait()
        except TimeoutError as exc:
            raise RequestTimeoutError(
                f"{self._name}: not connected within {timeout_s} s", may_have_executed=False
            ) from exc

    async def stop(self) -> None:
        """Cancel the loop, close the socket and an owned session. Safe to call twice."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._connected.clear()
        if self._owns_session and self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def subscribe(self, topics: Sequence[str]) -> None:
        """Remember the topics; if connected, send them (batched, paced, pipelined) and
        await their acks.

        A topic the server explicitly rejects is forgotten and raises ExchangeError. A
        connection loss only logs: the topic stays remembered and is sent again after the
        next connect; so is a topic never acknowledged (after its retries), and the
        connection is recycled for it.
        """
        wanted = list(dict.fromkeys(topics))
        for topic in wanted:
            self._topics[topic] = None
        ws = self._ws
        if not self.is_connected or ws is None or self._recycling():
            return
        rejected = await self._subs.subscribe(ws, ws.send_str, wanted)
        if rejected:
            raise ExchangeError(f"{self._name}: subscription rejected: " + "; ".join(rejected))

    async def unsubscribe(self, topics: Sequence[str]) -> None:
        """Forget the topics; if connected, send the unsubscribe frames (errors only logged)."""
        wanted = list(dict.fromkeys(topics))
        for topic in wanted:
            self._topics.pop(topic, None)
        ws = self._ws
        if self.is_connected and ws is not None:
            await self._subs.unsubscribe(ws, ws.send_str, wanted)

    # ---------------------------------------------------------------- connection loop
    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._connected_at_s = None
            try:
                await self._connect_once()
            except Exception as exc:  # every failure ends in a reconnect
                logger.warning("%s: connection ended: %s", self._name, _describe(exc))
            connected_at_s = self._connected_at_s
            if connected_at_s is not None and (
                loop.time() - connected_at_s >= self._healthy_after_s
            ):
                self._backoff.reset()
            delay = self._backoff.next_delay_s()
            self.last_backoff_s = delay
            logger.info("%s: reconnecting in %.3f s", self._name, delay)
            await asyncio.sleep(delay)

    async def _connect_once(self) -> None:
        spec = await self._adapter.connect_spec()
        self._healthy_after_s = spec.ping_interval_s
        if self._session is None:
            self._session = aiohttp.ClientSession()
        safe_url = redact_url(spec.url)
        logger.info("%s: connecting to %s", self._name, safe_url)
        async with asyncio.timeout(self._handshake_timeout_s):
            ws = await self._session.ws_connect(
                spec.url,
                heartbeat=None,
                autoping=True,
                max_msg_size=_MAX_MSG_SIZE,
                timeout=aiohttp.ClientWSTimeout(ws_close=min(5.0, self._handshake_timeout_s)),
            )
        try:
            self._ws = ws
            await self._await_welcome(ws)
            await self._serve(ws, spec)
        finally:
            self._ws = None
            self._connected.clear()
            self._active.clear()
            await ws.close()
            logger.info("%s: disconnected from %s", self._name, safe_url)

    async def _await_welcome(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async with asyncio.timeout(self._handshake_timeout_s):
            while True:
                msg = await ws.receive()
                if msg.type in _CLOSED_TYPES or msg.type is aiohttp.WSMsgType.ERROR:
                    raise ConnectionLostError(f"{self._name}: closed before the welcome")
                if msg.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                    continue
                message = self._decode_frame(msg.data)
                if message is None:
                    continue
                if self._adapter.is_welcome(message):
                    self._last_rx_s = asyncio.get_running_loop().time()
                    return
                error = self._adapter.error_of(message)
                if error is not None:
                    raise ConnectionLostError(f"{self._name}: refused: {error[1]}")
                logger.debug("%s: ignoring a frame before the welcome", self._name)

    async def _serve(self, ws: aiohttp.ClientWebSocketResponse, spec: WsConnectSpec) -> None:
        reader = asyncio.create_task(self._read_loop(ws), name=f"{self._name}-reader")
        keepalive = asyncio.create_task(self._keepalive(ws, spec), name=f"{self._name}-keepalive")
        recycle = self._recycle = asyncio.get_running_loop().create_future()
        try:
            await self._resubscribe()
            if reader.done() or keepalive.done() or recycle.done():
                raise ConnectionLostError(f"{self._name}: lost while subscribing")
            self._connected.set()
            self._connected_at_s = asyncio.get_running_loop().time()
            self._connects += 1
            logger.info("%s: connected (%d topics)", self._name, len(self._active))
            if self._connects > 1:
                self.reconnect_count += 1
                await self._notify_reconnected()
            await asyncio.wait({reader, keepalive, recycle}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._recycle = None
            for task in (reader, keepalive):
                task.cancel()
            await asyncio.gather(reader, keepalive, return_exceptions=True)
            self._fail_pending()
        for task in (reader, keepalive):
            error = None if task.cancelled() else task.exception()
            if error is not None:
                raise error
        if recycle.done():
            raise ConnectionLostError(f"{self._name}: recycled ({recycle.result()})")

    def _recycling(self) -> bool:
        return self._recycle is not None and self._recycle.done()  # this connection ends

    def _recycle_connection(self, reason: str) -> None:
        """End the current connection: the loop opens a fresh one (new token), which
        resubscribes every remembered topic."""
        recycle = self._recycle
        if recycle is not None and not recycle.done():
            logger.warning("%s: %s; recycling the connection", self._name, reason)
            recycle.set_result(reason)

    async def _notify_reconnected(self) -> None:
        if self._on_reconnected is None:
            return
        try:
            await self._on_reconnected()
        except Exception:
            logger.exception("%s: on_reconnected callback failed", self._name)

    async def _resubscribe(self) -> None:
        ws = self._ws
        if ws is not None:
            await self._subs.resubscribe(ws, ws.send_str)

    def _fail_pending(self) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ConnectionLostError(f"{self._name}: connection lost"))
        self._pending.clear()

    # ---------------------------------------------------------------- reader / keepalive
    async def _read_loop(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                msg = await ws.receive()
                self._last_rx_s = loop.time()
                if msg.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                    self._dispatch(msg.data)
                elif msg.type in _CLOSED_TYPES:
                    logger.info("%s: closed by the server (code %s)", self._name, ws.close_code)
                    return
                elif msg.type is aiohttp.WSMsgType.ERROR:
                    raise ConnectionLostError(f"{self._name}: socket error: {_describe(msg.data)}")
        finally:
            self._fail_pending()

    async def _keepalive(self, ws: aiohttp.ClientWebSocketResponse, spec: WsConnectSpec) -> None:
        loop = asyncio.get_running_loop()
        silence_limit_s = spec.ping_interval_s + spec.ping_timeout_s
        next_ping_s = loop.time() + spec.ping_interval_s
        while True:
            now = loop.time()
            deadline_s = self._last_rx_s + silence_limit_s
            if now >= deadline_s:
                logger.warning(
                    "%s: nothing received for %.3f s, reconnecting", self._name, silence_limit_s
                )
                return
            if now >= next_ping_s:
                await ws.send_str(self._adapter.ping_frame())
                next_ping_s = now + spec.ping_interval_s
            await asyncio.sleep(max(0.0, min(next_ping_s, deadline_s) - loop.time()))

    def _decode_frame(self, data: str | bytes) -> Any | None:
        if self._max_depth is not None and json_too_deep(data, self._max_depth):
            self._dropped(f"frame nested deeper than {self._max_depth} levels skipped")
            return None
        try:
            return self._decode(data)
        except Exception as exc:
            self._dropped(f"undecodable frame skipped ({type(exc).__name__})")
            return None

    def _dropped(self, reason: str | BaseException) -> None:
        """Bad input: counted, logged at WARNING without a traceback (throttled)."""
        self.parse_errors += 1
        if self.parse_errors % _LOG_EVERY == 1:
            if isinstance(reason, BaseException):
                reason = f"{type(reason).__name__}: {reason}"
            logger.warning(
                "%s: %s (%d dropped so far)", self._name, ParseError(reason), self.parse_errors
            )

    def _dispatch(self, data: str | bytes) -> None:
        handler = self.frame_handler
        if handler is not None:
            try:
                if handler(data):
                    return
            except _EXPECTED_BAD_INPUT as exc:
                self._dropped(exc)
                return
            except Exception:
                logger.exception("%s: frame handler failed", self._name)
                return
        message = self._decode_frame(data)
        if message is None:
            return
        adapter = self._adapter
        try:
            if adapter.is_pong(message) or adapter.is_welcome(message):
                return
            error = adapter.error_of(message)
            if error is not None:
                self._on_error(*error)
                return
            ack = adapter.ack_id(message)
        except Exception as exc:
            logger.warning("%s: adapter failed on a frame: %s", self._name, _describe(exc))
            return
        if ack is not None:
            future = self._pending.get(ack)
            if future is not None and not future.done():
                future.set_result(None)
            return
        try:
            self._on_message(message)
        except _EXPECTED_BAD_INPUT as exc:
            self._dropped(exc)
        except Exception:
            logger.exception("%s: on_message callback failed", self._name)

    def _on_error(self, request_id: str | None, reason: str) -> None:
        future = self._pending.get(request_id) if request_id is not None else None
        if future is not None and not future.done():
            future.set_result(reason)
        else:
            logger.warning("%s: server error: %s", self._name, reason)
