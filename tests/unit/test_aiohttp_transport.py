"""AiohttpTransport against a real aiohttp server on 127.0.0.1: the exact bytes on the
wire, raw bodies and headers, redirects, timeouts, cut and refused connections, session
ownership, and the mapping of every aiohttp exception into the library's TransportError tree.
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.client_exceptions import UnixClientConnectorError
from aiohttp.client_reqrep import ConnectionKey
from aiohttp.test_utils import TestServer
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from kucoin_connector.core.aiohttp_transport import AiohttpTransport, map_transport_error
from kucoin_connector.core.errors import (
    ConfigurationError,
    ConnectionLostError,
    ConnectorError,
    RequestTimeoutError,
    TransportError,
)
from kucoin_connector.core.rest import RestClient, RestResponse
from kucoin_connector.core.throttler import AsyncThrottler, RateLimit
from kucoin_connector.core.transport import HttpRequest


@dataclass
class Seen:
    method: str
    raw_path: str
    body: bytes
    headers: CIMultiDictProxy[str]


@dataclass
class Loopback:
    url: str  # origin, no trailing slash
    seen: list[Seen]

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        *,
        headers: Mapping[str, str] | None = None,
        timeout_s: float = 5.0,
    ) -> HttpRequest:
        return HttpRequest(method, self.url + path, headers or {}, body, timeout_s)


@pytest.fixture
async def server() -> AsyncIterator[Loopback]:
    seen: list[Seen] = []

    async def echo(request: web.Request) -> web.Response:
        seen.append(Seen(request.method, request.raw_path, await request.read(), request.headers))
        return web.json_response({"ok": True, "n": len(seen)}, headers={"X-Echo": "yes"})

    async def html(request: web.Request) -> web.Response:
        status = int(request.query.get("status", "200"))
        return web.Response(text="<html>oops</html>", status=status, content_type="text/html")

    async def empty(request: web.Request) -> web.Response:
        return web.Response(status=200)

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.json_response({})

    async def cut(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.close()
        return web.Response()

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("/echo/redirected")

    app = web.Application()
    app.router.add_route("*", "/echo/{tail:.*}", echo)
    app.router.add_get("/html", html)
    app.router.add_get("/empty", empty)
    app.router.add_get("/slow", slow)
    app.router.add_get("/cut", cut)
    app.router.add_post("/moved", moved)
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server(shutdown_timeout=1.0)
    try:
        yield Loopback(str(srv.make_url("")).rstrip("/"), seen)
    finally:
        await srv.close()


# ----------------------------------------------------------------------------- bytes on the wire
class _Signer:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, bytes]] = []

    def sign(self, method: str, path_with_query: str, body: bytes) -> Mapping[str, str]:
        self.calls.append((method, path_with_query, body))
        return {"X-Sign": hashlib.sha256(path_with_query.encode() + body).hexdigest()}


def _passthrough(response: RestResponse) -> Any:
    return response.payload


def _client(base_url: str, signer: _Signer | None = None) -> RestClient:
    throttler = AsyncThrottler([RateLimit("pub", 1000, 1.0)])
    return RestClient(
        base_url,
        transport=AiohttpTransport(),
        throttler=throttler,
        response_handler=_passthrough,
        signer=signer,
        default_headers={"Accept": "application/json"},
    )


async def test_the_server_receives_exactly_the_bytes_that_were_signed(server: Loopback) -> None:
    signer = _Signer()
    params = {"symbol": "BTC-USDT", "q": "a b/é?&", "amount": Decimal("1.50")}
    body = {"clientOid": "x y", "note": 'héllo "quoted"'}
    async with _client(server.url + "/echo", signer) as client:
        result = await client.request(
            "post", "/api/v1/orders/a b%2Fc", limit_id="pub", params=params, body=body, signed=True
        )
    assert result == {"ok": True, "n": 1}
    [(method, path_with_query, signed_body)] = signer.calls
    [request] = server.seen
    assert method == request.method == "POST"
    assert (
        path_with_query
        == request.raw_path
        == ("/echo/api/v1/orders/a%20b%2Fc?symbol=BTC-USDT&q=a+b%2F%C3%A9%3F%26&amount=1.50")
    )
    assert signed_body == request.body == b'{"clientOid":"x y","note":"h\\u00e9llo \\"quoted\\""}'
    assert request.headers["X-Sign"] == signer.sign(method, path_with_query, signed_body)["X-Sign"]
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Accept"] == "application/json"


async def test_an_empty_body_is_sent_as_no_body(server: Loopback) -> None:
    transport = AiohttpTransport()
    try:
        await transport.send(server.request("GET", "/echo/x?b=2&a=1"))
    finally:
        await transport.close()
    [seen] = server.seen
    assert seen.raw_path == "/echo/x?b=2&a=1"
    assert seen.body == b"" and "Content-Type" not in seen.headers


async def test_any_status_is_a_response_with_raw_body_and_case_insensitive_headers(
    server: Loopback,
) -> None:
    transport = AiohttpTransport()
    try:
        error = await transport.send(server.request("GET", "/html?status=502"))
        empty = await transport.send(server.request("GET", "/empty"))
        echoed = await transport.send(server.request("PUT", "/echo/h"))
    finally:
        await transport.close()
    assert (error.status, error.body) == (502, b"<html>oops</html>")
    assert error.headers["content-type"].startswith("text/html")
    assert (empty.status, empty.body) == (200, b"")
    assert echoed.headers["x-echo"] == echoed.headers["X-ECHO"] == "yes"


async def test_redirects_are_not_followed(server: Loopback) -> None:
    transport = AiohttpTransport()
    try:
        response = await transport.send(server.request("POST", "/moved", b"{}"))
    finally:
        await transport.close()
    assert response.status == 302
    assert response.headers["Location"] == "/echo/redirected"
    assert server.seen == []


# ----------------------------------------------------------------------------- real failures
async def test_connection_refused_never_left() -> None:
    probe = TestServer(web.Application(), host="127.0.0.1")
    await probe.start_server(shutdown_timeout=1.0)
    url = str(probe.make_url("")).rstrip("/")
    await probe.close()  # the port is now closed
    transport = AiohttpTransport()
    try:
        with pytest.raises(ConnectionLostError) as info:
            await transport.send(HttpRequest("GET", url + "/x"))
    finally:
        await transport.close()
    assert info.value.may_have_executed is False
    assert isinstance(info.value.__cause__, aiohttp.ClientConnectorError)


async def test_real_timeout_may_have_executed(server: Loopback) -> None:
    transport = AiohttpTransport()
    try:
        with pytest.raises(RequestTimeoutError) as info:
            await transport.send(server.request("GET", "/slow", timeout_s=0.05))
    finally:
        await transport.close()
    assert info.value.may_have_executed is True
    assert "GET /slow" in str(info.value)


async def test_connection_cut_by_server_may_have_executed(server: Loopback) -> None:
    transport = AiohttpTransport()
    try:
        with pytest.raises(ConnectionLostError) as info:
            await transport.send(server.request("GET", "/cut"))
    finally:
        await transport.close()
    assert info.value.may_have_executed is True


# ----------------------------------------------------------------------------- every exception
def _all_aiohttp_client_errors() -> list[type[BaseException]]:
    found: list[type[BaseException]] = []
    todo: list[type[BaseException]] = [aiohttp.ClientError]
    while todo:
        cls = todo.pop()
        if cls not in found:
            found.append(cls)
            todo.extend(cls.__subclasses__())
    for extra in (aiohttp.ServerTimeoutError, aiohttp.ConnectionTimeoutError):
        assert extra in found
    return sorted(found, key=lambda c: c.__name__)


# ConnectionKey gained a field in aiohttp 3.14; fill whatever fields this version has.
KEY = ConnectionKey("api.test", 443, True, True, *([None] * (len(ConnectionKey._fields) - 4)))
REQUEST_INFO = aiohttp.RequestInfo(
    URL("https://api.test/x"), "GET", CIMultiDictProxy(CIMultiDict()), URL("https://api.test/x")
)


def _make(cls: type[BaseException]) -> BaseException:
    if issubclass(cls, UnixClientConnectorError):
        return cls("/tmp/sock", KEY, OSError(111, "refused"))
    if issubclass(cls, aiohttp.ClientConnectorCertificateError):
        return cls(KEY, ssl.SSLCertVerificationError("bad cert"))
    if issubclass(cls, aiohttp.ClientConnectorError):
        return cls(KEY, OSError(111, "refused"))
    if issubclass(cls, aiohttp.ClientResponseError):
        return cls(REQUEST_INFO, (), status=500, message="x")
    if issubclass(cls, aiohttp.ServerFingerprintMismatch):
        return cls(b"a", b"b", "api.test", 443)
    if issubclass(cls, aiohttp.InvalidURL):
        return cls("https://api.test/x")
    return cls("boom")


NEVER_LEFT = (
    aiohttp.ClientConnectorError,
    aiohttp.ConnectionTimeoutError,
    aiohttp.ServerFingerprintMismatch,
    aiohttp.ClientHttpProxyError,
)


def _expected_may_have_executed(exc: BaseException) -> bool:
    if isinstance(exc, aiohttp.RedirectClientError):
        return True
    if isinstance(exc, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError):
        return False
    return not isinstance(exc, NEVER_LEFT)


EXCEPTIONS: list[BaseException] = [_make(cls) for cls in _all_aiohttp_client_errors()] + [
    TimeoutError("t"),
    ConnectionResetError("r"),
    OSError("o"),
]


def _session_raising(exc: BaseException) -> aiohttp.ClientSession:
    """A real session whose requests fail with ``exc`` as they start (a trace hook)."""

    async def on_request_start(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        raise exc

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    return aiohttp.ClientSession(trace_configs=[trace])


@pytest.mark.parametrize("exc", EXCEPTIONS, ids=lambda e: type(e).__name__)
async def test_every_transport_exception_maps_to_a_transport_error(exc: BaseException) -> None:
    async with _session_raising(exc) as session:
        transport = AiohttpTransport(session)
        with pytest.raises(ConnectorError) as info:
            await transport.send(HttpRequest("POST", "https://api.test/x?k=v", {}, b"{}"))
    error = info.value
    assert isinstance(error, TransportError)
    assert not isinstance(error, aiohttp.ClientError)
    assert error.__cause__ is exc
    assert error.may_have_executed is _expected_may_have_executed(exc)
    if isinstance(exc, TimeoutError):
        assert isinstance(error, RequestTimeoutError)
    elif isinstance(exc, aiohttp.ClientConnectorError | ConnectionResetError):
        assert isinstance(error, ConnectionLostError)
    assert "POST /x" in str(error) and "k=v" not in str(error)
    assert map_transport_error(exc, "GET /x").may_have_executed is error.may_have_executed


# ----------------------------------------------------------------------------- sessions
async def test_owned_session_is_created_lazily_and_closed(server: Loopback) -> None:
    transport = AiohttpTransport()
    assert transport.owns_session and transport.session is None  # no I/O in the constructor
    await transport.send(server.request("GET", "/echo/a"))
    session = transport.session
    assert session is not None and not session.closed
    await transport.close()
    assert session.closed and transport.session is None
    await transport.send(server.request("GET", "/echo/b"))  # re-created lazily
    assert transport.session is not None and transport.session is not session
    await transport.close()
    await transport.close()  # idempotent
    assert len(server.seen) == 2


async def test_injected_session_is_used_and_never_closed(server: Loopback) -> None:
    async with aiohttp.ClientSession() as session:
        transport = AiohttpTransport(session)
        assert not transport.owns_session and transport.session is session
        client = RestClient(
            server.url,
            transport=transport,
            throttler=AsyncThrottler([RateLimit("pub", 1000, 1.0)]),
            response_handler=_passthrough,
        )
        async with client:
            await client.request("GET", "/echo/a", limit_id="pub")
        assert not session.closed and transport.session is session
        await session.close()
        with pytest.raises(ConfigurationError):
            await client.request("GET", "/echo/a", limit_id="pub")
    assert len(server.seen) == 1
