"""KuCoin topic batching, and the WsClient sending batched frames pipelined to a
KuCoin-like loopback server (comma topics, one ack a frame)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from kucoin_connector.core.errors import ExchangeError
from kucoin_connector.core.ws import WsClient
from kucoin_connector.kucoin.ws_adapter import BulletToken, KucoinWsAdapter
from kucoin_connector.kucoin.ws_topics import (
    MAX_TOPICS_PER_SUBSCRIBE,
    batch_topics,
    market_topics,
    split_topic,
)


def test_batch_topics_groups_by_base_and_caps_each_frame() -> None:
    topics = [t for s in ("A", "B", "C") for t in market_topics(s)]
    topics += ["/spotMarket/tradeOrders", "/market/level2:A"]  # private alone, dup dropped
    assert batch_topics(topics, max_per_frame=2) == [
        ("/market/level2:A,B", ("/market/level2:A", "/market/level2:B")),
        ("/market/level2:C", ("/market/level2:C",)),
        ("/market/match:A,B", ("/market/match:A", "/market/match:B")),
        ("/market/match:C", ("/market/match:C",)),
        ("/spotMarket/tradeOrders", ("/spotMarket/tradeOrders",)),
    ]


def test_batch_topics_default_cap_and_odd_topics() -> None:
    topics = [f"/market/level2:S{i}" for i in range(MAX_TOPICS_PER_SUBSCRIBE + 1)]
    frames = batch_topics(topics)
    assert [len(covered) for _, covered in frames] == [MAX_TOPICS_PER_SUBSCRIBE, 1]
    assert frames[0][0].count(",") == MAX_TOPICS_PER_SUBSCRIBE - 1
    # a topic that already names several symbols, or none, is sent as it is
    assert batch_topics(["/market/ticker:A,B", "/market/level2:"]) == [
        ("/market/ticker:A,B", ("/market/ticker:A,B",)),
        ("/market/level2:", ("/market/level2:",)),
    ]
    assert split_topic("/market/level2:A,B") == ("/market/level2", ["A", "B"])
    with pytest.raises(ValueError):
        batch_topics(topics, max_per_frame=0)


# ----------------------------------------------------------------------------- loopback
@dataclass
class Server:
    """Holds every ack until ``hold_acks`` subscribe frames have arrived (a serial client
    would never get there); rejects any frame naming a symbol in ``reject``."""

    hold_acks: int = 0
    reject: set[str] = field(default_factory=set)
    frames: list[dict[str, Any]] = field(default_factory=list)
    acks_sent_at: list[int] = field(default_factory=list)  # frames received at each ack
    subscribed: set[str] = field(default_factory=set)
    held: list[str] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"id": request.query["connectId"], "type": "welcome"})
        async for msg in ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                await self._on_frame(ws, json.loads(msg.data))
        return ws

    async def _on_frame(self, ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        if frame["type"] == "ping":
            await ws.send_json({"id": frame["id"], "type": "pong"})
            return
        self.frames.append(frame)
        base, args = split_topic(frame["topic"])
        keys = {f"{base}:{a}" for a in args}
        if self.reject & set(args):
            await ws.send_json({"id": frame["id"], "type": "error", "code": 404, "data": "no"})
            return
        if frame["type"] == "subscribe":
            self.subscribed |= keys
        else:
            self.subscribed -= keys
        self.held.append(frame["id"])
        if len(self.frames) >= self.hold_acks:
            for request_id in self.held:
                self.acks_sent_at.append(len(self.frames))
                await ws.send_json({"id": request_id, "type": "ack"})
            self.held.clear()


@pytest.fixture
async def server() -> AsyncIterator[tuple[Server, str]]:
    srv_state = Server()
    app = web.Application()
    app.router.add_get("/ws", srv_state.handle)
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server(shutdown_timeout=1.0)
    try:
        yield srv_state, str(srv.make_url("/ws").with_scheme("ws"))
    finally:
        await srv.close()


async def connected_client(url: str) -> WsClient:
    async def bullet() -> BulletToken:
        return BulletToken("tok", url, 10_000, 10_000)

    adapter = KucoinWsAdapter(bullet, private=False, connect_id_factory=lambda: "c")
    client = WsClient(
        adapter, on_message=lambda _m: None, topic_batcher=lambda t: batch_topics(t, 3)
    )
    await client.start()
    await client.wait_connected(5)
    return client


async def test_batched_frames_are_pipelined_and_acked_per_frame(
    server: tuple[Server, str],
) -> None:
    state, url = server
    client = await connected_client(url)
    try:
        symbols = [f"S{i}" for i in range(9)]
        state.hold_acks = 6  # 9 symbols, 3 a frame, two bases: 6 frames in flight together
        await client.subscribe([t for s in symbols for t in market_topics(s)])
        assert len(state.frames) == 6 and state.acks_sent_at == [6] * 6
        assert {f["topic"] for f in state.frames} >= {
            "/market/level2:S0,S1,S2",
            "/market/match:S6,S7,S8",
        }
        assert client.active_topics == {t for s in symbols for t in market_topics(s)}

        state.hold_acks = 0
        await client.unsubscribe(market_topics("S4"))  # one symbol alone
        assert [f["topic"] for f in state.frames[-2:]] == ["/market/level2:S4", "/market/match:S4"]
        others = {t for s in symbols if s != "S4" for t in market_topics(s)}
        assert state.subscribed == others and client.active_topics == others
    finally:
        await client.stop()


async def test_a_rejected_batch_is_retried_one_topic_a_frame(
    server: tuple[Server, str],
) -> None:
    state, url = server
    state.reject = {"BAD"}
    client = await connected_client(url)
    try:
        with pytest.raises(ExchangeError, match="BAD"):
            await client.subscribe(["/market/level2:A", "/market/level2:BAD", "/market/level2:B"])
        assert [f["topic"] for f in state.frames] == [
            "/market/level2:A,BAD,B",
            "/market/level2:A",
            "/market/level2:BAD",
            "/market/level2:B",
        ]
        assert client.active_topics == {"/market/level2:A", "/market/level2:B"}
        assert client.topics == {"/market/level2:A", "/market/level2:B"}  # BAD forgotten
    finally:
        await client.stop()


async def test_a_topic_unsubscribed_while_its_batch_is_in_flight_is_unsubscribed(
    server: tuple[Server, str],
) -> None:
    state, url = server
    client = await connected_client(url)
    try:
        state.hold_acks = 2  # the first frame's ack waits for a second frame
        first = asyncio.create_task(client.subscribe(["/market/level2:A", "/market/level2:B"]))
        async with asyncio.timeout(5):
            while not state.frames:  # noqa: ASYNC110 - polling a test condition
                await asyncio.sleep(0.005)
        await client.unsubscribe(["/market/level2:A"])  # not acked yet: nothing to send
        await client.subscribe(["/market/match:A"])  # the second frame releases the acks
        await first
        assert state.frames[-1]["type"] == "unsubscribe"
        assert state.frames[-1]["topic"] == "/market/level2:A"
        assert state.subscribed == {"/market/level2:B", "/market/match:A"}
        assert client.active_topics == {"/market/level2:B", "/market/match:A"}
    finally:
        await client.stop()
