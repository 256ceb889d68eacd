"""The seam between ``WsClient`` and a WebSocket library: connect, send text, close, and
received frames handed over synchronously.

:class:`~kucoin_connector.core.ws.WsClient` knows no WebSocket library. It asks a
:class:`WsTransport` for a connection and gives it two callbacks::

    connection = await transport.connect(
        url, on_frame=..., on_close=..., headers=None, timeouts=WsTimeouts()
    )
    await connection.send_text('{"type":"ping"}')
    await connection.close()

The contract every transport keeps:

* ``on_frame(payload)`` is called synchronously from the transport's read path, once per
  received data message (text or binary), in order, with no queue in between: ``str`` or
  ``bytes`` (a text message may arrive as its UTF-8 bytes). Control frames (ping, pong,
  close) are the transport's business: it answers pings itself. ``on_frame`` must not
  raise; if it does, the transport ends the connection with a ``TransportError``.
* ``on_close(error)`` is called exactly once per connection, when it ends for any reason
  (the server's close frame, a cut, a protocol error, or :meth:`WsConnection.close`):
  ``None`` for an orderly close, else a
  :class:`~kucoin_connector.core.errors.TransportError`. No ``on_frame`` after it.
* ``connect`` returns only once the WebSocket handshake is done (callbacks may already
  have been called by then) and raises only ``TransportError`` subclasses
  (``may_have_executed=False``: nothing was delivered); ``send_text`` raises only
  ``TransportError``; ``close`` never raises, may be called twice and waits at most
  ``timeouts.close_s``. The library's own exceptions never escape.
* Certificates are verified for ``wss://`` (never disabled). The URL may hold a token:
  transports never put it in a log line or an exception message.
* :meth:`WsTransport.close` releases what the transport owns (a session); the transport
  stays usable afterwards.

Implementations: :class:`~kucoin_connector.core.aiohttp_ws.AiohttpWsTransport` and
:class:`~kucoin_connector.core.picows_ws.PicowsWsTransport` (see :func:`make_ws_transport`);
unit tests use ``tests/fakes.py``'s ``FakeWsTransport``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from kucoin_connector.core.errors import ConfigurationError, TransportError

if TYPE_CHECKING:
    import aiohttp

__all__ = [
    "CloseCallback",
    "FrameCallback",
    "WsConnection",
    "WsTimeouts",
    "WsTransport",
    "WsTransportName",
    "make_ws_transport",
]

logger = logging.getLogger(__name__)

FrameCallback = Callable[[str | bytes], None]
CloseCallback = Callable[[TransportError | None], None]
WsTransportName = Literal["aiohttp", "picows"]
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class WsTimeouts:
    handshake_s: float = 10.0  # TCP + TLS + HTTP upgrade
    close_s: float = 5.0  # waiting for the close handshake

    def __post_init__(self) -> None:
        if self.handshake_s <= 0 or self.close_s < 0:
            raise ConfigurationError("handshake_s must be > 0 and close_s >= 0")


class WsConnection(Protocol):
    """One open WebSocket; see the module docstring for the contract."""

    @property
    def close_code(self) -> int | None:
        """The close code the server sent, if any (for logs)."""
        ...

    async def send_text(self, text: str) -> None: ...

    async def close(self) -> None: ...


class WsTransport(Protocol):
    """Opens connections; see the module docstring for the contract."""

    async def connect(
        self,
        url: str,
        *,
        on_frame: FrameCallback,
        on_close: CloseCallback,
        headers: Mapping[str, str] | None = None,
        timeouts: WsTimeouts = WsTimeouts(),
    ) -> WsConnection: ...

    async def close(self) -> None: ...


def make_ws_transport(
    name: WsTransportName = "picows", session: aiohttp.ClientSession | None = None
) -> WsTransport:
    """The named transport. ``"picows"`` falls back to aiohttp, with a warning, when picows
    cannot be imported; ``session`` (borrowed, never closed) is used by aiohttp only."""
    if name not in ("aiohttp", "picows"):
        raise ConfigurationError(f"ws_transport must be 'aiohttp' or 'picows', not {name!r}")
    if name == "picows":
        try:
            from kucoin_connector.core.picows_ws import PicowsWsTransport
        except ImportError as exc:
            logger.warning("picows unavailable (%s); using aiohttp for WebSockets", exc)
        else:
            return PicowsWsTransport()
    from kucoin_connector.core.aiohttp_ws import AiohttpWsTransport

    return AiohttpWsTransport(session)
