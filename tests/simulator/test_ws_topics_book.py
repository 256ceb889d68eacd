"""``/spotMarket/level2Depth5``, ``level2Depth50`` and ``level1`` over a real WebSocket:
every message parsed by the official SDK's event model, values equal to the engine's book."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import aiohttp
from kucoin_universal_sdk.generate.spot.spot_public.model_orderbook_level1_event import (
    OrderbookLevel1Event,
)
from kucoin_universal_sdk.generate.spot.spot_public.model_orderbook_level5_event import (
    OrderbookLevel5Event,
)
from kucoin_universal_sdk.generate.spot.spot_public.model_orderbook_level50_event import (
    OrderbookLevel50Event,
)

from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator

from .conftest import Client, next_message, open_ws, subscribe

DEPTH5 = "/spotMarket/level2Depth5"
DEPTH50 = "/spotMarket/level2Depth50"
LEVEL1 = "/spotMarket/level1"

Levels = list[tuple[Decimal, Decimal]]


async def _subscribe_all(
    ws: aiohttp.ClientWebSocketResponse, topics: list[str]
) -> list[dict[str, Any]]:
    """Subscribe to each topic (request id = topic); every ack must come; returns the data
    messages that arrived meanwhile, in order."""
    for topic in topics:
        await ws.send_json({"id": topic, "type": "subscribe", "topic": topic, "response": True})
    pending, data = set(topics), []
    while pending:
        msg = await ws.receive_json(timeout=5)
        if msg["type"] == "ack":
            pending.remove(msg["id"])
        else:
            assert msg["type"] == "message", msg
            data.append(msg)
    return data


def _levels(rows: list[list[str]]) -> Levels:
    return [(Decimal(price), Decimal(size)) for price, size in rows]


def _depth_view(msg: dict[str, Any], depth: int) -> tuple[Levels, Levels]:
    """The (bids, asks) of a depth message, parsed by the SDK's event model."""
    model = OrderbookLevel5Event if depth == 5 else OrderbookLevel50Event
    event = model.from_dict(msg["data"])
    assert event is not None and event.bids is not None and event.asks is not None
    assert event.timestamp is not None and event.timestamp > 1_600_000_000_000
    assert msg["subject"] == "level2"
    return _levels(event.bids), _levels(event.asks)


def _engine_view(sim: KucoinSimulator, symbol: str, depth: int) -> tuple[Levels, Levels]:
    _, bids, asks = sim.engine.level2_snapshot(symbol, depth)
    return bids, asks


async def _place_bid(client: Client, coid: str, price: str, size: str = "0.01") -> None:
    body = {
        "clientOid": coid,
        "symbol": "BTC-USDT",
        "side": "buy",
        "type": "limit",
        "price": price,
        "size": size,
    }
    await client.post("/api/v1/orders", body)


async def test_depth5_first_view_then_changes_equal_the_book(
    client: Client, sim: KucoinSimulator
) -> None:
    ws = await open_ws(client)
    assert await subscribe(ws, f"{DEPTH5}:BTC-USDT", "d5") == {"id": "d5", "type": "ack"}
    first = await next_message(ws, DEPTH5)
    assert first["topic"] == f"{DEPTH5}:BTC-USDT"
    bids, asks = _depth_view(first, 5)
    assert (bids, asks) == _engine_view(sim, "BTC-USDT", 5)
    assert len(bids) == 5 and len(asks) == 5
    better = bids[0][0] + sim.engine.symbol_spec("BTC-USDT").price_increment
    await _place_bid(client, "d5-1", str(better), "0.013")
    bids, asks = _depth_view(await next_message(ws, DEPTH5), 5)
    assert bids[0] == (better, Decimal("0.013"))
    assert (bids, asks) == _engine_view(sim, "BTC-USDT", 5)
    await ws.close()


