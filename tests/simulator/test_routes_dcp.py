"""Dead-connection protection over HTTP: the timer task really cancels the HF orders.

The simulator's timer runs on a ``SteppedTime`` the test advances, so nobody sleeps 5 s;
the countdown, the task and the cancel are the real ones."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from kucoin_connector.simulator.engine.dead_man import DeadManSwitch, SteppedTime
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator

from .conftest import Client, next_message, open_ws, subscribe
from .sdk_responses import GetDcpResp, SetDcpResp

DCP = "/api/v1/hf/orders/dead-cancel-all"


@pytest.fixture
def stepped() -> SteppedTime:
    return SteppedTime()


@pytest.fixture
async def dcp_sim(stepped: SteppedTime) -> AsyncIterator[KucoinSimulator]:
    async with KucoinSimulator(seed=3, activity=False, monotonic=stepped) as sim:
        yield sim


@pytest.fixture
def dcp_client(session: aiohttp.ClientSession, dcp_sim: KucoinSimulator) -> Client:
    return Client(session, dcp_sim)


async def _rest_bid(client: Client, symbol: str) -> str:
    book = await client.get(f"/api/v1/market/orderbook/level2_20?symbol={symbol}", signed=False)
    below = Decimal(book["bids"][0][0]) - 50
    data = await client.post(
        "/api/v1/hf/orders",
        {"symbol": symbol, "side": "buy", "price": str(below), "size": "0.01"},
    )
    order_id: str = data["orderId"]
    return order_id


async def _is_active(client: Client, order_id: str, symbol: str) -> bool:
    order: dict[str, Any] = await client.get(f"/api/v1/hf/orders/{order_id}?symbol={symbol}")
    return bool(order["active"])  # an HF order says "active" (KuCoin, the SDK)


async def test_countdown_restarts_on_each_set_and_cancels_on_expiry(
    dcp_client: Client, stepped: SteppedTime
) -> None:
    client = dcp_client
    ws = await open_ws(client, private=True)
    await subscribe(ws, "/spotMarket/tradeOrdersV2", "o", private=True)
    btc = await _rest_bid(client, "BTC-USDT")
    eth = await _rest_bid(client, "ETH-USDT")

    set_resp = SetDcpResp.from_dict(await client.post(DCP, {"timeout": 5, "symbols": "BTC-USDT"}))
    assert set_resp is not None and set_resp.trigger_time - set_resp.current_time == 5
    query = GetDcpResp.from_dict(await client.get(f"{DCP}/query"))
    assert query is not None and (query.timeout, query.symbols) == (5, "BTC-USDT")

    stepped.advance(4)
    assert await _is_active(client, btc, "BTC-USDT")  # 4 s < 5 s
    await client.post(DCP, {"timeout": 5, "symbols": "BTC-USDT"})  # restarts the countdown
    stepped.advance(4)
    assert await _is_active(client, btc, "BTC-USDT")  # 4 s after the restart
    stepped.advance(2)
    while True:  # the canceled event of the BTC order, through the normal private stream
        msg = await next_message(ws, "/spotMarket/tradeOrdersV2")
        if msg["data"]["type"] == "canceled":
            break
    assert msg["data"]["orderId"] == btc
    assert not await _is_active(client, btc, "BTC-USDT")
    assert await _is_active(client, eth, "ETH-USDT")  # not among the protected symbols
    after = GetDcpResp.from_dict(await client.get(f"{DCP}/query"))
    assert after is not None and after.timeout is None  # fired once, then unset
    await ws.close()


async def test_empty_symbols_cover_every_symbol_and_minus_one_unsets(
    dcp_client: Client, stepped: SteppedTime
) -> None:
    client = dcp_client
    ws = await open_ws(client, private=True)
    await subscribe(ws, "/spotMarket/tradeOrdersV2", "o", private=True)
    btc = await _rest_bid(client, "BTC-USDT")
    await client.post(DCP, {"timeout": 5, "symbols": ""})
    assert await client.post(DCP, {"timeout": -1}) == {}
    stepped.advance(30)
    assert await client.get(f"{DCP}/query") == {}
    assert await _is_active(client, btc, "BTC-USDT")

    eth = await _rest_bid(client, "ETH-USDT")
    await client.post(DCP, {"timeout": 5})
    stepped.advance(5)
    canceled: set[str] = set()
    while len(canceled) < 2:
        msg = await next_message(ws, "/spotMarket/tradeOrdersV2")
        if msg["data"]["type"] == "canceled":
            canceled.add(msg["data"]["orderId"])
    assert canceled == {btc, eth}
    assert not await _is_active(client, btc, "BTC-USDT")
    assert not await _is_active(client, eth, "ETH-USDT")
    active = await client.get("/api/v1/hf/orders/active/symbols")
    assert active == {"symbols": []}
    await ws.close()


@pytest.mark.parametrize(
    "body",
    [{"timeout": 4}, {"timeout": 86_401}, {"timeout": "x"}, {}, {"timeout": 5, "symbols": "NO-PE"}],
)
async def test_refused_settings(dcp_client: Client, body: dict[str, Any]) -> None:
    status, _, payload = await dcp_client.raw("POST", DCP, body=body, signed=True)
    assert payload["code"] in ("400100", "900001"), payload
    assert status in (200, 400)
    assert await dcp_client.get(f"{DCP}/query") == {}


def test_switch_pops_each_countdown_once() -> None:
    switch = DeadManSwitch()
    switch.arm("u1", 5, ["BTC-USDT"], now=10.0)
    switch.arm("u2", 8, [], now=10.0)
    assert switch.next_deadline() == 15.0
    assert switch.pop_due(14.9) == []
    assert [uid for uid, _ in switch.pop_due(15.0)] == ["u1"]
    assert switch.pop_due(15.0) == []
    assert switch.next_deadline() == 18.0
