"""WsClient over the in-memory FakeWsTransport (test layer 3): the client's own logic
(welcome, frame hand-over, keepalive, reconnects, pending acks) without a socket. What
only a socket shows is in test_ws_client.py, run over both real transports."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from fakes import FakeWsConnection, FakeWsTransport
from kucoin_connector.core.errors import ConnectionLostError, RequestTimeoutError
from kucoin_connector.core.ws import WsClient, WsConnectSpec

WELCOME = '{"type":"welcome"}'


class Adapter:
    def __init__(self, ping_interval_s: float = 10.0, ping_timeout_s: float = 10.0) -> None:
        self.specs = 0
        self.ping_interval_s = ping_interval_s
        self.ping_timeout_s = ping_timeout_s

    async def connect_spec(self) -> WsConnectSpec:
        self.specs += 1
        url = f"wss://push.example/ws?token=tok-{self.specs}"
        return WsConnectSpec(url, self.ping_interval_s, self.ping_timeout_s)

    def is_welcome(self, message: Any) -> bool:
        return bool(message.get("type") == "welcome")

    def ping_frame(self) -> str:
        return '{"type":"ping"}'

    def is_pong(self, message: Any) -> bool:
        return bool(message.get("type") == "pong")

    def subscribe_frame(self, topic: str, request_id: str) -> str:
        return json.dumps({"id": request_id, "type": "subscribe", "topic": topic})

    def unsubscribe_frame(self, topic: str, request_id: str) -> str:
        return json.dumps({"id": request_id, "type": "unsubscribe", "topic": topic})

    def ack_id(self, message: Any) -> str | None:
        return str(message["id"]) if message.get("type") == "ack" else None

    def error_of(self, message: Any) -> tuple[str | None, str] | None:
        return (
            (message.get("id"), str(message.get("data")))
            if message.get("type") == "error"
            else None
        )


async def eventually(predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not predicate():  # noqa: ASYNC110 - polling a test predicate
            await asyncio.sleep(0.001)


def acks(conn: FakeWsConnection) -> Callable[[], bool]:
    """A predicate that acknowledges every subscribe sent so far (and says whether any was)."""
    answered: set[str] = set()

    def ack_all() -> bool:
        for raw in conn.sent:
            frame = json.loads(raw)
            if frame.get("type") == "subscribe" and frame["id"] not in answered:
                answered.add(frame["id"])
                conn.deliver(json.dumps({"id": frame["id"], "type": "ack"}))
        return bool(answered)

    return ack_all


@pytest.fixture
async def transport() -> AsyncIterator[FakeWsTransport]:
    yield FakeWsTransport()


@pytest.fixture
async def clients() -> AsyncIterator[list[WsClient]]:
    made: list[WsClient] = []
    yield made
    for client in made:
        await client.stop()


def client_for(
    transport: FakeWsTransport, clients: list[WsClient], adapter: Adapter | None = None, **kw: Any
) -> tuple[WsClient, list[Any]]:
    received: list[Any] = []
    client = WsClient(
        adapter or Adapter(),
        on_message=received.append,
        transport=transport,
        backoff_initial_s=0.001,
        backoff_max_s=0.002,
        rng=random.Random(1),
        handshake_timeout_s=kw.pop("handshake_timeout_s", 1.0),
        **kw,
    )
    clients.append(client)
    return client, received


async def test_frames_reach_the_hook_synchronously_as_delivered(
    transport: FakeWsTransport, clients: list[WsClient]
) -> None:
    seen: list[str | bytes] = []
    client, received = client_for(transport, clients)

    def hook(frame: str | bytes) -> bool:
        seen.append(frame)
        return frame == b"fast"

    client.frame_handler = hook
    await client.subscribe(["/a"])
    await client.start()
    conn = await transport.next_connection(0)
    conn.deliver('{"type":"message","n":0}')  # before the welcome: ignored
    conn.deliver(WELCOME)
    await eventually(acks(conn))
    await client.wait_connected(5)
    conn.deliver(b"fast")
    assert seen[-1] == b"fast"  # handed over within deliver(): no queue, no task switch
    conn.deliver(b'{"type":"message","n":1}')
    assert received == [{"type": "message", "n": 1}]
    assert transport.urls == ["wss://push.example/ws?token=tok-1"]


async def test_refusal_before_the_welcome_reconnects_with_a_fresh_token(
    transport: FakeWsTransport, clients: list[WsClient]
) -> None:
    client, _ = client_for(transport, clients)
    await client.start()
    first = await transport.next_connection(0)
    first.deliver('{"type":"error","data":"token expired"}')
    second = await transport.next_connection(1)
    assert first.close_calls == 1 and second.url.endswith("tok-2")
    second.deliver(WELCOME)
    await client.wait_connected(5)


async def test_server_close_cut_and_connect_failure_all_lead_to_a_new_connection(
    transport: FakeWsTransport, clients: list[WsClient]
) -> None:
    reconnects: list[int] = []

    async def on_reconnected() -> None:
        reconnects.append(1)

    client, _ = client_for(transport, clients, on_reconnected=on_reconnected)
    await client.start()
    for index, end in enumerate(("server_close", "cut")):
        conn = await transport.next_connection(index)
        conn.deliver(WELCOME)
        await client.wait_connected(5)
        if end == "cut":
            transport.fail_next(ConnectionLostError("refused (fake)", may_have_executed=False))
        getattr(conn, end)()
        await eventually(lambda: not client.is_connected)
    conn = await transport.next_connection(2)
    conn.deliver(WELCOME)
    await eventually(lambda: len(reconnects) == 2)
    assert [u[-5:] for u in transport.urls] == ["tok-1", "tok-2", "tok-3", "tok-4"]
    assert transport.close_calls == 0  # borrowed: stop() leaves it alone
    await client.stop()
    assert transport.close_calls == 0 and conn.close_calls == 1


async def test_pings_on_a_timer_and_silence_ends_the_connection(
    transport: FakeWsTransport, clients: list[WsClient]
) -> None:
    client, _ = client_for(transport, clients, Adapter(ping_interval_s=0.02, ping_timeout_s=0.02))
    await client.start()
    conn = await transport.next_connection(0)
    conn.deliver(WELCOME)
    await client.wait_connected(5)
    for _ in range(6):  # traffic keeps it alive past the silence limit
        await asyncio.sleep(0.015)
        conn.deliver('{"type":"pong"}')
    assert not conn.closed and conn.sent.count('{"type":"ping"}') >= 3
    second = await transport.next_connection(1)  # then silence: recycled
    assert conn.closed and second.url.endswith("tok-2")


async def test_a_pending_subscribe_fails_at_once_when_the_connection_is_cut(
    transport: FakeWsTransport, clients: list[WsClient]
) -> None:
    client, _ = client_for(transport, clients, ack_timeout_s=30.0)
    await client.start()
    conn = await transport.next_connection(0)
    conn.deliver(WELCOME)
    await client.wait_connected(5)
    task = asyncio.create_task(client.subscribe(["/x"]))
    await eventually(lambda: bool(conn.sent))
    conn.cut()
    async with asyncio.timeout(5):  # not the 30 s ack timeout
        await task
    second = await transport.next_connection(1)
    second.deliver(WELCOME)
    await eventually(acks(second))
    await eventually(lambda: "/x" in client.active_topics)


async def test_welcome_timeout(transport: FakeWsTransport, clients: list[WsClient]) -> None:
    client, _ = client_for(transport, clients, handshake_timeout_s=0.02)
    await client.start()
    await transport.next_connection(2)  # no welcome: each attempt times out
    assert all(c.closed for c in transport.connections[:2])
    with pytest.raises(RequestTimeoutError):
        await client.wait_connected(0.001)


async def test_a_frame_the_adapter_chokes_on_before_the_welcome_ends_the_connection(
    transport: FakeWsTransport, clients: list[WsClient]
) -> None:
    client, _ = client_for(transport, clients)
    await client.start()
    first = await transport.next_connection(0)
    first.deliver("[1]")  # decodes, but Adapter.is_welcome calls .get on it: AttributeError
    second = await transport.next_connection(1)
    assert first.closed and second.url.endswith("tok-2")
    second.deliver(WELCOME)
    await client.wait_connected(5)
