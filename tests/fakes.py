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
"""

from __future__ import annotations

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
