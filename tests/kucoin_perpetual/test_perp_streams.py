"""The connector's two futures WebSockets over fakes (tests/fakes.py): bullet tokens from
the futures host, subscriptions, private messages into the trackers, level2 calibration
and a gap resync, all through ``start()``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import perp_payloads as doc
from perp_venue import FuturesVenue, make_exchange, ok

from fakes import FakeTransport, FakeWsConnection, FakeWsTransport
from kucoin_connector.core.events import BalanceUpdatedEvent, OrderBookResyncedEvent
from kucoin_connector.core.transport import HttpRequest, HttpResponse
from kucoin_connector.core.types import PositionSide

# POST /api/v1/bullet-public|private on the futures host (documented shape)
BULLET = {
    "token": (
        "2neAiuYvAU61ZDXANAGAsiL4-iAExhsBXZxftpOeh_55i3Ysy2q2LEsEWU64mdzUOPusi34M_wGoSf7i"
        "NyEWJ4aBZXpWhrmY9jKtqkdWoFa75w3istPvPtiYB9J6i9GjsxUuhPw3BlrzazF6ghq4L_PRtyPk-_w"
        "HN6tC0t2-RQQ=.q9U4l_Kbn8NqLU92ZdPMyw=="
    ),
    "instanceServers": [
        {
            "endpoint": "wss://ws-api-futures.kucoin.com/",
            "encrypt": True,
            "protocol": "websocket",
            "pingInterval": 18000,
            "pingTimeout": 10000,
        }
    ],
}  # fmt: skip


async def eventually(predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not predicate():  # noqa: ASYNC110 - polling a test predicate
            await asyncio.sleep(0.001)


def _subscribed(conn: FakeWsConnection) -> list[str]:
    return [json.loads(raw)["topic"] for raw in conn.sent if '"subscribe"' in raw]


def _ack_all(conn: FakeWsConnection, answered: set[str]) -> bool:
    for raw in conn.sent:
        frame = json.loads(raw)
        if frame.get("type") == "subscribe" and frame["id"] not in answered:
            answered.add(frame["id"])
            conn.deliver(json.dumps({"id": frame["id"], "type": "ack"}))
    return bool(answered)


def _venue_with_streams(snapshot_sequences: list[int]) -> FuturesVenue:
    venue = FuturesVenue(position_mode=0)
    for path in ("/api/v1/bullet-public", "/api/v1/bullet-private"):
        venue.overrides[("POST", path)] = lambda _: ok(BULLET)
    sequences = iter(snapshot_sequences)

    def snapshot(_: HttpRequest) -> HttpResponse:
        return ok(dict(doc.FULL_ORDER_BOOK, symbol="XBTUSDTM", sequence=next(sequences)))

    venue.overrides[("GET", "/api/v1/level2/snapshot")] = snapshot
    return venue


async def _open(conn: FakeWsConnection) -> None:
    conn.deliver('{"id":"w","type":"welcome"}')
    answered: set[str] = set()
    await eventually(lambda: _ack_all(conn, answered))


async def test_start_opens_both_streams_and_feeds_the_trackers() -> None:
    venue = _venue_with_streams([16, 30])
    transport = FakeTransport(default=venue)
    ws = FakeWsTransport()
    exchange = make_exchange(transport, ws)
    events: list[Any] = []
    exchange.add_listener(events.append)
    starting = asyncio.create_task(exchange.start())
    try:
        private = await ws.next_connection(0)
        await _open(private)
        public = await ws.next_connection(1)
        await _open(public)
        await starting
        assert "wss://ws-api-futures.kucoin.com/?token=" in private.url
        assert _subscribed(private) == [
            "/contractMarket/tradeOrders",
            "/contractAccount/wallet",
            "/contract/position:XBTUSDTM",
        ]
        assert _subscribed(public) == ["/contractMarket/level2:XBTUSDTM"]
        bullets = [r.path for r in transport.requests if "bullet" in r.path]
        assert bullets == ["/api/v1/bullet-private", "/api/v1/bullet-public"]
        private_bullet = next(r for r in transport.requests if r.path.endswith("bullet-private"))
        assert "KC-API-SIGN" in private_bullet.headers

        await eventually(lambda: not exchange.book_needs_snapshot("BTC-USDT"))
        book = exchange.get_order_book("BTC-USDT")
        assert book.best_ask_level() == (Decimal("66968.1"), Decimal("13.501"))

        private.deliver(json.dumps(doc.WALLET_EVENT))
        balance = [e for e in events if isinstance(e, BalanceUpdatedEvent)][-1]
        assert balance.total == Decimal("81.273621258")
        moved = dict(doc.POSITION_EVENT)
        moved["data"] = dict(doc.POSITION_EVENT["data"], currentQty=3)
        private.deliver(json.dumps(moved))
        position = exchange.positions.get("BTC-USDT", PositionSide.BOTH)
        assert position is not None and position.amount == Decimal("0.003")

        level2 = dict(doc.LEVEL2_MESSAGE, topic="/contractMarket/level2:XBTUSDTM")
        public.deliver(json.dumps(dict(level2, data={"sequence": 17, "change": "66968.1,sell,0"})))
        assert book.best_ask == Decimal("66968.7")
        public.deliver(json.dumps(dict(level2, data={"sequence": 29, "change": "1,buy,1"})))
        assert any(isinstance(e, OrderBookResyncedEvent) for e in events)
        await eventually(lambda: not exchange.book_needs_snapshot("BTC-USDT"))
        snapshots = [r for r in transport.requests if r.path == "/api/v1/level2/snapshot"]
        assert len(snapshots) == 2  # the first calibration and the resync after the gap
        assert exchange.get_order_book("BTC-USDT").last_update_id == 30
        assert exchange.ready
    finally:
        await exchange.stop()
