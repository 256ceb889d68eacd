"""One WebSocket connection's liveness: the welcome that opens it, the keepalive that
watches it (an application ping on a timer, and the silence deadline).

The reader side only counts frames (``frames()`` returns the count); this task looks at the
count, so no clock is read per frame. Traffic is noticed when the task wakes (at least four
times per silence limit), so silence is detected between ``silence_limit`` and 1.25 x it
after the last frame, never before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from kucoin_connector.core.errors import ConnectionLostError, TransportError
from kucoin_connector.core.ws_protocol import WsAdapter, WsConnectSpec
from kucoin_connector.core.ws_transport import WsConnection

__all__ = ["await_welcome", "keepalive", "welcome_seen"]

logger = logging.getLogger("kucoin_connector.core.ws")


async def keepalive(
    ws: WsConnection,
    spec: WsConnectSpec,
    frames: Callable[[], int],
    ping_frame: Callable[[], str],
    name: str,
) -> None:
    """Ping every ``spec.ping_interval_s`` regardless of traffic; return when nothing was
    received for ``ping_interval_s + ping_timeout_s``. A failed send raises."""
    loop = asyncio.get_running_loop()
    interval_s = spec.ping_interval_s
    silence_limit_s = interval_s + spec.ping_timeout_s
    check_s = silence_limit_s / 4
    seen = frames()
    last_rx_s = loop.time()
    next_ping_s = last_rx_s + interval_s
    while True:
        now = loop.time()
        count = frames()
        if count != seen:
            seen, last_rx_s = count, now
        elif now - last_rx_s >= silence_limit_s:
            logger.warning("%s: nothing received for %.3f s, reconnecting", name, silence_limit_s)
            return
        if now >= next_ping_s:
            await ws.send_text(ping_frame())
            next_ping_s = now + interval_s
        wake_s = min(next_ping_s, last_rx_s + silence_limit_s, now + check_s)
        await asyncio.sleep(max(0.0, wake_s - loop.time()))


def welcome_seen(
    welcome: asyncio.Future[None], message: Any, adapter: WsAdapter, name: str
) -> bool:
    """Judge a message received before the welcome: True once it settled ``welcome`` (the
    welcome itself; an error reply, a refusal; a message the adapter fails on, which
    makes the connection unusable); anything else is ignored."""
    try:
        if adapter.is_welcome(message):
            if not welcome.done():
                welcome.set_result(None)
            return True
        error = adapter.error_of(message)
    except Exception as exc:
        error = (None, f"adapter failed on a frame ({type(exc).__name__})")
    if error is not None:
        if not welcome.done():
            welcome.set_exception(ConnectionLostError(f"{name}: refused: {error[1]}"))
        return True
    logger.debug("%s: ignoring a frame before the welcome", name)
    return False


async def await_welcome(
    welcome: asyncio.Future[None],
    ended: asyncio.Future[TransportError | None],
    timeout_s: float,
    name: str,
) -> None:
    """Return once welcomed; raise on a refusal, a close or ``timeout_s`` (TimeoutError)."""
    async with asyncio.timeout(timeout_s):
        await asyncio.wait((welcome, ended), return_when=asyncio.FIRST_COMPLETED)
    if not welcome.done():
        raise ConnectionLostError(f"{name}: closed before the welcome")
    welcome.result()  # a refusal raises
