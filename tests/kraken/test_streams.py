"""Kraken's WS v2 streams on the core's WsClient, over the in-memory FakeWsTransport."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fakes import FakeWsConnection, FakeWsTransport
from kraken.documented import (
    BALANCE_EX_TEXT,
    EXECUTIONS_NEW,
    EXECUTIONS_PENDING_NEW,
    EXECUTIONS_TRADE,
    WS_TOKEN,
)
from kraken.fake_kraken import API_KEY, API_SECRET, FakeKraken
from kraken.test_book_checksum import DOC_SNAPSHOT
from kucoin_connector.core.events import ConnectorEvent, OrderFilledEvent
from kucoin_connector.core.in_flight_order import InFlightOrder
from kucoin_connector.core.types import OrderState, OrderType, TradeType
from kucoin_connector.kraken.exchange import KrakenExchange
from kucoin_connector.kraken.streams import KrakenBookStream
from kucoin_connector.kraken.ws_adapter import KrakenWsAdapter

STATUS = json.dumps(
    {
        "channel": "status",
        "type": "update",
        "data": [{"version": "2.0.0", "system": "online", "api_version": "v2"}],
    }
)


async def eventually(predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not predicate():  # noqa: ASYNC110 - polling a test predicate
            await asyncio.sleep(0.001)


def sent_frames(conn: FakeWsConnection) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in conn.sent]


def ack_subscriptions(conn: FakeWsConnection, answered: set[int]) -> bool:
    """Acknowledge every (un)subscribe sent so far the way Kraken does."""
    for frame in sent_frames(conn):
        if frame.get("method") in ("subscribe", "unsubscribe") and frame["req_id"] not in answered:
            answered.add(frame["req_id"])
            ack = {"method": frame["method"], "success": True, "req_id": frame["req_id"]}
            conn.deliver(json.dumps(ack))
    return bool(answered)


async def test_book_subscribe_snapshot_and_resync_on_bad_checksum() -> None:
    transport = FakeWsTransport()
    stream = KrakenBookStream(KrakenWsAdapter("wss://ws.kraken.com/v2"), transport=transport)
    start = asyncio.create_task(stream.start(["BTC/USD"]))
    conn = await transport.next_connection()
    conn.deliver(STATUS)
    answered: set[int] = set()
    await eventually(lambda: ack_subscriptions(conn, answered))
    await start
    subscribe = sent_frames(conn)[0]
    assert subscribe["params"] == {
        "channel": "book",
        "symbol": ["BTC/USD"],
        "depth": 10,
        "snapshot": True,
    }
    conn.deliver(DOC_SNAPSHOT)
    book = stream.book("BTC/USD")
    assert book is not None and book.checksum() == 3310070434
    assert book.best_bid() == Decimal("45283.5")

    # an update whose checksum does not match the book it leads to: resync this pair
    conn.deliver(
        '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[],'
        '"asks":[{"price":45285.2,"qty":0.00200000}],"checksum":3310070434,'
        '"timestamp":"2023-10-06T17:35:55.440295Z"}]}'
    )
    assert stream.book("BTC/USD") is None and stream.resyncs == 1
    await eventually(lambda: ack_subscriptions(conn, answered) and len(answered) == 3)
    methods = [(f["method"], f["params"]["symbol"]) for f in sent_frames(conn)]
    assert methods == [
        ("subscribe", ["BTC/USD"]),
        ("unsubscribe", ["BTC/USD"]),
        ("subscribe", ["BTC/USD"]),
    ]
    conn.deliver(DOC_SNAPSHOT)  # the fresh snapshot
    fresh = stream.book("BTC/USD")
    assert fresh is not None and fresh.checksum() == 3310070434
    await stream.stop()


async def test_executions_drive_the_tracked_order() -> None:
    kraken = FakeKraken()
    kraken.default("BalanceEx", BALANCE_EX_TEXT)
    kraken.default("GetWebSocketsToken", WS_TOKEN)
    transport = FakeWsTransport()
    exchange = KrakenExchange(
        API_KEY, API_SECRET, transport=kraken.transport, ws_transport=transport
    )
    start = asyncio.create_task(exchange.start())
    conn = await transport.next_connection()
    assert conn.url == "wss://ws-auth.kraken.com/v2"
    conn.deliver(STATUS)
    answered: set[int] = set()
    await eventually(lambda: ack_subscriptions(conn, answered) and len(answered) == 2)
    await start
    frames = sent_frames(conn)
    assert [f["params"]["channel"] for f in frames] == ["executions", "balances"]
    assert all(f["params"]["token"] == WS_TOKEN["result"]["token"] for f in frames)

    order = InFlightOrder(
        client_order_id="my-order",
        trading_pair="BTC-USD",
        order_type=OrderType.LIMIT,
        trade_type=TradeType.SELL,
        amount=Decimal("0.005"),
        creation_timestamp_ms=1695378785000,
        price=Decimal("26500.0"),
        exchange_order_id="OK4GJX-KSTLS-7DZZO5",
    )
    exchange.order_tracker.start_tracking_order(order)
    filled: list[ConnectorEvent] = []
    exchange.add_listener(filled.append, OrderFilledEvent)
    states = []
    for message in (EXECUTIONS_PENDING_NEW, EXECUTIONS_NEW):
        conn.deliver(message)
        states.append(order.current_state)
    assert states == [OrderState.PENDING_CREATE, OrderState.OPEN]  # pending_new: not yet
    conn.deliver(EXECUTIONS_TRADE)
    assert order.executed_amount_base == Decimal("0.005")
    # as documented, the trade report of the completing fill says partially_filled; the
    # completion comes in a report of its own (exec_type "filled") or from reconciliation
    assert order.current_state is OrderState.PARTIALLY_FILLED
    fill = order.order_fills["TGBB7L-HT5LX-J3BZ4A"]
    assert fill.fee.asset == "USD" and fill.fee.amount == Decimal("0.3458")
    assert fill.fill_quote_amount == Decimal("132.9995")
    assert fill.is_maker is False
    assert len(filled) == 1

    assert exchange.user_stream is not None
    assert exchange.user_stream.sequence_gaps == 0  # 8, 9, 10
    conn.deliver(EXECUTIONS_TRADE)  # sequence 10 again: not the 11 expected
    assert exchange.user_stream.sequence_gaps == 1
    assert len(order.order_fills) == 1  # the same fill twice is one fill

    balance_calls = len(kraken.calls["BalanceEx"])
    conn.deliver('{"channel":"balances","type":"update","data":[]}')
    await eventually(lambda: len(kraken.calls["BalanceEx"]) == balance_calls + 1)
    await exchange.stop()
