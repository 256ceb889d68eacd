"""Golden request tests: exact method, path, query, body bytes and headers of the connector.

A real aiohttp server on 127.0.0.1 records every raw request and answers KuCoin envelopes.
The clock is frozen and the server time fixed, so every request carries one known
timestamp; the signature is recomputed here with hmac/base64 (not through KucoinAuth).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from kucoin_connector.core.types import (
    OrderOptions,
    OrderState,
    OrderType,
    SelfTradePrevention,
    StopType,
    TimeInForce,
    TradeType,
)
from kucoin_connector.kucoin.exchange import KucoinExchange

API_KEY = "key-5c2db935"
API_SECRET = "secret-f03a5284"
PASSPHRASE = "pass-phrase"
LOCAL_NOW_MS = 1_700_000_000_000
SERVER_NOW_MS = 1_700_000_000_250  # 250 ms ahead of the local clock
TS = str(SERVER_NOW_MS)
PAIR = "BTC-USDT"

SYMBOLS = [
    {
        "symbol": "BTC-USDT",
        "name": "BTC-USDT",
        "baseCurrency": "BTC",
        "quoteCurrency": "USDT",
        "feeCurrency": "USDT",
        "market": "USDS",
        "baseMinSize": "0.00001",
        "quoteMinSize": "0.1",
        "baseMaxSize": "10000",
        "quoteMaxSize": "99999999",
        "baseIncrement": "0.00000001",
        "quoteIncrement": "0.000001",
        "priceIncrement": "0.1",
        "priceLimitRate": "0.1",
        "minFunds": "0.1",
        "isMarginEnabled": True,
        "enableTrading": True,
    }
]
ORDER_DETAIL = {
    "id": "ex-1",
    "symbol": "BTC-USDT",
    "opType": "DEAL",
    "type": "limit",
    "side": "buy",
    "price": "30000.1",
    "size": "0.5",
    "funds": "0",
    "dealFunds": "0",
    "dealSize": "0",
    "fee": "0",
    "feeCurrency": "USDT",
    "stp": "",
    "timeInForce": "GTC",
    "postOnly": False,
    "hidden": False,
    "iceberg": False,
    "visibleSize": "0",
    "cancelAfter": 0,
    "channel": "API",
    "clientOid": "cid-1",
    "remark": None,
    "tags": None,
    "cancelExist": True,
    "createdAt": LOCAL_NOW_MS,
    "tradeType": "TRADE",
}
FILL = {
    "symbol": "BTC-USDT",
    "tradeId": "t-1",
    "orderId": "ex-1",
    "counterOrderId": "ex-9",
    "side": "buy",
    "liquidity": "maker",
    "forceTaker": False,
    "price": "30000.1",
    "size": "0.1",
    "funds": "3000.01",
    "fee": "3.00001",
    "feeRate": "0.001",
    "feeCurrency": "USDT",
    "stop": "",
    "type": "limit",
    "createdAt": LOCAL_NOW_MS,
    "tradeType": "TRADE",
}


def _answer(method: str, path: str) -> Any:
    """The ``data`` the fake answers for one request."""
    if path == "/api/v1/timestamp":
        return SERVER_NOW_MS
    if path == "/api/v2/symbols":
        return SYMBOLS
    if method == "POST" and path in ("/api/v1/orders", "/api/v1/hf/orders", "/api/v1/stop-order"):
        return {"orderId": "ex-1"}
    if method == "DELETE":
        return {"cancelledOrderId": "ex-1", "clientOid": "cid-1"}
    if "client-order" in path:
        hf = "/hf/" in path
        detail = dict(ORDER_DETAIL)
        if hf:
            detail["active"] = False
        else:
            detail["isActive"] = False
        return detail
    if path == "/api/v1/fills":
        return {"currentPage": 1, "pageSize": 500, "totalNum": 1, "totalPage": 1, "items": [FILL]}
    if path == "/api/v1/hf/fills":
        return {"items": [dict(FILL, tradeId=11, id=5)], "lastId": 5}
    if path == "/api/v1/trade-fees":
        return [{"symbol": "BTC-USDT", "takerFeeRate": "0.001", "makerFeeRate": "0.0008"}]
    if path == "/api/v1/accounts":
        return [
            {
                "id": "a-1",
                "currency": "USDT",
                "type": "trade",
                "balance": "100",
                "available": "90",
                "holds": "10",
            }
        ]
    if path == "/api/v1/bullet-private":
        return {
            "token": "tok",
            "instanceServers": [
                {
                    "endpoint": "wss://ws.example/endpoint",
                    "protocol": "websocket",
                    "encrypt": True,
                    "pingInterval": 18000,
                    "pingTimeout": 10000,
                }
            ],
        }
    if path == "/api/v3/market/orderbook/level2":
        return {
            "sequence": "12",
            "time": LOCAL_NOW_MS,
            "bids": [["30000", "1"]],
            "asks": [["30001", "2"]],
        }
    raise AssertionError(f"unexpected request {method} {path}")


@dataclass(frozen=True)
class Recorded:
    method: str
    raw_path: str  # path with the raw query, as received
    headers: dict[str, str]
    body: bytes


class Recorder:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append(
            Recorded(request.method, request.raw_path, dict(request.headers), body)
        )
        return web.json_response({"code": "200000", "data": _answer(request.method, request.path)})

    def take(self) -> list[Recorded]:
        taken, self.requests = self.requests, []
        return taken


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[Recorder, str]]:
    rec = Recorder()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", rec.handle)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server(shutdown_timeout=1.0)
    try:
        yield rec, str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


ExchangeMaker = Callable[..., Any]


@pytest.fixture
async def make_exchange(
    recorder: tuple[Recorder, str],
) -> AsyncIterator[Callable[..., Any]]:
    """Build a connector against the recorder, synced to the server time, rules loaded."""
    rec, url = recorder
    made: list[KucoinExchange] = []

    async def make(*, account_type: str = "trade", key_version: int = 2) -> KucoinExchange:
        ids = (f"cid-{n}" for n in itertools.count(1))
        ex = KucoinExchange(
            API_KEY,
            API_SECRET,
            PASSPHRASE,
            trading_pairs=[PAIR],
            base_url=url,
            account_type=account_type,
            key_version=key_version,
            clock_ms=lambda: LOCAL_NOW_MS,
            client_order_id_factory=lambda: next(ids),
        )
        made.append(ex)
        await ex._sync_time()
        await ex._load_trading_rules()
        rec.take()
        return ex

    yield make
    for ex in made:
        await ex.stop()


def _b64_hmac(key: str, message: bytes) -> str:
    return base64.b64encode(hmac.new(key.encode(), message, hashlib.sha256).digest()).decode()


def assert_signed(
    req: Recorded, method: str, raw_path: str, body: bytes, *, key_version: int = 2
) -> None:
    assert req.method == method
    assert req.raw_path == raw_path
    assert req.body == body
    expected = {
        "KC-API-KEY": API_KEY,
        "KC-API-SIGN": _b64_hmac(API_SECRET, (TS + method + raw_path).encode() + body),
        "KC-API-TIMESTAMP": TS,
        "KC-API-PASSPHRASE": (
            PASSPHRASE if key_version == 1 else _b64_hmac(API_SECRET, PASSPHRASE.encode())
        ),
        "Content-Type": "application/json",
    }
    if key_version != 1:
        expected["KC-API-KEY-VERSION"] = str(key_version)
    got = {k: v for k, v in req.headers.items() if k.upper().startswith("KC-")}
    got["Content-Type"] = req.headers.get("Content-Type", "<missing>")
    assert got == expected
    # Nothing else than what aiohttp itself adds.
    transport = {"Host", "Accept", "Accept-Encoding", "User-Agent", "Content-Length"}
    assert set(req.headers) - set(expected) <= transport
    assert req.headers.get("Content-Length", "0") == str(len(body))


PLACEMENTS: list[tuple[str, TradeType, OrderType, str, str | None, OrderOptions, str]] = [
    (
        "limit",
        TradeType.BUY,
        OrderType.LIMIT,
        "0.5",
        "30000.1",
        OrderOptions(),
        '{"clientOid":"cid-1","side":"buy","symbol":"BTC-USDT","type":"limit",'
        '"price":"30000.1","size":"0.5","timeInForce":"GTC"}',
    ),
    (
        "limit_maker",
        TradeType.SELL,
        OrderType.LIMIT_MAKER,
        "0.25",
        "31000",
        OrderOptions(),
        '{"clientOid":"cid-1","side":"sell","symbol":"BTC-USDT","type":"limit",'
        '"price":"31000","size":"0.25","timeInForce":"GTC","postOnly":true}',
    ),
    (
        "market_size",
        TradeType.SELL,
        OrderType.MARKET,
        "0.123456789",
        None,
        OrderOptions(),
        '{"clientOid":"cid-1","side":"sell","symbol":"BTC-USDT","type":"market",'
        '"size":"0.12345678"}',
    ),
    (
        "market_funds",
        TradeType.BUY,
        OrderType.MARKET,
        "0",
        None,
        OrderOptions(quote_amount=Decimal("100.5")),
        '{"clientOid":"cid-1","side":"buy","symbol":"BTC-USDT","type":"market","funds":"100.5"}',
    ),
    (
        "gtt",
        TradeType.BUY,
        OrderType.LIMIT,
        "0.5",
        "30000.19",
        OrderOptions(time_in_force=TimeInForce.GTT, cancel_after_s=60),
        '{"clientOid":"cid-1","side":"buy","symbol":"BTC-USDT","type":"limit",'
        '"price":"30000.1","size":"0.5","timeInForce":"GTT","cancelAfter":60}',
    ),
    (
        "iceberg",
        TradeType.BUY,
        OrderType.LIMIT,
        "2",
        "30000",
        OrderOptions(visible_size=Decimal("0.1"), time_in_force=TimeInForce.IOC),
        '{"clientOid":"cid-1","side":"buy","symbol":"BTC-USDT","type":"limit",'
        '"price":"30000","size":"2","timeInForce":"IOC","iceberg":true,"visibleSize":"0.1"}',
    ),
    (
        "stp_hidden",
        TradeType.SELL,
        OrderType.LIMIT,
        "1",
        "30000.01",
        OrderOptions(
            hidden=True,
            self_trade_prevention=SelfTradePrevention.CANCEL_BOTH,
            time_in_force=TimeInForce.FOK,
            remark="r1",
        ),
        '{"clientOid":"cid-1","side":"sell","symbol":"BTC-USDT","type":"limit",'
        '"price":"30000.1","size":"1","timeInForce":"FOK","hidden":true,"stp":"CB",'
        '"remark":"r1"}',
    ),
]


@pytest.mark.parametrize("account_type", ["trade", "trade_hf"])
@pytest.mark.parametrize("case", PLACEMENTS, ids=[c[0] for c in PLACEMENTS])
async def test_place_order_golden(
    make_exchange: Callable[..., Any],
    recorder: tuple[Recorder, str],
    case: tuple[str, TradeType, OrderType, str, str | None, OrderOptions, str],
    account_type: str,
) -> None:
    rec, _ = recorder
    _, side, order_type, amount, price, options, body = case
    ex = await make_exchange(account_type=account_type)
    order = await ex.place_order(
        side,
        PAIR,
        Decimal(amount),
        order_type,
        Decimal(price) if price is not None else None,
        options,
    )
    assert order.current_state is OrderState.OPEN
    assert order.exchange_order_id == "ex-1"
    (req,) = rec.take()
    path = "/api/v1/hf/orders" if account_type == "trade_hf" else "/api/v1/orders"
    assert_signed(req, "POST", path, body.encode())


@pytest.mark.parametrize("account_type", ["trade", "trade_hf"])
async def test_stop_order_golden(
    make_exchange: Callable[..., Any], recorder: tuple[Recorder, str], account_type: str
) -> None:
    rec, _ = recorder
    ex = await make_exchange(account_type=account_type)
    options = OrderOptions(stop=StopType.LOSS, stop_price=Decimal("29000"))
    await ex.place_order(
        TradeType.SELL, PAIR, Decimal("0.5"), OrderType.LIMIT, Decimal("28900"), options
    )
    (req,) = rec.take()
    body = (
        '{"clientOid":"cid-1","side":"sell","symbol":"BTC-USDT","type":"limit",'
        '"price":"28900","size":"0.5","timeInForce":"GTC","stop":"loss",'
        '"stopPrice":"29000"}'
    )
    assert_signed(req, "POST", "/api/v1/stop-order", body.encode())


@pytest.mark.parametrize("key_version", [1, 2, 3])
async def test_key_versions_golden(
    make_exchange: Callable[..., Any], recorder: tuple[Recorder, str], key_version: int
) -> None:
    rec, _ = recorder
    ex = await make_exchange(key_version=key_version)
    await ex.api.accounts()
    (req,) = rec.take()
    assert_signed(req, "GET", "/api/v1/accounts?type=trade", b"", key_version=key_version)


@pytest.mark.parametrize(
    ("account_type", "cancel_path", "get_path"),
    [
        ("trade", "/api/v1/order/client-order/cid-1", "/api/v1/order/client-order/cid-1"),
        (
            "trade_hf",
            "/api/v1/hf/orders/client-order/cid-1?symbol=BTC-USDT",
            "/api/v1/hf/orders/client-order/cid-1?symbol=BTC-USDT",
        ),
    ],
)
async def test_cancel_and_get_by_client_oid_golden(
    make_exchange: Callable[..., Any],
    recorder: tuple[Recorder, str],
    account_type: str,
    cancel_path: str,
    get_path: str,
) -> None:
    rec, _ = recorder
    ex = await make_exchange(account_type=account_type)
    await ex.place_order(TradeType.BUY, PAIR, Decimal("0.5"), OrderType.LIMIT, Decimal("30000.1"))
    rec.take()
    order = await ex.cancel_order(PAIR, "cid-1")
    assert order.current_state is OrderState.CANCELED
    cancel, get = rec.take()
    assert_signed(cancel, "DELETE", cancel_path, b"")
    assert_signed(get, "GET", get_path, b"")


@pytest.mark.parametrize(
    ("account_type", "raw_path", "trade_id"),
    [
        ("trade", "/api/v1/fills?orderId=ex-1&currentPage=1&pageSize=500", "t-1"),
        ("trade_hf", "/api/v1/hf/fills?symbol=BTC-USDT&orderId=ex-1&limit=100", "11"),
    ],
)
async def test_fills_golden(
    make_exchange: Callable[..., Any],
    recorder: tuple[Recorder, str],
    account_type: str,
    raw_path: str,
    trade_id: str,
) -> None:
    rec, _ = recorder
    ex = await make_exchange(account_type=account_type)
    fills = await ex.api.fills("ex-1", "BTC-USDT")
    assert [f.trade_id for f in fills] == [trade_id]
    assert fills[0].fee == Decimal("3.00001")
    (req,) = rec.take()
    assert_signed(req, "GET", raw_path, b"")


async def test_accounts_bullet_snapshot_fees_golden(
    make_exchange: Callable[..., Any], recorder: tuple[Recorder, str]
) -> None:
    rec, _ = recorder
    ex = await make_exchange(account_type="trade_hf")
    accounts = await ex.api.accounts()
    assert accounts[0].available == Decimal("90")
    bullet = await ex.api.bullet(private=True)
    assert (bullet.token, bullet.ping_interval_ms) == ("tok", 18000)
    snapshot = await ex.api.level2_snapshot("BTC-USDT", full_depth=True)
    assert snapshot.sequence == 12
    rates = await ex.api.trade_fees(["BTC-USDT", "ETH-USDT"])
    assert rates[0].maker_fee_rate == Decimal("0.0008")
    acc, bul, snap, fees = rec.take()
    assert_signed(acc, "GET", "/api/v1/accounts?type=trade_hf", b"")
    assert_signed(bul, "POST", "/api/v1/bullet-private", b"")
    assert_signed(snap, "GET", "/api/v3/market/orderbook/level2?symbol=BTC-USDT", b"")
    assert_signed(fees, "GET", "/api/v1/trade-fees?symbols=BTC-USDT%2CETH-USDT", b"")


async def test_public_calls_are_unsigned(recorder: tuple[Recorder, str]) -> None:
    rec, url = recorder
    ex = KucoinExchange(trading_pairs=[PAIR], base_url=url, clock_ms=lambda: LOCAL_NOW_MS)
    try:
        await ex._sync_time()
        await ex._load_trading_rules()
    finally:
        await ex.stop()
    time_req, symbols_req = rec.take()
    for req, path in ((time_req, "/api/v1/timestamp"), (symbols_req, "/api/v2/symbols")):
        assert (req.method, req.raw_path, req.body) == ("GET", path, b"")
        assert not any(k.upper().startswith("KC-") for k in req.headers)
        assert "Content-Type" not in req.headers


async def test_an_injected_session_carries_rest_and_is_left_open(
    recorder: tuple[Recorder, str],
) -> None:
    rec, url = recorder
    started: list[str] = []

    async def on_request_start(session: Any, context: Any, params: Any) -> None:
        started.append(params.url.path)

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        ex = KucoinExchange(
            trading_pairs=[PAIR], base_url=url, session=session, clock_ms=lambda: LOCAL_NOW_MS
        )
        try:
            assert await ex.api.server_time_ms() == SERVER_NOW_MS
        finally:
            await ex.stop()
        assert not session.closed
        assert await ex.api.server_time_ms() == SERVER_NOW_MS  # still usable after stop()
    assert started == ["/api/v1/timestamp"] * 2
    assert [r.raw_path for r in rec.take()] == ["/api/v1/timestamp"] * 2
