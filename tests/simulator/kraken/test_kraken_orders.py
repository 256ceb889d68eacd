"""Orders over signed REST: lifecycle, holds and balances, cl_ord_id, validate, post-only,
IOC, market orders, trades history."""

from __future__ import annotations

from decimal import Decimal

from kucoin_connector.simulator.kraken import KrakenSimulator

from .conftest import KrakenClient


def best(ksim: KrakenSimulator, symbol: str = "BTC-USD") -> tuple[Decimal, Decimal]:
    bid, ask = ksim.engine.best_bid_ask(symbol)
    assert bid is not None and ask is not None
    return bid[0], ask[0]


async def test_limit_order_lifecycle_with_holds(
    kclient: KrakenClient, ksim: KrakenSimulator
) -> None:
    bid, _ = best(ksim)
    price = bid - 100
    placed = await kclient.private(
        "AddOrder",
        {"pair": "XBTUSD", "type": "buy", "ordertype": "limit", "volume": "0.5", "price": price},
    )
    (txid,) = placed["txid"]
    assert placed["descr"]["order"] == f"buy 0.50000000 XBTUSD @ limit {price:.1f}"
    hold = price * Decimal("0.5") * Decimal("1.0026")  # the engine holds the taker fee too
    balances = await kclient.private("BalanceEx")
    assert Decimal(balances["ZUSD"]["hold_trade"]) == hold
    assert Decimal(balances["ZUSD"]["balance"]) == Decimal("100000")
    open_orders = (await kclient.private("OpenOrders"))["open"]
    assert list(open_orders) == [txid]
    assert open_orders[txid]["status"] == "open"
    assert open_orders[txid]["vol"] == "0.50000000"
    assert await kclient.private("CancelOrder", {"txid": txid}) == {"count": 1}
    queried = await kclient.private("QueryOrders", {"txid": txid, "trades": "true"})
    assert queried[txid]["status"] == "canceled"
    assert queried[txid]["trades"] == []
    closed = await kclient.private("ClosedOrders")
    assert list(closed["closed"]) == [txid] and closed["count"] == 1
    assert (await kclient.private("BalanceEx"))["ZUSD"]["hold_trade"] == "0.0000000000"
    again = await kclient.private_raw("CancelOrder", {"txid": txid})
    assert again == {"error": ["EOrder:Unknown order"]}


async def test_a_crossing_order_fills_and_settles(
    kclient: KrakenClient, ksim: KrakenSimulator
) -> None:
    _, ask = best(ksim)
    _, asks = ksim.engine.level2_snapshot("BTC-USD", 1)[1:]
    volume = min(asks[0][1], Decimal("0.01"))
    placed = await kclient.private(
        "AddOrder",
        {
            "pair": "XXBTZUSD",
            "type": "buy",
            "ordertype": "limit",
            "volume": volume,
            "price": ask,
            "cl_ord_id": "fill-1",
        },
    )
    (txid,) = placed["txid"]
    info = (await kclient.private("QueryOrders", {"txid": txid, "trades": True}))[txid]
    assert info["status"] == "closed"
    assert Decimal(info["vol_exec"]) == volume
    assert info["cl_ord_id"] == "fill-1"
    cost = ask * volume
    fee = cost * Decimal("0.0026")
    assert Decimal(info["cost"]) == cost.quantize(Decimal("0.00001"))
    (trade_id,) = info["trades"]
    history = await kclient.private("TradesHistory")
    assert history["count"] == 1
    trade = history["trades"][trade_id]
    assert trade["ordertxid"] == txid and trade["pair"] == "XXBTZUSD"
    assert trade["maker"] is False and Decimal(trade["vol"]) == volume
    assert await kclient.private("QueryTrades", {"txid": trade_id}) == {trade_id: trade}
    balances = await kclient.private("Balance")
    assert Decimal(balances["XXBT"]) == 5 + volume
    assert Decimal(balances["ZUSD"]) == (Decimal(100000) - cost - fee).quantize(Decimal("1e-10"))


