"""REST endpoints of the simulator: envelope, shapes, pagination, orders and accounts."""

from __future__ import annotations

from typing import Any

import pytest

from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator

from .conftest import Client

PUBLIC_GETS = [
    "/api/v1/timestamp",
    "/api/v1/status",
    "/api/v1/symbols",
    "/api/v2/symbols",
    "/api/v2/symbols/BTC-USDT",
    "/api/v1/currencies",
    "/api/v1/currencies/BTC",
    "/api/v3/currencies",
    "/api/v3/currencies/USDT",
    "/api/v1/markets",
    "/api/v1/prices",
    "/api/v1/market/orderbook/level1?symbol=BTC-USDT",
    "/api/v1/market/orderbook/level2_20?symbol=BTC-USDT",
    "/api/v1/market/orderbook/level2_100?symbol=ETH-USDT",
    "/api/v1/market/orderbook/level3?symbol=BTC-USDT",
    "/api/v1/market/allTickers",
    "/api/v1/market/stats?symbol=BTC-USDT",
    "/api/v1/market/histories?symbol=BTC-USDT",
    "/api/v1/market/candles?symbol=BTC-USDT&type=1min",
    "/api/v3/margin/symbols",
]
SIGNED_GETS = [
    "/api/v3/market/orderbook/level2?symbol=BTC-USDT",
    "/api/v3/market/orderbook/level3?symbol=BTC-USDT",
    "/api/v1/accounts",
    "/api/v1/accounts/ledgers",
    "/api/v1/hf/accounts/ledgers",
    "/api/v1/hf/accounts/opened",
    "/api/v2/user-info",
    "/api/v1/user/api-key",
    "/api/v1/trade-fees?symbols=BTC-USDT",
    "/api/v1/base-fee",
    "/api/v1/isolated/symbols",
    "/api/v1/orders",
    "/api/v1/limit/orders",
    "/api/v1/fills",
    "/api/v1/limit/fills",
    "/api/v1/stop-order",
    "/api/v1/hf/orders/active?symbol=BTC-USDT",
    "/api/v1/hf/orders/active/symbols",
    "/api/v1/hf/orders/done?symbol=BTC-USDT",
    "/api/v1/hf/fills?symbol=BTC-USDT",
]


@pytest.mark.parametrize("path", PUBLIC_GETS)
async def test_public_endpoints_envelope(client: Client, path: str) -> None:
    status, headers, payload = await client.raw("GET", path)
    assert status == 200 and payload["code"] == "200000" and "data" in payload
    assert headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("path", SIGNED_GETS)
async def test_signed_endpoints_envelope(client: Client, path: str) -> None:
    status, _, payload = await client.raw("GET", path, signed=True)
    assert status == 200 and payload["code"] == "200000", payload
    status, _, payload = await client.raw("GET", path)
    assert status == 401 and payload["code"] == "400001"


async def test_unknown_route_and_symbol(client: Client) -> None:
    status, _, payload = await client.raw("GET", "/api/v1/nothing")
    assert (status, payload["code"]) == (404, "404000")
    status, _, payload = await client.raw("GET", "/api/v1/market/stats?symbol=NOPE-USDT")
    assert payload["code"] != "200000"
    status, _, payload = await client.raw("GET", "/api/v1/market/stats")
    assert (status, payload["code"]) == (400, "400100")


async def test_symbols_and_book_shapes(client: Client) -> None:
    symbols = await client.get("/api/v2/symbols", signed=False)
    btc = next(s for s in symbols if s["symbol"] == "BTC-USDT")
    assert btc["baseCurrency"] == "BTC" and btc["priceIncrement"] == "0.1"
    assert btc["baseIncrement"] == "0.00000001" and btc["enableTrading"] is True
    book = await client.get("/api/v1/market/orderbook/level2_20?symbol=BTC-USDT", signed=False)
    assert isinstance(book["sequence"], str) and isinstance(book["time"], int)
    assert len(book["bids"]) == 10 and len(book["asks"]) == 10
    prices = [float(p) for p, _ in book["bids"]]
    assert prices == sorted(prices, reverse=True)
    assert float(book["bids"][0][0]) < float(book["asks"][0][0])
    full = await client.get("/api/v3/market/orderbook/level2?symbol=BTC-USDT")
    assert full["sequence"] == book["sequence"] and full["bids"] == book["bids"]
    level1 = await client.get("/api/v1/market/orderbook/level1?symbol=BTC-USDT", signed=False)
    assert level1["bestBid"] == book["bids"][0][0] and level1["bestAsk"] == book["asks"][0][0]


