"""Private topics over a real WebSocket: ``/spotMarket/advancedOrders`` (stop orders) and
``received`` on ``tradeOrdersV2`` only. Every message parsed by the official SDK's model."""

from __future__ import annotations

from typing import Any

import aiohttp
import pydantic
from kucoin_universal_sdk.generate.spot.spot_private.model_order_v1_event import OrderV1Event
from kucoin_universal_sdk.generate.spot.spot_private.model_order_v2_event import OrderV2Event
from kucoin_universal_sdk.generate.spot.spot_private.model_stop_order_event import StopOrderEvent

from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator

from .conftest import Client, next_message, open_ws

V1 = "/spotMarket/tradeOrders"
V2 = "/spotMarket/tradeOrdersV2"
STOPS = "/spotMarket/advancedOrders"


async def _subscribe_all(ws: aiohttp.ClientWebSocketResponse, topics: list[str]) -> None:
    for topic in topics:
        await ws.send_json(
            {
                "id": topic,
                "type": "subscribe",
                "topic": topic,
                "privateChannel": True,
                "response": True,
            }
        )
    for topic in topics:
        assert await ws.receive_json(timeout=5) == {"id": topic, "type": "ack"}


def _stop_event(msg: dict[str, Any]) -> StopOrderEvent:
    """The SDK's model of a stopOrder message. Its TypeEnum lacks ``triggered`` (which
    KuCoin's docs and ccxt's recorded example name): for that type exactly one error is
    expected, on ``type``; every other field still goes through the model."""
    assert msg["subject"] == "stopOrder" and msg["channelType"] == "private"
    data = msg["data"]
    if data["type"] == "triggered":
        try:
            StopOrderEvent.from_dict(data)
        except pydantic.ValidationError as exc:
            assert [e["loc"] for e in exc.errors()] == [("type",)]
        else:
            raise AssertionError("the SDK model now accepts 'triggered': drop this branch")
        data = {**data, "type": "open"}
    event = StopOrderEvent.from_dict(data)
    assert event is not None
    return event


async def _place_stop(client: Client, coid: str, stop_price: str, price: str) -> str:
    body = {
        "clientOid": coid,
        "symbol": "BTC-USDT",
        "side": "sell",
        "type": "limit",
        "price": price,
        "size": "0.01",
        "stop": "loss",
        "stopPrice": stop_price,
    }
    return str((await client.post("/api/v1/stop-order", body))["orderId"])


async def test_stop_order_open_then_cancel(client: Client, sim: KucoinSimulator) -> None:
    ws = await open_ws(client, private=True)
    await _subscribe_all(ws, [STOPS])
    order_id = await _place_stop(client, "stop-1", "10001", "10000")
    opened = _stop_event(await next_message(ws, STOPS))
    assert opened.type is StopOrderEvent.TypeEnum.OPEN and opened.order_id == order_id
    assert opened.stop is StopOrderEvent.StopEnum.LOSS and opened.stop_price == "10001"
    assert opened.order_price == "10000" and opened.size == "0.01"
    assert opened.order_type is StopOrderEvent.OrderTypeEnum.STOP
    assert opened.side is StopOrderEvent.SideEnum.SELL and opened.symbol == "BTC-USDT"
    assert opened.trade_type is StopOrderEvent.TradeTypeEnum.TRADE
    order = sim.engine.get_order(sim.user_id, order_id)
    assert opened.created_at == order.created_at_ms and (opened.ts or 0) > 10**18
    await client.delete(f"/api/v1/stop-order/{order_id}")
    canceled = _stop_event(await next_message(ws, STOPS))
    assert canceled.type is StopOrderEvent.TypeEnum.CANCEL and canceled.order_id == order_id
    assert not sim.engine.get_order(sim.user_id, order_id).is_active
    await ws.close()


async def test_stop_order_triggered_by_a_trade(client: Client, sim: KucoinSimulator) -> None:
    ws = await open_ws(client, private=True)
    await _subscribe_all(ws, [STOPS, V2])
    _, ask = sim.engine.best_bid_ask("BTC-USDT")
    assert ask is not None
    stop_id = await _place_stop(client, "stop-2", str(ask[0]), "1000")
    assert _stop_event(await next_message(ws, STOPS)).type is StopOrderEvent.TypeEnum.OPEN
    taker = {
        "clientOid": "taker",
        "symbol": "BTC-USDT",
        "side": "buy",
        "type": "limit",
        "price": str(ask[0]),
        "size": "0.001",
    }
    await client.post("/api/v1/orders", taker)  # trades at the stop price: triggers it
    msg = await next_message(ws, STOPS)
    assert msg["data"]["type"] == "triggered" and msg["data"]["triggerSuccess"] is True
    assert _stop_event(msg).order_id == stop_id
    assert sim.engine.get_order(sim.user_id, stop_id).stop_triggered
    stop_changes: list[str] = []
    while "received" not in stop_changes:  # the triggered order enters matching (V2)
        change = OrderV2Event.from_dict((await next_message(ws, V2))["data"])
        assert change is not None and change.type is not None
        if change.order_id == stop_id:
            stop_changes.append(change.type.value)
    await ws.close()


async def test_received_on_v2_only(client: Client) -> None:
    ws = await open_ws(client, private=True)
    await _subscribe_all(ws, [V1, V2])
    order = {
        "clientOid": "v1v2",
        "symbol": "BTC-USDT",
        "side": "buy",
        "type": "limit",
        "price": "20000",
        "size": "0.01",
    }
    order_id = (await client.post("/api/v1/orders", order))["orderId"]
    await client.delete(f"/api/v1/orders/{order_id}")
    by_topic: dict[str, list[str]] = {V1: [], V2: []}
    while [by_topic[V1][-1:], by_topic[V2][-1:]] != [["canceled"], ["canceled"]]:
        msg = await next_message(ws, "/spotMarket/tradeOrders")
        model = OrderV1Event if msg["topic"] == V1 else OrderV2Event
        event = model.from_dict(msg["data"])
        assert event is not None and event.order_id == order_id and event.type is not None
        by_topic[msg["topic"]].append(event.type.value)
    assert by_topic == {V1: ["open", "canceled"], V2: ["received", "open", "canceled"]}
    await ws.close()
