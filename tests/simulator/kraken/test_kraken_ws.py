"""WebSocket v2 over loopback: book with checksums on every message, acks and errors,
ping, executions and balances for a fill, faults."""

from __future__ import annotations

import asyncio
import json
import zlib
from datetime import datetime
from decimal import Decimal
from typing import Any

import aiohttp

from kucoin_connector.simulator.kraken import KrakenSimulator

from .conftest import KrakenClient


def loads(text: str) -> Any:
    # keep every number's exact text: the checksum is over the wire strings
    return json.loads(text, parse_float=str, parse_int=str)


def crc(asks: list[tuple[str, str]], bids: list[tuple[str, str]]) -> int:
    def part(levels: list[tuple[str, str]]) -> str:
        return "".join(
            p.replace(".", "").lstrip("0") + q.replace(".", "").lstrip("0") for p, q in levels[:10]
        )

    return zlib.crc32((part(asks) + part(bids)).encode())


class Book:
    """The client's copy, kept per Kraken's book-checksum-v2 guide."""

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.bids: dict[str, str] = {}
        self.asks: dict[str, str] = {}

    def apply(self, data: dict[str, Any]) -> None:
        for side, levels in (("bids", data["bids"]), ("asks", data["asks"])):
            book = getattr(self, side)
            for level in levels:
                if Decimal(level["qty"]) == 0:
                    book.pop(level["price"], None)
                else:
                    book[level["price"]] = level["qty"]
            keep = self.sorted(side)[: self.depth]
            setattr(self, side, dict(keep))

    def sorted(self, side: str) -> list[tuple[str, str]]:
        book = getattr(self, side)
        prices = sorted(book, key=Decimal, reverse=side == "bids")
        return [(p, book[p]) for p in prices]

    def checksum(self) -> int:
        return crc(self.sorted("asks"), self.sorted("bids"))


async def receive(ws: aiohttp.ClientWebSocketResponse, channel: str) -> dict[str, Any]:
    async with asyncio.timeout(5):
        return await _receive(ws, channel)


async def _receive(ws: aiohttp.ClientWebSocketResponse, channel: str) -> dict[str, Any]:
    while True:
        message = loads(await ws.receive_str(timeout=5))
        if message.get("channel") == channel or message.get("method") == channel:
            return message  # type: ignore[no-any-return]


async def connect(
    ksim: KrakenSimulator, session: aiohttp.ClientSession
) -> aiohttp.ClientWebSocketResponse:
    ws = await session.ws_connect(ksim.ws_url)
    status = await receive(ws, "status")
    assert status["data"][0]["system"] == "online"
    return ws


async def test_book_checksums_hold_on_every_message(
    ksim: KrakenSimulator, session: aiohttp.ClientSession
) -> None:
    ws = await connect(ksim, session)
    await ws.send_json(
        {
            "method": "subscribe",
            "params": {"channel": "book", "symbol": ["BTC/USD"], "depth": 10},
            "req_id": 7,
        }
    )
    ack = await receive(ws, "subscribe")
    assert ack["success"] is True and ack["req_id"] == "7"
    assert ack["result"]["depth"] == "10" and ack["result"]["symbol"] == "BTC/USD"
    book = Book(10)
    snapshot = await receive(ws, "book")
    assert snapshot["type"] == "snapshot"
    book.apply(snapshot["data"][0])
    assert book.checksum() == int(snapshot["data"][0]["checksum"])
    updates = 0
    for round_no in range(40):
        ksim.market.tick()
        ksim.market.tick()
        ksim.publisher.flush()
        await ws.send_json({"method": "ping", "req_id": round_no})
        while (message := loads(await ws.receive_str(timeout=5))).get("method") != "pong":
            if message.get("channel") != "book":
                continue
            data = message["data"][0]
            assert message["type"] == "update"
            book.apply(data)
            assert len(book.bids) <= 10 and len(book.asks) <= 10
            assert book.checksum() == int(data["checksum"]), message
            updates += 1
    assert updates >= 20
    _, bids, asks = ksim.engine.level2_snapshot("BTC-USD", 10)
    assert [Decimal(p) for p, _ in book.sorted("bids")] == [p for p, _ in bids]
    assert [Decimal(q) for _, q in book.sorted("asks")] == [q for _, q in asks]
    await ws.close()


