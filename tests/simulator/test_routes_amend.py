"""HF modify (alter) and partial cancel over real HTTP: book levels, holds, queue priority
and the WebSocket events they cause; answers parsed with the official SDK's models."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kucoin_universal_sdk.generate.spot.order import (
    CancelPartialOrderResp,
    ModifyOrderResp,
)

from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator

from .conftest import Client, next_message, open_ws, subscribe

SYMBOL = "BTC-USDT"
BID = "29999"  # inside the seeded spread: our bids are the best, nothing crosses them
TAKER_FEE = Decimal("0.001")


async def place_hf(client: Client, **fields: Any) -> str:
    body = {"symbol": SYMBOL, "side": "buy", "type": "limit", "price": BID, "size": "0.01"}
    body.update(fields)
    data = await client.post("/api/v1/hf/orders", body)
    return str(data["orderId"])


async def hf_usdt(client: Client) -> tuple[Decimal, Decimal]:
    """(available, holds) of the caller's trade_hf USDT account."""
    acc = (await client.get("/api/v1/accounts?currency=USDT&type=trade_hf"))[0]
    return Decimal(acc["available"]), Decimal(acc["holds"])


async def bid_level(client: Client, price: str) -> Decimal:
    book = await client.get(f"/api/v3/market/orderbook/level2?symbol={SYMBOL}")
    sizes = [Decimal(size) for p, size in book["bids"] if Decimal(p) == Decimal(price)]
    return sizes[0] if sizes else Decimal(0)


async def order(client: Client, order_id: str) -> dict[str, Any]:
    data: dict[str, Any] = await client.get(f"/api/v1/hf/orders/{order_id}?symbol={SYMBOL}")
    return data


async def taker_client(client: Client, sim: KucoinSimulator) -> Client:
    creds = sim.add_api_key("taker-key", "taker-secret", "taker-pass")
    sim.deposit("BTC", "1", account_type="trade_hf", user_id=creds.user_id)
    return Client(client.session, sim, creds)


async def test_alter_replaces_the_order_and_moves_its_hold(client: Client) -> None:
    first = await place_hf(client, clientOid="alt-1")
    _, holds_before = await hf_usdt(client)
    data = await client.post(
        "/api/v1/hf/orders/alter",
        {"symbol": SYMBOL, "orderId": first, "newPrice": "29998", "newSize": "0.02"},
    )
    parsed = ModifyOrderResp.from_dict(data)
    assert parsed is not None and parsed.client_oid == "alt-1"
    new_id = parsed.new_order_id
    assert new_id and new_id != first
    old = await order(client, first)
    assert not old["active"] and old["cancelExist"]
    new = await order(client, new_id)
    assert new["active"] and (new["price"], new["size"]) == ("29998", "0.02")
    by_coid = await client.get(f"/api/v1/hf/orders/client-order/alt-1?symbol={SYMBOL}")
    assert by_coid["id"] == new_id
    assert await bid_level(client, BID) == 0
    assert await bid_level(client, "29998") == Decimal("0.02")
    _, holds_after = await hf_usdt(client)
    old_hold = Decimal(BID) * Decimal("0.01") * (1 + TAKER_FEE)
    new_hold = Decimal("29998") * Decimal("0.02") * (1 + TAKER_FEE)
    assert holds_after - holds_before == new_hold - old_hold


async def test_alter_loses_queue_priority(client: Client, sim: KucoinSimulator) -> None:
    first = await place_hf(client, size="0.01")
    second = await place_hf(client, size="0.01")
    altered = ModifyOrderResp.from_dict(
        await client.post(
            "/api/v1/hf/orders/alter", {"symbol": SYMBOL, "orderId": first, "newSize": "0.005"}
        )
    )
    assert altered is not None and altered.new_order_id
    taker = await taker_client(client, sim)
    body = {"symbol": SYMBOL, "side": "sell", "type": "limit", "price": BID, "size": "0.01"}
    await taker.post("/api/v1/hf/orders", body)
    assert (await order(client, second))["dealSize"] == "0.01"  # the untouched order first
    assert (await order(client, altered.new_order_id))["dealSize"] == "0"


async def test_alter_below_filled_size_only_cancels(client: Client, sim: KucoinSimulator) -> None:
    mine = await place_hf(client, size="0.02", clientOid="alt-2")
    taker = await taker_client(client, sim)
    body = {"symbol": SYMBOL, "side": "sell", "type": "limit", "price": BID, "size": "0.005"}
    await taker.post("/api/v1/hf/orders", body)
    data = await client.post(
        "/api/v1/hf/orders/alter", {"symbol": SYMBOL, "clientOid": "alt-2", "newSize": "0.005"}
    )
    parsed = ModifyOrderResp.from_dict(data)
    assert parsed is not None and parsed.new_order_id is None
    done = await order(client, mine)
    assert not done["active"] and done["dealSize"] == "0.005"
    assert await bid_level(client, BID) == 0
    assert (await hf_usdt(client))[1] == 0


async def test_alter_refused_leaves_the_order_untouched(client: Client) -> None:
    mine = await place_hf(client)
    before = await hf_usdt(client)
    body = {"symbol": SYMBOL, "orderId": mine, "newSize": "1000"}  # 30M USDT: too much
    status, _, payload = await client.raw("POST", "/api/v1/hf/orders/alter", body=body, signed=True)
    assert payload["code"] == "200004"
    body = {"symbol": SYMBOL, "orderId": mine, "newPrice": "29999.05"}  # off the tick
    status, _, payload = await client.raw("POST", "/api/v1/hf/orders/alter", body=body, signed=True)
    assert (status, payload["code"]) == (400, "400100")
    assert (await order(client, mine))["active"]
    assert await hf_usdt(client) == before
    assert await bid_level(client, BID) == Decimal("0.01")


