"""RestClient over the in-memory FakeTransport: exact signed bytes, query rendering,
retries, body decoding, transport failures, ownership of the transport, logs.

What only a real HTTP library can show (bytes on a socket, aiohttp's exceptions, sessions)
is tested against AiohttpTransport in test_aiohttp_transport.py.
"""

from __future__ import annotations

import ast
import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fakes import (
    FakeTransport,
    connect_timed_out,
    connection_refused,
    connection_reset,
    json_response,
    timed_out,
)
from kucoin_connector.core import rest, transport
from kucoin_connector.core.errors import (
    ConfigurationError,
    ConnectionLostError,
    ExchangeError,
    InvalidTimestampError,
    ParseError,
    RateLimitError,
    RequestTimeoutError,
    TransportError,
)
from kucoin_connector.core.rest import RestClient, RestResponse, encode_body, encode_query
from kucoin_connector.core.throttler import AsyncThrottler, RateLimit
from kucoin_connector.core.transport import HttpRequest, HttpResponse

SECRET_SIGNATURE_PREFIX = "sig-SECRET-"
ORIGIN = "https://api.test"


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


def echo_count(fake: FakeTransport) -> Callable[[HttpRequest], HttpResponse]:
    """The default answer: ``{"ok": true, "n": <requests seen so far>}``."""
    return lambda request: json_response({"ok": True, "n": len(fake.requests)})


def make_client(
    fake: FakeTransport,
    *,
    base_url: str = ORIGIN,
    signer: RecordingSigner | None = None,
    throttler: SpyThrottler | None = None,
    time_resync: Callable[[], Awaitable[None]] | None = None,
    timeout_s: float = 5.0,
    response_handler: Callable[[RestResponse], Any] = handler,
) -> RestClient:
    if fake.default is None:
        fake.default = echo_count(fake)
    return RestClient(
        base_url,
        transport=fake,
        throttler=throttler or SpyThrottler(),
        response_handler=response_handler,
        signer=signer,
        time_resync=time_resync,
        timeout_s=timeout_s,
        default_headers={"Accept": "application/json"},
    )


def script_timestamp_failures(fake: FakeTransport, count: int) -> None:
    for _ in range(count):
        fake.reply_json({"code": "ts"}, status=400)


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


def test_constructor_rejects_bad_base_url_and_timeout() -> None:
    for url in ("ftp://x", "http://x?token=1", "http://x#frag", "/relative"):
        with pytest.raises(ConfigurationError):
            RestClient(
                url, transport=FakeTransport(), throttler=SpyThrottler(), response_handler=handler
            )
    with pytest.raises(ConfigurationError):
        RestClient(
            ORIGIN,
            transport=FakeTransport(),
            throttler=SpyThrottler(),
            response_handler=handler,
            timeout_s=0,
        )


def test_the_client_and_the_seam_know_no_http_library() -> None:
    for module in (rest, transport):
        assert module.__file__ is not None
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        imported |= {
            (node.module or "").split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
        }
        assert not imported & {"aiohttp", "yarl", "multidict", "httpx", "requests"}, module


# ----------------------------------------------------------------------------- exact bytes
async def test_signer_signs_exactly_the_bytes_handed_to_the_transport() -> None:
    fake = FakeTransport()
    signer = RecordingSigner()
    throttler = SpyThrottler()
    params = {"symbol": "BTC-USDT", "none": None, "q": "a b/é?&", "amount": Decimal("1.50")}
    body = {"clientOid": "x y", "price": Decimal("0.1"), "note": 'héllo "quoted"'}
    async with make_client(fake, signer=signer, throttler=throttler, timeout_s=3.5) as client:
        result = await client.request(
            "post", "/api/v1/orders", limit_id="priv", params=params, body=body, signed=True
        )
    assert result == {"status": 200, "payload": {"ok": True, "n": 1}}
    assert throttler.executed == ["priv"]
    [(method, path_with_query, signed_body)] = signer.calls
    [request] = fake.requests
    assert method == request.method == "POST"
    assert path_with_query == "/api/v1/orders?symbol=BTC-USDT&q=a+b%2F%C3%A9%3F%26&amount=1.50"
    assert request.url == ORIGIN + path_with_query
    assert (
        signed_body
        == request.body
        == (b'{"clientOid":"x y","price":"0.1","note":"h\\u00e9llo \\"quoted\\""}')
    )
    assert request.headers["X-Sign"].startswith(SECRET_SIGNATURE_PREFIX)
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Accept"] == "application/json"
    assert request.timeout_s == 3.5


async def test_path_is_percent_encoded_once_and_encoded_paths_are_kept() -> None:
    fake = FakeTransport()
    signer = RecordingSigner()
    async with make_client(fake, signer=signer) as client:
        await client.request(
            "GET", "/api/v1/order/client-order/a b%2Fc", limit_id="priv", signed=True
        )
    assert signer.calls[0][1] == "/api/v1/order/client-order/a%20b%2Fc"
    assert fake.requests[0].url == ORIGIN + "/api/v1/order/client-order/a%20b%2Fc"