async def test_a_bad_subscription_is_refused_and_others_keep_working(
    ksim: KrakenSimulator, session: aiohttp.ClientSession
) -> None:
    ws = await connect(ksim, session)
    await ws.send_json(
        {"method": "subscribe", "params": {"channel": "book", "symbol": ["XXX/YYY"]}, "req_id": 1}
    )
    error = await receive(ws, "subscribe")
    assert error["success"] is False and error["symbol"] == "XXX/YYY" and error["req_id"] == "1"
    await ws.send_json(
        {
            "method": "subscribe",
            "params": {"channel": "book", "symbol": ["BTC/USD"], "depth": 11},
            "req_id": 2,
        }
    )
    assert (await receive(ws, "subscribe"))["success"] is False
    await ws.send_json(
        {"method": "subscribe", "params": {"channel": "trade", "symbol": ["BTC/USD"]}, "req_id": 3}
    )
    assert (await receive(ws, "subscribe"))["success"] is True
    await ws.send_json({"method": "ping", "req_id": 4})
    pong = await receive(ws, "pong")
    assert pong["req_id"] == "4"
    _, ask = ksim.engine.best_bid_ask("BTC-USD")
    assert ask is not None
    ksim.market._take(ksim.engine.symbol_spec("BTC-USD"))  # a public trade
    trade = await receive(ws, "trade")
    while trade["type"] != "update":
        trade = await receive(ws, "trade")
    assert trade["data"][0]["symbol"] == "BTC/USD"
    await ws.send_json(
        {
            "method": "unsubscribe",
            "params": {"channel": "trade", "symbol": ["BTC/USD"]},
            "req_id": 5,
        }
    )
    unsub = await receive(ws, "unsubscribe")
    assert unsub["success"] is True and unsub["req_id"] == "5"
    await ws.close()


async def test_executions_and_balances_for_a_fill(
    ksim: KrakenSimulator, session: aiohttp.ClientSession, kclient: KrakenClient
) -> None:
    token = (await kclient.private("GetWebSocketsToken"))["token"]
    ws = await connect(ksim, session)
    await ws.send_json({"method": "subscribe", "params": {"channel": "executions", "token": "bad"}})
    assert (await receive(ws, "subscribe"))["success"] is False
    await ws.send_json(
        {
            "method": "subscribe",
            "params": {"channel": "executions", "token": token, "snap_orders": True},
        }
    )
    assert (await receive(ws, "subscribe"))["success"] is True
    snap = await receive(ws, "executions")
    assert snap["type"] == "snapshot" and snap["data"] == []
    await ws.send_json({"method": "subscribe", "params": {"channel": "balances", "token": token}})
    assert (await receive(ws, "subscribe"))["success"] is True
    balances = await receive(ws, "balances")
    assert {row["asset"]: Decimal(row["balance"]) for row in balances["data"]} == {
        "BTC": 5,
        "ETH": 50,
        "USD": 100000,
    }
    _, ask = ksim.engine.best_bid_ask("BTC-USD")
    assert ask is not None
    placed = await kclient.private(
        "AddOrder",
        {
            "pair": "XBTUSD",
            "type": "buy",
            "ordertype": "limit",
            "volume": "0.001",
            "price": ask[0],
            "cl_ord_id": "ws-fill",
        },
    )
    (txid,) = placed["txid"]
    kinds = []
    trade: dict[str, Any] = {}
    while "filled" not in kinds:
        update = await receive(ws, "executions")
        row = update["data"][0]
        assert row["order_id"] == txid and row["cl_ord_id"] == "ws-fill"
        kinds.append(row["exec_type"])
        if row["exec_type"] == "trade":
            trade = row
    assert kinds == ["pending_new", "new", "trade", "filled"]
    assert trade["liquidity_ind"] == "t" and trade["last_qty"] == "0.001"
    fee = Decimal(trade["fees"][0]["qty"])
    assert fee == (ask[0] * Decimal("0.001") * Decimal("0.0026"))
    assert trade["fees"][0]["asset"] == "USD"
    moved: dict[str, Decimal] = {}
    while len(moved) < 2:
        row = (await receive(ws, "balances"))["data"][0]
        moved[row["asset"]] = Decimal(row["balance"])
    assert moved["BTC"] == Decimal("5.001")
    await ws.close()


async def test_ws_cut_and_lost_order_response(
    ksim: KrakenSimulator, session: aiohttp.ClientSession, kclient: KrakenClient
) -> None:
    ws = await connect(ksim, session)
    await ws.send_json(
        {"method": "subscribe", "params": {"channel": "ticker", "symbol": ["ETH/USD"]}}
    )
    assert (await receive(ws, "subscribe"))["success"] is True
    assert ksim.faults.close_ws() == 1
    closed = await ws.receive(timeout=5)
    while closed.type == aiohttp.WSMsgType.TEXT:
        closed = await ws.receive(timeout=5)
    assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    ksim.faults.drop_order_response()
    bid, _ = ksim.engine.best_bid_ask("ETH-USD")
    assert bid is not None
    lost = False
    try:
        await kclient.private_raw(
            "AddOrder",
            {
                "pair": "ETHUSD",
                "type": "buy",
                "ordertype": "limit",
                "volume": "0.1",
                "price": bid[0] - 5,
                "cl_ord_id": "lost-1",
            },
        )
    except aiohttp.ClientError:
        lost = True
    assert lost
    found = await kclient.private("OpenOrders", {"cl_ord_id": "lost-1"})
    assert len(found["open"]) == 1  # placed once, recoverable by cl_ord_id