async def test_cancel_by_cl_ord_id_and_cancel_all(
    kclient: KrakenClient, ksim: KrakenSimulator
) -> None:
    bid, _ = best(ksim)
    for n in range(3):
        await kclient.private(
            "AddOrder",
            {
                "pair": "XBTUSD",
                "type": "buy",
                "ordertype": "limit",
                "volume": "0.01",
                "price": bid - 50 - n,
                "cl_ord_id": f"c-{n}",
            },
        )
    assert await kclient.private("CancelOrder", {"cl_ord_id": "c-1"}) == {"count": 1}
    by_client = await kclient.private("OpenOrders", {"cl_ord_id": "c-1"})
    assert by_client == {"open": {}}
    assert await kclient.private("CancelOrder", {"txid": "c-2"}) == {"count": 1}  # txid field
    assert await kclient.private("CancelAll") == {"count": 1}
    assert ksim.engine.active_orders(ksim.user_id) == []


async def test_validate_places_nothing(kclient: KrakenClient, ksim: KrakenSimulator) -> None:
    result = await kclient.private(
        "AddOrder",
        {
            "pair": "XBTUSD",
            "type": "sell",
            "ordertype": "limit",
            "volume": "1",
            "price": "40000",
            "validate": "true",
        },
    )
    assert result == {"descr": {"order": "sell 1.00000000 XBTUSD @ limit 40000.0"}}
    assert ksim.engine.list_orders(ksim.user_id) == []


async def test_post_only_that_would_take_is_rejected(
    kclient: KrakenClient, ksim: KrakenSimulator
) -> None:
    _, ask = best(ksim)
    reply = await kclient.private_raw(
        "AddOrder",
        {
            "pair": "XBTUSD",
            "type": "buy",
            "ordertype": "limit",
            "volume": "0.01",
            "price": ask,
            "oflags": "post",
        },
    )
    assert reply == {"error": ["EOrder:Post only order"]}
    assert ksim.engine.list_orders(ksim.user_id) == []
    resting = await kclient.private(
        "AddOrder",
        {
            "pair": "XBTUSD",
            "type": "buy",
            "ordertype": "limit",
            "volume": "0.01",
            "price": ask - 1000,
            "oflags": "post",
        },
    )
    info = await kclient.private("QueryOrders", {"txid": resting["txid"][0]})
    assert "post" in next(iter(info.values()))["oflags"]


async def test_refusals_use_krakens_errors(kclient: KrakenClient) -> None:
    async def add(**fields: object) -> object:
        base = {
            "pair": "XBTUSD",
            "type": "buy",
            "ordertype": "limit",
            "volume": "1",
            "price": "1000",
        }
        return (await kclient.private_raw("AddOrder", {**base, **fields}))["error"]

    assert await add(volume="1000") == ["EOrder:Insufficient funds"]
    assert await add(volume="0.000000001") == ["EOrder:Order minimum not met"]
    assert await add(price="0.1", volume="0.001") == ["EOrder:Cost minimum not met"]
    assert await add(pair="DOGEUSD") == ["EQuery:Unknown asset pair"]
    assert await add(timeinforce="GTD") == ["EGeneral:Invalid arguments:timeinforce"]
    assert await add(cl_ord_id="dup") == []
    assert await add(cl_ord_id="dup") == ["EGeneral:Invalid arguments:cl_ord_id"]


async def test_ioc_and_market_orders(kclient: KrakenClient, ksim: KrakenSimulator) -> None:
    bid, _ = best(ksim)
    ioc = await kclient.private(
        "AddOrder",
        {
            "pair": "XBTUSD",
            "type": "buy",
            "ordertype": "limit",
            "volume": "0.01",
            "price": bid - 10,
            "timeinforce": "IOC",
        },
    )
    info = (await kclient.private("QueryOrders", {"txid": ioc["txid"][0]}))[ioc["txid"][0]]
    assert info["status"] == "canceled" and info["vol_exec"] == "0.00000000"
    sold = await kclient.private(
        "AddOrder", {"pair": "XBTUSD", "type": "sell", "ordertype": "market", "volume": "0.001"}
    )
    info = (await kclient.private("QueryOrders", {"txid": sold["txid"][0]}))[sold["txid"][0]]
    assert info["status"] == "closed" and info["vol_exec"] == "0.00100000"
    assert Decimal((await kclient.private("Balance"))["XXBT"]) == Decimal("4.999")
    assert await kclient.private("OpenPositions") == {}
    assert await kclient.private("OpenPositions", {"consolidation": "market"}) == []
