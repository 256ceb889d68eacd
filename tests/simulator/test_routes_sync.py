"""Test orders, synchronous place/cancel, paged active HF orders and KuCoin's 404 answer,
over real HTTP; answers parsed with the official SDK's models."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from kucoin_universal_sdk.generate.spot.order import (
    AddOrderSyncResp,
    AddOrderTestOldResp,
    AddOrderTestResp,
    CancelOrderByClientOidSyncResp,
    CancelOrderByOrderIdSyncResp,
    GetOpenOrdersByPageResp,
)

from .conftest import Client, next_message, open_ws, subscribe

SYMBOL = "BTC-USDT"


def buy(price: str = "20000", size: str = "0.01", **extra: Any) -> dict[str, Any]:
    return {"symbol": SYMBOL, "side": "buy", "type": "limit", "price": price, "size": size, **extra}


async def state(client: Client) -> tuple[Any, ...]:
    """Everything a placement could change: balances, holds, the book, active orders."""
    accounts = await client.get("/api/v1/accounts")
    book = await client.get(f"/api/v3/market/orderbook/level2?symbol={SYMBOL}")
    hf = await client.get(f"/api/v1/hf/orders/active?symbol={SYMBOL}")
    classic = await client.get("/api/v1/orders?status=active")
    return accounts, book["sequence"], book["bids"], book["asks"], hf, classic["items"]


@pytest.mark.parametrize(
    ("path", "model", "account"),
    [
        ("/api/v1/hf/orders/test", AddOrderTestResp, "trade_hf"),
        ("/api/v1/orders/test", AddOrderTestOldResp, "trade"),
    ],
)
async def test_test_order_places_nothing(
    client: Client, path: str, model: Any, account: str
) -> None:
    ws = await open_ws(client, private=True)
    await subscribe(ws, "/spotMarket/tradeOrdersV2", "o", private=True)
    before = await state(client)
    parsed = model.from_dict(await client.post(path, buy(clientOid="t-1")))
    assert parsed.order_id
    assert await state(client) == before
    status, _, payload = await client.raw(
        "GET", f"/api/v1/hf/orders/{parsed.order_id}?symbol={SYMBOL}", signed=True
    )
    assert (status, payload["code"]) == (400, "400100")
    # the clientOid stays free: a real order may use it, and its first event is ours
    real = "/api/v1/hf/orders" if account == "trade_hf" else "/api/v1/orders"
    placed = await client.post(real, buy(clientOid="t-1"))
    event = (await next_message(ws, "/spotMarket/tradeOrdersV2"))["data"]
    assert event["orderId"] == placed["orderId"] and event["type"] == "received"
    await ws.close()


@pytest.mark.parametrize(
    "body",
    [
        buy(price="20000.05"),  # off the tick
        buy(size="0"),
        buy(size="100"),  # 2M USDT: insufficient funds
        {**buy(), "symbol": "NOPE-USDT"},
        buy(clientOid="taken"),  # duplicate clientOid
    ],
)
async def test_test_order_refuses_as_a_placement_would(
    client: Client, body: dict[str, Any]
) -> None:
    await client.post("/api/v1/hf/orders", buy(price="19000", clientOid="taken"))
    before = await state(client)
    tested = await client.raw("POST", "/api/v1/hf/orders/test", body=body, signed=True)
    placed = await client.raw("POST", "/api/v1/hf/orders", body=body, signed=True)
    assert tested[2]["code"] != "200000"
    assert (tested[0], tested[2]) == (placed[0], placed[2])
    assert await state(client) == before


async def test_sync_place_and_cancels(client: Client) -> None:
    book = await client.get(f"/api/v1/market/orderbook/level2_20?symbol={SYMBOL}", signed=False)
    ask_price, ask_size = book["asks"][0]
    size = Decimal(ask_size) + Decimal("0.01")
    data = await client.post("/api/v1/hf/orders/sync", buy(ask_price, str(size), clientOid="s-1"))
    placed = AddOrderSyncResp.from_dict(data)
    assert placed.status.value == "open" and placed.client_oid == "s-1"
    assert (placed.deal_size, placed.remain_size) == (ask_size, "0.01")
    assert placed.origin_size == str(size) and placed.canceled_size == "0"
    data = await client.delete(f"/api/v1/hf/orders/sync/{placed.order_id}?symbol={SYMBOL}")
    canceled = CancelOrderByOrderIdSyncResp.from_dict(data)
    assert canceled.order_id == placed.order_id and canceled.status.value == "done"
    assert (canceled.deal_size, canceled.remain_size, canceled.canceled_size) == (
        ask_size,
        "0",
        "0.01",
    )
    usdt = (await client.get("/api/v1/accounts?currency=USDT&type=trade_hf"))[0]
    assert usdt["holds"] == "0"
    await client.post("/api/v1/hf/orders", buy(clientOid="s-2"))
    data = await client.delete(f"/api/v1/hf/orders/sync/client-order/s-2?symbol={SYMBOL}")
    by_coid = CancelOrderByClientOidSyncResp.from_dict(data)
    assert by_coid.client_oid == "s-2" and by_coid.status.value == "done"
    assert by_coid.canceled_size == "0.01" and by_coid.origin_size == "0.01"
    assert await client.get(f"/api/v1/hf/orders/active?symbol={SYMBOL}") == []
    status, _, payload = await client.raw(
        "DELETE", f"/api/v1/hf/orders/sync/client-order/s-2?symbol={SYMBOL}", signed=True
    )
    assert (status, payload["code"]) == (400, "400100")


async def test_active_orders_by_page(client: Client) -> None:
    ids = [
        (await client.post("/api/v1/hf/orders", buy(price=str(20000 + i))))["orderId"]
        for i in range(5)
    ]
    await client.post("/api/v1/hf/orders", {**buy(), "symbol": "ETH-USDT", "price": "100"})
    path = f"/api/v1/hf/orders/active/page?symbol={SYMBOL}&pageSize=2"
    pages = [
        GetOpenOrdersByPageResp.from_dict(await client.get(f"{path}&pageNum={n}"))
        for n in (1, 2, 3, 4)
    ]
    assert [(p.current_page, p.page_size, p.total_num, p.total_page) for p in pages] == [
        (n, 2, 5, 3) for n in (1, 2, 3, 4)
    ]
    listed = [item.id for page in pages for item in page.items]
    assert listed == list(reversed(ids))  # newest first
    assert all(item.active and item.symbol == SYMBOL for p in pages for item in p.items)
    status, _, payload = await client.raw("GET", f"{path}&pageNum=0", signed=True)
    assert (status, payload["code"]) == (400, "400100")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/nothing/here"),
        ("POST", "/api/v2/orders/alter"),
        ("GET", "/api/v1/hf/orders/multi/sync"),  # known path, wrong method
        ("PUT", "/api/v1/orders"),
        ("POST", "/api/v1/hf/orders/active"),
        ("PATCH", "/api/v1/timestamp"),
    ],
)
async def test_routes_not_served_answer_kucoin_404(client: Client, method: str, path: str) -> None:
    status, headers, payload = await client.raw(method, path, body={}, signed=True)
    assert status == 404 and payload == {"code": "404000", "msg": "Url Not Found"}
    assert headers["Content-Type"].startswith("application/json")