async def _order(client: Client, path: str = "/api/v1/orders", **over: Any) -> str:
    body = {
        "clientOid": "r-1",
        "symbol": "BTC-USDT",
        "side": "buy",
        "type": "limit",
        "price": "20000",
        "size": "0.01",
        **over,
    }
    data = await client.post(path, body)
    return str(data["orderId"])


async def test_classic_order_lifecycle(client: Client) -> None:
    order_id = await _order(client, clientOid="c-1")
    detail = await client.get(f"/api/v1/orders/{order_id}")
    assert detail["isActive"] is True and detail["price"] == "20000" and detail["size"] == "0.01"
    assert (await client.get("/api/v1/order/client-order/c-1"))["id"] == order_id
    active = await client.get("/api/v1/orders?status=active&symbol=BTC-USDT")
    assert [o["id"] for o in active["items"]] == [order_id]
    usdt = await client.get("/api/v1/accounts?currency=USDT&type=trade")
    assert usdt[0]["holds"] != "0"
    holds = await client.get(f"/api/v1/accounts/{usdt[0]['id']}/holds")
    assert holds["items"][0]["orderId"] == order_id
    cancelled = await client.delete(f"/api/v1/orders/{order_id}")
    assert cancelled == {"cancelledOrderIds": [order_id]}
    assert (await client.get(f"/api/v1/orders/{order_id}"))["isActive"] is False
    _, _, payload = await client.raw("DELETE", f"/api/v1/orders/{order_id}", signed=True)
    assert payload["code"] != "200000"
    await _order(client, clientOid="c-2")
    assert (await client.delete("/api/v1/order/client-order/c-2"))["clientOid"] == "c-2"
    await _order(client, clientOid="c-3")
    all_ids = (await client.delete("/api/v1/orders?symbol=BTC-USDT"))["cancelledOrderIds"]
    assert len(all_ids) == 1


async def test_fill_and_fills_endpoints(client: Client) -> None:
    book = await client.get("/api/v1/market/orderbook/level2_20?symbol=BTC-USDT", signed=False)
    price, size = book["asks"][0]
    order_id = await _order(client, clientOid="t-1", price=price, size=size)
    detail = await client.get(f"/api/v1/orders/{order_id}")
    assert detail["dealSize"] == size and detail["isActive"] is False
    fills = await client.get(f"/api/v1/fills?orderId={order_id}")
    assert fills["items"][0]["liquidity"] == "taker" and fills["items"][0]["price"] == price
    assert (await client.get("/api/v1/limit/fills"))[0]["orderId"] == order_id
    ledgers = await client.get("/api/v1/accounts/ledgers?currency=BTC")
    assert ledgers["items"][0]["bizType"] == "Exchange"
    candles = await client.get("/api/v1/market/candles?symbol=BTC-USDT&type=1min", signed=False)
    assert candles[0][1] == price and len(candles[0]) == 7
    trades = await client.get("/api/v1/market/histories?symbol=BTC-USDT", signed=False)
    assert trades[-1]["price"] == price and trades[-1]["side"] == "buy"


async def test_pagination(client: Client) -> None:
    for i in range(12):
        await _order(client, clientOid=f"p-{i}", price=str(20000 - i))
    page = await client.get("/api/v1/orders?status=active&currentPage=2&pageSize=10")
    assert page["currentPage"] == 2 and page["pageSize"] == 10
    assert page["totalNum"] == 12 and page["totalPage"] == 2 and len(page["items"]) == 2
    first = await client.get("/api/v1/orders?status=active")
    assert first["pageSize"] == 50 and len(first["items"]) == 12