async def test_depth5_is_silent_when_its_view_does_not_change(
    client: Client, sim: KucoinSimulator
) -> None:
    ws = await open_ws(client)
    seen = await _subscribe_all(ws, [f"{DEPTH5}:BTC-USDT", f"{DEPTH50}:BTC-USDT"])
    while len(seen) < 2:
        seen.append(await next_message(ws, "/spotMarket/level2Depth"))
    assert sorted(m["topic"] for m in seen) == [f"{DEPTH50}:BTC-USDT", f"{DEPTH5}:BTC-USDT"]
    bids5, _ = _engine_view(sim, "BTC-USDT", 5)
    bids50, _ = _engine_view(sim, "BTC-USDT", 50)
    deep = bids50[-1][0] - sim.engine.symbol_spec("BTC-USDT").price_increment
    await _place_bid(client, "deep", str(deep))  # below the top 5: depth50 only
    better = bids5[0][0] + sim.engine.symbol_spec("BTC-USDT").price_increment
    await _place_bid(client, "top", str(better))  # the new best bid: both
    depth5: list[dict[str, Any]] = []
    depth50: list[dict[str, Any]] = []
    while not depth5 or not depth50 or _depth_view(depth50[-1], 50)[0][0][0] != better:
        msg = await next_message(ws, "/spotMarket/level2Depth")
        (depth5 if msg["topic"].startswith(DEPTH5 + ":") else depth50).append(msg)
    assert len(depth5) == 1  # the deep order changed nothing depth5 shows
    assert _depth_view(depth5[0], 5) == _engine_view(sim, "BTC-USDT", 5)
    assert _depth_view(depth50[-1], 50) == _engine_view(sim, "BTC-USDT", 50)
    assert any(price == deep for price, _ in _depth_view(depth50[-1], 50)[0])
    await ws.close()


async def test_depth50_symbol_list_serves_each_symbol(client: Client, sim: KucoinSimulator) -> None:
    ws = await open_ws(client)
    assert (await subscribe(ws, f"{DEPTH50}:BTC-USDT,ETH-USDT", "d50"))["type"] == "ack"
    views = {}
    for _ in range(2):
        msg = await next_message(ws, DEPTH50)
        views[msg["topic"].partition(":")[2]] = _depth_view(msg, 50)
    assert views == {s: _engine_view(sim, s, 50) for s in ("BTC-USDT", "ETH-USDT")}
    await ws.close()


def _level1(msg: dict[str, Any]) -> tuple[list[str], list[str]]:
    event = OrderbookLevel1Event.from_dict(msg["data"])
    assert event is not None and event.bids is not None and event.asks is not None
    assert event.timestamp is not None and event.timestamp > 1_600_000_000_000
    assert msg["subject"] == "level1"
    return event.bids, event.asks


def _engine_bbo(sim: KucoinSimulator, symbol: str) -> tuple[list[Decimal], list[Decimal]]:
    bid, ask = sim.engine.best_bid_ask(symbol)
    assert bid is not None and ask is not None
    return list(bid), list(ask)


async def test_level1_follows_the_best_bid_and_ask(client: Client, sim: KucoinSimulator) -> None:
    ws = await open_ws(client)
    assert (await subscribe(ws, f"{LEVEL1}:BTC-USDT", "l1"))["type"] == "ack"
    bids, asks = _level1(await next_message(ws, LEVEL1))
    assert ([Decimal(x) for x in bids], [Decimal(x) for x in asks]) == _engine_bbo(sim, "BTC-USDT")
    better = Decimal(bids[0]) + sim.engine.symbol_spec("BTC-USDT").price_increment
    await _place_bid(client, "l1-1", str(better), "0.021")
    msg = await next_message(ws, LEVEL1)
    assert msg["topic"] == f"{LEVEL1}:BTC-USDT"
    bids, asks = _level1(msg)
    assert [Decimal(x) for x in bids] == [better, Decimal("0.021")]
    assert ([Decimal(x) for x in bids], [Decimal(x) for x in asks]) == _engine_bbo(sim, "BTC-USDT")
    await ws.close()


async def test_book_views_under_market_activity_match_sdk_models(
    session: aiohttp.ClientSession,
) -> None:
    async with KucoinSimulator(seed=5, pairs=["BTC-USDT"], activity_rate_hz=200) as sim:
        ws = await open_ws(Client(session, sim))
        seen = await _subscribe_all(ws, [f"{t}:BTC-USDT" for t in (DEPTH5, DEPTH50, LEVEL1)])
        counts = {DEPTH5: 0, DEPTH50: 0, LEVEL1: 0}
        while min(counts.values()) < 5:
            msg = seen.pop(0) if seen else await next_message(ws, "/spotMarket/")
            if not msg["topic"].startswith("/spotMarket/"):
                continue
            base = msg["topic"].partition(":")[0]
            counts[base] += 1
            if base == LEVEL1:
                bids, asks = _level1(msg)
                assert len(bids) in (0, 2) and len(asks) in (0, 2)  # [] = that side is empty
                assert not (bids and asks) or Decimal(bids[0]) < Decimal(asks[0])
            else:
                bids5, asks5 = _depth_view(msg, 5 if base == DEPTH5 else 50)
                assert [p for p, _ in bids5] == sorted((p for p, _ in bids5), reverse=True)
                assert [p for p, _ in asks5] == sorted(p for p, _ in asks5)
                assert not (bids5 and asks5) or bids5[0][0] < asks5[0][0]
        await ws.close()
