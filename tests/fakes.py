"""In-memory test doubles (test layer 3 of DESIGN.md). Not part of the library.

:class:`FakeTransport` is an :class:`~kucoin_connector.core.transport.HttpTransport` with
no sockets: it records every request it is given and answers from a script, in order.
A script step is a response, a failure to raise, or a function of the request::

    transport = FakeTransport()
    transport.reply_json({"code": "200000", "data": 1})
    transport.fail(timed_out)                    # a TransportError built for that request
    transport.respond(lambda request: ...)       # computed from the request
    transport.default = lambda request: ...      # when the script is exhausted

With nothing scripted and no default, a request fails the test (AssertionError).

:class:`FakeWsTransport` is a :class:`~kucoin_connector.core.ws_transport.WsTransport`
with no sockets: ``connect`` records the URL and returns a :class:`FakeWsConnection`
(or raises a scripted failure); the test plays the server through it::

    transport = FakeWsTransport()
    client = WsClient(adapter, on_message=..., transport=transport)
    conn = await transport.next_connection()
    conn.deliver('{"type":"welcome"}')          # calls the client's on_frame, synchronously
    conn.sent                                    # text frames the client sent
    conn.server_close()  /  conn.cut()           # the two ways a connection ends
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import ujson
from multidict import CIMultiDict, CIMultiDictProxy

from kucoin_connector.core.errors import (
    ConnectionLostError,
    RequestTimeoutError,
    TransportError,
)
from kucoin_connector.core.transport import HttpRequest, HttpResponse
from kucoin_connector.core.ws_transport import (
    CloseCallback,
    FrameCallback,
    WsConnection,
    WsTimeouts,
)

Responder = Callable[[HttpRequest], HttpResponse]
Failure = Callable[[HttpRequest], BaseException]


@dataclass(frozen=True)
class _Fail:
    failure: Failure


Step = HttpResponse | Responder | BaseException | _Fail


def http_response(
    status: int = 200, body: bytes = b"", headers: Mapping[str, str] | None = None
) -> HttpResponse:
    """A response whose headers are looked up case-insensitively, as a real transport's."""
    return HttpResponse(status, CIMultiDictProxy(CIMultiDict(headers or {})), body)


def json_response(
    payload: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> HttpResponse:
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return http_response(status, ujson.dumps(payload).encode(), all_headers)


# ----------------------------------------------------------------------------- failures
# Each builds, for one request, the error a real transport raises for that failure.
def timed_out(request: HttpRequest) -> TransportError:
    """No answer in time after the request was sent."""
    return RequestTimeoutError(f"{request.describe()}: timed out (fake)")


def connect_timed_out(request: HttpRequest) -> TransportError:
    """The connection could not be opened in time: the request never left."""
    return RequestTimeoutError(
        f"{request.describe()}: connect timeout (fake)", may_have_executed=False
    )


def connection_reset(request: HttpRequest) -> TransportError:
    """The connection was cut after the request was written."""
    return ConnectionLostError(f"{request.describe()}: connection lost (fake)")


def connection_refused(request: HttpRequest) -> TransportError:
    """Nobody listening: the request never left."""
    return ConnectionLostError(
        f"{request.describe()}: cannot connect (fake)", may_have_executed=False
    )


class FakeTransport:
    """Scripted answers, recorded requests; counts close() calls."""

    def __init__(self, default: Responder | None = None) -> None:
        self.requests: list[HttpRequest] = []
        self.default = default
        self.close_calls = 0
        self._script: deque[Step] = deque()

    # ------------------------------------------------------------------ scripting
    def reply(
        self, status: int = 200, body: bytes = b"", headers: Mapping[str, str] | None = None
    ) -> None:
        self._script.append(http_response(status, body, headers))

    def reply_json(
        self, payload: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> None:
        self._script.append(json_response(payload, status, headers))

    def respond(self, responder: Responder) -> None:
        self._script.append(responder)

    def fail(self, failure: Failure | BaseException) -> None:
        """Raise ``failure`` (an exception, or a function building one from the request)."""
        if isinstance(failure, BaseException):
            self._script.append(failure)
        else:
            self._script.append(_Fail(failure))

    @property
    def pending(self) -> int:
        """Script steps not consumed yet."""
        return len(self._script)

    # ------------------------------------------------------------------ HttpTransport
    async def send(self, request: HttpRequest) -> HttpResponse:
        self.requests.append(request)
        if self._script:
            step = self._script.popleft()
        elif self.default is not None:
            step = self.default
        else:
            raise AssertionError(f"unexpected request: {request.describe()}")
        if isinstance(step, HttpResponse):
            return step
        if isinstance(step, BaseException):
            raise step
        if isinstance(step, _Fail):
            raise step.failure(request)
        return step(request)

    async def close(self) -> None:
        self.close_calls += 1


# ----------------------------------------------------------------------------- WebSocket
class FakeWsConnection:
    """One fake connection: the test delivers frames and ends it; sends are recorded."""

    def __init__(self, url: str, on_frame: FrameCallback, on_close: CloseCallback) -> None:
        self.url = url
        self.sent: list[str] = []
        self.close_calls = 0
        self.close_code: int | None = None
        self.send_failure: TransportError | None = None  # raised by the next send_text
        self._on_frame = on_frame
        self._on_close: CloseCallback | None = on_close

    @property
    def closed(self) -> bool:
        return self._on_close is None

    def deliver(self, payload: str | bytes) -> None:
        assert not self.closed, "frame delivered on a closed connection"
        self._on_frame(payload)

    def _end(self, error: TransportError | None) -> None:
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close(error)

    def server_close(self, code: int = 1000) -> None:
        """The server's close frame: an orderly end."""
        self.close_code = code
        self._end(None)

    def cut(self) -> None:
        """The socket dies without a close frame."""
        self._end(ConnectionLostError("websocket: connection cut (fake)"))

    async def send_text(self, text: str) -> None:
        if self.send_failure is not None:
            failure, self.send_failure = self.send_failure, None
            raise failure
        if self.closed:
            raise ConnectionLostError("websocket send: connection closed (fake)")
        self.sent.append(text)

    async def close(self) -> None:
        self.close_calls += 1
        self._end(None)


class FakeWsTransport:
    """Hands out :class:`FakeWsConnection` objects; ``fail_next`` scripts connect failures."""

    def __init__(self) -> None:
        self.connections: list[FakeWsConnection] = []
        self.urls: list[str] = []
        self.close_calls = 0
        self._failures: deque[TransportError] = deque()
        self._new = asyncio.Condition()

    def fail_next(self, error: TransportError) -> None:
        self._failures.append(error)

    async def next_connection(self, index: int | None = None) -> FakeWsConnection:
        """The connection at ``index`` (default: the next one opened), once it exists."""
        wanted = len(self.connections) if index is None else index
        async with self._new:
            await self._new.wait_for(lambda: len(self.connections) > wanted)
        return self.connections[wanted]

    async def connect(
        self,
        url: str,
        *,
        on_frame: FrameCallback,
        on_close: CloseCallback,
        headers: Mapping[str, str] | None = None,
        timeouts: WsTimeouts = WsTimeouts(),  # noqa: B008 - frozen, immutable
    ) -> WsConnection:
        self.urls.append(url)
        if self._failures:
            raise self._failures.popleft()
        connection = FakeWsConnection(url, on_frame, on_close)
        async with self._new:
            self.connections.append(connection)
            self._new.notify_all()
        return connection

    async def close(self) -> None:
        self.close_calls += 1
