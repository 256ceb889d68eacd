"""KucoinExchange against a small fake KuCoin on loopback (REST + WebSocket).

The fake keeps orders by clientOid, answers the REST routes the connector uses, hands out
a WebSocket endpoint through the bullet (welcome, pong, acks) and lets a test push any
message to the connections subscribed to a topic. Scripts (``fake.script``) override the
next answers of one route to inject errors, delays and lost responses.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
import ujson
from aiohttp import web
from aiohttp.test_utils import TestServer

from kucoin_connector.core.errors import (
    InvalidTimestampError,
    OrderValidationError,
    RateLimitError,
)
from kucoin_connector.core.events import (
    BalanceUpdatedEvent,
    ConnectorEvent,
    OrderBookResyncedEvent,
    OrderCancelledEvent,
    OrderCompletedEvent,
    OrderCreatedEvent,
    OrderFailedEvent,
    OrderFilledEvent,
    OrderLostEvent,
)
from kucoin_connector.core.exchange import ReconcileSettings
from kucoin_connector.core.in_flight_order import InFlightOrder
from kucoin_connector.core.types import OrderOptions, OrderState, OrderType, TradeType
from kucoin_connector.kucoin.exchange import KucoinExchange
from kucoin_connector.kucoin.level2 import SyncState

PAIR = "BTC-USDT"
ORDER_TOPIC = "/spotMarket/tradeOrders"
BALANCE_TOPIC = "/account/balance"
L2_TOPIC = "/market/level2:BTC-USDT"

# One scripted answer of a route: a handler of (request, decoded body) whose response, if
# any, is sent (None: fall through to the default answer), or (status, payload, headers).
ScriptHandler = Callable[[web.Request, Any], Awaitable[web.StreamResponse | None]]
ScriptStep = ScriptHandler | tuple[int, Any, dict[str, str]]


def _symbol(symbol: str, base: str, quote: str, enabled: bool = True) -> dict[str, Any]:
    return {
        "symbol": symbol,
        "name": symbol,
        "baseCurrency": base,
        "quoteCurrency": quote,
        "feeCurrency": quote,
        "market": "USDS",
        "baseMinSize": "0.001",
        "quoteMinSize": "1",
        "baseMaxSize": "1000",
        "quoteMaxSize": "9999999",
        "baseIncrement": "0.001",
        "quoteIncrement": "0.01",
        "priceIncrement": "0.1",
        "priceLimitRate": "0.1",
        "minFunds": "1",
        "isMarginEnabled": False,
        "enableTrading": enabled,
    }


Handler = Callable[[web.Request, Any], Awaitable[web.StreamResponse | None]]


@dataclass
class FakeKucoin:
    """The fake exchange's state and its hooks for the tests."""

    server_time_ms: int = 1_700_000_000_000
    hf: bool = False
    symbols: list[dict[str, Any]] = field(
        default_factory=lambda: [
            _symbol("BTC-USDT", "BTC", "USDT"),
            _symbol("ETH-USDT", "ETH", "USDT"),
            _symbol("DOGE-USDT", "DOGE", "USDT", enabled=False),
            _symbol("LUNC2-USDT", "LUNC", "USDT"),
        ]
    )
    accounts: list[dict[str, Any]] = field(
        default_factory=lambda: [
            {
                "id": "acc-trade-usdt",
                "currency": "USDT",
                "type": "trade",
                "balance": "1000",
                "available": "1000",
                "holds": "0",
            },
            {
                "id": "acc-trade-btc",
                "currency": "BTC",
                "type": "trade",
                "balance": "2",
                "available": "2",
                "holds": "0",
            },
            {
                "id": "acc-main-usdt",
                "currency": "USDT",
                "type": "main",
                "balance": "5",
                "available": "5",
                "holds": "0",
            },
            {
                "id": "acc-hf-usdt",
                "currency": "USDT",
                "type": "trade_hf",
                "balance": "300",
                "available": "300",
                "holds": "0",
            },
        ]
    )
    snapshot: dict[str, Any] = field(
        default_factory=lambda: {
            "sequence": "100",
            "time": 1,
            "bids": [["30000", "1"], ["29999", "2"]],
            "asks": [["30001", "1.5"]],
        }
    )
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)  # clientOid -> detail
    fills: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # orderId -> fills
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    script: dict[tuple[str, str], list[ScriptStep]] = field(default_factory=dict)
    subscriptions: list[str] = field(default_factory=list)
    sockets: list[tuple[web.WebSocketResponse, set[str]]] = field(default_factory=list)
    ws_frames: list[dict[str, Any]] = field(default_factory=list)
    order_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    url: str = ""

    # ------------------------------------------------------------------ helpers for tests
    def count(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if r == (method, path))

    def add_order(self, body: dict[str, Any]) -> dict[str, Any]:
        order_id = f"ex-{next(self.order_ids)}"
        detail = {
            "id": order_id,
            "symbol": body["symbol"],
            "type": body["type"],
            "side": body["side"],
            "price": body.get("price"),
            "size": body.get("size"),
            "funds": body.get("funds"),
            "dealFunds": "0",
            "dealSize": "0",
            "fee": "0",
            "feeCurrency": "USDT",
            "clientOid": body["clientOid"],
            "cancelExist": False,
            "createdAt": self.server_time_ms,
            "isActive": True,
            "active": True,
        }
        self.orders[body["clientOid"]] = detail
        return detail

    def fill_order(self, client_oid: str, trade_id: str, size: str, price: str) -> None:
        detail = self.orders[client_oid]
        deal = Decimal(detail["dealSize"]) + Decimal(size)
        detail["dealSize"] = str(deal)
        detail["dealFunds"] = str(Decimal(detail["dealFunds"]) + Decimal(size) * Decimal(price))
        if deal >= Decimal(detail["size"]):
            detail["isActive"] = detail["active"] = False
        self.fills.setdefault(detail["id"], []).append(
            {
                "symbol": detail["symbol"],
                "tradeId": trade_id,
                "orderId": detail["id"],
                "side": detail["side"],
                "liquidity": "maker",
                "price": price,
                "size": size,
                "funds": str(Decimal(size) * Decimal(price)),
                "fee": "0.01",
                "feeCurrency": "USDT",
                "createdAt": self.server_time_ms,
            }
        )

    def cancel(self, client_oid: str) -> None:
        detail = self.orders[client_oid]
        detail["isActive"] = detail["active"] = False
        detail["cancelExist"] = True

    async def wait_subscribed(self, topic: str, times: int = 1) -> None:
        await until(lambda: self.subscriptions.count(topic) >= times)

    async def push(self, topic: str, subject: str, data: Any) -> None:
        await self.push_raw(
            topic,
            ujson.dumps({"type": "message", "topic": topic, "subject": subject, "data": data}),
        )

    async def push_raw(self, topic: str, text: str) -> None:
        await self.wait_subscribed(topic)
        for ws, topics in list(self.sockets):
            if topic in topics and not ws.closed:
                await ws.send_str(text)

    async def drop_sockets(self) -> None:
        for ws, _ in list(self.sockets):
            await ws.close()

    # ------------------------------------------------------------------ server
    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/ws", self._ws)
        app.router.add_route("*", "/{tail:.*}", self._rest)
        return app

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        body = ujson.loads(raw) if raw else None
        key = (request.method, request.path)
        self.requests.append(key)
        queued = self.script.get(key)
        if queued:
            step = queued.pop(0)
            if callable(step):
                response = await step(request, body)
                if response is not None:
                    return response
            else:
                status, payload, headers = step
                return web.json_response(payload, status=status, headers=headers)
        return self._default(request, body)

    def _default(self, request: web.Request, body: Any) -> web.Response:
        method, path = request.method, request.path
        if path == "/api/v1/timestamp":
            return ok(self.server_time_ms)
        if path == "/api/v2/symbols":
            return ok(self.symbols)
        if path == "/api/v1/trade-fees":
            names = request.query["symbols"].split(",")
            return ok(
                [{"symbol": s, "makerFeeRate": "0.001", "takerFeeRate": "0.002"} for s in names]
            )
        if path == "/api/v1/accounts":
            kind = request.query.get("type")
            return ok([a for a in self.accounts if kind is None or a["type"] == kind])
        if path in ("/api/v1/bullet-private", "/api/v1/bullet-public"):
            return ok(
                {
                    "token": f"tok-{path[-7:]}",
                    "instanceServers": [
                        {
                            "endpoint": f"{self.url.replace('http', 'ws')}/ws",
                            "protocol": "websocket",
                            "encrypt": False,
                            "pingInterval": 50,
                            "pingTimeout": 5000,
                        }
                    ],
                }
            )
        if path in ("/api/v3/market/orderbook/level2", "/api/v1/market/orderbook/level2_100"):
            return ok(self.snapshot)
        if method == "POST" and path in ("/api/v1/orders", "/api/v1/hf/orders"):
            return ok({"orderId": self.add_order(body)["id"]})
        if "client-order/" in path:
            return self._by_client_oid(method, path.rsplit("/", 1)[1])
        if path in ("/api/v1/fills", "/api/v1/hf/fills"):
            items = self.fills.get(request.query["orderId"], [])
            return ok(
                {
                    "currentPage": 1,
                    "pageSize": 500,
                    "totalNum": len(items),
                    "totalPage": 1,
                    "items": items,
                }
            )
        return web.json_response({"code": "404000", "msg": "Not Found"}, status=404)

    def _by_client_oid(self, method: str, client_oid: str) -> web.Response:
        detail = self.orders.get(client_oid)
        if method == "DELETE":
            if detail is None or not detail["isActive"]:
                return error("400100", "order_not_exist_or_not_allow_to_cancel")
            self.cancel(client_oid)
            return ok({"cancelledOrderId": detail["id"], "clientOid": client_oid})
        if detail is None:
            return error("400100", "order not exist.")
        return ok(detail)

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        topics: set[str] = set()
        entry = (ws, topics)
        self.sockets.append(entry)
        await ws.send_str(ujson.dumps({"id": request.query["connectId"], "type": "welcome"}))
        try:
            async for msg in ws:
                frame = ujson.loads(msg.data)
                self.ws_frames.append(frame)
                if frame["type"] == "ping":
                    await ws.send_str(ujson.dumps({"id": frame["id"], "type": "pong"}))
                elif frame["type"] == "subscribe":  # KuCoin's comma form: one ack a frame
                    topics.update(split_topics(frame["topic"]))
                    self.subscriptions.extend(split_topics(frame["topic"]))
                    await ws.send_str(ujson.dumps({"id": frame["id"], "type": "ack"}))
                elif frame["type"] == "unsubscribe":
                    topics.difference_update(split_topics(frame["topic"]))
                    await ws.send_str(ujson.dumps({"id": frame["id"], "type": "ack"}))
        finally:
            self.sockets.remove(entry)
        return ws


