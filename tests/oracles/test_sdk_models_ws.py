"""Every WebSocket topic the simulator serves: each message's ``data`` parsed by the
official SDK's event model for it.

The topics are enumerated from the simulator's own topic tables: a topic with neither a
case nor a justified ``NO_SDK_MODEL`` entry fails ``test_every_topic_has_an_oracle``.
A new case is one line in ``PUBLIC_CASES`` / ``PRIVATE_CASES``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from pydantic import ValidationError

from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator
from kucoin_connector.simulator.kucoin_spot.ws import PRIVATE_TOPICS, PUBLIC_TOPICS
from oracles.sdk_oracle import check_shape, unknown_fields, ws_private, ws_public
from simulator.conftest import Client, open_ws, subscribe

SYM = "BTC-USDT"
MESSAGES_PER_TOPIC = 3


@dataclass(frozen=True)
class WsCase:
    topic: str  # the subscription, one key
    model: Any  # the SDK's generated event model of its ``data``

    @property
    def base(self) -> str:
        return self.topic.partition(":")[0]


PUBLIC_CASES = [
    WsCase(f"/market/ticker:{SYM}", ws_public.TickerEvent),
    WsCase("/market/ticker:all", ws_public.AllTickersEvent),
    WsCase(f"/market/snapshot:{SYM}", ws_public.SymbolSnapshotEvent),
    WsCase("/market/snapshot:USDS", ws_public.MarketSnapshotEvent),
    WsCase(f"/market/level2:{SYM}", ws_public.OrderbookIncrementEvent),
    WsCase(f"/market/match:{SYM}", ws_public.TradeEvent),
    WsCase(f"/market/candles:{SYM}_1min", ws_public.KlinesEvent),
    WsCase(f"/spotMarket/level2Depth5:{SYM}", ws_public.OrderbookLevel5Event),
    WsCase(f"/spotMarket/level2Depth50:{SYM}", ws_public.OrderbookLevel50Event),
    WsCase(f"/spotMarket/level1:{SYM}", ws_public.OrderbookLevel1Event),
]

PRIVATE_CASES = [
    WsCase("/spotMarket/tradeOrders", ws_private.OrderV1Event),
    WsCase("/spotMarket/tradeOrdersV2", ws_private.OrderV2Event),
    WsCase("/spotMarket/advancedOrders", ws_private.StopOrderEvent),
    WsCase("/account/balance", ws_private.AccountEvent),
]

NO_SDK_MODEL = {
    "/market/level3": "full-order-book level3 feed: retired by KuCoin, not in the SDK",
}

# Enum values KuCoin documents that the SDK's enum lacks: (field, value) per topic. Such
# a message must fail on exactly that field; the rest of it is checked with a value the
# SDK knows in its place.
ENUM_BEYOND_SDK: dict[str, tuple[str, str, str]] = {
    # KuCoin's docs ("Stop Order" private channel) and ccxt's recorded message
    "/spotMarket/advancedOrders": ("type", "triggered", "open"),
}

# Fields KuCoin sends that the SDK's event model leaves out (any other unknown one fails).
DOCUMENTED_BEYOND_SDK: dict[str, set[str]] = {
    # the "triggered" stopOrder message carries it (KuCoin's example, recorded by ccxt)
    "/spotMarket/advancedOrders": {"triggerSuccess"},
}

# Every event type the simulator publishes without an order modification; V1 has no
# "received" (the SDK's V1 enum lacks it: V2 added it, with status "new").
ORDER_EVENT_TYPES = {
    "/spotMarket/tradeOrders": {"open", "match", "filled", "canceled"},
    "/spotMarket/tradeOrdersV2": {"received", "open", "match", "filled", "canceled"},
    "/spotMarket/advancedOrders": {"open", "triggered", "cancel"},
}


def test_every_topic_has_an_oracle() -> None:
    covered = {c.base for c in PUBLIC_CASES + PRIVATE_CASES}
    served = set(PUBLIC_TOPICS) | set(PRIVATE_TOPICS)
    assert served - covered - set(NO_SDK_MODEL) == set(), "topics without an SDK oracle"
    assert covered - served == set(), "cases for topics the simulator does not serve"
    assert set(NO_SDK_MODEL) <= served, "stale NO_SDK_MODEL entries"


def _beyond_sdk(case: WsCase, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with a documented value the SDK's enum lacks replaced by one it knows,
    after checking that this value is the message's only disagreement with the model."""
    name, value, known = ENUM_BEYOND_SDK.get(case.base, ("", "", ""))
    if not name or data.get(name) != value:
        return data
    with pytest.raises(ValidationError) as refused:
        check_shape(case.model, data)
    assert [e["loc"] for e in refused.value.errors()] == [(name,)], refused.value
    return {**data, name: known}


