"""The subscribe side of a ``WsClient``: remembered topics, (un)subscribe frames, acks,
retries, batching and pacing.

Topics are remembered one by one (``/market/level2:BTC-USDT``); a ``TopicBatcher`` (given
by the venue; default: one topic a frame) groups the ones to send into frames, each frame
naming the topics it covers, so that one symbol can be unsubscribed alone and every
remembered topic is sent again after a reconnect. All the frames of one call are in
flight together (pipelined): each goes out as soon as the pacer allows and its ack is
matched by request id.

Pacing: every frame (retries included) first takes one unit of the per-connection
``pacing`` limit (a sliding window, e.g. 80 frames / 10 s under a venue's 100 messages /
10 s uplink limit) and, when given, one of a shared throttler's limit (e.g. a per-account
subscribe budget). A frame not acknowledged within ``ack_timeout_s`` is sent again with a
fresh id (``retries`` times; an ack of any attempt counts); if none is acknowledged the
connection is recycled. A frame of several topics that the server rejects is sent again
one topic a frame, so that one bad topic does not take the others with it.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from kucoin_connector.core.errors import ConnectorError
from kucoin_connector.core.throttler import AsyncThrottler, RateLimit
from kucoin_connector.core.ws_protocol import WsAdapter

__all__ = ["Frame", "TopicBatcher", "WsSubscriptions", "one_topic_per_frame"]

logger = logging.getLogger(__name__)

Frame = tuple[str, tuple[str, ...]]  # (the frame's topic, the remembered topics it covers)
TopicBatcher = Callable[[Sequence[str]], list[Frame]]
SendText = Callable[[str], Coroutine[Any, Any, None]]
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

_PACING_ID = "ws_frames"


def _describe(exc: BaseException) -> str:
    """Log-safe: foreign exception messages can embed the URL (and its token)."""
    if isinstance(exc, ConnectorError):
        return f"{type(exc).__name__}: {exc}"
    return type(exc).__name__


def one_topic_per_frame(topics: Sequence[str]) -> list[Frame]:
    return [(topic, (topic,)) for topic in topics]


class WsSubscriptions:
    """Owned by one ``WsClient``; ``conn`` is its current connection (an opaque token:
    acks that arrive for a connection that is gone no longer mark topics active)."""

    def __init__(
        self,
        adapter: WsAdapter,
        *,
        name: str,
        ack_timeout_s: float,
        retries: int,
        batcher: TopicBatcher = one_topic_per_frame,
        pacing: RateLimit | None = None,
        shared: tuple[AsyncThrottler, str] | None = None,
        current: Callable[[], object | None],
        recycle: Callable[[str], None],
        recycling: Callable[[], bool],
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._adapter = adapter
        self._name = name
        self._ack_timeout_s = ack_timeout_s
        self._retries = retries
        self._batcher = batcher
        self._pacer = (
            AsyncThrottler(
                [RateLimit(_PACING_ID, pacing.limit, pacing.time_interval_s)],
                clock=clock,
                sleep=sleep,
            )
            if pacing is not None
            else None
        )
        self._shared = shared
        self._current = current
        self._recycle = recycle
        self._recycling = recycling
        self._request_ids = itertools.count(1)
        self.topics: dict[str, None] = {}  # remembered topics, insertion ordered
        self.active: set[str] = set()  # topics acked on the current connection
        self.pending: dict[str, asyncio.Future[str | None]] = {}  # request id -> error|None

    # ---------------------------------------------------------------- operations
    async def subscribe(self, conn: object, send: SendText, topics: Sequence[str]) -> list[str]:
        """Send the remembered, not yet active ``topics``; forget and return (as
        'topic: reason') the ones the server rejects."""
        todo = [t for t in dict.fromkeys(topics) if t in self.topics and t not in self.active]
        rejected = await self._send_topics(conn, send, todo)
        for topic in rejected:
            self.topics.pop(topic, None)
        return [f"{topic}: {reason}" for topic, reason in rejected.items()]

    async def unsubscribe(self, conn: object, send: SendText, topics: Sequence[str]) -> None:
        """Send the unsubscribe frames of the active ``topics`` (errors only logged)."""
        todo = [t for t in dict.fromkeys(topics) if t in self.active]
        self.active.difference_update(todo)
        frames = self._batcher(todo)
        reasons = await asyncio.gather(
            *(self._send_and_wait(conn, send, frame, subscribe=False) for frame in frames)
        )
        for (topic, _), reason in zip(frames, reasons, strict=True):
            if reason is not None:
                logger.warning("%s: unsubscribe %s rejected: %s", self._name, topic, reason)

    async def resubscribe(self, conn: object, send: SendText) -> None:
        """Subscribe every remembered topic on a fresh connection (rejections kept)."""
        sent: set[str] = set()
        while todo := [t for t in self.topics if t not in sent]:
            sent.update(todo)
            if self._recycling():
                return  # no use subscribing more on this connection
            rejected = await self._send_topics(conn, send, todo)
            for topic, reason in rejected.items():
                logger.warning("%s: resubscribe %s rejected: %s (kept)", self._name, topic, reason)

    async def _send_topics(self, conn: object, send: SendText, todo: list[str]) -> dict[str, str]:
        """Subscribe ``todo`` in batched frames, all in flight together; a rejected frame of
        several topics is retried one topic a frame. -> {rejected topic: reason}."""
        frames = self._batcher(todo)
        reasons = await asyncio.gather(
            *(self._send_and_wait(conn, send, frame, subscribe=True) for frame in frames)
        )
        rejected: dict[str, str] = {}
        singles: list[str] = []
        for (_, covered), reason in zip(frames, reasons, strict=True):
            if reason is None:
                continue
            if len(covered) == 1:
                rejected[covered[0]] = reason
            else:
                singles.extend(covered)
        if singles and not self._recycling():
            logger.warning(
                "%s: a batch was rejected; subscribing its topics one by one", self._name
            )
            frames = one_topic_per_frame(singles)
            reasons = await asyncio.gather(
                *(self._send_and_wait(conn, send, frame, subscribe=True) for frame in frames)
            )
            for (topic, _), reason in zip(frames, reasons, strict=True):
                if reason is not None:
                    rejected[topic] = reason
        # Topics unsubscribed while their subscribe frame was in flight.
        stale = [t for t in self.active if t not in self.topics]
        if stale and conn is self._current():
            await self.unsubscribe(conn, send, stale)
        return rejected

    # ---------------------------------------------------------------- one frame
    async def _send_and_wait(
        self, conn: object, send: SendText, frame: Frame, *, subscribe: bool
    ) -> str | None:
        """Send one (un)subscribe frame and await its reply: the server's error reason, or
        None (acknowledged, or not confirmed: logged). A subscribe without an ack in time
        is sent again with a fresh id; if none is acknowledged, the connection is recycled."""
        topic, covered = frame
        verb = "subscribe" if subscribe else "unsubscribe"
        attempts = 1 + self._retries if subscribe else 1
        futures: dict[str, asyncio.Future[str | None]] = {}
        try:
            for attempt in range(1, attempts + 1):
                if subscribe and self._recycling():
                    return None  # the next connection subscribes everything
                answered, reason = await self._attempt(send, frame, subscribe, futures)
                if answered:
                    if reason is None and subscribe and conn is self._current():
                        self.active.update(covered)  # the server has them all now
                    return reason
                logger.warning(
                    "%s: no ack for %s %s within %.3g s (attempt %d of %d)",
                    self._name,
                    verb,
                    topic,
                    self._ack_timeout_s,
                    attempt,
                    attempts,
                )
        except (ConnectionError, ConnectorError) as exc:
            logger.warning("%s: %s %s not confirmed: %s", self._name, verb, topic, _describe(exc))
            return None
        finally:
            self._forget(futures)
        if subscribe and conn is self._current():
            self._recycle(f"subscribe {topic} never acknowledged ({attempts} attempts)")
        return None

    async def _attempt(
        self,
        send: SendText,
        frame: Frame,
        subscribe: bool,
        futures: dict[str, asyncio.Future[str | None]],
    ) -> tuple[bool, str | None]:
        """Send the frame once more (paced), with a fresh id; await a reply to any attempt:
        (answered, the server's error reason or None)."""
        await self._pace()
        request_id = str(next(self._request_ids))
        adapter = self._adapter
        text = (adapter.subscribe_frame if subscribe else adapter.unsubscribe_frame)(
            frame[0], request_id
        )
        future: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        self.pending[request_id] = futures[request_id] = future
        await send(text)
        done, _ = await asyncio.wait(
            futures.values(), timeout=self._ack_timeout_s, return_when=asyncio.FIRST_COMPLETED
        )
        if not done:
            return False, None
        return True, done.pop().result()  # ConnectionLostError if the connection ended

    async def _pace(self) -> None:
        if self._shared is not None:
            throttler, limit_id = self._shared
            await throttler.acquire(limit_id)
        if self._pacer is not None:
            await self._pacer.acquire(_PACING_ID)

    def _forget(self, futures: dict[str, asyncio.Future[str | None]]) -> None:
        for request_id, future in futures.items():
            self.pending.pop(request_id, None)
            if not future.done():
                future.cancel()
            elif not future.cancelled():
                future.exception()  # retrieved: never "exception was never retrieved"
