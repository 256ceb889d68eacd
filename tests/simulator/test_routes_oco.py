"""OCO orders over HTTP: one leg trading or triggering cancels the other, funds held once.

Every answer's ``data`` is parsed by the official SDK's response model."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator

from .conftest import Client
from .sdk_responses import (
    AddOcoOrderResp,
    BatchCancelOcoOrdersResp,
    CancelOcoOrderByClientOidResp,
    CancelOcoOrderByOrderIdResp,
    GetOcoOrderByClientOidResp,
    GetOcoOrderByOrderIdResp,
    GetOcoOrderDetailByOrderIdResp,
    GetOcoOrderListResp,
)

D = Decimal


async def _book(client: Client, symbol: str = "BTC-USDT") -> tuple[Decimal, Decimal, Decimal]:
    """(best bid, best ask, best bid size)."""
    book = await client.get(f"/api/v1/market/orderbook/level2_20?symbol={symbol}", signed=False)
    return D(book["bids"][0][0]), D(book["asks"][0][0]), D(book["bids"][0][1])


async def _account(client: Client, currency: str, kind: str = "trade") -> dict[str, Any]:
    accounts = await client.get(f"/api/v1/accounts?currency={currency}&type={kind}")
    assert len(accounts) == 1
    found: dict[str, Any] = accounts[0]
    return found


async def _place(client: Client, **body: Any) -> str:
    data = await client.post("/api/v3/oco/order", {"symbol": "BTC-USDT", **body})
    resp = AddOcoOrderResp.from_dict(data)
    assert resp is not None and resp.order_id
    order_id: str = resp.order_id
    return order_id


async def _detail(client: Client, oco_id: str) -> GetOcoOrderDetailByOrderIdResp:
    data = await client.get(f"/api/v3/oco/order/details/{oco_id}")
    detail = GetOcoOrderDetailByOrderIdResp.from_dict(data)
    assert detail is not None and detail.orders is not None
    return detail


def _other(client: Client, sim: KucoinSimulator, name: str = "k2") -> Client:
    creds = sim.add_api_key(name, f"{name}-secret", f"{name}-pass")
    for currency, amount in (("USDT", "1000000"), ("BTC", "100")):
        sim.deposit(currency, amount, user_id=creds.user_id, account_type="trade_hf")
    return Client(client.session, sim, creds)


async def test_sell_oco_holds_once_and_a_fill_cancels_the_stop_leg(
    client: Client, sim: KucoinSimulator
) -> None:
    bid, ask, _ = await _book(client)
    price = ask + 100
    oco_id = await _place(
        client,
        side="sell",
        price=str(price),
        size="1",
        stopPrice=str(bid - 100),
        limitPrice=str(bid - 110),
        clientOid="oco-1",
    )
    btc = await _account(client, "BTC")
    assert (D(btc["holds"]), D(btc["available"])) == (D(1), D(4))  # held once, not twice
    holds = await client.get(f"/api/v1/accounts/{btc['id']}/holds")
    detail = await _detail(client, oco_id)
    assert detail.status == "NEW" and [o.status for o in detail.orders] == ["NEW", "NEW"]
    limit_leg, stop_leg = detail.orders
    assert (D(limit_leg.price), D(stop_leg.stop_price)) == (price, bid - 100)
    assert sum(D(h["holdAmount"]) for h in holds["items"]) == D(1)

    book = await client.get("/api/v1/market/orderbook/level2_100?symbol=BTC-USDT", signed=False)
    ahead = sum((D(size) for p, size in book["asks"] if D(p) < price), D(0))
    buyer = _other(client, sim)  # takes every ask up to and including the OCO's limit leg
    await buyer.post(
        "/api/v1/hf/orders",
        {"symbol": "BTC-USDT", "side": "buy", "price": str(price), "size": str(ahead + 1)},
    )
    detail = await _detail(client, oco_id)
    assert detail.status == "DONE"
    assert [o.status for o in detail.orders] == ["DONE", "CANCELLED"]
    btc = await _account(client, "BTC")
    assert (D(btc["balance"]), D(btc["holds"])) == (D(4), D(0))
    summary = GetOcoOrderByOrderIdResp.from_dict(await client.get(f"/api/v3/oco/order/{oco_id}"))
    assert summary is not None and summary.status == GetOcoOrderByOrderIdResp.StatusEnum.DONE


async def test_stop_trigger_cancels_the_limit_leg_and_places_the_stop_limit(
    client: Client, sim: KucoinSimulator
) -> None:
    bid, ask, _ = await _book(client)
    limit_price = ask + 10
    oco_id = await _place(
        client,
        side="sell",
        price=str(ask + 500),
        size="0.5",
        stopPrice=str(bid),
        limitPrice=str(limit_price),
    )
    limit_leg_id = (await _detail(client, oco_id)).orders[0].id
    seller = _other(client, sim)
    await seller.post(  # trades at the best bid: the last price reaches the stop price
        "/api/v1/hf/orders",
        {"symbol": "BTC-USDT", "side": "sell", "type": "market", "size": "0.001"},
    )
    detail = await _detail(client, oco_id)
    assert detail.status == "TRIGGERED"
    assert [o.status for o in detail.orders] == ["CANCELLED", "TRIGGERED"]
    limit_order = await client.get(f"/api/v1/orders/{limit_leg_id}")
    assert (limit_order["isActive"], limit_order["cancelExist"]) == (False, True)
    active = await client.get("/api/v1/orders?status=active&symbol=BTC-USDT")
    assert [(D(o["price"]), D(o["size"]), o["side"]) for o in active["items"]] == [
        (limit_price, D("0.5"), "sell")
    ]
    btc = await _account(client, "BTC")
    assert D(btc["holds"]) == D("0.5")  # the new leg's hold replaced the old one


async def test_buy_oco_reserves_the_dearer_leg_and_cancel_by_client_oid_frees_it(
    client: Client,
) -> None:
    bid, ask, _ = await _book(client)
    price, stop, limit = bid - 500, ask + 200, ask + 300
    await _place(
        client,
        side="buy",
        price=str(price),
        size="0.1",
        stopPrice=str(stop),
        limitPrice=str(limit),
        clientOid="buy-oco",
    )
    usdt = await _account(client, "USDT")
    assert D(usdt["holds"]) == limit * D("0.1") * D("1.001")
    by_coid = GetOcoOrderByClientOidResp.from_dict(
        await client.get("/api/v3/oco/client-order/buy-oco")
    )
    assert by_coid is not None and by_coid.status == "NEW" and by_coid.client_oid == "buy-oco"

    data = await client.delete("/api/v3/oco/client-order/buy-oco")
    canceled = CancelOcoOrderByClientOidResp.from_dict(data)
    assert canceled is not None and canceled.cancelled_order_ids is not None
    assert len(canceled.cancelled_order_ids) == 2
    usdt = await _account(client, "USDT")
    assert (D(usdt["holds"]), D(usdt["available"])) == (D(0), D(usdt["balance"]))
    detail = await _detail(client, by_coid.order_id or "")
    assert detail.status == "CANCELLED"
    assert [o.status for o in detail.orders] == ["CANCELLED", "CANCELLED"]
    assert await client.get("/api/v1/orders?status=active") == {
        "currentPage": 1,
        "pageSize": 50,
        "totalNum": 0,
        "totalPage": 0,
        "items": [],
    }


async def test_cancel_by_id_list_and_cancel_many(client: Client) -> None:
    bid, ask, _ = await _book(client)
    eth_bid, eth_ask, _ = await _book(client, "ETH-USDT")
    leg = {"side": "sell", "size": "0.01"}
    btc_ids = [
        await _place(
            client, **leg, price=str(ask + k), stopPrice=str(bid - k), limitPrice=str(bid - k)
        )
        for k in (100, 200, 300)
    ]
    eth_id = await _place(
        client,
        **leg,
        symbol="ETH-USDT",
        price=str(eth_ask + 10),
        stopPrice=str(eth_bid - 10),
        limitPrice=str(eth_bid - 10),
    )
    data = await client.delete(f"/api/v3/oco/order/{btc_ids[0]}")
    one = CancelOcoOrderByOrderIdResp.from_dict(data)
    assert one is not None and one.cancelled_order_ids is not None
    assert len(one.cancelled_order_ids) == 2

    many = BatchCancelOcoOrdersResp.from_dict(
        await client.delete("/api/v3/oco/orders?symbol=BTC-USDT")
    )
    assert many is not None and many.cancelled_order_ids is not None
    assert len(many.cancelled_order_ids) == 4  # the two still waiting, two legs each

    listing = GetOcoOrderListResp.from_dict(await client.get("/api/v3/oco/orders?pageSize=10"))
    assert listing is not None and listing.items is not None and listing.total_num == 4
    statuses = {item.order_id: item.status.value for item in listing.items if item.status}
    assert statuses == {**{i: "CANCELLED" for i in btc_ids}, eth_id: "NEW"}
    active = await client.get("/api/v1/orders?status=active")
    assert [o["symbol"] for o in active["items"]] == ["ETH-USDT"]


async def test_refusals(client: Client) -> None:
    bid, ask, _ = await _book(client)
    wrong_side = {"side": "sell", "price": str(ask + 10), "size": "1"}
    status, _, body = await client.raw(
        "POST",
        "/api/v3/oco/order",
        body={"symbol": "BTC-USDT", **wrong_side, "stopPrice": str(ask + 20), "limitPrice": "1"},
        signed=True,
    )
    assert (status, body["code"]) == (400, "400100")
    status, _, body = await client.raw(
        "POST",
        "/api/v3/oco/order",
        body={
            "symbol": "BTC-USDT",
            "side": "sell",
            "price": str(ask + 10),
            "size": "50",
            "stopPrice": str(bid - 10),
            "limitPrice": str(bid - 10),
        },
        signed=True,
    )
    assert body["code"] == "200004"
    status, _, body = await client.raw("DELETE", "/api/v3/oco/order/nope", signed=True)
    assert (status, body["code"]) == (400, "400100")
    btc = await _account(client, "BTC")
    assert D(btc["holds"]) == D(0)  # nothing refused left a hold behind


async def test_canceling_the_limit_leg_directly_cancels_the_pair_and_frees_the_reserve(
    client: Client,
) -> None:
    bid, ask, _ = await _book(client)
    oco_id = await _place(
        client,
        side="buy",
        price=str(bid - 400),
        size="0.2",
        stopPrice=str(ask + 100),
        limitPrice=str(ask + 150),
    )
    limit_leg_id = (await _detail(client, oco_id)).orders[0].id
    await client.delete(f"/api/v1/orders/{limit_leg_id}")
    detail = await _detail(client, oco_id)
    assert detail.status == "CANCELLED"
    assert [o.status for o in detail.orders] == ["CANCELLED", "CANCELLED"]
    usdt = await _account(client, "USDT")
    assert D(usdt["holds"]) == D(0)
