"""Exchange-agnostic WebSocket client: connect, welcome, keepalive, backoff, resubscribe.

The protocol specifics (token, welcome, ping/pong, subscribe/ack frames) come from an
injected :class:`WsAdapter` (``ws_protocol``; it and ``Backoff`` are re-exported here).
One background task owns the connection loop:

connect_spec() (fresh token) -> transport.connect -> wait for the welcome -> start the
keepalive -> (re)subscribe every remembered topic, awaiting acks -> connected ->
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

The socket is a ``WsTransport`` (``ws_transport``: picows or aiohttp; a fake in tests) that
calls ``_on_frame`` synchronously per message: no queue, no task switch before the hook.

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

The keepalive (``ws_liveness``) pings every ``ping_interval_s`` regardless of traffic and
drops the connection when nothing at all arrived for ``ping_interval_s + ping_timeout_s``;
the read side only counts frames (no clock read per frame). URLs are logged without their
query (it holds the token); the transport's errors name no URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

import ujson

from kucoin_connector.core.backoff import Backoff
from kucoin_connector.core.errors import (
    ConfigurationError,
    ConnectionLostError,
    ConnectorError,
    ExchangeError,
    ParseError,
    RequestTimeoutError,
    TransportError,
)
from kucoin_connector.core.json_depth import MAX_JSON_DEPTH, json_too_deep
from kucoin_connector.core.throttler import AsyncThrottler, RateLimit
from kucoin_connector.core.ws_liveness import await_welcome, welcome_seen
from kucoin_connector.core.ws_liveness import keepalive as ws_keepalive
from kucoin_connector.core.ws_protocol import WsAdapter, WsConnectSpec, redact_url
from kucoin_connector.core.ws_subscriptions import (
    TopicBatcher,
    WsSubscriptions,
    one_topic_per_frame,
)
from kucoin_connector.core.ws_transport import (
    WsConnection,
    WsTimeouts,
    WsTransport,
    WsTransportName,
    make_ws_transport,
)

if TYPE_CHECKING:
    import aiohttp

__all__ = ["Backoff", "WsAdapter", "WsClient", "WsConnectSpec", "redact_url"]

logger = logging.getLogger(__name__)

_LOG_EVERY = 100  # dropped frames: the first is logged, then one in 100
_EXPECTED_BAD_INPUT = (ParseError, RecursionError)
DEFAULT_WS_TRANSPORT: WsTransportName = "picows"  # measured: bench/README.md


def _describe(exc: BaseException) -> str:
    """A log-safe description: foreign exception messages can embed the URL (and its token)."""
    if isinstance(exc, ConnectorError):
        return f"{type(exc).__name__}: {exc}"
    return type(exc).__name__


class WsClient:
    def __init__(
        self,
        adapter: WsAdapter,
        *,
        on_message: Callable[[Any], None],
        on_reconnected: Callable[[], Awaitable[None]] | None = None,
        session: aiohttp.ClientSession | None = None,
        transport: WsTransport | None = None,
        transport_name: WsTransportName = DEFAULT_WS_TRANSPORT,
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
        # A given transport is borrowed; one made here (over ``session`` for aiohttp) is owned.
        self._owns_transport = transport is None
        self._transport = transport or make_ws_transport(transport_name, session)
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
        self._ws: WsConnection | None = None
        self._connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._rx_frames = 0  # frames received: the keepalive watches it move
        self._welcome: asyncio.Future[None] | None = None  # set while awaiting the welcome
        self._ended: asyncio.Future[TransportError | None] | None = None  # this connection's end
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

    @property
    def transport(self) -> WsTransport:
        return self._transport

    async def stop(self) -> None:
        """Cancel the loop, close the socket and an owned transport. Safe to call twice."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._connected.clear()
        if self._owns_transport:
            await self._transport.close()

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
        rejected = await self._subs.subscribe(ws, ws.send_text, wanted)
        if rejected:
            raise ExchangeError(f"{self._name}: subscription rejected: " + "; ".join(rejected))

    async def unsubscribe(self, topics: Sequence[str]) -> None:
        """Forget the topics; if connected, send the unsubscribe frames (errors only logged)."""
        wanted = list(dict.fromkeys(topics))
        for topic in wanted:
            self._topics.pop(topic, None)
        ws = self._ws
        if self.is_connected and ws is not None:
            await self._subs.unsubscribe(ws, ws.send_text, wanted)

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
        safe_url = redact_url(spec.url)
        logger.info("%s: connecting to %s", self._name, safe_url)
        loop = asyncio.get_running_loop()
        welcome = self._welcome = loop.create_future()
        ended: asyncio.Future[TransportError | None] = loop.create_future()
        self._ended = ended
        ws = await self._transport.connect(
            spec.url,
            on_frame=self._on_frame,
            on_close=self._on_close_of(ended),
            timeouts=WsTimeouts(self._handshake_timeout_s, min(5.0, self._handshake_timeout_s)),
        )
        try:
            self._ws = ws
            await await_welcome(welcome, ended, self._handshake_timeout_s, self._name)
            await self._serve(ws, spec, ended)
        finally:
            self._ws = self._welcome = None
            self._connected.clear()
            self._active.clear()
            await ws.close()
            logger.info("%s: disconnected from %s", self._name, safe_url)

    def _on_close_of(
        self, ended: asyncio.Future[TransportError | None]
    ) -> Callable[[TransportError | None], None]:
        def on_close(error: TransportError | None) -> None:
            if not ended.done():
                ended.set_result(error)
            if self._ended is ended:
                self._fail_pending()  # acks awaited on this connection never come

        return on_close

    def _welcome_frame(self, welcome: asyncio.Future[None], data: str | bytes) -> None:
        message = self._decode_frame(data)
        if message is not None and welcome_seen(welcome, message, self._adapter, self._name):
            self._welcome = None

    async def _serve(
        self, ws: WsConnection, spec: WsConnectSpec, ended: asyncio.Future[TransportError | None]
    ) -> None:
        keepalive = asyncio.create_task(
            ws_keepalive(ws, spec, lambda: self._rx_frames, self._adapter.ping_frame, self._name),
            name=f"{self._name}-keepalive",
        )
        recycle = self._recycle = asyncio.get_running_loop().create_future()
        try:
            await self._resubscribe()
            if ended.done() or keepalive.done() or recycle.done():
                raise ConnectionLostError(f"{self._name}: lost while subscribing")
            self._connected.set()
            self._connected_at_s = asyncio.get_running_loop().time()
            self._connects += 1
            logger.info("%s: connected (%d topics)", self._name, len(self._active))
            if self._connects > 1:
                self.reconnect_count += 1
                await self._notify_reconnected()
            waits: set[asyncio.Future[Any]] = {ended, keepalive, recycle}
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._recycle = None
            keepalive.cancel()
            await asyncio.gather(keepalive, return_exceptions=True)
            self._fail_pending()
        error = None if keepalive.cancelled() else keepalive.exception()
        if error is None and ended.done():
            error = ended.result()
            if error is None:
                logger.info("%s: closed by the server (code %s)", self._name, ws.close_code)
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
            await self._subs.resubscribe(ws, ws.send_text)

    def _fail_pending(self) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ConnectionLostError(f"{self._name}: connection lost"))
        self._pending.clear()

    # ---------------------------------------------------------------- the read side
    def _on_frame(self, data: str | bytes) -> None:
        """Called by the transport, synchronously, for every received message."""
        self._rx_frames += 1
        welcome = self._welcome
        if welcome is not None:
            self._welcome_frame(welcome, data)
            return
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
        self._dispatch(data)

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
        """The generic path: decode, then welcome / pong / error / ack or ``on_message``."""
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