async def test_http_5xx_fault(ksim: KrakenSimulator, session: aiohttp.ClientSession) -> None:
    ksim.faults.http("/0/public/Time", status=503)
    async with session.get(ksim.rest_url + "/0/public/Time") as reply:
        assert reply.status == 503
    async with session.get(ksim.rest_url + "/0/public/Time") as reply:
        assert reply.status == 200


async def test_heartbeats_arrive_while_subscribed(session: aiohttp.ClientSession) -> None:
    from kucoin_connector.simulator.kraken.ws import KrakenWsSettings

    async with KrakenSimulator(activity=False, ws_settings=KrakenWsSettings(0.05)) as sim:
        ws = await connect(sim, session)
        await ws.send_json(
            {"method": "subscribe", "params": {"channel": "ticker", "symbol": ["BTC/USD"]}}
        )
        assert (await receive(ws, "heartbeat")) == {"channel": "heartbeat"}
        await ws.close()
    await asyncio.sleep(0)


async def test_ohlc_snapshot_and_update_follow_the_trades(
    ksim: KrakenSimulator, session: aiohttp.ClientSession
) -> None:
    spec = ksim.engine.symbol_spec("BTC-USD")
    ksim.market._take(spec)
    ws = await connect(ksim, session)
    await ws.send_json(
        {"method": "subscribe", "params": {"channel": "ohlc", "symbol": ["BTC/USD"], "interval": 7}}
    )
    assert (await receive(ws, "subscribe"))["success"] is False
    await ws.send_json(
        {"method": "subscribe", "params": {"channel": "ohlc", "symbol": ["BTC/USD"], "interval": 5}}
    )
    ack = await receive(ws, "subscribe")
    assert ack["success"] is True and ack["result"]["interval"] == "5"
    snapshot = await receive(ws, "ohlc")
    assert snapshot["type"] == "snapshot" and len(snapshot["data"]) == 1
    assert snapshot["data"][0]["interval"] == "5"
    ksim.market._take(spec)
    update = await receive(ws, "ohlc")
    assert update["type"] == "update"
    candle = update["data"][0]
    begin_s = int(datetime.fromisoformat(candle["interval_begin"]).timestamp())
    in_bucket = [
        t for t in ksim.engine.trades("BTC-USD") if begin_s <= t.time_ms // 1000 < begin_s + 300
    ]
    assert int(candle["trades"]) == len(in_bucket) >= 1
    assert Decimal(candle["volume"]) == sum(t.size for t in in_bucket)
    assert Decimal(candle["close"]) == in_bucket[0].price  # newest first
    assert Decimal(candle["high"]) == max(t.price for t in in_bucket)
    await ws.close()


async def test_expired_tokens_close_private_connections_and_are_refused(
    ksim: KrakenSimulator, session: aiohttp.ClientSession, kclient: KrakenClient
) -> None:
    token = (await kclient.private("GetWebSocketsToken"))["token"]
    ws = await connect(ksim, session)
    await ws.send_json({"method": "subscribe", "params": {"channel": "balances", "token": token}})
    assert (await receive(ws, "subscribe"))["success"] is True
    assert ksim.faults.expire_tokens() == 1
    message = await ws.receive(timeout=5)
    while message.type == aiohttp.WSMsgType.TEXT:
        message = await ws.receive(timeout=5)
    assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    again = await connect(ksim, session)
    await again.send_json(
        {"method": "subscribe", "params": {"channel": "balances", "token": token}}
    )
    refused = await receive(again, "subscribe")
    assert refused["success"] is False and refused["error"] == "EAPI:Invalid token"
    await again.close()


async def test_a_duplicated_book_update_is_sent_twice(
    ksim: KrakenSimulator, session: aiohttp.ClientSession
) -> None:
    ws = await connect(ksim, session)
    await ws.send_json(
        {"method": "subscribe", "params": {"channel": "book", "symbol": ["ETH/USD"], "depth": 25}}
    )
    assert (await receive(ws, "subscribe"))["success"] is True
    assert (await receive(ws, "book"))["type"] == "snapshot"
    ksim.faults.duplicate_ws("book")
    ksim.engine.cancel_all("sim-bot-maker", "ETH-USD")
    ksim.publisher.flush()
    first = await receive(ws, "book")
    second = await receive(ws, "book")
    assert first == second and first["type"] == "update"
    data = first["data"][0]
    levels = data["bids"] + data["asks"]
    assert len(levels) == 20  # the bot's 10 levels a side, all removed
    assert all(Decimal(level["qty"]) == 0 for level in levels)
    assert int(data["checksum"]) == crc([], [])
    await ws.close()