def _check(case: WsCase, message: dict[str, Any], failures: list[str]) -> None:
    try:
        check_shape(case.model, _beyond_sdk(case, message["data"]))
    except (ValidationError, AssertionError) as exc:
        failures.append(f"{message['topic']} ({message.get('subject')}) -> {exc}")
    unknown = unknown_fields(case.model, message["data"]) - DOCUMENTED_BEYOND_SDK.get(
        case.base, set()
    )
    if unknown:
        failures.append(f"{message['topic']}: fields unknown to KuCoin {unknown}")


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
async def busy_sim() -> AsyncIterator[KucoinSimulator]:
    async with KucoinSimulator(
        seed=11,
        pairs=[SYM, "ETH-USDT"],
        activity=True,
        activity_rate_hz=50,
        snapshot_interval_s=0.1,
        housekeeping_interval_s=0.05,
    ) as sim:
        yield sim


async def test_public_messages_fit_the_sdk_models(
    session: aiohttp.ClientSession, busy_sim: KucoinSimulator
) -> None:
    client = Client(session, busy_sim)
    ws = await open_ws(client)
    by_topic = {case.topic: case for case in PUBLIC_CASES}
    for n, topic in enumerate(by_topic):  # a topic may send its snapshot before the next ack
        await ws.send_json({"id": f"s{n}", "type": "subscribe", "topic": topic, "response": True})
    acks: set[str] = set()
    seen: dict[str, int] = defaultdict(int)
    failures: list[str] = []
    while any(seen[t] < MESSAGES_PER_TOPIC for t in by_topic):
        message = await ws.receive_json(timeout=10)
        if message.get("type") == "ack":
            acks.add(str(message["id"]))
        case = by_topic.get(str(message.get("topic")))
        if message.get("type") == "message" and case is not None:
            _check(case, message, failures)
            seen[case.topic] += 1
    await ws.close()
    assert failures == [], "\n\n".join(failures)
    assert acks == {f"s{n}" for n in range(len(by_topic))}


async def _trade_both_accounts(client: Client) -> None:
    """Classic and HF: a taker that fills, a resting order that is then cancelled; two
    stop orders, one triggered by the classic taker's trade, the other cancelled."""
    book = await client.get(f"/api/v1/market/orderbook/level2_20?symbol={SYM}", signed=False)
    best_ask, low_bid = book["asks"][0][0], str(int(float(book["bids"][-1][0]) * 0.9))
    stop = {"symbol": SYM, "side": "sell", "type": "limit", "size": "0.001", "stop": "loss"}
    await client.post("/api/v1/stop-order", {**stop, "stopPrice": best_ask, "price": low_bid})
    kept = await client.post("/api/v1/stop-order", {**stop, "stopPrice": "1000", "price": "900"})
    for prefix, path in (("c", "/api/v1/orders"), ("h", "/api/v1/hf/orders")):
        base = {"symbol": SYM, "side": "buy", "type": "limit", "size": "0.001"}
        await client.post(path, {**base, "clientOid": f"{prefix}-t", "price": best_ask})
        rest = await client.post(path, {**base, "clientOid": f"{prefix}-r", "price": low_bid})
        query = f"?symbol={SYM}" if prefix == "h" else ""
        await client.delete(f"{path}/{rest['orderId']}{query}")
    await client.delete(f"/api/v1/stop-order/{kept['orderId']}")


async def test_private_messages_fit_the_sdk_models(session: aiohttp.ClientSession) -> None:
    async with KucoinSimulator(seed=5, pairs=[SYM], activity=False) as sim:
        client = Client(session, sim)
        ws = await open_ws(client, private=True)
        by_topic = {case.topic: case for case in PRIVATE_CASES}
        for n, topic in enumerate(by_topic):
            assert (await subscribe(ws, topic, f"p{n}", private=True))["type"] == "ack"
        await _trade_both_accounts(client)
        order_types: dict[str, set[str]] = defaultdict(set)
        balances = 0
        failures: list[str] = []
        while balances < MESSAGES_PER_TOPIC or any(
            not wanted <= order_types[topic] for topic, wanted in ORDER_EVENT_TYPES.items()
        ):
            message = await ws.receive_json(timeout=10)
            case = by_topic.get(str(message.get("topic")))
            if message.get("type") != "message" or case is None:
                continue
            _check(case, message, failures)
            if case.base == "/account/balance":
                balances += 1
            else:
                order_types[case.topic].add(message["data"]["type"])
        await ws.close()
        assert failures == [], "\n\n".join(failures)
        assert order_types == ORDER_EVENT_TYPES


def test_a_wrong_event_shape_raises() -> None:
    """The oracle has teeth on events too: a numeric tradeId in orderChange is refused."""
    event = {"symbol": SYM, "orderId": "o-1", "type": "match", "ts": 1, "tradeId": 11116472}
    with pytest.raises(ValidationError):
        check_shape(ws_private.OrderV1Event, event)
    check_shape(ws_private.OrderV1Event, {**event, "tradeId": "11116472"})
