"""A :class:`~kucoin_connector.core.ws_transport.WsTransport` over picows.

picows (Cython) parses frames straight out of the socket buffer and calls a listener's
``on_ws_frame`` for each one: this transport's listener hands the payload to ``on_frame``
right there, as ``bytes``, with no message object, no queue and no task switch (2x the
aiohttp path per level2 message, see ``bench/README.md``). Fragmented messages are
reassembled (rare; KuCoin does not fragment), close frames answered, pings answered by
picows itself. Every picows / asyncio / OS / TLS failure is mapped into the
:class:`~kucoin_connector.core.errors.TransportError` tree; picows' own logger never
sees the URL (no redirects are followed, its log lines name socket addresses only).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from typing import Any

from picows import (
    WSCloseCode,
    WSFrame,
    WSInvalidStatusError,
    WSInvalidURL,
    WSListener,
    WSMsgType,
    WSProtocolError,
    WSTransport,
    ws_connect,
)

from kucoin_connector.core.errors import (
    ConnectionLostError,
    RequestTimeoutError,
    TransportError,
)
from kucoin_connector.core.ws_transport import (
    MAX_MESSAGE_BYTES,
    CloseCallback,
    FrameCallback,
    WsConnection,
    WsTimeouts,
)

__all__ = ["PicowsWsTransport", "map_picows_error"]

_TEXT, _BINARY, _CONTINUATION, _CLOSE = (
    WSMsgType.TEXT,
    WSMsgType.BINARY,
    WSMsgType.CONTINUATION,
    WSMsgType.CLOSE,
)


def map_picows_error(exc: BaseException, what: str) -> TransportError:
    """A picows / asyncio / OS failure as the library's transport error (class names only:
    picows messages may quote the URL)."""
    name = type(exc).__name__
    if isinstance(exc, TransportError):
        return exc
    if isinstance(exc, TimeoutError):
        return RequestTimeoutError(f"{what}: timed out ({name})", may_have_executed=False)
    if isinstance(exc, WSInvalidURL):
        return TransportError(f"{what}: invalid URL ({name})", may_have_executed=False)
    if isinstance(exc, WSInvalidStatusError):
        response = getattr(exc, "response", None)
        status = getattr(response, "status", None)
        return TransportError(f"{what}: bad response (HTTP {status}, {name})")
    if isinstance(exc, WSProtocolError | OSError | EOFError):  # ssl.SSLError is an OSError
        return ConnectionLostError(f"{what}: connection lost ({name})")
    return TransportError(f"{what}: transport failure ({name})")


class _Listener(WSListener):
    def __init__(self, on_frame: FrameCallback, on_close: CloseCallback) -> None:
        super().__init__()
        self.on_frame = on_frame
        self._on_close: CloseCallback | None = on_close
        self.close_code: int | None = None
        self.closing = False  # close() called or a close frame received: orderly
        self._parts: bytearray | None = None  # a fragmented message being reassembled

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if frame.fin and (kind is _TEXT or kind is _BINARY):
            self.on_frame(frame.get_payload_as_bytes())
        elif kind is _CLOSE:
            self.closing = True
            self.close_code = frame.get_close_code().value
            transport.send_close(WSCloseCode.OK)
            transport.disconnect()
        elif kind is _TEXT or kind is _BINARY or kind is _CONTINUATION:
            self._fragment(transport, frame)

    def _fragment(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type is not _CONTINUATION:
            self._parts = bytearray()
        elif self._parts is None:
            return  # a continuation of nothing: dropped
        self._parts += frame.get_payload_as_memoryview()
        if len(self._parts) > MAX_MESSAGE_BYTES:
            self._parts = None
            transport.send_close(WSCloseCode.MESSAGE_TOO_BIG)
            transport.disconnect()
        elif frame.fin:
            message, self._parts = bytes(self._parts), None
            self.on_frame(message)

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.closed(None if self.closing else ConnectionLostError("websocket: connection cut"))

    def closed(self, error: TransportError | None) -> None:
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close(error)


class _PicowsConnection:
    def __init__(self, transport: WSTransport, listener: _Listener, close_s: float) -> None:
        self._transport = transport
        self._listener = listener
        self._close_s = close_s

    @property
    def close_code(self) -> int | None:
        return self._listener.close_code

    async def send_text(self, text: str) -> None:
        if self._transport.is_disconnected:
            raise ConnectionLostError("websocket send: connection closed")
        try:
            self._transport.send(_TEXT, text.encode())
        except Exception as exc:
            raise map_picows_error(exc, "websocket send") from exc

    async def close(self) -> None:
        listener, transport = self._listener, self._transport
        listener.closing = True
        if not transport.is_disconnected:
            with contextlib.suppress(Exception):
                transport.send_close(WSCloseCode.OK)
            transport.disconnect()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(self._close_s):
                await transport.wait_disconnected()
        listener.closed(None)


class PicowsWsTransport:
    """WebSockets over picows; owns nothing between connections."""

    async def connect(
        self,
        url: str,
        *,
        on_frame: FrameCallback,
        on_close: CloseCallback,
        headers: Mapping[str, str] | None = None,
        timeouts: WsTimeouts = WsTimeouts(),  # noqa: B008 - frozen, immutable
    ) -> WsConnection:
        def factory() -> _Listener:
            return _Listener(on_frame, on_close)

        try:
            async with asyncio.timeout(timeouts.handshake_s):
                transport, listener = await ws_connect(
                    factory,
                    url,
                    websocket_handshake_timeout=timeouts.handshake_s,
                    enable_auto_pong=True,
                    max_frame_size=MAX_MESSAGE_BYTES,
                    extra_headers=headers,
                    max_redirects=0,
                )
        except Exception as exc:  # picows raises WSError, OSError, TimeoutError, ValueError
            error = map_picows_error(exc, "websocket connect")
            error.may_have_executed = False  # nothing was delivered
            raise error from exc
        return _PicowsConnection(transport, _as_listener(listener), timeouts.close_s)

    async def close(self) -> None:
        return None


def _as_listener(listener: Any) -> _Listener:
    assert isinstance(listener, _Listener)
    return listener