async def test_partial_cancel_keeps_priority_and_publishes(
    client: Client, sim: KucoinSimulator
) -> None:
    ws = await open_ws(client, private=True)
    await subscribe(ws, "/spotMarket/tradeOrdersV2", "o", private=True)
    book_ws = await open_ws(client, connect_id="l2")
    await subscribe(book_ws, f"/market/level2:{SYMBOL}", "l2")
    first = await place_hf(client, size="0.03")
    second = await place_hf(client, size="0.01")
    _, holds_before = await hf_usdt(client)
    data = await client.delete(f"/api/v1/hf/orders/cancel/{first}?symbol={SYMBOL}&cancelSize=0.01")
    parsed = CancelPartialOrderResp.from_dict(data)
    assert parsed is not None and (parsed.order_id, parsed.cancel_size) == (first, "0.01")
    assert await bid_level(client, BID) == Decimal("0.03")
    _, holds_after = await hf_usdt(client)
    assert holds_before - holds_after == Decimal("0.01") * Decimal(BID) * (1 + TAKER_FEE)
    detail = await order(client, first)
    assert detail["active"] and detail["remainSize"] == "0.02"
    update = await _next_order_event(ws, "update")
    assert update["orderId"] == first and (update["oldSize"], update["size"]) == ("0.03", "0.02")
    assert await _bid_changes(book_ws, BID, 3) == ["0.03", "0.04", "0.03"]
    taker = await taker_client(client, sim)
    body = {"symbol": SYMBOL, "side": "sell", "type": "limit", "price": BID, "size": "0.02"}
    await taker.post("/api/v1/hf/orders", body)
    assert (await order(client, first))["dealSize"] == "0.02"  # still first in the queue
    assert (await order(client, second))["dealSize"] == "0"
    await ws.close()
    await book_ws.close()


async def test_partial_cancel_of_everything_cancels(client: Client) -> None:
    mine = await place_hf(client)
    data = await client.delete(f"/api/v1/hf/orders/cancel/{mine}?symbol={SYMBOL}&cancelSize=1")
    assert CancelPartialOrderResp.from_dict(data) == CancelPartialOrderResp.from_dict(
        {"orderId": mine, "cancelSize": "0.01"}
    )
    assert not (await order(client, mine))["active"]
    assert (await hf_usdt(client))[1] == 0
    path = f"/api/v1/hf/orders/cancel/{mine}?symbol={SYMBOL}&cancelSize=0.001"
    status, _, payload = await client.raw("DELETE", path, signed=True)
    assert (status, payload["code"]) == (400, "400100")


async def _next_order_event(ws: Any, event_type: str) -> dict[str, Any]:
    while True:
        data: dict[str, Any] = (await next_message(ws, "/spotMarket/tradeOrdersV2"))["data"]
        if data["type"] == event_type:
            return data


async def _bid_changes(ws: Any, price: str, count: int) -> list[str]:
    """The first ``count`` level2 sizes published for the bid level at ``price``."""
    sizes: list[str] = []
    while len(sizes) < count:
        changes = (await next_message(ws, "/market/level2"))["data"]["changes"]["bids"]
        sizes += [s for p, s, _ in changes if Decimal(p) == Decimal(price)]
    return sizes[:count]


async def test_partial_cancel_of_an_iceberg_sell(client: Client) -> None:
    """The base hold shrinks; the visible slice shrinks once the rest is below it."""
    ask = "40000"
    body = {
        "symbol": SYMBOL,
        "side": "sell",
        "price": ask,
        "size": "0.1",
        "iceberg": True,
        "visibleSize": "0.04",
    }
    mine = (await client.post("/api/v1/hf/orders", body))["orderId"]

    async def ask_level() -> Decimal:
        book = await client.get(f"/api/v3/market/orderbook/level2?symbol={SYMBOL}")
        return sum((Decimal(s) for p, s in book["asks"] if Decimal(p) == Decimal(ask)), Decimal(0))

    async def btc_holds() -> Decimal:
        return Decimal(
            (await client.get("/api/v1/accounts?currency=BTC&type=trade_hf"))[0]["holds"]
        )

    assert (await ask_level(), await btc_holds()) == (Decimal("0.04"), Decimal("0.1"))
    path = f"/api/v1/hf/orders/cancel/{mine}?symbol={SYMBOL}"
    await client.delete(f"{path}&cancelSize=0.05")
    assert (await ask_level(), await btc_holds()) == (Decimal("0.04"), Decimal("0.05"))
    await client.delete(f"{path}&cancelSize=0.02")
    assert (await ask_level(), await btc_holds()) == (Decimal("0.03"), Decimal("0.03"))
    status, _, payload = await client.raw("DELETE", f"{path}&cancelSize=0.000000001", signed=True)
    assert (status, payload["code"]) == (400, "400100")
    status, _, payload = await client.raw("DELETE", path, signed=True)
    assert (status, payload["code"]) == (400, "400100")
    assert (await order(client, mine))["remainSize"] == "0.03"