async def test_hf_orders(client: Client) -> None:
    order_id = await _order(client, "/api/v1/hf/orders", clientOid="h-1")
    assert (await client.get(f"/api/v1/hf/orders/{order_id}?symbol=BTC-USDT"))["active"]
    by_coid = await client.get("/api/v1/hf/orders/client-order/h-1?symbol=BTC-USDT")
    assert by_coid["id"] == order_id
    active = await client.get("/api/v1/hf/orders/active?symbol=BTC-USDT")
    assert [o["id"] for o in active] == [order_id]
    hf = await client.get("/api/v1/accounts?currency=USDT&type=trade_hf")
    assert hf[0]["holds"] != "0"
    assert await client.delete(f"/api/v1/hf/orders/{order_id}?symbol=BTC-USDT") == {
        "orderId": order_id
    }
    done = await client.get("/api/v1/hf/orders/done?symbol=BTC-USDT")
    assert done["items"][0]["id"] == order_id
    await _order(client, "/api/v1/hf/orders", clientOid="h-2")
    assert await client.delete("/api/v1/hf/orders/client-order/h-2?symbol=BTC-USDT") == {
        "clientOid": "h-2"
    }
    await _order(client, "/api/v1/hf/orders", clientOid="h-3")
    assert await client.delete("/api/v1/hf/orders?symbol=BTC-USDT") == "success"
    await _order(client, "/api/v1/hf/orders", clientOid="h-4")
    result = await client.delete("/api/v1/hf/orders/cancelAll")
    assert result == {"succeedSymbols": ["BTC-USDT"], "failedSymbols": []}
    book = await client.get("/api/v1/market/orderbook/level2_20?symbol=BTC-USDT", signed=False)
    filled = await _order(
        client,
        "/api/v1/hf/orders",
        clientOid="h-5",
        price=book["asks"][0][0],
        size=book["asks"][0][1],
    )
    fills = await client.get("/api/v1/hf/fills?symbol=BTC-USDT")
    assert fills["items"][0]["orderId"] == filled and isinstance(fills["items"][0]["id"], int)


async def test_stop_orders(client: Client) -> None:
    body = {
        "clientOid": "s-1",
        "symbol": "BTC-USDT",
        "side": "sell",
        "type": "limit",
        "price": "10000",
        "size": "0.01",
        "stop": "loss",
        "stopPrice": "10001",
    }
    order_id = (await client.post("/api/v1/stop-order", body))["orderId"]
    listed = await client.get("/api/v1/stop-order")
    assert [o["id"] for o in listed["items"]] == [order_id]
    assert (await client.get(f"/api/v1/stop-order/{order_id}"))["stopPrice"] == "10001"
    by_coid = await client.get("/api/v1/stop-order/queryOrderByClientOid?clientOid=s-1")
    assert by_coid[0]["id"] == order_id
    assert (await client.delete(f"/api/v1/stop-order/{order_id}"))["cancelledOrderIds"] == [
        order_id
    ]


async def test_order_rejections(client: Client) -> None:
    bad = {"clientOid": "b", "symbol": "BTC-USDT", "side": "up", "price": "1", "size": "1"}
    status, _, payload = await client.raw("POST", "/api/v1/orders", body=bad, signed=True)
    assert (status, payload["code"]) == (400, "400100")
    broke = {
        "clientOid": "b2",
        "symbol": "BTC-USDT",
        "side": "buy",
        "price": "20000",
        "size": "1000",
    }
    status, _, payload = await client.raw("POST", "/api/v1/orders", body=broke, signed=True)
    assert payload["code"] == "200004"


async def test_accounts_and_transfers(client: Client) -> None:
    created = await client.post("/api/v1/accounts", {"type": "main", "currency": "USDT"})
    main = await client.get(f"/api/v1/accounts/{created['id']}")
    assert main == {"currency": "USDT", "balance": "0", "available": "0", "holds": "0"}
    body = {"clientOid": "t1", "currency": "USDT", "from": "trade", "to": "main", "amount": "10"}
    assert (await client.post("/api/v2/accounts/inner-transfer", body))["orderId"]
    assert (await client.get(f"/api/v1/accounts/{created['id']}"))["balance"] == "10"
    trade = (await client.get("/api/v1/accounts?currency=USDT&type=trade"))[0]
    v1 = {
        "clientOid": "t2",
        "payAccountId": created["id"],
        "recAccountId": trade["id"],
        "amount": "4",
    }
    assert (await client.post("/api/v1/accounts/inner-transfer", v1))["orderId"]
    assert (await client.get(f"/api/v1/accounts/{created['id']}"))["balance"] == "6"
    ledgers = await client.get(f"/api/v1/accounts/{created['id']}/ledgers")
    assert ledgers["totalNum"] == 2


async def test_bullet_private_requires_signature(client: Client) -> None:
    status, _, payload = await client.raw("POST", "/api/v1/bullet-private")
    assert (status, payload["code"]) == (401, "400001")
    assert (await client.data("POST", "/api/v1/bullet-private", signed=True))["token"]


async def test_activity_is_deterministic_for_a_seed() -> None:
    async def run(seed: int) -> list[Any]:
        sim = KucoinSimulator(seed=seed, activity=False, time_s=lambda: 1_700_000_000.0)
        sim.market.seed_books()
        for _ in range(200):
            sim.market.tick()
        return [sim.engine.level2_snapshot("BTC-USDT"), sim.engine.trades("ETH-USDT")]

    assert await run(5) == await run(5)
    assert await run(5) != await run(6)
