"""Batch placement over real HTTP: each order succeeds or fails on its own, the exchange's
state shows exactly the accepted ones; answers parsed with the official SDK's models."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kucoin_universal_sdk.generate.spot.order import (
    BatchAddOrdersOldResp,
    BatchAddOrdersResp,
    BatchAddOrdersSyncResp,
)

from .conftest import Client

SYMBOL = "BTC-USDT"
FEE = Decimal("1.001")  # a limit buy holds price * size * (1 + taker rate)


def limit(price: str, size: str, coid: str, **extra: Any) -> dict[str, Any]:
    return {
        "clientOid": coid,
        "side": "buy",
        "type": "limit",
        "price": price,
        "size": size,
        **extra,
    }


async def holds(client: Client, account_type: str) -> Decimal:
    acc = (await client.get(f"/api/v1/accounts?currency=USDT&type={account_type}"))[0]
    return Decimal(acc["holds"])


async def active_ids(client: Client, path: str) -> set[str]:
    data = await client.get(path)
    items = data["items"] if isinstance(data, dict) else data
    return {item["id"] for item in items}


async def test_classic_batch_reports_each_order(client: Client) -> None:
    body = {
        "symbol": SYMBOL,
        "orderList": [
            limit("20000", "0.01", "cb-1"),
            limit("20000.05", "0.01", "cb-2"),  # off the price tick
            limit("20001", "0.01", "cb-3", type="market"),  # a market order: refused
            limit("20002", "0.02", "cb-4"),
        ],
    }
    parsed = BatchAddOrdersOldResp.from_dict(await client.post("/api/v1/orders/multi", body))
    assert [(d.client_oid, d.status) for d in parsed.data] == [
        ("cb-1", "success"),
        ("cb-2", "fail"),
        ("cb-3", "fail"),
        ("cb-4", "success"),
    ]
    ok, bad = parsed.data[0], parsed.data[1]
    assert ok.id and ok.fail_msg is None and ok.symbol == SYMBOL and ok.price == "20000"
    assert bad.id is None and bad.fail_msg
    active = await active_ids(client, f"/api/v1/orders?status=active&symbol={SYMBOL}")
    assert active == {parsed.data[0].id, parsed.data[3].id}
    expected = (Decimal("20000") * Decimal("0.01") + Decimal("20002") * Decimal("0.02")) * FEE
    assert await holds(client, "trade") == expected


async def test_hf_batch_funds_run_out_midway(client: Client) -> None:
    # 100000 USDT: the first order holds ~80080, the second would need as much again.
    body = {
        "orderList": [
            {"symbol": SYMBOL, **limit("20000", "4", "hb-1")},
            {"symbol": SYMBOL, **limit("20000", "4", "hb-2")},
            {"symbol": "ETH-USDT", **limit("1000", "1", "hb-3")},
        ]
    }
    parsed = BatchAddOrdersResp.from_dict(await client.post("/api/v1/hf/orders/multi", body))
    assert [(d.client_oid, d.success) for d in parsed.data] == [
        ("hb-1", True),
        ("hb-2", False),
        ("hb-3", True),
    ]
    assert parsed.data[1].order_id is None and parsed.data[1].fail_msg
    assert parsed.data[0].order_id and parsed.data[0].fail_msg is None
    btc = await active_ids(client, f"/api/v1/hf/orders/active?symbol={SYMBOL}")
    eth = await active_ids(client, "/api/v1/hf/orders/active?symbol=ETH-USDT")
    assert (btc, eth) == ({parsed.data[0].order_id}, {parsed.data[2].order_id})
    assert await holds(client, "trade_hf") == (Decimal("80000") + Decimal("1000")) * FEE


async def test_hf_batch_sync_answers_the_state_after_matching(client: Client) -> None:
    book = await client.get(f"/api/v1/market/orderbook/level2_20?symbol={SYMBOL}", signed=False)
    ask_price, ask_size = book["asks"][0]
    body = {
        "orderList": [
            {"symbol": SYMBOL, **limit(ask_price, ask_size, "hs-1")},  # takes the best ask
            {"symbol": SYMBOL, **limit("20000", "0.01", "hs-2")},  # rests
            {"symbol": SYMBOL, **limit("20000", "0", "hs-3")},  # invalid size
        ]
    }
    parsed = BatchAddOrdersSyncResp.from_dict(
        await client.post("/api/v1/hf/orders/multi/sync", body)
    )
    taken, resting, refused = parsed.data
    assert taken.success and taken.status.value == "done"
    assert (taken.deal_size, taken.remain_size) == (ask_size, "0")
    assert resting.success and resting.status.value == "open"
    assert (resting.deal_size, resting.remain_size, resting.origin_size) == ("0", "0.01", "0.01")
    assert not refused.success and refused.fail_msg and refused.order_id is None
    after = await client.get(f"/api/v1/market/orderbook/level2_20?symbol={SYMBOL}", signed=False)
    assert after["asks"][0][0] != ask_price


async def test_batch_size_limits(client: Client) -> None:
    six = [{"symbol": SYMBOL, **limit("20000", "0.01", f"x-{i}")} for i in range(6)]
    for path, body in (
        ("/api/v1/hf/orders/multi", {"orderList": six}),
        ("/api/v1/hf/orders/multi/sync", {"orderList": six}),
        ("/api/v1/orders/multi", {"symbol": SYMBOL, "orderList": six}),
        ("/api/v1/hf/orders/multi", {"orderList": []}),
    ):
        status, _, payload = await client.raw("POST", path, body=body, signed=True)
        assert (status, payload["code"]) == (400, "400100"), path
    assert await holds(client, "trade_hf") == 0 and await holds(client, "trade") == 0