async def test_unsigned_get_has_no_body_and_no_signature() -> None:
    fake = FakeTransport()
    signer = RecordingSigner()
    async with make_client(fake, signer=signer) as client:
        await client.request("GET", "/x", limit_id="pub", params={"b": 2, "a": 1})
    assert signer.calls == []
    [request] = fake.requests
    assert request.url == ORIGIN + "/x?b=2&a=1"
    assert request.body == b""
    assert "X-Sign" not in request.headers and "Content-Type" not in request.headers


async def test_signed_request_without_signer_is_a_configuration_error() -> None:
    fake = FakeTransport()
    async with make_client(fake) as client:
        with pytest.raises(ConfigurationError):
            await client.request("GET", "/x", limit_id="pub", signed=True)
        with pytest.raises(ConfigurationError):
            await client.request("GET", "no-slash", limit_id="pub")
    assert fake.requests == []


async def test_base_url_path_prefix_is_part_of_the_signed_path() -> None:
    fake = FakeTransport()
    signer = RecordingSigner()
    async with make_client(fake, base_url=ORIGIN + "/echo/", signer=signer) as client:
        assert client.base_url == ORIGIN + "/echo"
        await client.request("DELETE", "/api/v1/orders/abc", limit_id="priv", signed=True)
    assert signer.calls[0][1] == "/echo/api/v1/orders/abc"
    assert fake.requests[0].url == ORIGIN + "/echo/api/v1/orders/abc"


# ----------------------------------------------------------------------------- retries
async def test_invalid_timestamp_resyncs_and_retries_once_with_a_fresh_signature() -> None:
    fake = FakeTransport()
    script_timestamp_failures(fake, 1)
    resyncs: list[int] = []

    async def resync() -> None:
        resyncs.append(len(fake.requests))

    signer = RecordingSigner()
    throttler = SpyThrottler()
    async with make_client(fake, signer=signer, throttler=throttler, time_resync=resync) as c:
        result = await c.request("POST", "/o", limit_id="priv", body={"a": 1}, signed=True)
    assert result["payload"] == {"ok": True, "n": 2}
    assert resyncs == [1]  # resynced after the first rejection, before the retry
    assert [r.headers["X-Timestamp"] for r in fake.requests] == ["1", "2"]
    assert [r.body for r in fake.requests] == [b'{"a":1}', b'{"a":1}']
    assert throttler.executed == ["priv", "priv"]


async def test_invalid_timestamp_twice_raises_after_exactly_one_retry() -> None:
    fake = FakeTransport()
    script_timestamp_failures(fake, 5)
    resyncs: list[None] = []

    async def resync() -> None:
        resyncs.append(None)

    async with make_client(fake, signer=RecordingSigner(), time_resync=resync) as client:
        with pytest.raises(InvalidTimestampError):
            await client.request("GET", "/o", limit_id="priv", signed=True)
    assert len(fake.requests) == 2 and len(resyncs) == 1


async def test_invalid_timestamp_is_not_retried_when_unsigned_or_without_resync() -> None:
    fake = FakeTransport()
    script_timestamp_failures(fake, 5)

    async def resync() -> None:
        raise AssertionError("must not resync")

    async with make_client(fake, signer=RecordingSigner(), time_resync=resync) as client:
        with pytest.raises(InvalidTimestampError):
            await client.request("GET", "/o", limit_id="pub")
    async with make_client(fake, signer=RecordingSigner()) as client:
        with pytest.raises(InvalidTimestampError):
            await client.request("GET", "/o", limit_id="priv", signed=True)
    assert len(fake.requests) == 2


async def test_rate_limit_with_retry_after_blocks_the_pool_then_raises() -> None:
    fake = FakeTransport()
    fake.reply_json({}, status=429, headers={"Retry-After": "2.5"})
    throttler = SpyThrottler()
    async with make_client(fake, throttler=throttler) as client:
        with pytest.raises(RateLimitError) as info:
            await client.request("GET", "/limited", limit_id="pub")
    assert info.value.retry_after_s == 2.5
    assert throttler.blocked == [("pub", 2.5)]


async def test_rate_limit_without_retry_after_does_not_block() -> None:
    fake = FakeTransport()
    fake.reply_json({}, status=429)
    throttler = SpyThrottler()
    async with make_client(fake, throttler=throttler) as client:
        with pytest.raises(RateLimitError) as info:
            await client.request("GET", "/limited", limit_id="pub")
    assert info.value.retry_after_s is None
    assert throttler.blocked == []


# ----------------------------------------------------------------------------- bodies
async def test_non_json_2xx_body_is_a_parse_error() -> None:
    fake = FakeTransport()
    fake.reply(200, b"<html>oops</html>", {"Content-Type": "text/html"})
    async with make_client(fake) as client:
        with pytest.raises(ParseError):
            await client.request("GET", "/html", limit_id="pub")


