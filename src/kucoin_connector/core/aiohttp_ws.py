"""A :class:`~kucoin_connector.core.ws_transport.WsTransport` over aiohttp.

One reader task per connection runs ``await ws.receive()`` and calls ``on_frame`` with
each text / binary message's data (aiohttp has already queued it as a ``WSMessage``: the
price of this transport, see ``bench/README.md``). The session is owned (created lazily,
closed by :meth:`AiohttpWsTransport.close`) or borrowed (never closed here). Every
aiohttp / asyncio / OS failure is mapped by the REST transport's ``map_transport_error``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping

import aiohttp

from kucoin_connector.core.aiohttp_transport import map_transport_error
from kucoin_connector.core.errors import ConfigurationError, TransportError
from kucoin_connector.core.ws_transport import (
    MAX_MESSAGE_BYTES,
    CloseCallback,
    FrameCallback,
    WsConnection,
    WsTimeouts,
)

__all__ = ["AiohttpWsTransport"]

_CLOSED_TYPES = frozenset(
    {aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED}
)


class _AiohttpConnection:
    def __init__(
        self,
        ws: aiohttp.ClientWebSocketResponse,
        on_frame: FrameCallback,
        on_close: CloseCallback,
        close_s: float,
    ) -> None:
        self._ws = ws
        self._on_close: CloseCallback | None = on_close
        self._close_s = close_s
        self._reader = asyncio.create_task(self._read(on_frame), name="ws-aiohttp-reader")

    @property
    def close_code(self) -> int | None:
        return self._ws.close_code

    def _closed(self, error: TransportError | None) -> None:
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close(error)

    async def _read(self, on_frame: FrameCallback) -> None:
        ws, error = self._ws, None
        text, binary, closed = aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY, _CLOSED_TYPES
        try:
            while True:
                msg = await ws.receive()
                kind = msg.type
                if kind is text or kind is binary:
                    on_frame(msg.data)
                elif kind in closed:
                    return
                elif kind is aiohttp.WSMsgType.ERROR:
                    error = map_transport_error(msg.data, "websocket")
                    return
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            error = map_transport_error(exc, "websocket")
        except Exception as exc:  # on_frame broke its contract: end the connection
            error = TransportError(f"websocket: frame callback failed ({type(exc).__name__})")
        finally:
            self._closed(error)

    async def send_text(self, text: str) -> None:
        try:
            await self._ws.send_str(text)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise map_transport_error(exc, "websocket send") from exc

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        with contextlib.suppress(aiohttp.ClientError, OSError, TimeoutError):
            async with asyncio.timeout(self._close_s):
                await self._ws.close()
        self._closed(None)


class AiohttpWsTransport:
    """WebSockets over an owned (lazily created) or borrowed ``aiohttp.ClientSession``."""

    def __init__(self, session: aiohttp.ClientSession | None = None) -> None:
        self._session = session
        self._owns_session = session is None

    @property
    def session(self) -> aiohttp.ClientSession | None:
        return self._session

    async def connect(
        self,
        url: str,
        *,
        on_frame: FrameCallback,
        on_close: CloseCallback,
        headers: Mapping[str, str] | None = None,
        timeouts: WsTimeouts = WsTimeouts(),  # noqa: B008 - frozen, immutable
    ) -> WsConnection:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        if self._session.closed:
            raise ConfigurationError("the injected aiohttp session is closed")
        try:
            async with asyncio.timeout(timeouts.handshake_s):
                ws = await self._session.ws_connect(
                    url,
                    headers=headers,
                    heartbeat=None,
                    autoping=True,
                    max_msg_size=MAX_MESSAGE_BYTES,
                    timeout=aiohttp.ClientWSTimeout(ws_close=min(5.0, timeouts.handshake_s)),
                )
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            error = map_transport_error(exc, "websocket connect")
            error.may_have_executed = False  # nothing was delivered
            raise error from exc
        return _AiohttpConnection(ws, on_frame, on_close, timeouts.close_s)

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            session, self._session = self._session, None
            await session.close()
