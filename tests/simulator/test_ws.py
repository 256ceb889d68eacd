"""WebSocket endpoint: tokens, welcome, ping/pong, subscriptions, feeds, idle cut."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator
from kucoin_connector.simulator.kucoin_spot.ws import WsSettings

from .conftest import Client, next_message, open_ws, subscribe


async def test_bullet_shape(client: Client) -> None:
    bullet = await client.data("POST", "/api/v1/bullet-public")
    server = bullet["instanceServers"][0]
    assert server["endpoint"] == client.sim.ws_url
    assert server["pingInterval"] == 18000 and server["pingTimeout"] == 10000
    assert server["protocol"] == "websocket" and bullet["token"]


async def test_welcome_ping_pong_and_ack(client: Client) -> None:
    ws = await open_ws(client)
    await ws.send_json({"id": "p1", "type": "ping"})
    assert await ws.receive_json(timeout=5) == {"id": "p1", "type": "pong"}
    assert await subscribe(ws, "/market/level2:BTC-USDT", "s1") == {"id": "s1", "type": "ack"}
    await ws.send_json(
        {"id": "u1", "type": "unsubscribe", "topic": "/market/level2:BTC-USDT", "response": True}
    )
    assert await ws.receive_json(timeout=5) == {"id": "u1", "type": "ack"}
    await ws.close()


@pytest.mark.parametrize(
    "topic",
    ["/market/nope:BTC-USDT", "/market/level2:DOGE-XYZ", "/market/level2", "/account/balance"],
)
async def test_bad_topics_get_errors(client: Client, topic: str) -> None:
    ws = await open_ws(client)
    reply = await subscribe(ws, topic, "bad")
    assert reply["type"] == "error" and reply["id"] == "bad"
    assert reply["code"] in (401, 404)
    await ws.close()


async def test_invalid_token_and_missing_connect_id(client: Client) -> None:
    ws = await client.session.ws_connect(f"{client.sim.ws_url}?token=nope&connectId=c")
    msg = await ws.receive_json(timeout=5)
    assert msg["type"] == "error" and msg["id"] == "c"
    assert (await ws.receive(timeout=5)).type == aiohttp.WSMsgType.CLOSE
    await ws.close()
    bullet = await client.data("POST", "/api/v1/bullet-public")
    ws = await client.session.ws_connect(f"{client.sim.ws_url}?token={bullet['token']}")
    assert (await ws.receive_json(timeout=5))["type"] == "error"
    await ws.close()


async def _place(client: Client, **over: Any) -> str:
    body = {
        "clientOid": over.pop("clientOid", "c-1"),
        "symbol": "BTC-USDT",
        "side": "buy",
        "type": "limit",
        "price": "20000",
        "size": "0.01",
        **over,
    }
    data = await client.post("/api/v1/orders", body)
    return str(data["orderId"])


async def test_level2_updates_follow_snapshot(client: Client) -> None:
    ws = await open_ws(client)
    await subscribe(ws, "/market/level2:BTC-USDT")
    book = await client.get("/api/v1/market/orderbook/level2_100?symbol=BTC-USDT", signed=False)
    await _place(client)
    msg = await next_message(ws, "/market/level2")
    assert msg["subject"] == "trade.l2update" and msg["topic"] == "/market/level2:BTC-USDT"
    data = msg["data"]
    assert data["sequenceStart"] == int(book["sequence"]) + 1
    assert data["changes"]["bids"] == [["20000", "0.01", str(data["sequenceStart"])]]
    assert data["changes"]["asks"] == [] and isinstance(data["time"], int)
    await ws.close()


async def test_level2_sequences_contiguous_under_activity(session: aiohttp.ClientSession) -> None:
    async with KucoinSimulator(
        seed=3, pairs=["BTC-USDT", "ETH-USDT"], activity=True, activity_rate_hz=200
    ) as sim:
        client = Client(session, sim)
        ws = await open_ws(client)
        await subscribe(ws, "/market/level2:BTC-USDT,ETH-USDT")
        last: dict[str, int] = {}
        for _ in range(40):
            data = (await next_message(ws, "/market/level2"))["data"]
            seqs = [int(c[2]) for side in ("asks", "bids") for c in data["changes"][side]]
            assert sorted(seqs) == list(range(data["sequenceStart"], data["sequenceEnd"] + 1))
            if data["symbol"] in last:
                assert data["sequenceStart"] == last[data["symbol"]] + 1
            last[data["symbol"]] = data["sequenceEnd"]
        await ws.close()


async def test_match_and_ticker_feeds(client: Client) -> None:
    ws = await open_ws(client)
    await subscribe(ws, "/market/match:BTC-USDT", "m")
    await subscribe(ws, "/market/ticker:BTC-USDT", "t")
    book = await client.get("/api/v1/market/orderbook/level2_20?symbol=BTC-USDT", signed=False)
    best_ask = book["asks"][0][0]
    await _place(client, price=best_ask, size="0.001")
    match = await next_message(ws, "/market/match")
    assert match["subject"] == "trade.l3match"
    assert match["data"]["price"] == best_ask and match["data"]["side"] == "buy"
    ticker = await next_message(ws, "/market/ticker")
    assert ticker["subject"] == "trade.ticker" and ticker["data"]["price"] == best_ask
    await ws.close()


async def test_private_order_and_balance_events(client: Client) -> None:
    ws = await open_ws(client, private=True)
    assert (await subscribe(ws, "/spotMarket/tradeOrdersV2", "o", private=True))["type"] == "ack"
    assert (await subscribe(ws, "/account/balance", "b", private=True))["type"] == "ack"
    order_id = await _place(client, clientOid="priv-1")
    await client.delete(f"/api/v1/orders/{order_id}")
    seen: list[dict[str, Any]] = []
    while not any(m["data"].get("type") == "canceled" for m in seen):
        seen.append(await next_message(ws))
    orders = [m for m in seen if m["topic"] == "/spotMarket/tradeOrdersV2"]
    balances = [m for m in seen if m["topic"] == "/account/balance"]
    assert [m["data"]["type"] for m in orders] == ["received", "open", "canceled"]
    assert all(m["subject"] == "orderChange" and m["channelType"] == "private" for m in orders)
    received, opened, canceled = (m["data"] for m in orders)
    assert received["orderId"] == order_id and received["status"] == "new"
    assert opened["status"] == "open" and opened["clientOid"] == "priv-1"
    assert opened["remainSize"] == "0.01" and opened["orderTime"] > 10**18
    assert canceled["status"] == "done" and canceled["remainSize"] == "0"
    hold = balances[0]["data"]
    assert balances[0]["subject"] == "account.balance"
    assert hold["currency"] == "USDT" and hold["relationEvent"] == "trade.hold"
    assert hold["relationEventId"] == order_id and hold["holdChange"].startswith("200")
    assert set(hold) >= {
        "total",
        "available",
        "availableChange",
        "hold",
        "holdChange",
        "relationContext",
        "time",
    }
    await ws.close()


async def test_private_fill_events(client: Client) -> None:
    ws = await open_ws(client, private=True)
    await subscribe(ws, "/spotMarket/tradeOrders", "o", private=True)
    book = await client.get("/api/v1/market/orderbook/level2_20?symbol=BTC-USDT", signed=False)
    price, size = book["asks"][0]
    await _place(client, clientOid="taker-1", price=price, size=size)
    types = []
    while "filled" not in types:
        types.append((await next_message(ws, "/spotMarket/tradeOrders"))["data"]["type"])
    assert types[0] == "match"  # V1 pushes no "received" (only V2 does)
    await ws.close()


async def test_private_events_only_for_owner(client: Client, sim: KucoinSimulator) -> None:
    other = sim.add_api_key("k2", "s2", "p2")
    sim.deposit("USDT", "1000", user_id=other.user_id)
    mine = await open_ws(client, private=True, connect_id="mine")
    theirs = await open_ws(Client(client.session, sim, other), private=True, connect_id="theirs")
    await subscribe(mine, "/spotMarket/tradeOrders", "a", private=True)
    await subscribe(theirs, "/spotMarket/tradeOrders", "b", private=True)
    await Client(client.session, sim, other).post(
        "/api/v1/orders",
        {"clientOid": "x", "symbol": "BTC-USDT", "side": "buy", "price": "20000", "size": "0.001"},
    )
    assert (await next_message(theirs, "/spotMarket"))["userId"] == other.user_id
    with pytest.raises(TimeoutError):
        await next_message(mine, "/spotMarket", wait_s=0.3)
    await mine.close()
    await theirs.close()


async def test_idle_connection_is_closed(session: aiohttp.ClientSession) -> None:
    async with KucoinSimulator(activity=False, ws_settings=WsSettings(idle_timeout_s=0.2)) as sim:
        ws = await open_ws(Client(session, sim))
        msg = await ws.receive(timeout=5)
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        await ws.close()


async def test_candles_and_snapshot_topics(session: aiohttp.ClientSession) -> None:
    async with KucoinSimulator(
        activity=True, activity_rate_hz=100, snapshot_interval_s=0.1, housekeeping_interval_s=0.05
    ) as sim:
        ws = await open_ws(Client(session, sim))
        await subscribe(ws, "/market/snapshot:BTC-USDT", "s")
        await subscribe(ws, "/market/candles:BTC-USDT_1min", "c")
        snap = await next_message(ws, "/market/snapshot")
        assert snap["subject"] == "trade.snapshot"
        assert snap["data"]["data"]["symbol"] == "BTC-USDT"
        candle = await next_message(ws, "/market/candles")
        assert candle["subject"] == "trade.candles.update"
        assert len(candle["data"]["candles"]) == 7
        await ws.close()


async def test_comma_topics_one_ack_per_frame_and_partial_unsubscribe(
    client: Client, sim: KucoinSimulator
) -> None:
    ws = await open_ws(client)
    reply = await subscribe(ws, "/market/level2:BTC-USDT,ETH-USDT", "batch")
    assert reply == {"id": "batch", "type": "ack"}  # one ack for the whole frame
    (conn,) = sim.hub.connections
    assert conn.subscriptions == {("/market/level2", "BTC-USDT"), ("/market/level2", "ETH-USDT")}
    await ws.send_json(
        {"id": "u", "type": "unsubscribe", "topic": "/market/level2:BTC-USDT", "response": True}
    )
    assert await ws.receive_json(timeout=5) == {"id": "u", "type": "ack"}
    assert conn.subscriptions == {("/market/level2", "ETH-USDT")}  # the other one stays
    await _place(client, symbol="ETH-USDT", price="1000", size="0.1")
    msg = await next_message(ws, "/market/level2")
    assert msg["topic"] == "/market/level2:ETH-USDT"  # messages keep one symbol a topic
    await ws.close()


async def test_uplink_limit_errors_and_closes(session: aiohttp.ClientSession) -> None:
    settings = WsSettings(uplink_limit=5, uplink_window_s=10.0)
    async with KucoinSimulator(activity=False, ws_settings=settings) as sim:
        ws = await open_ws(Client(session, sim))
        for i in range(5):
            await ws.send_json({"id": f"p{i}", "type": "ping"})
            assert (await ws.receive_json(timeout=5))["type"] == "pong"
        await ws.send_json({"id": "p5", "type": "ping"})  # the sixth within 10 s
        reply = await ws.receive_json(timeout=5)
        assert reply["type"] == "error" and reply["code"] == 509
        assert (await ws.receive(timeout=5)).type in (
            aiohttp.WSMsgType.CLOSE,
            aiohttp.WSMsgType.CLOSED,
        )
        await ws.close()
