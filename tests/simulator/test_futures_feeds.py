"""The futures front-end's funding interval, mark and index prices, instrument and depth
topics, liquidation when a trade drives the mark through a liquidation price, and fault
injection, over real HTTP and WebSocket on loopback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from kucoin_universal_sdk.generate.futures.futures_public.model_instrument_event import (
    InstrumentEvent,
)
from kucoin_universal_sdk.generate.futures.futures_public.model_orderbook_level5_event import (
    OrderbookLevel5Event,
)
from kucoin_universal_sdk.generate.futures.market.model_get_spot_index_price_resp import (
    GetSpotIndexPriceResp,
)

from kucoin_connector.simulator.engine.positions import PositionSide as SimSide
from kucoin_connector.simulator.kucoin_futures import KucoinFuturesSimulator

from .conftest import Client

D = Decimal
SYMBOL = "XBTUSDTM"


@pytest.fixture
async def fsim() -> AsyncIterator[KucoinFuturesSimulator]:
    async with KucoinFuturesSimulator(
        activity=False, funding_interval_s=0.5, mark_interval_s=0.05, depth_interval_s=0.02
    ) as sim:
        yield sim


@pytest.fixture
async def fclient(fsim: KucoinFuturesSimulator) -> AsyncIterator[Client]:
    async with aiohttp.ClientSession() as session:
        yield Client(session, fsim)


def _order(side: str, size: int, price: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "clientOid": f"c-{side}-{size}-{price}-{len(extra)}",
        "symbol": SYMBOL,
        "side": side,
        "type": "limit" if price else "market",
        "leverage": extra.pop("leverage", 10),
        "size": size,
        **extra,
    }
    if price:
        body["price"] = price
    return body


async def _until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def _subscribe(client: Client, topics: list[str]) -> aiohttp.ClientWebSocketResponse:
    bullet = await client.post("/api/v1/bullet-public", {}, signed=False)
    url = f"{bullet['instanceServers'][0]['endpoint']}?token={bullet['token']}&connectId=x"
    ws = await client.session.ws_connect(url)
    assert (await ws.receive_json(timeout=5))["type"] == "welcome"
    for i, topic in enumerate(topics):
        await ws.send_json({"id": f"s{i}", "type": "subscribe", "topic": topic, "response": True})
        assert (await ws.receive_json(timeout=5))["type"] == "ack"
    return ws


async def _next(ws: aiohttp.ClientWebSocketResponse, ok: Callable[[dict[str, Any]], bool]) -> Any:
    while True:
        msg = await ws.receive_json(timeout=5)
        if msg.get("type") == "message" and ok(msg):
            return msg


async def test_funding_is_settled_at_each_configured_interval(
    fsim: KucoinFuturesSimulator, fclient: Client
) -> None:
    await fclient.post("/api/v1/orders", _order("sell", 10))

    def mine() -> list[Any]:
        return [p for p in fsim.state.funding_history if p.user_id == fsim.user_id]

    await _until(lambda: len(mine()) >= 2, "two funding settlements")
    first, second = mine()[:2]
    assert first.amount < 0 and second.amount < 0  # a short receives a positive rate
    assert first.time_ms % 500 == 0 and second.time_ms - first.time_ms >= 500
    rate = await fclient.get(f"/api/v1/funding-rate/{SYMBOL}/current", signed=False)
    assert rate["fundingTime"] % 500 == 0


async def test_a_trade_moves_the_mark_which_liquidates_and_instrument_reports_it(
    fsim: KucoinFuturesSimulator, fclient: Client
) -> None:
    ws = await _subscribe(fclient, [f"/contract/instrument:{SYMBOL}"])
    await fclient.post("/api/v1/orders", _order("buy", 2))
    long_pos = fsim.margin.positions.position(fsim.user_id, SYMBOL, SimSide.BOTH)
    assert long_pos.qty == 2 and long_pos.leverage == 5  # liquidated below -20%
    seller = Client(fclient.session, fsim, fsim.add_api_key("k-b", "s-b", "p-b", user_id="b"))
    buyer = Client(fclient.session, fsim, fsim.add_api_key("k-c", "s-c", "p-c", user_id="c"))
    fsim.deposit("USDT", "1000000", user_id="b")
    fsim.deposit("USDT", "1000000", user_id="c")
    _, bids, _ = fsim.engine.level2_snapshot(SYMBOL, None)
    await seller.post("/api/v1/orders", _order("sell", int(sum(s for _, s in bids))))
    await buyer.post("/api/v1/orders", _order("buy", 1, "47000"))
    await seller.post("/api/v1/orders", _order("sell", 1, leverage=5))
    await _until(lambda: fsim.engine.last_price(SYMBOL) == D(47000), "the low trade")
    await _until(lambda: long_pos.qty == 0, "the liquidation")
    assert fsim.state.mark_price(SYMBOL) == D(47000) and long_pos.realised_pnl < 0
    msg = await _next(
        ws, lambda m: m["subject"] == "mark.index.price" and m["data"]["markPrice"] == 47000
    )
    assert InstrumentEvent.from_dict(msg["data"]) is not None
    funding = await _next(ws, lambda m: m["subject"] == "funding.rate")
    assert funding["data"]["fundingRate"] == float(fsim.state.funding_rate(SYMBOL))
    await ws.close()
    mark = await fclient.get(f"/api/v1/mark-price/{SYMBOL}/current", signed=False)
    assert mark["value"] == 47000


async def test_index_price_is_the_books_middle(
    fclient: Client, fsim: KucoinFuturesSimulator
) -> None:
    (bid, _), (ask, _) = fsim.engine.best_bid_ask(SYMBOL)  # type: ignore[misc]
    data = await fclient.get("/api/v1/index/query?symbol=.KXBTUSDT", signed=False)
    parsed = GetSpotIndexPriceResp.from_dict(data)
    assert parsed is not None and parsed.data_list is not None
    assert D(str(parsed.data_list[0].value)) == (bid + ask) / 2
    status, _, payload = await fclient.raw("GET", "/api/v1/index/query?symbol=.KNOPE")
    assert status == 400 and payload["code"] == "400100"


@pytest.mark.parametrize("depth", [5, 50])
async def test_depth_topics_push_the_top_of_the_book(
    fsim: KucoinFuturesSimulator, fclient: Client, depth: int
) -> None:
    ws = await _subscribe(fclient, [f"/contractMarket/level2Depth{depth}:{SYMBOL}"])
    first = await _next(ws, lambda m: True)
    sequence, bids, asks = fsim.engine.level2_snapshot(SYMBOL, depth)
    assert first["subject"] == "level2" and first["data"]["sequence"] == sequence
    assert [[D(p), s] for p, s in first["data"]["bids"]] == [[p, int(s)] for p, s in bids]
    assert [[D(p), s] for p, s in first["data"]["asks"]] == [[p, int(s)] for p, s in asks]
    assert OrderbookLevel5Event.from_dict(first["data"]) is not None
    await fclient.post("/api/v1/orders", _order("buy", 7, "59999"))
    after = await _next(ws, lambda m: m["data"]["sequence"] > sequence)
    assert after["data"]["bids"][0] == ["59999", 7]
    await ws.close()


async def test_http_faults_and_a_lost_order_response(
    fsim: KucoinFuturesSimulator, fclient: Client
) -> None:
    specs = {"faults": [{"type": "http", "path": "/api/v1/orders", "status": 503}]}
    async with fclient.session.post(fsim.rest_url + "/admin/faults", json=specs) as resp:
        assert resp.status == 200 and (await resp.json())["data"] == [{"applied": "http"}]
    status, _, payload = await fclient.raw(
        "POST", "/api/v1/orders", body=_order("buy", 1), signed=True
    )
    assert status == 503 and payload["code"] == "503000"
    assert fsim.engine.list_orders(fsim.user_id) == []
    fsim.faults.http("/api/v1/positions", status=429)
    status, headers, _ = await fclient.raw("GET", "/api/v1/positions", signed=True)
    assert status == 429 and headers["gw-ratelimit-remaining"] == "0"
    fsim.faults.drop_order_response()
    body = _order("buy", 3, "50000", remark="lost")
    with pytest.raises(aiohttp.ClientError):
        await fclient.raw("POST", "/api/v1/orders", body=body, signed=True)
    order = await fclient.get(f"/api/v1/orders/byClientOid?clientOid={body['clientOid']}")
    assert order["size"] == 3 and order["isActive"] is True


async def test_ws_faults_drop_and_duplicate_public_messages(
    fsim: KucoinFuturesSimulator, fclient: Client
) -> None:
    ws = await _subscribe(fclient, [f"/contractMarket/level2:{SYMBOL}"])
    fsim.faults.drop_ws("/contractMarket/level2")
    fsim.faults.duplicate_ws("/contractMarket/level2")
    for price in ("50000", "50001", "50002"):
        await fclient.post("/api/v1/orders", _order("buy", 1, price))
    seen = [json.dumps((await _next(ws, lambda m: True))["data"]["change"]) for _ in range(3)]
    await ws.close()
    assert seen == ['"50001,buy,1"', '"50001,buy,1"', '"50002,buy,1"']