def split_topics(topic: str) -> list[str]:
    """``/market/level2:A,B`` -> [``/market/level2:A``, ``/market/level2:B``]."""
    base, sep, args = topic.partition(":")
    return [f"{base}:{key}" for key in args.split(",")] if sep else [topic]


async def until(predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
    """Poll a test predicate (a deadline, never a timing assertion)."""
    async with asyncio.timeout(timeout_s):
        while not predicate():  # noqa: ASYNC110 - polling a test predicate
            await asyncio.sleep(0.005)


def ok(data: Any) -> web.Response:
    return web.json_response({"code": "200000", "data": data})


def error(code: str, msg: str, status: int = 400) -> web.Response:
    return web.json_response({"code": code, "msg": msg}, status=status)


async def _lose_response(request: web.Request, body: Any) -> web.StreamResponse:
    """Cut the connection without answering (the request was received)."""
    assert request.transport is not None
    request.transport.close()
    return web.Response()


# ---------------------------------------------------------------------------- fixtures
@pytest.fixture
async def fake() -> AsyncIterator[FakeKucoin]:
    state = FakeKucoin()
    server = TestServer(state.app(), host="127.0.0.1", port=0)
    await server.start_server(shutdown_timeout=1.0)
    state.url = str(server.make_url("")).rstrip("/")
    try:
        yield state
    finally:
        for ws, _ in list(state.sockets):
            await ws.close()
        await server.close()


FAST = ReconcileSettings(
    poll_interval_s=0.05,
    unknown_placement_attempts=3,
    unknown_placement_retry_s=0.02,
    lost_order_count_limit=2,
)
SLOW_POLL = ReconcileSettings(
    poll_interval_s=3600,
    unknown_placement_attempts=3,
    unknown_placement_retry_s=0.02,
    lost_order_count_limit=2,
)


@dataclass
class Harness:
    ex: KucoinExchange
    fake: FakeKucoin
    events: list[ConnectorEvent]

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    async def until(self, predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
        await until(predicate, timeout_s)


@pytest.fixture
async def start(fake: FakeKucoin) -> AsyncIterator[Callable[..., Awaitable[Harness]]]:
    started: list[KucoinExchange] = []

    async def _start(reconcile: ReconcileSettings = SLOW_POLL, **kwargs: Any) -> Harness:
        ids = (f"cid-{n}" for n in itertools.count(1))
        kwargs.setdefault("trading_pairs", [PAIR])
        ex = KucoinExchange(
            "key",
            "secret",
            "pass",
            base_url=fake.url,
            client_order_id_factory=lambda: next(ids),
            reconcile=reconcile,
            **kwargs,
        )
        events: list[ConnectorEvent] = []
        ex.add_listener(events.append)
        started.append(ex)
        await ex.start()
        await ex.wait_ready(timeout_s=5)
        return Harness(ex, fake, events)

    yield _start
    for ex in started:
        await ex.stop()


def order_change(
    detail: dict[str, Any], kind: str, ts: int = 1_700_000_000_001_000_000, **extra: Any
) -> dict[str, Any]:
    data = {
        "symbol": detail["symbol"],
        "orderType": detail["type"],
        "side": detail["side"],
        "orderId": detail["id"],
        "type": kind,
        "orderTime": ts,
        "ts": ts,
        "clientOid": detail["clientOid"],
        "price": detail["price"],
        "size": detail["size"],
        "originSize": detail["size"],
    }
    data.update(extra)
    return data


async def place_limit(h: Harness, amount: str = "1", price: str = "30000") -> InFlightOrder:
    return await h.ex.place_order(
        TradeType.BUY, PAIR, Decimal(amount), OrderType.LIMIT, Decimal(price)
    )


# ---------------------------------------------------------------------------- tests
async def test_start_up_loads_everything_and_goes_live(
    start: Callable[..., Awaitable[Harness]], fake: FakeKucoin
) -> None:
    h = await start(trading_pairs=[PAIR, "LUNC-USDT"])
    ex = h.ex
    assert ex.ready and all(ex.status_dict.values())
    assert fake.count("GET", "/api/v1/timestamp") == 1
    assert set(ex.trading_rules) == {"BTC-USDT", "ETH-USDT", "LUNC-USDT"}  # DOGE disabled
    assert ex.trading_rules[PAIR].min_price_increment == Decimal("0.1")
    assert ex.symbol_for_pair("LUNC-USDT") == "LUNC2-USDT"
    assert ex.pair_for_symbol("LUNC2-USDT") == "LUNC-USDT"
    assert ex._fee_rates["BTC-USDT"] == (Decimal("0.001"), Decimal("0.002"))
    assert ex.get_balance("USDT") == Decimal("1000")  # the trade account, not main
    assert ex.get_available_balance("BTC") == Decimal("2")
    assert {ORDER_TOPIC, BALANCE_TOPIC, L2_TOPIC, "/market/level2:LUNC2-USDT"} <= set(
        fake.subscriptions
    )
    private = [f for f in fake.ws_frames if f.get("topic") == ORDER_TOPIC]
    assert private and private[0]["privateChannel"] is True and private[0]["response"] is True
    book = ex.get_order_book(PAIR)
    assert ex.order_book_source.is_live("BTC-USDT")
    assert (book.best_bid, book.best_ask, book.last_update_id) == (
        Decimal("30000"),
        Decimal("30001"),
        100,
    )
    assert sorted(e.trading_pair for e in h.of(OrderBookResyncedEvent)) == [PAIR, "LUNC-USDT"]


async def test_order_lifecycle_from_ws_events_exactly_once(
    start: Callable[..., Awaitable[Harness]], fake: FakeKucoin
) -> None:
    h = await start()
    order = await place_limit(h, "1")
    assert order.current_state is OrderState.OPEN
    detail = fake.orders["cid-1"]
    changes: list[tuple[str, dict[str, Any]]] = [
        ("received", {}),
        ("open", {"remainSize": "1", "filledSize": "0"}),
        ("update", {"oldSize": "1", "size": "1", "remainSize": "1", "filledSize": "0"}),
        (
            "match",
            {
                "tradeId": "t1",
                "matchPrice": "30000",
                "matchSize": "0.4",
                "remainSize": "0.6",
                "filledSize": "0.4",
                "liquidity": "maker",
            },
        ),
        (
            "match",
            {
                "tradeId": "t1",
                "matchPrice": "30000",
                "matchSize": "0.4",
                "remainSize": "0.6",
                "filledSize": "0.4",
                "liquidity": "maker",
            },
        ),
        (
            "match",
            {
                "tradeId": "t2",
                "matchPrice": "29999.9",
                "matchSize": "0.6",
                "remainSize": "0",
                "filledSize": "1",
                "liquidity": "taker",
            },
        ),
        ("filled", {"remainSize": "0", "filledSize": "1", "status": "done"}),
        ("filled", {"remainSize": "0", "filledSize": "1", "status": "done"}),
    ]
    for kind, extra in changes:
        await fake.push(ORDER_TOPIC, "orderChange", order_change(detail, kind, **extra))
    await h.until(lambda: bool(h.of(OrderCompletedEvent)))
    await fake.push(ORDER_TOPIC, "orderChange", order_change(detail, "canceled"))
    await asyncio.sleep(0.05)
    assert order.is_filled  # not current_state: mypy still has it narrowed to OPEN
    assert len(h.of(OrderCreatedEvent)) == 1
    fills = h.of(OrderFilledEvent)
    assert [(f.trade_id, f.amount, f.is_maker) for f in fills] == [
        ("t1", Decimal("0.4"), True),
        ("t2", Decimal("0.6"), False),
    ]
    assert fills[0].fee.asset == "USDT" and fills[0].fee.amount == Decimal("12.0000")
    assert fills[1].fee.amount == Decimal("0.6") * Decimal("29999.9") * Decimal("0.002")
    (completed,) = h.of(OrderCompletedEvent)
    assert completed.base_asset_amount == Decimal("1")
    assert not h.of(OrderCancelledEvent)
    assert PAIR not in {o.trading_pair for o in h.ex.in_flight_orders.values()}


async def test_partial_fill_then_cancel(
    start: Callable[..., Awaitable[Harness]], fake: FakeKucoin
) -> None:
    h = await start()
    order = await place_limit(h, "2")
    detail = fake.orders["cid-1"]
    await fake.push(
        ORDER_TOPIC,
        "orderChange",
        order_change(
            detail,
            "match",
            tradeId="t1",
            matchPrice="30000",
            matchSize="0.5",
            remainSize="1.5",
            filledSize="0.5",
            liquidity="maker",
        ),
    )
    await h.until(lambda: order.current_state is OrderState.PARTIALLY_FILLED)
    fake.fill_order("cid-1", "t1", "0.5", "30000")
    cancelled = await h.ex.cancel_order(PAIR, "cid-1")
    assert cancelled.current_state is OrderState.CANCELED
    await fake.push(ORDER_TOPIC, "orderChange", order_change(detail, "canceled"))
    await asyncio.sleep(0.05)
    assert order.executed_amount_base == Decimal("0.5")
    assert len(h.of(OrderFilledEvent)) == 1 and len(h.of(OrderCancelledEvent)) == 1
    assert not h.of(OrderCompletedEvent)
    assert fake.count("DELETE", "/api/v1/order/client-order/cid-1") == 1


async def test_events_before_the_placement_response_are_not_lost(
    start: Callable[..., Awaitable[Harness]], fake: FakeKucoin
) -> None:
    h = await start()

    async def push_first(request: web.Request, body: Any) -> web.Response:
        detail = fake.add_order(body)
        changes: list[tuple[str, dict[str, Any]]] = [
            ("open", {}),
            (
                "match",
                {
                    "tradeId": "t9",
                    "matchPrice": "30000",
                    "matchSize": "1",
                    "remainSize": "0",
                    "liquidity": "taker",
                },
            ),
            ("filled", {}),
        ]
        for kind, extra in changes:
            await fake.push(ORDER_TOPIC, "orderChange", order_change(detail, kind, **extra))
        await h.until(lambda: bool(h.of(OrderCompletedEvent)))
        return ok({"orderId": detail["id"]})

    fake.script[("POST", "/api/v1/orders")] = [push_first]
    order = await place_limit(h, "1")
    assert order.current_state is OrderState.FILLED
    assert order.exchange_order_id == "ex-1"
    assert [len(h.of(k)) for k in (OrderCreatedEvent, OrderFilledEvent, OrderCompletedEvent)] == [
        1,
        1,
        1,
    ]


async def test_cancel_race_with_fill(
    start: Callable[..., Awaitable[Harness]], fake: FakeKucoin
) -> None:
    h = await start()
    order = await place_limit(h, "1")
    fake.fill_order("cid-1", "t1", "1", "30000")  # filled before the cancel arrives
    result = await h.ex.cancel_order(PAIR, "cid-1")
    assert result.current_state is OrderState.FILLED
    detail = fake.orders["cid-1"]
    await fake.push(
        ORDER_TOPIC,
        "orderChange",
        order_change(
            detail, "match", tradeId="t1", matchPrice="30000", matchSize="1", remainSize="0"
        ),
    )
    await fake.push(ORDER_TOPIC, "orderChange", order_change(detail, "filled"))
    await asyncio.sleep(0.05)
    assert order.executed_amount_base == Decimal("1")
    assert [len(h.of(k)) for k in (OrderFilledEvent, OrderCompletedEvent)] == [1, 1]
    assert not h.of(OrderCancelledEvent)
    assert fake.count("GET", "/api/v1/fills") == 1


@pytest.mark.parametrize("lose", ["close", "timeout"])
async def test_lost_placement_response_resolved_by_client_oid(
    start: Callable[..., Awaitable[Harness]], fake: FakeKucoin, lose: str
) -> None:
    h = await start(reconcile=SLOW_POLL, request_timeout_s=0.3 if lose == "timeout" else 10)

    async def record_then_lose(request: web.Request, body: Any) -> web.StreamResponse:
        fake.add_order(body)
        if lose == "timeout":
            await asyncio.sleep(1.0)
            return ok({"orderId": "late"})
        return await _lose_response(request, body)

    fake.script[("POST", "/api/v1/orders")] = [record_then_lose]
    order = await place_limit(h, "1")
    assert order.current_state is OrderState.PLACEMENT_UNKNOWN
    await h.until(lambda: order.current_state is OrderState.OPEN)
    assert order.exchange_order_id == "ex-1"
    assert fake.count("POST", "/api/v1/orders") == 1
    assert len(h.of(OrderCreatedEvent)) == 1 and not h.of(OrderFailedEvent)


async def test_lost_placement_of_an_absent_order_fails(
    start: Callable[..., Awaitable[Harness]], fake: FakeKucoin
) -> None:
    h = await start(reconcile=SLOW_POLL)
    fake.script[("POST", "/api/v1/orders")] = [_lose_response]
    order = await place_limit(h, "1")
    assert order.current_state is OrderState.PLACEMENT_UNKNOWN
    await h.until(lambda: order.current_state is OrderState.WRITTEN_OFF)
    assert fake.count("POST", "/api/v1/orders") == 1
    assert fake.count("GET", "/api/v1/order/client-order/cid-1") == 3
    (failed,) = h.of(OrderFailedEvent)
    assert failed.client_order_id == "cid-1" and "not found" in failed.reason


async def test_written_off_placement_revived_when_the_exchange_shows_it(
    start: Callable[..., Awaitable[Harness]], fake: FakeKucoin
) -> None:
    h = await start(reconcile=FAST)
    bodies: list[Any] = []

    async def lose_before_processing(request: web.Request, body: Any) -> web.StreamResponse:
        bodies.append(body)  # the exchange will process it late
        return await _lose_response(request, body)

    fake.script[("POST", "/api/v1/orders")] = [lose_before_processing]
    order = await place_limit(h, "1")
    await h.until(lambda: order.is_written_off)
    lookup = ("GET", "/api/v1/order/client-order/cid-1")
    await h.until(lambda: fake.count(*lookup) >= 6)  # still looked up by reconciliation
    assert order.is_written_off and not h.of(OrderLostEvent)
    fake.add_order(bodies[0])
    fake.fill_order("cid-1", "t1", "1", "30000")
    await h.until(lambda: bool(h.of(OrderCompletedEvent)))
    assert order.current_state is OrderState.FILLED and not order.is_written_off
    assert order.exchange_order_id == "ex-1" and order.executed_amount_base == Decimal("1")
    order_events = [e for e in h.events if getattr(e, "client_order_id", None) == "cid-1"]
    assert [type(e) for e in order_events] == [
        OrderFailedEvent,
        OrderCreatedEvent,
        OrderFilledEvent,
        OrderCompletedEvent,
    ]
    assert fake.count("POST", "/api/v1/orders") == 1
    assert h.ex.order_tracker.written_off_orders == {}


async def test_not_found_during_reconciliation_lost_then_found(
    start: Callable[..., Awaitable[Harness]], fake: FakeKucoin
) -> None:
    h = await start(reconcile=FAST)
    order = await place_limit(h, "1")
    detail = fake.orders.pop("cid-1")  # the exchange "forgets" it for a while
    await h.until(lambda: bool(h.of(OrderLostEvent)))
    assert "cid-1" in h.ex.order_tracker.lost_orders
    fake.orders["cid-1"] = detail
    fake.fill_order("cid-1", "t1", "1", "30000")
    await h.until(
        lambda: order.current_state is OrderState.FILLED and bool(h.of(OrderCompletedEvent))
    )
    assert "cid-1" not in h.ex.order_tracker.lost_orders
    assert len(h.of(OrderLostEvent)) == 1 and len(h.of(OrderFilledEvent)) == 1


async def test_balance_updates_filtered_to_the_account_in_use(
    start: Callable[..., Awaitable[Harness]], fake: FakeKucoin
) -> None:
    h = await start()

    def balance(account_id: str | None, event: str, total: str) -> dict[str, Any]:
        return {
            "accountId": account_id,
            "currency": "USDT",
            "total": total,
            "available": total,
            "availableChange": "1",
            "hold": "0",
            "holdChange": "0",
            "relationEvent": event,
            "relationEventId": "x",
            "time": "1700000000000",
        }

    await fake.push(BALANCE_TOPIC, "account.balance", balance("acc-main-usdt", "main.deposit", "7"))
    await fake.push(BALANCE_TOPIC, "account.balance", balance(None, "main.deposit", "8"))
    await fake.push(BALANCE_TOPIC, "account.balance", balance("acc-hf-usdt", "trade_hf.hold", "9"))
    await fake.push(
        BALANCE_TOPIC, "account.balance", balance("acc-trade-usdt", "trade.hold", "999")
    )
    await h.until(lambda: h.ex.get_balance("USDT") == Decimal("999"))
    await fake.push(BALANCE_TOPIC, "account.balance", balance(None, "trade.setted", "998"))
    await h.until(lambda: h.ex.get_balance("USDT") == Decimal("998"))
    updates = [e.total for e in h.of(BalanceUpdatedEvent) if e.asset == "USDT"]
    assert updates == [Decimal("1000"), Decimal("999"), Decimal("998")]


async def test_hf_account_balances_and_orders(
    start: Callable[..., Awaitable[Harness]], fake: FakeKucoin
) -> None:
    h = await start(account_type="trade_hf")
    assert h.ex.get_balance("USDT") == Decimal("300")
    assert h.ex.get_balance("BTC") == Decimal(0)
    order = await place_limit(h, "1")
    assert fake.count("POST", "/api/v1/hf/orders") == 1
    result = await h.ex.cancel_order(PAIR, order.client_order_id)
    assert result.current_state is OrderState.CANCELED
    assert fake.count("DELETE", "/api/v1/hf/orders/client-order/cid-1") == 1
    assert fake.count("GET", "/api/v1/hf/orders/client-order/cid-1") == 1


async def test_invalid_timestamp_resyncs_and_retries_once(
    start: Callable[..., Awaitable[Harness]], fake: FakeKucoin
) -> None:
    h = await start()
    stale: ScriptStep = (400, {"code": "400002", "msg": "KC-API-TIMESTAMP Invalid"}, {})
    times = fake.count("GET", "/api/v1/timestamp")
    offset_before = h.ex._time.offset_ms
    fake.server_time_ms += 60_000
    fake.script[("GET", "/api/v1/accounts")] = [stale]
    await h.ex.refresh_balances()
    assert fake.count("GET", "/api/v1/accounts") == 3  # start-up, rejected, retried
    assert fake.count("GET", "/api/v1/timestamp") == times + 1
    assert h.ex._time.offset_ms - offset_before > 50_000  # the offset was resynced

    bullets = fake.count("POST", "/api/v1/bullet-private")
    fake.script[("POST", "/api/v1/bullet-private")] = [stale]
    bullet = await h.ex.api.bullet(private=True)
    assert bullet.token and fake.count("POST", "/api/v1/bullet-private") == bullets + 2

    fake.script[("POST", "/api/v1/orders")] = [stale, stale]
    with pytest.raises(InvalidTimestampError):
        await place_limit(h, "1")
    assert fake.count("POST", "/api/v1/orders") == 2
    failed = h.ex.order_tracker.fetch_order("cid-1")
    assert failed is not None and failed.current_state is OrderState.FAILED


async def test_rate_limited_placement_surfaces_and_blocks_the_throttler(
    start: Callable[..., Awaitable[Harness]], fake: FakeKucoin
) -> None:
    h = await start()
    fake.script[("POST", "/api/v1/orders")] = [
        (429, {"code": "429000", "msg": "Too Many Requests"}, {"gw-ratelimit-reset": "30000"})
    ]
    with pytest.raises(RateLimitError) as info:
        await place_limit(h, "1")
    assert info.value.retry_after_s == 30.0
    failed = h.ex.order_tracker.fetch_order("cid-1")
    assert failed is not None and failed.current_state is OrderState.FAILED
    second = asyncio.create_task(place_limit(h, "1"))
    await h.until(lambda: h.ex._throttler.waiting_count == 1)
    await asyncio.sleep(0.05)
    assert not second.done() and fake.count("POST", "/api/v1/orders") == 1
    second.cancel()
    with pytest.raises(asyncio.CancelledError):
        await second


async def test_garbage_on_the_private_stream_is_survived(
    start: Callable[..., Awaitable[Harness]],
    fake: FakeKucoin,
    caplog: pytest.LogCaptureFixture,
) -> None:
    h = await start()
    order = await place_limit(h, "1")
    detail = fake.orders["cid-1"]
    caplog.set_level(logging.DEBUG)
    await fake.push_raw(ORDER_TOPIC, "{not json")
    await fake.push(ORDER_TOPIC, "orderChange", order_change(detail, "teleported"))
    await fake.push(ORDER_TOPIC, "orderChange", {"symbol": "BTC-USDT", "type": "match"})
    await fake.push(ORDER_TOPIC, "strange.subject", {"x": 1})
    await fake.push(ORDER_TOPIC, "orderChange", order_change(detail, "canceled"))
    await h.until(lambda: order.current_state is OrderState.CANCELED)
    assert h.ex.ready and h.ex._user_stream is not None
    assert h.ex._user_stream.parse_errors == 1
    text = caplog.text
    assert "undecodable frame" in text and "unknown orderChange type" in text
    assert "malformed private message" in text and "strange.subject" in text
    assert len(h.of(OrderCancelledEvent)) == 1


async def test_invalid_orders_are_rejected_locally(
    start: Callable[..., Awaitable[Harness]], fake: FakeKucoin
) -> None:
    h = await start()
    posts = fake.count("POST", "/api/v1/orders")
    with pytest.raises(OrderValidationError):
        await place_limit(h, "0.0001")  # below baseMinSize
    with pytest.raises(OrderValidationError):
        await h.ex.place_order(TradeType.BUY, PAIR, Decimal(1), OrderType.LIMIT, None)
    cid = h.ex.buy(
        PAIR, Decimal(0), OrderType.MARKET, options=OrderOptions(quote_amount=Decimal("0.5"))
    )  # below minFunds
    cid2 = h.ex.sell(PAIR, Decimal(-1), OrderType.LIMIT, Decimal(1))
    await asyncio.sleep(0.02)
    assert {e.client_order_id for e in h.of(OrderFailedEvent)} == {cid, cid2}
    assert fake.count("POST", "/api/v1/orders") == posts


async def test_level2_gap_resyncs_the_book(
    start: Callable[..., Awaitable[Harness]], fake: FakeKucoin
) -> None:
    h = await start()
    resynced = len(h.of(OrderBookResyncedEvent))

    def l2(start_seq: int, end_seq: int, bids: list[list[str]]) -> dict[str, Any]:
        return {
            "symbol": "BTC-USDT",
            "sequenceStart": start_seq,
            "sequenceEnd": end_seq,
            "changes": {"asks": [], "bids": bids},
            "time": 1,
        }

    await fake.push(L2_TOPIC, "trade.l2update", l2(101, 101, [["30000.5", "3", "101"]]))
    book = h.ex.get_order_book(PAIR)
    await h.until(lambda: book.last_update_id == 101)
    assert book.best_bid == Decimal("30000.5")
    fake.snapshot = {"sequence": "110", "bids": [["29000", "1"]], "asks": [["29001", "1"]]}
    await fake.push(L2_TOPIC, "trade.l2update", l2(105, 105, [["1", "1", "105"]]))
    await h.until(lambda: len(h.of(OrderBookResyncedEvent)) > resynced)
    event = h.of(OrderBookResyncedEvent)[-1]
    assert event.trading_pair == PAIR and "gap" in event.reason
    book = h.ex.get_order_book(PAIR)
    assert (book.best_bid, book.last_update_id) == (Decimal("29000"), 110)
    assert h.ex.order_book_source.calibrator("BTC-USDT").state is SyncState.LIVE


async def test_reconnect_resubscribes_resyncs_and_reconciles(
    start: Callable[..., Awaitable[Harness]], fake: FakeKucoin
) -> None:
    h = await start()
    order = await place_limit(h, "1")
    resynced = len(h.of(OrderBookResyncedEvent))
    fake.fill_order("cid-1", "t1", "1", "30000")  # happens while we are disconnected
    fake.snapshot = {"sequence": "200", "bids": [["30100", "1"]], "asks": [["30101", "1"]]}
    await fake.drop_sockets()
    for topic in (ORDER_TOPIC, BALANCE_TOPIC, L2_TOPIC):
        await fake.wait_subscribed(topic, times=2)
    await h.until(lambda: order.current_state is OrderState.FILLED)
    await h.until(lambda: len(h.of(OrderBookResyncedEvent)) > resynced)
    assert "reconnect" in h.of(OrderBookResyncedEvent)[-1].reason
    assert h.ex.get_order_book(PAIR).last_update_id == 200
    assert [len(h.of(k)) for k in (OrderFilledEvent, OrderCompletedEvent)] == [1, 1]
    await h.until(lambda: h.ex.ready)


async def test_lost_placement_of_an_order_filled_meanwhile_gets_its_fills(
    start: Callable[..., Awaitable[Harness]], fake: FakeKucoin
) -> None:
    h = await start(reconcile=SLOW_POLL)

    async def fill_then_lose(request: web.Request, body: Any) -> web.StreamResponse:
        fake.add_order(body)
        fake.fill_order(body["clientOid"], "t1", "1", "30000")
        return await _lose_response(request, body)

    fake.script[("POST", "/api/v1/orders")] = [fill_then_lose]
    order = await place_limit(h, "1")
    await h.until(lambda: bool(h.of(OrderCompletedEvent)))
    assert order.current_state is OrderState.FILLED
    assert order.executed_amount_base == Decimal("1")
    assert [len(h.of(k)) for k in (OrderCreatedEvent, OrderFilledEvent)] == [1, 1]
    assert fake.count("POST", "/api/v1/orders") == 1


async def test_unreadable_placement_answer_is_resolved_not_stuck(
    start: Callable[..., Awaitable[Harness]], fake: FakeKucoin
) -> None:
    h = await start(reconcile=SLOW_POLL)

    async def record_then_garble(request: web.Request, body: Any) -> web.Response:
        fake.add_order(body)
        return ok({"unexpected": True})  # a 2xx envelope without orderId

    fake.script[("POST", "/api/v1/orders")] = [record_then_garble]
    order = await place_limit(h, "1")
    await h.until(lambda: order.current_state is OrderState.OPEN)
    assert fake.count("POST", "/api/v1/orders") == 1


async def test_orders_without_keys_fail_instead_of_hanging(fake: FakeKucoin) -> None:
    ex = KucoinExchange(trading_pairs=[PAIR], base_url=fake.url)
    events: list[ConnectorEvent] = []
    ex.add_listener(events.append)
    async with ex:
        await ex.wait_ready(timeout_s=5)
        assert "account_balance" not in ex.status_dict
        cid = ex.buy(PAIR, Decimal(1), OrderType.LIMIT, Decimal(30000))
        await until(lambda: any(isinstance(e, OrderFailedEvent) for e in events))
        order = ex.order_tracker.fetch_order(cid)
        assert order is not None and order.current_state is OrderState.FAILED
    assert fake.count("POST", "/api/v1/orders") == 0
    assert fake.count("POST", "/api/v1/bullet-public") == 1


async def test_restart_after_stop_resubscribes_and_resyncs(
    start: Callable[..., Awaitable[Harness]], fake: FakeKucoin
) -> None:
    h = await start()
    await h.ex.stop()
    assert not fake.sockets or all(ws.closed for ws, _ in fake.sockets)
    fake.snapshot = {"sequence": "300", "bids": [["30200", "1"]], "asks": [["30201", "1"]]}
    await h.ex.start()
    await fake.wait_subscribed(L2_TOPIC, times=2)
    await h.until(lambda: h.ex.ready and h.ex.get_order_book(PAIR).last_update_id == 300)
    assert fake.subscriptions.count(ORDER_TOPIC) == 2


async def test_market_order_by_funds_completes_at_filled(
    start: Callable[..., Awaitable[Harness]], fake: FakeKucoin
) -> None:
    h = await start()
    order = await h.ex.place_order(
        TradeType.BUY,
        PAIR,
        Decimal(0),
        OrderType.MARKET,
        options=OrderOptions(quote_amount=Decimal("100")),
    )
    detail = fake.orders["cid-1"]
    assert detail["funds"] == "100" and detail["size"] is None
    for trade, size in (("t1", "0.002"), ("t2", "0.00133")):
        await fake.push(
            ORDER_TOPIC,
            "orderChange",
            order_change(
                detail,
                "match",
                tradeId=trade,
                matchPrice="30000",
                matchSize=size,
                liquidity="taker",
            ),
        )
    await fake.push(ORDER_TOPIC, "orderChange", order_change(detail, "filled"))
    await h.until(lambda: bool(h.of(OrderCompletedEvent)))
    (completed,) = h.of(OrderCompletedEvent)
    assert completed.quote_asset_amount == Decimal("99.9")
    assert completed.base_asset_amount == Decimal("0.00333")
    assert order.cumulative_fees == {"USDT": Decimal("99.9") * Decimal("0.002")}
