"""WsClient against a real aiohttp WebSocket server on 127.0.0.1 speaking a KuCoin-like protocol.

The transport contract on real sockets: every test taking ``make`` runs once per transport
(aiohttp and picows): connect, welcome, keepalive, silence, server close, cut, reconnect
with a fresh token, TLS verification."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import logging
import random
import ssl
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kucoin_connector.core.aiohttp_ws import AiohttpWsTransport
from kucoin_connector.core.errors import ConfigurationError, ExchangeError, RequestTimeoutError
from kucoin_connector.core.ws import Backoff, WsClient, WsConnectSpec, redact_url
from kucoin_connector.core.ws_transport import WsTransportName, make_ws_transport

INTERVAL_S = 0.05
TIMEOUT_S = 0.1


# ----------------------------------------------------------------------------- fake exchange
@dataclass
class Conn:
    token: str
    ws: web.WebSocketResponse
    request: web.Request
    frames: list[dict[str, Any]] = field(default_factory=list)
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.frames if f.get("type") == kind]


class FakeExchange:
    def __init__(self) -> None:
        self.connections: list[Conn] = []
        self.welcome_gate = asyncio.Event()
        self.welcome_gate.set()
        self.send_welcome = True
        self.answer_pings = True
        self.flood = False
        self.after_welcome: list[str] = []
        self.reject: set[str] = set()
        self.drop_subscribes: dict[str, int] = {}  # topic -> subscribe frames left unanswered

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        conn = Conn(token=request.query["token"], ws=ws, request=request)
        self.connections.append(conn)
        flood: asyncio.Task[None] | None = None
        try:
            if self.send_welcome:
                await self.welcome_gate.wait()
                await ws.send_json({"id": request.query["connectId"], "type": "welcome"})
            for raw in self.after_welcome:
                await ws.send_str(raw)
            if self.flood:
                flood = asyncio.create_task(self._flood(ws))
            async for msg in ws:
                if msg.type is aiohttp.WSMsgType.TEXT:
                    await self._on_frame(ws, conn, json.loads(msg.data))
        finally:
            if flood is not None:
                flood.cancel()
                await asyncio.gather(flood, return_exceptions=True)
            conn.closed.set()
        return ws

    async def _on_frame(self, ws: web.WebSocketResponse, conn: Conn, frame: dict[str, Any]) -> None:
        conn.frames.append(frame)
        kind, rid = frame.get("type"), frame.get("id")
        if kind == "ping" and self.answer_pings:
            await ws.send_json({"id": rid, "type": "pong"})
        elif kind in ("subscribe", "unsubscribe"):
            if kind == "subscribe" and self.drop_subscribes.get(frame["topic"], 0) > 0:
                self.drop_subscribes[frame["topic"]] -= 1  # never acknowledged
            elif frame["topic"] in self.reject:
                await ws.send_json({"id": rid, "type": "error", "code": 404, "data": "no topic"})
            else:
                await ws.send_json({"id": rid, "type": "ack"})

    async def _flood(self, ws: web.WebSocketResponse) -> None:
        n = 0
        while not ws.closed:
            n += 1
            await ws.send_json({"type": "message", "topic": "/flood", "data": n})
            await asyncio.sleep(0.002)


class FakeAdapter:
    def __init__(self, url: str, *, ping_interval_s: float = INTERVAL_S) -> None:
        self.url = url
        self.ping_interval_s = ping_interval_s
        self.specs = 0

    async def connect_spec(self) -> WsConnectSpec:
        self.specs += 1
        url = f"{self.url}?token=tok-{self.specs}&connectId=c{self.specs}"
        return WsConnectSpec(url, self.ping_interval_s, TIMEOUT_S)

    def is_welcome(self, message: Any) -> bool:
        return bool(message.get("type") == "welcome")

    def ping_frame(self) -> str:
        return json.dumps({"id": "p", "type": "ping"})

    def is_pong(self, message: Any) -> bool:
        return bool(message.get("type") == "pong")

    def subscribe_frame(self, topic: str, request_id: str) -> str:
        return json.dumps({"id": request_id, "type": "subscribe", "topic": topic, "response": True})

    def unsubscribe_frame(self, topic: str, request_id: str) -> str:
        return json.dumps({"id": request_id, "type": "unsubscribe", "topic": topic})

    def ack_id(self, message: Any) -> str | None:
        return str(message["id"]) if message.get("type") == "ack" else None

    def error_of(self, message: Any) -> tuple[str | None, str] | None:
        if message.get("type") != "error":
            return None
        return message.get("id"), str(message.get("data"))


async def eventually(predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not predicate():  # noqa: ASYNC110 - polling a test predicate
            await asyncio.sleep(0.005)


@pytest.fixture
async def exchange() -> AsyncIterator[tuple[FakeExchange, str]]:
    fx = FakeExchange()
    app = web.Application()
    app.router.add_get("/ws", fx.handle)
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server(shutdown_timeout=1.0)
    try:
        yield fx, str(srv.make_url("/ws").with_scheme("ws"))
    finally:
        await srv.close()


@dataclass
class Harness:
    client: WsClient
    adapter: FakeAdapter
    received: list[Any]
    reconnected: list[int]


MakeHarness = Callable[..., Awaitable[Harness]]


TRANSPORTS: list[WsTransportName] = ["aiohttp", "picows"]


@pytest.fixture(params=TRANSPORTS)
def transport_name(request: pytest.FixtureRequest) -> WsTransportName:
    name: WsTransportName = request.param
    return name


@pytest.fixture
async def make(
    exchange: tuple[FakeExchange, str], transport_name: WsTransportName
) -> AsyncIterator[MakeHarness]:
    clients: list[WsClient] = []

    async def factory(
        *, url: str | None = None, on_message: Callable[[Any], None] | None = None, **kw: Any
    ) -> Harness:
        adapter = FakeAdapter(url or exchange[1])
        received: list[Any] = []
        reconnected: list[int] = []

        async def on_reconnected() -> None:
            reconnected.append(client.reconnect_count)

        kw.setdefault("backoff_initial_s", 0.01)
        kw.setdefault("backoff_max_s", 0.05)
        kw.setdefault("handshake_timeout_s", 1.0)
        kw.setdefault("rng", random.Random(7))
        kw.setdefault("transport_name", transport_name)
        client = WsClient(
            adapter,
            on_message=on_message or received.append,
            on_reconnected=on_reconnected,
            name=f"wstest{len(clients)}",
            **kw,
        )
        clients.append(client)
        return Harness(client, adapter, received, reconnected)

    yield factory
    for client in clients:
        await client.stop()


# ----------------------------------------------------------------------------- tests
async def test_waits_for_welcome_before_subscribing_and_pinging(
    exchange: tuple[FakeExchange, str], make: MakeHarness
) -> None:
    fx, _ = exchange
    fx.welcome_gate.clear()
    h = await make()
    await h.client.subscribe(["/market/level2:BTC-USDT"])  # remembered only
    await h.client.start()
    await eventually(lambda: len(fx.connections) == 1)
    await asyncio.sleep(3 * INTERVAL_S)
    assert not h.client.is_connected
    assert fx.connections[0].frames == []  # nothing sent before the welcome
    fx.welcome_gate.set()
    await h.client.wait_connected(5)
    assert [f["topic"] for f in fx.connections[0].of_type("subscribe")] == [
        "/market/level2:BTC-USDT"
    ]


async def test_missing_welcome_times_out_and_reconnects_with_a_fresh_token(
    exchange: tuple[FakeExchange, str], make: MakeHarness
) -> None:
    fx, _ = exchange
    fx.send_welcome = False
    h = await make(handshake_timeout_s=0.05)
    await h.client.start()
    await eventually(lambda: len(fx.connections) >= 3)
    assert not h.client.is_connected
    assert [c.token for c in fx.connections[:3]] == ["tok-1", "tok-2", "tok-3"]
    with pytest.raises(RequestTimeoutError):
        await h.client.wait_connected(0.01)


async def test_pings_on_a_timer_even_under_constant_traffic(
    exchange: tuple[FakeExchange, str], make: MakeHarness
) -> None:
    fx, _ = exchange
    fx.flood = True
    h = await make()
    await h.client.start()
    await h.client.wait_connected(5)
    await eventually(lambda: len(fx.connections[0].of_type("ping")) >= 3)
    assert len(h.received) > 10 and len(fx.connections) == 1


async def test_reconnects_with_fresh_token_resubscribes_and_notifies(
    exchange: tuple[FakeExchange, str], make: MakeHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="kucoin_connector")
    fx, _ = exchange
    h = await make()
    await h.client.subscribe(["/a", "/b"])
    await h.client.start()
    await h.client.wait_connected(5)
    await h.client.subscribe(["/c"])
    assert h.client.topics == {"/a", "/b", "/c"}
    assert h.reconnected == []
    for round_ in (1, 2):
        await fx.connections[-1].ws.close()
        await eventually(lambda r=round_: h.reconnected == list(range(1, r + 1)))  # type: ignore[misc]
        assert h.client.is_connected and h.client.reconnect_count == round_
        conn = fx.connections[-1]
        assert conn.token == f"tok-{round_ + 1}"
        assert sorted(f["topic"] for f in conn.of_type("subscribe")) == ["/a", "/b", "/c"]
    assert h.adapter.specs == 3
    ids = [f["id"] for c in fx.connections for f in c.of_type("subscribe")]
    assert len(ids) == len(set(ids)) == 9  # per-client counter: unique request ids
    assert "tok-" not in caplog.text and "token" not in caplog.text


async def test_silence_past_the_deadline_triggers_a_reconnect(
    exchange: tuple[FakeExchange, str], make: MakeHarness
) -> None:
    fx, _ = exchange
    fx.answer_pings = False
    h = await make()
    await h.client.start()
    await eventually(lambda: len(fx.connections) >= 2)
    await eventually(fx.connections[0].closed.is_set)
    assert fx.connections[0].of_type("ping")  # it did ping before giving up
    assert fx.connections[1].token == "tok-2"


async def test_malformed_frame_is_skipped_and_the_connection_stays_up(
    exchange: tuple[FakeExchange, str], make: MakeHarness, caplog: pytest.LogCaptureFixture
) -> None:
    fx, _ = exchange
    fx.after_welcome = ["{not json", json.dumps({"type": "message", "data": 1})]
    h = await make()
    await h.client.start()
    await eventually(lambda: len(h.received) == 1)
    assert h.received == [{"type": "message", "data": 1}]
    assert "ParseError" in caplog.text or "undecodable" in caplog.text
    await asyncio.sleep(2 * INTERVAL_S)
    assert h.client.is_connected and len(fx.connections) == 1


async def test_on_message_exceptions_are_logged_and_the_loop_continues(
    exchange: tuple[FakeExchange, str], make: MakeHarness, caplog: pytest.LogCaptureFixture
) -> None:
    fx, _ = exchange
    fx.after_welcome = [json.dumps({"type": "message", "data": i}) for i in range(3)]
    got: list[Any] = []

    def on_message(message: Any) -> None:
        got.append(message["data"])
        if message["data"] == 0:
            raise ValueError("consumer bug")

    h = await make(on_message=on_message)
    await h.client.start()
    await eventually(lambda: got == [0, 1, 2])
    assert "on_message callback failed" in caplog.text
    assert len(fx.connections) == 1


async def test_subscribe_while_connected_acks_rejects_and_unsubscribes(
    exchange: tuple[FakeExchange, str], make: MakeHarness
) -> None:
    fx, _ = exchange
    fx.reject = {"/bad"}
    h = await make()
    await h.client.start()
    await h.client.wait_connected(5)
    await h.client.subscribe(["/good"])
    with pytest.raises(ExchangeError):
        await h.client.subscribe(["/bad"])
    assert h.client.topics == {"/good"}
    await h.client.unsubscribe(["/good"])
    assert h.client.topics == frozenset()
    conn = fx.connections[0]
    assert [f["topic"] for f in conn.of_type("unsubscribe")] == ["/good"]


async def test_rejected_resubscribe_is_kept_and_logged(
    exchange: tuple[FakeExchange, str], make: MakeHarness, caplog: pytest.LogCaptureFixture
) -> None:
    fx, _ = exchange
    fx.reject = {"/bad"}
    h = await make()
    await h.client.subscribe(["/bad", "/good"])
    await h.client.start()
    await h.client.wait_connected(5)
    assert h.client.topics == {"/bad", "/good"}
    assert "resubscribe /bad rejected: no topic" in caplog.text


async def test_subscribe_while_disconnected_only_updates_the_set() -> None:
    client = WsClient(FakeAdapter("ws://127.0.0.1:9/ws"), on_message=lambda m: None)
    await client.subscribe(["/x", "/y", "/x"])
    assert client.topics == {"/x", "/y"}
    await client.unsubscribe(["/x"])
    assert client.topics == {"/y"} and not client.is_connected
    with pytest.raises(ConfigurationError):
        await client.wait_connected(0.01)
    await client.stop()  # never started: harmless


def test_backoff_doubles_caps_jitters_and_resets() -> None:
    backoff = Backoff(0.5, 4.0, random.Random(1))
    ceilings, delays = [], []
    for _ in range(6):
        ceilings.append(backoff.ceiling_s())
        delays.append(backoff.next_delay_s())
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert all(c / 2 <= d <= c for c, d in zip(ceilings, delays, strict=True))
    assert len(set(delays[3:])) == 3  # jittered, not constant
    backoff.reset()
    assert backoff.ceiling_s() == 0.5
    with pytest.raises(ConfigurationError):
        Backoff(0, 1, random.Random())


class RecordingRandom(random.Random):
    def __init__(self) -> None:
        super().__init__(3)
        self.spans: list[float] = []

    def uniform(self, a: float, b: float) -> float:
        self.spans.append(b - a)
        return super().uniform(a, b)


async def test_backoff_grows_while_connects_keep_failing(make: MakeHarness) -> None:
    probe = TestServer(web.Application(), host="127.0.0.1")
    await probe.start_server(shutdown_timeout=1.0)
    dead_url = str(probe.make_url("/ws").with_scheme("ws"))
    await probe.close()  # connection refused from now on
    rng = RecordingRandom()
    h = await make(url=dead_url, rng=rng, backoff_initial_s=0.004, backoff_max_s=0.016)
    await h.client.start()
    await eventually(lambda: h.adapter.specs >= 5)  # a fresh spec for every attempt
    assert rng.spans[:4] == [0.002, 0.004, 0.008, 0.008]  # half-ceilings: x2, capped
    last = h.client.last_backoff_s
    assert last is not None and 0.008 <= last <= 0.016


async def test_stop_is_clean(exchange: tuple[FakeExchange, str], make: MakeHarness) -> None:
    fx, _ = exchange
    h = await make()
    await h.client.subscribe(["/a"])
    await h.client.start()
    await h.client.start()  # idempotent
    await h.client.wait_connected(5)
    transport = h.client.transport
    session = transport.session if isinstance(transport, AiohttpWsTransport) else None
    await h.client.stop()
    assert not h.client.is_connected
    assert session is None or session.closed  # an owned aiohttp session is closed
    await eventually(fx.connections[0].closed.is_set)
    name = h.client.name
    leftovers = [t for t in asyncio.all_tasks() if (t.get_name() or "").startswith(name)]
    assert leftovers == []
    await h.client.stop()  # twice is fine
    await h.client.start()  # and it can start again
    await h.client.wait_connected(5)
    assert len(fx.connections) == 2


async def test_injected_session_is_left_open(
    exchange: tuple[FakeExchange, str], make: MakeHarness
) -> None:
    async with aiohttp.ClientSession() as session:
        h = await make(session=session, transport_name="aiohttp")
        await h.client.start()
        await h.client.wait_connected(5)
        await h.client.stop()
        assert not session.closed


def test_connect_spec_repr_hides_the_token() -> None:
    spec = WsConnectSpec("wss://user:pw@push.example:443/endpoint?token=SECRET&connectId=1", 1, 2)
    for text in (repr(spec), str(spec), f"{spec}"):
        assert "SECRET" not in text and "pw" not in text
        assert "wss://push.example:443/endpoint" in text
    assert redact_url("ws://h/p?token=x#frag") == "ws://h/p"
    with pytest.raises(ConfigurationError):
        WsConnectSpec("ws://h", 0, 1)


# ----------------------------------------------------------------------------- lost acks
def subscribes(conn: Conn, topic: str) -> list[dict[str, Any]]:
    return [f for f in conn.of_type("subscribe") if f["topic"] == topic]


def assert_quiet_warnings(caplog: pytest.LogCaptureFixture, needle: str) -> None:
    records = [r for r in caplog.records if needle in r.getMessage()]
    assert records and all(r.levelno == logging.WARNING for r in records)
    assert all(r.exc_info is None for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_unacknowledged_subscribe_is_retried_with_fresh_ids(
    exchange: tuple[FakeExchange, str], make: MakeHarness, caplog: pytest.LogCaptureFixture
) -> None:
    fx, _ = exchange
    fx.drop_subscribes = {"/slow": 2}
    h = await make(ack_timeout_s=0.05)
    await h.client.start()
    await h.client.wait_connected(5)
    await h.client.subscribe(["/slow"])
    frames = subscribes(fx.connections[0], "/slow")
    assert len(frames) == 3 and len({f["id"] for f in frames}) == 3
    assert "/slow" in h.client.active_topics
    assert len(fx.connections) == 1 and h.client.is_connected
    assert_quiet_warnings(caplog, "no ack")


async def test_subscribe_never_acknowledged_recycles_the_connection(
    exchange: tuple[FakeExchange, str], make: MakeHarness, caplog: pytest.LogCaptureFixture
) -> None:
    fx, _ = exchange
    fx.drop_subscribes = {"/dead": 3}
    h = await make(ack_timeout_s=0.05)
    await h.client.subscribe(["/a"])
    await h.client.start()
    await h.client.wait_connected(5)
    await h.client.subscribe(["/dead"])
    await eventually(lambda: len(fx.connections) == 2 and "/dead" in h.client.active_topics)
    first, second = fx.connections
    assert len(subscribes(first, "/dead")) == 3  # one send and two retries
    await eventually(first.closed.is_set)
    assert second.token == "tok-2"  # a fresh token
    assert sorted(f["topic"] for f in second.of_type("subscribe")) == ["/a", "/dead"]
    assert h.client.active_topics == {"/a", "/dead"} and h.reconnected == [1]
    assert_quiet_warnings(caplog, "/dead")


async def test_resubscribe_never_acknowledged_recycles_before_connected(
    exchange: tuple[FakeExchange, str], make: MakeHarness, caplog: pytest.LogCaptureFixture
) -> None:
    fx, _ = exchange
    fx.drop_subscribes = {"/dead": 3}
    h = await make(ack_timeout_s=0.05)
    await h.client.subscribe(["/dead", "/b"])
    await h.client.start()
    await h.client.wait_connected(5)
    assert len(fx.connections) == 2 and h.client.active_topics == {"/dead", "/b"}
    assert len(subscribes(fx.connections[0], "/dead")) == 3
    # /b was in flight together with /dead (pipelined) and acked; after the recycle both
    # are subscribed again on the fresh connection
    assert len(subscribes(fx.connections[0], "/b")) == 1
    assert len(subscribes(fx.connections[1], "/b")) == 1
    assert_quiet_warnings(caplog, "/dead")


async def test_a_late_ack_of_an_earlier_attempt_counts(
    exchange: tuple[FakeExchange, str], make: MakeHarness
) -> None:
    fx, _ = exchange
    h = await make(ack_timeout_s=0.05)
    await h.client.start()
    await h.client.wait_connected(5)
    fx.drop_subscribes = {"/late": 99}
    task = asyncio.create_task(h.client.subscribe(["/late"]))
    await eventually(lambda: len(subscribes(fx.connections[0], "/late")) == 2)
    first_id = subscribes(fx.connections[0], "/late")[0]["id"]
    await fx.connections[0].ws.send_json({"id": first_id, "type": "ack"})
    await task
    assert "/late" in h.client.active_topics and len(fx.connections) == 1


# ----------------------------------------------------------------------------- transport contract
async def test_server_close_and_a_cut_connection_both_reconnect(
    exchange: tuple[FakeExchange, str], make: MakeHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kucoin_connector")
    fx, _ = exchange
    h = await make()
    await h.client.subscribe(["/a"])
    await h.client.start()
    await h.client.wait_connected(5)
    await fx.connections[0].ws.close(code=4001)  # an orderly close, with a code
    await eventually(lambda: h.reconnected == [1])
    assert "closed by the server (code 4001)" in caplog.text
    transport = fx.connections[1].request.transport
    assert transport is not None
    transport.abort()  # no close frame: the socket is cut
    await eventually(lambda: h.reconnected == [1, 2])
    assert [c.token for c in fx.connections] == ["tok-1", "tok-2", "tok-3"]
    assert sorted(f["topic"] for f in fx.connections[2].of_type("subscribe")) == ["/a"]
    assert h.client.is_connected


async def test_a_subscribe_pending_when_the_socket_drops_fails_at_once(
    exchange: tuple[FakeExchange, str], make: MakeHarness
) -> None:
    fx, _ = exchange
    h = await make(ack_timeout_s=30.0)
    await h.client.start()
    await h.client.wait_connected(5)
    fx.drop_subscribes = {"/x": 1}
    task = asyncio.create_task(h.client.subscribe(["/x"]))
    await eventually(lambda: bool(subscribes(fx.connections[0], "/x")))
    await fx.connections[0].ws.close()
    async with asyncio.timeout(5):  # not the 30 s ack timeout
        await task
    await eventually(lambda: "/x" in h.client.active_topics)  # sent again after reconnecting


def _self_signed_context(tmp_path: Path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


async def test_tls_certificates_are_verified(make: MakeHarness, tmp_path: Path) -> None:
    fx = FakeExchange()
    app = web.Application()
    app.router.add_get("/ws", fx.handle)
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=_self_signed_context(tmp_path))
    await site.start()
    try:
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        h = await make(url=f"wss://127.0.0.1:{port}/ws")
        await h.client.start()
        await eventually(lambda: h.adapter.specs >= 3)  # refused, retried with fresh tokens
        assert fx.connections == [] and not h.client.is_connected
    finally:
        await runner.cleanup()


def test_unknown_transport_name_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        make_ws_transport("websockets")  # type: ignore[arg-type]


def test_picows_missing_falls_back_to_aiohttp(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "kucoin_connector.core.picows_ws", None)
    assert isinstance(make_ws_transport("picows"), AiohttpWsTransport)
    assert "picows unavailable" in caplog.text
