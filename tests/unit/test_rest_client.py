"""RestClient: exact signed bytes, query rendering, retries, error mapping, session ownership."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.client_exceptions import UnixClientConnectorError
from aiohttp.client_reqrep import ConnectionKey
from aiohttp.test_utils import TestServer
from aioresponses import aioresponses
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from kucoin_connector.core.errors import (
    ConfigurationError,
    ConnectionLostError,
    ConnectorError,
    ExchangeError,
    InvalidTimestampError,
    ParseError,
    RateLimitError,
    RequestTimeoutError,
    TransportError,
)
from kucoin_connector.core.rest import (
    RestClient,
    RestResponse,
    encode_body,
    encode_query,
    map_transport_error,
)
from kucoin_connector.core.throttler import AsyncThrottler, RateLimit

SECRET_SIGNATURE_PREFIX = "sig-SECRET-"
SCRIPT = web.AppKey("script", dict[str, Any])


# ----------------------------------------------------------------------------- helpers
class SpyThrottler:
    """The real throttler, recording what the client asks of it."""

    def __init__(self) -> None:
        self.inner = AsyncThrottler([RateLimit("pub", 1000, 1.0), RateLimit("priv", 1000, 1.0)])
        self.executed: list[str] = []
        self.blocked: list[tuple[str, float]] = []

    def execute_task(self, limit_id: str) -> AbstractAsyncContextManager[None]:
        self.executed.append(limit_id)
        return self.inner.execute_task(limit_id)

    def block_for(self, limit_id: str, seconds: float) -> None:
        self.blocked.append((limit_id, seconds))
        self.inner.block_for(limit_id, seconds)


@dataclass
class RecordingSigner:
    calls: list[tuple[str, str, bytes]] = field(default_factory=list)

    def sign(self, method: str, path_with_query: str, body: bytes) -> Mapping[str, str]:
        self.calls.append((method, path_with_query, body))
        digest = hashlib.sha256(method.encode() + path_with_query.encode() + body).hexdigest()
        return {
            "X-Sign": SECRET_SIGNATURE_PREFIX + digest,
            "X-Timestamp": str(len(self.calls)),  # a new "timestamp" at every signing
        }


def handler(response: RestResponse) -> Any:
    """A tiny exchange-like handler: 429 -> RateLimitError, {"code": "ts"} -> timestamp error."""
    if response.status == 429:
        retry = response.headers.get("Retry-After")
        raise RateLimitError("slow down", retry_after_s=float(retry) if retry else None)
    payload = response.payload
    if isinstance(payload, dict) and payload.get("code") == "ts":
        raise InvalidTimestampError("bad timestamp", code="ts", http_status=response.status)
    if response.status >= 400:
        raise ExchangeError("error", http_status=response.status)
    return {"status": response.status, "payload": payload}


@dataclass
class Seen:
    method: str
    raw_path: str
    body: bytes
    headers: CIMultiDictProxy[str]


@pytest.fixture
async def server() -> AsyncIterator[tuple[TestServer, list[Seen]]]:
    seen: list[Seen] = []
    script: dict[str, Any] = {"timestamp_failures": 0}

    async def echo(request: web.Request) -> web.Response:
        seen.append(Seen(request.method, request.raw_path, await request.read(), request.headers))
        if script["timestamp_failures"] > 0:
            script["timestamp_failures"] -= 1
            return web.json_response({"code": "ts"}, status=400)
        return web.json_response({"ok": True, "n": len(seen)})

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

    async def limited(request: web.Request) -> web.Response:
        retry = request.query.get("retry")
        headers = {"Retry-After": retry} if retry else {}
        return web.json_response({}, status=429, headers=headers)

    app = web.Application()
    app[SCRIPT] = script
    app.router.add_route("*", "/echo/{tail:.*}", echo)
    app.router.add_get("/html", html)
    app.router.add_get("/empty", empty)
    app.router.add_get("/slow", slow)
    app.router.add_get("/cut", cut)
    app.router.add_get("/limited", limited)
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server()
    try:
        yield srv, seen
    finally:
        await srv.close()


def make_client(
    srv: TestServer,
    *,
    signer: RecordingSigner | None = None,
    throttler: SpyThrottler | None = None,
    time_resync: Callable[[], Awaitable[None]] | None = None,
    timeout_s: float = 5.0,
    session: aiohttp.ClientSession | None = None,
) -> RestClient:
    return RestClient(
        str(srv.make_url("")).rstrip("/"),
        throttler=throttler or SpyThrottler(),
        response_handler=handler,
        signer=signer,
        time_resync=time_resync,
        timeout_s=timeout_s,
        session=session,
        default_headers={"Accept": "application/json"},
    )


# ----------------------------------------------------------------------------- rendering
def test_query_keeps_caller_order_drops_none_and_renders_values() -> None:
    params = {
        "z": "last-first",
        "skip": None,
        "a": 1,
        "price": Decimal("0.00000001"),
        "flag": True,
        "off": False,
        "text": "a b&c=d/é+",
    }
    assert encode_query(params) == (
        "z=last-first&a=1&price=0.00000001&flag=true&off=false&text=a+b%26c%3Dd%2F%C3%A9%2B"
    )
    assert encode_query(None) == "" and encode_query({"x": None}) == ""


def test_body_is_compact_ordered_ascii_json_with_decimal_strings() -> None:
    body = {"z": 1, "a": "é", "size": Decimal("1E-8"), "nested": {"b": [1, None]}}
    assert encode_body(body) == b'{"z":1,"a":"\\u00e9","size":"0.00000001","nested":{"b":[1,null]}}'
    assert encode_body(None) == b""
    with pytest.raises(ConfigurationError):
        encode_body({"bad": object()})


def test_constructor_rejects_bad_base_url() -> None:
    with pytest.raises(ConfigurationError):
        RestClient("ftp://x", throttler=SpyThrottler(), response_handler=handler)
    with pytest.raises(ConfigurationError):
        RestClient("http://x?token=1", throttler=SpyThrottler(), response_handler=handler)


# ----------------------------------------------------------------------------- exact bytes
async def test_signer_sees_exactly_the_bytes_the_server_receives(
    server: tuple[TestServer, list[Seen]],
) -> None:
    srv, seen = server
    signer = RecordingSigner()
    throttler = SpyThrottler()
    params = {"symbol": "BTC-USDT", "none": None, "q": "a b/é?&", "amount": Decimal("1.50")}
    body = {"clientOid": "x y", "price": Decimal("0.1"), "note": 'héllo "quoted"'}
    async with make_client(srv, signer=signer, throttler=throttler) as client:
        result = await client.request(
            "post", "/echo/api/v1/orders", limit_id="priv", params=params, body=body, signed=True
        )
    assert result == {"status": 200, "payload": {"ok": True, "n": 1}}
    assert throttler.executed == ["priv"]
    [(method, path_with_query, signed_body)] = signer.calls
    [request] = seen
    assert method == request.method == "POST"
    assert path_with_query == request.raw_path
    assert request.raw_path == (
        "/echo/api/v1/orders?symbol=BTC-USDT&q=a+b%2F%C3%A9%3F%26&amount=1.50"
    )
    assert (
        signed_body
        == request.body
        == (b'{"clientOid":"x y","price":"0.1","note":"h\\u00e9llo \\"quoted\\""}')
    )
    assert request.headers["X-Sign"].startswith(SECRET_SIGNATURE_PREFIX)
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Accept"] == "application/json"


async def test_unsigned_get_has_no_body_and_no_signature(
    server: tuple[TestServer, list[Seen]],
) -> None:
    srv, seen = server
    signer = RecordingSigner()
    async with make_client(srv, signer=signer) as client:
        await client.request("GET", "/echo/x", limit_id="pub", params={"b": 2, "a": 1})
    assert signer.calls == []
    assert seen[0].raw_path == "/echo/x?b=2&a=1"
    assert seen[0].body == b"" and "X-Sign" not in seen[0].headers


async def test_signed_request_without_signer_is_a_configuration_error(
    server: tuple[TestServer, list[Seen]],
) -> None:
    srv, seen = server
    async with make_client(srv) as client:
        with pytest.raises(ConfigurationError):
            await client.request("GET", "/echo/x", limit_id="pub", signed=True)
    assert seen == []


async def test_base_url_path_prefix_is_part_of_the_signed_path(
    server: tuple[TestServer, list[Seen]],
) -> None:
    srv, seen = server
    signer = RecordingSigner()
    client = RestClient(
        str(srv.make_url("/echo")),
        throttler=SpyThrottler(),
        response_handler=handler,
        signer=signer,
    )
    async with client:
        await client.request("DELETE", "/api/v1/orders/abc", limit_id="priv", signed=True)
    assert signer.calls[0][1] == seen[0].raw_path == "/echo/api/v1/orders/abc"


# ----------------------------------------------------------------------------- retries
async def test_invalid_timestamp_resyncs_and_retries_once_with_a_fresh_signature(
    server: tuple[TestServer, list[Seen]],
) -> None:
    srv, seen = server
    srv.app[SCRIPT]["timestamp_failures"] = 1
    resyncs: list[int] = []

    async def resync() -> None:
        resyncs.append(len(seen))

    signer = RecordingSigner()
    throttler = SpyThrottler()
    async with make_client(srv, signer=signer, throttler=throttler, time_resync=resync) as c:
        result = await c.request("POST", "/echo/o", limit_id="priv", body={"a": 1}, signed=True)
    assert result["payload"] == {"ok": True, "n": 2}
    assert resyncs == [1]  # resynced after the first rejection, before the retry
    assert [s.headers["X-Timestamp"] for s in seen] == ["1", "2"]
    assert throttler.executed == ["priv", "priv"]


async def test_invalid_timestamp_twice_raises_after_exactly_one_retry(
    server: tuple[TestServer, list[Seen]],
) -> None:
    srv, seen = server
    srv.app[SCRIPT]["timestamp_failures"] = 5
    resyncs: list[None] = []

    async def resync() -> None:
        resyncs.append(None)

    async with make_client(srv, signer=RecordingSigner(), time_resync=resync) as client:
        with pytest.raises(InvalidTimestampError):
            await client.request("GET", "/echo/o", limit_id="priv", signed=True)
    assert len(seen) == 2 and len(resyncs) == 1


async def test_invalid_timestamp_is_not_retried_when_unsigned_or_without_resync(
    server: tuple[TestServer, list[Seen]],
) -> None:
    srv, seen = server
    srv.app[SCRIPT]["timestamp_failures"] = 5

    async def resync() -> None:
        raise AssertionError("must not resync")

    async with make_client(srv, signer=RecordingSigner(), time_resync=resync) as client:
        with pytest.raises(InvalidTimestampError):
            await client.request("GET", "/echo/o", limit_id="pub")
    async with make_client(srv, signer=RecordingSigner()) as client:
        with pytest.raises(InvalidTimestampError):
            await client.request("GET", "/echo/o", limit_id="priv", signed=True)
    assert len(seen) == 2


async def test_rate_limit_with_retry_after_blocks_the_pool_then_raises(
    server: tuple[TestServer, list[Seen]],
) -> None:
    srv, _ = server
    throttler = SpyThrottler()
    async with make_client(srv, throttler=throttler) as client:
        with pytest.raises(RateLimitError) as info:
            await client.request("GET", "/limited", limit_id="pub", params={"retry": "2.5"})
    assert info.value.retry_after_s == 2.5
    assert throttler.blocked == [("pub", 2.5)]


async def test_rate_limit_without_retry_after_does_not_block(
    server: tuple[TestServer, list[Seen]],
) -> None:
    srv, _ = server
    throttler = SpyThrottler()
    async with make_client(srv, throttler=throttler) as client:
        with pytest.raises(RateLimitError) as info:
            await client.request("GET", "/limited", limit_id="pub")
    assert info.value.retry_after_s is None
    assert throttler.blocked == []


# ----------------------------------------------------------------------------- bodies
async def test_non_json_2xx_body_is_a_parse_error(server: tuple[TestServer, list[Seen]]) -> None:
    srv, _ = server
    async with make_client(srv) as client:
        with pytest.raises(ParseError):
            await client.request("GET", "/html", limit_id="pub")


async def test_non_json_error_body_reaches_the_handler_with_payload_none(
    server: tuple[TestServer, list[Seen]],
) -> None:
    srv, _ = server
    got: list[RestResponse] = []

    def spy(response: RestResponse) -> Any:
        got.append(response)
        return "handled"

    client = RestClient(str(srv.make_url("")), throttler=SpyThrottler(), response_handler=spy)
    async with client:
        assert await client.request("GET", "/html", limit_id="pub", params={"status": 502}) == (
            "handled"
        )
        assert await client.request("GET", "/empty", limit_id="pub") == "handled"
    assert [(r.status, r.payload) for r in got] == [(502, None), (200, None)]
    assert got[0].headers["content-type"].startswith("text/html")


# ----------------------------------------------------------------------------- transport errors
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
KEY = ConnectionKey(
    "api.test", 443, True, True, *([None] * (len(ConnectionKey._fields) - 4))
)
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


@pytest.mark.parametrize("exc", EXCEPTIONS, ids=lambda e: type(e).__name__)
async def test_every_transport_exception_maps_to_a_transport_error(exc: BaseException) -> None:
    client = RestClient("https://api.test", throttler=SpyThrottler(), response_handler=handler)
    with aioresponses() as mocked:
        mocked.post(re.compile(r"https://api\.test/.*"), exception=exc)
        async with client:
            with pytest.raises(ConnectorError) as info:
                await client.request("POST", "/x", limit_id="pub", body={"a": 1})
    error = info.value
    assert isinstance(error, TransportError)
    assert not isinstance(error, aiohttp.ClientError)
    assert error.may_have_executed is _expected_may_have_executed(exc)
    if isinstance(exc, TimeoutError):
        assert isinstance(error, RequestTimeoutError)
    elif isinstance(exc, aiohttp.ClientConnectorError | ConnectionResetError):
        assert isinstance(error, ConnectionLostError)
    assert "/x" in str(error)
    assert map_transport_error(exc, "GET /x").may_have_executed is error.may_have_executed


async def test_connection_refused_never_left() -> None:
    probe = TestServer(web.Application(), host="127.0.0.1")
    await probe.start_server()
    url = str(probe.make_url(""))
    await probe.close()  # the port is now closed
    async with RestClient(url, throttler=SpyThrottler(), response_handler=handler) as client:
        with pytest.raises(ConnectionLostError) as info:
            await client.request("GET", "/x", limit_id="pub")
    assert info.value.may_have_executed is False


async def test_real_timeout_may_have_executed(server: tuple[TestServer, list[Seen]]) -> None:
    srv, _ = server
    async with make_client(srv, timeout_s=0.05) as client:
        with pytest.raises(RequestTimeoutError) as info:
            await client.request("GET", "/slow", limit_id="pub")
    assert info.value.may_have_executed is True


async def test_connection_cut_by_server_may_have_executed(
    server: tuple[TestServer, list[Seen]],
) -> None:
    srv, _ = server
    async with make_client(srv) as client:
        with pytest.raises(ConnectionLostError) as info:
            await client.request("GET", "/cut", limit_id="pub")
    assert info.value.may_have_executed is True


# ----------------------------------------------------------------------------- sessions, logs
async def test_owned_session_is_created_lazily_and_closed(
    server: tuple[TestServer, list[Seen]],
) -> None:
    srv, _ = server
    client = make_client(srv)
    assert client._session is None  # no I/O or session in the constructor
    await client.request("GET", "/echo/a", limit_id="pub")
    session = client._session
    assert session is not None and not session.closed
    await client.close()
    assert session.closed
    await client.request("GET", "/echo/b", limit_id="pub")  # re-created lazily
    await client.close()
    await client.close()  # idempotent


async def test_injected_session_is_not_closed(server: tuple[TestServer, list[Seen]]) -> None:
    srv, _ = server
    async with aiohttp.ClientSession() as session:
        async with make_client(srv, session=session) as client:
            await client.request("GET", "/echo/a", limit_id="pub")
        assert not session.closed
        await session.close()
        with pytest.raises(ConfigurationError):
            await client.request("GET", "/echo/a", limit_id="pub")


async def test_logs_carry_no_secret_query_or_body(
    server: tuple[TestServer, list[Seen]], caplog: pytest.LogCaptureFixture
) -> None:
    srv, _ = server
    srv.app[SCRIPT]["timestamp_failures"] = 1

    async def resync() -> None:
        return None

    caplog.set_level(logging.DEBUG, logger="kucoin_connector")
    async with make_client(srv, signer=RecordingSigner(), time_resync=resync) as client:
        await client.request(
            "POST",
            "/echo/o",
            limit_id="priv",
            params={"q": "QUERYVALUE"},
            body={"secret": "BODYVALUE"},
            signed=True,
        )
    assert "POST /echo/o" in caplog.text
    for forbidden in (SECRET_SIGNATURE_PREFIX, "QUERYVALUE", "BODYVALUE", "X-Sign"):
        assert forbidden not in caplog.text