async def test_non_json_error_body_reaches_the_handler_with_payload_none() -> None:
    got: list[RestResponse] = []

    def spy(response: RestResponse) -> Any:
        got.append(response)
        return "handled"

    fake = FakeTransport()
    fake.reply(502, b"<html>oops</html>", {"Content-Type": "text/html"})
    fake.reply(200, b"")
    fake.reply(200, b"  \r\n")
    async with make_client(fake, response_handler=spy) as client:
        for path in ("/html", "/empty", "/blank"):
            assert await client.request("GET", path, limit_id="pub") == "handled"
    assert [(r.status, r.payload) for r in got] == [(502, None), (200, None), (200, None)]
    assert got[0].headers["content-type"].startswith("text/html")


async def test_json_body_and_headers_reach_the_handler() -> None:
    got: list[RestResponse] = []

    def spy(response: RestResponse) -> Any:
        got.append(response)
        return response.payload

    fake = FakeTransport()
    fake.reply(201, b'{"code":"200000","data":[1,"2"]}', {"GW-RateLimit-Remaining": "7"})
    async with make_client(fake, response_handler=spy) as client:
        assert await client.request("GET", "/j", limit_id="pub") == {
            "code": "200000",
            "data": [1, "2"],
        }
    assert got[0].status == 201
    assert got[0].headers["gw-ratelimit-remaining"] == "7"


# ----------------------------------------------------------------------------- transport errors
FAILURES = [
    (timed_out, RequestTimeoutError, True),
    (connect_timed_out, RequestTimeoutError, False),
    (connection_reset, ConnectionLostError, True),
    (connection_refused, ConnectionLostError, False),
]


@pytest.mark.parametrize(
    ("failure", "kind", "may_have_executed"), FAILURES, ids=lambda v: getattr(v, "__name__", str(v))
)
async def test_transport_failures_reach_the_caller_unchanged_and_are_not_retried(
    failure: Callable[[HttpRequest], TransportError],
    kind: type[TransportError],
    may_have_executed: bool,
) -> None:
    fake = FakeTransport()
    fake.fail(failure)
    throttler = SpyThrottler()

    async def resync() -> None:
        raise AssertionError("a transport failure is not a timestamp rejection")

    async with make_client(
        fake, signer=RecordingSigner(), throttler=throttler, time_resync=resync
    ) as client:
        with pytest.raises(TransportError) as info:
            await client.request(
                "POST", "/api/v1/orders", limit_id="priv", body={"a": 1}, signed=True
            )
    assert type(info.value) is kind
    assert info.value.may_have_executed is may_have_executed
    assert "POST /api/v1/orders" in str(info.value)
    assert len(fake.requests) == 1 and throttler.executed == ["priv"]
    assert throttler.blocked == []


async def test_the_client_recovers_after_a_transport_failure() -> None:
    fake = FakeTransport()
    fake.fail(connection_reset)
    fake.reply_json({"n": 2})
    async with make_client(fake) as client:
        with pytest.raises(ConnectionLostError):
            await client.request("GET", "/x", limit_id="pub")
        assert await client.request("GET", "/x", limit_id="pub") == {
            "status": 200,
            "payload": {"n": 2},
        }


# ----------------------------------------------------------------------------- ownership, logs
async def test_close_closes_the_transport_and_the_client_stays_usable() -> None:
    fake = FakeTransport()
    client = make_client(fake)
    assert client.transport is fake
    assert fake.requests == [] and fake.close_calls == 0  # no I/O in the constructor
    async with client:
        await client.request("GET", "/a", limit_id="pub")
    assert fake.close_calls == 1
    await client.request("GET", "/b", limit_id="pub")
    await client.close()
    await client.close()
    assert fake.close_calls == 3 and len(fake.requests) == 2


def test_a_request_repr_carries_no_secret_query_or_body() -> None:
    request = HttpRequest(
        "POST",
        ORIGIN + "/o?q=QUERYVALUE",
        {"X-Sign": SECRET_SIGNATURE_PREFIX + "x"},
        b'{"s":"BODYVALUE"}',
    )
    assert repr(request) == "HttpRequest(POST /o)" == f"HttpRequest({request.describe()})"
    for forbidden in (SECRET_SIGNATURE_PREFIX, "QUERYVALUE", "BODYVALUE", "X-Sign"):
        assert forbidden not in repr(request) and forbidden not in str(request)


async def test_logs_carry_no_secret_query_or_body(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeTransport()
    script_timestamp_failures(fake, 1)
    fake.reply_json({"ok": True})
    fake.fail(timed_out)

    async def resync() -> None:
        return None

    caplog.set_level(logging.DEBUG, logger="kucoin_connector")
    async with make_client(fake, signer=RecordingSigner(), time_resync=resync) as client:
        kwargs: dict[str, Any] = {
            "limit_id": "priv",
            "params": {"q": "QUERYVALUE"},
            "body": {"secret": "BODYVALUE"},
            "signed": True,
        }
        await client.request("POST", "/echo/o", **kwargs)
        with pytest.raises(RequestTimeoutError):
            await client.request("POST", "/echo/o", **kwargs)
    assert "POST /echo/o" in caplog.text
    assert "failed: RequestTimeoutError" in caplog.text
    for forbidden in (SECRET_SIGNATURE_PREFIX, "QUERYVALUE", "BODYVALUE", "X-Sign"):
        assert forbidden not in caplog.text
