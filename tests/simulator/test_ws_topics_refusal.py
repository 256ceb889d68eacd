"""A refused topic gets KuCoin's error frame for its request id and breaks nothing else:
the connection and its other subscriptions keep working."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from kucoin_universal_sdk.generate.spot.spot_public.model_orderbook_level5_event import (
    OrderbookLevel5Event,
)

from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator

from .conftest import Client, next_message, open_ws, subscribe

LEVEL2 = "/market/level2"


async def _place_bid(client: Client, coid: str, price: str = "20000") -> None:
    body = {
        "clientOid": coid,
        "symbol": "BTC-USDT",
        "side": "buy",
        "type": "limit",
        "price": price,
        "size": "0.01",
    }
    await client.post("/api/v1/orders", body)


async def _still_served(ws: aiohttp.ClientWebSocketResponse, client: Client, coid: str) -> None:
    """The earlier level2 subscription still delivers, and the connection answers pings."""
    await _place_bid(client, coid)
    msg = await next_message(ws, f"{LEVEL2}:BTC-USDT")
    assert msg["data"]["changes"]["bids"][0][:2] == ["20000", "0.01"]
    await ws.send_json({"id": "alive", "type": "ping"})
    assert await _next_control(ws) == {"id": "alive", "type": "pong"}


async def _next_control(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    while True:
        msg: dict[str, Any] = await ws.receive_json(timeout=5)
        if msg["type"] != "message":
            return msg


@pytest.mark.parametrize(
    ("topic", "private", "code", "data"),
    [
        ("/market/nope:BTC-USDT", False, 404, "topic /market/nope:BTC-USDT is not found"),
        ("/spotMarket/level2Depth5", False, 404, "topic /spotMarket/level2Depth5 is not found"),
        ("/spotMarket/level1:", False, 404, "topic /spotMarket/level1: is not found"),
        ("/market/level2:BSV-BTC", False, 404, "topic /market/level2:BSV-BTC is not found"),
        ("/spotMarket/advancedOrders", True, 401, None),
        ("/spotMarket/tradeOrders", True, 401, None),
    ],
)
async def test_refused_topic_leaves_the_connection_working(
    client: Client, topic: str, private: bool, code: int, data: str | None
) -> None:
    ws = await open_ws(client)  # a public token
    assert (await subscribe(ws, f"{LEVEL2}:BTC-USDT", "ok"))["type"] == "ack"
    reply = await subscribe(ws, topic, "refused", private=private)
    assert set(reply) == {"id", "type", "code", "data"}
    assert (reply["id"], reply["type"], reply["code"]) == ("refused", "error", code)
    assert data is None or reply["data"] == data
    await _still_served(ws, client, "still")
    assert not ws.closed
    await ws.close()


async def test_malformed_frames_are_refused_without_a_cut(client: Client) -> None:
    ws = await open_ws(client)
    assert (await subscribe(ws, f"{LEVEL2}:BTC-USDT", "ok"))["type"] == "ack"
    await ws.send_str("{not json")
    assert (await _next_control(ws))["type"] == "error"
    await ws.send_json({"id": "t1", "type": "subscribe", "response": True})  # no topic
    reply = await _next_control(ws)
    assert (reply["id"], reply["type"], reply["code"]) == ("t1", "error", 404)
    await _still_served(ws, client, "still")
    await ws.close()


async def test_symbol_list_serves_the_valid_symbols(client: Client, sim: KucoinSimulator) -> None:
    ws = await open_ws(client)
    topic = "/spotMarket/level2Depth5:BTC-USDT,BSV-BTC,ETH-USDT"
    reply = await subscribe(ws, topic, "mixed")
    assert reply == {
        "id": "mixed",
        "type": "error",
        "code": 404,
        "data": "topic /spotMarket/level2Depth5:BSV-BTC is not found",
    }
    views: dict[str, Any] = {}
    while len(views) < 2:
        msg = await next_message(ws, "/spotMarket/level2Depth5")
        event = OrderbookLevel5Event.from_dict(msg["data"])
        assert event is not None and event.bids is not None
        views[msg["topic"]] = event.bids
    assert set(views) == {
        "/spotMarket/level2Depth5:BTC-USDT",
        "/spotMarket/level2Depth5:ETH-USDT",
    }
    hub_conn = sim.hub.connections[0]
    assert hub_conn.subscriptions == {
        ("/spotMarket/level2Depth5", "BTC-USDT"),
        ("/spotMarket/level2Depth5", "ETH-USDT"),
    }
    await ws.close()


PAIRS = ["BTC-USDT", "ETH-USDT", "SOL-USDT", "XRP-USDT", "KCS-USDT", "ETH-BTC", "SOL-BTC"]
CANDLE_TYPES = ["1min", "3min", "5min", "15min", "30min", "1hour", "2hour", "4hour"]
CANDLE_TYPES += ["6hour", "8hour", "12hour", "1day", "1week", "1month"]


async def test_too_many_topics_refused_and_the_rest_kept(session: aiohttp.ClientSession) -> None:
    async with KucoinSimulator(seed=2, pairs=PAIRS, activity=False) as sim:
        client = Client(session, sim)
        ws = await open_ws(client)
        assert (await subscribe(ws, f"{LEVEL2}:BTC-USDT", "ok"))["type"] == "ack"
        keys = [f"{pair}_{ctype}" for pair in PAIRS for ctype in CANDLE_TYPES]  # 98
        assert (await subscribe(ws, f"/market/candles:{','.join(keys)}", "c"))["type"] == "ack"
        assert len(sim.hub.connections[0].subscriptions) == 99
        reply = await subscribe(ws, "/market/match:BTC-USDT,ETH-USDT", "over")
        assert (reply["id"], reply["type"], reply["code"]) == ("over", "error", 509)
        assert len(sim.hub.connections[0].subscriptions) == 99  # the request took nothing
        await _still_served(ws, client, "still")
        assert (await subscribe(ws, "/market/match:BTC-USDT", "last"))["type"] == "ack"
        await ws.close()
