"""kucoin-universal-sdk 1.3.2 (KuCoin's official SDK), unchanged, against the simulator with
a v3 key. The SDK's models parse every answer: a field the test reads is one the SDK read.

Each step's answer is compared with the simulator's own state at that moment.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kucoin_connector.simulator.engine.models import OrderRequest
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator, SimCredentials

from .harness import PeerProcess, StartPeer, account_of, add_peer, decimal, trade_once

SCRIPT = "sdk_flow.py"
SYMBOL = "BTC-USDT"
V3 = 3  # the SDK sends KC-API-KEY-VERSION: 3


async def start_sdk(
    sim: KucoinSimulator, start_peer: StartPeer, flow: str
) -> tuple[PeerProcess, SimCredentials]:
    creds = add_peer(sim, f"sdk-{flow}", V3)
    return await start_peer(SCRIPT, sim, creds, flow), creds


async def test_market_and_accounts(sim: KucoinSimulator, start_peer: StartPeer) -> None:
    peer, creds = await start_sdk(sim, start_peer, "market")
    server_time = await peer.report("get_server_time")
    assert abs(server_time["data"] - sim.clock.now_ms()) < 60_000  # the simulator's clock
    ticker = await peer.step("get_ticker")
    best_bid, best_ask = sim.engine.best_bid_ask(SYMBOL)
    assert best_bid is not None and best_ask is not None
    assert (decimal(ticker["bestBid"]), decimal(ticker["bestAsk"])) == (best_bid[0], best_ask[0])
    assert int(ticker["sequence"]) == sim.engine.sequence(SYMBOL)
    accounts = (await peer.step("get_spot_account_list"))["data"]
    assert {(a["id"], a["currency"], decimal(a["available"])) for a in accounts} == {
        (a.id, a.currency, a.available)
        for a in sim.accounts.list_accounts(creds.user_id, None, "trade")
    }
    await peer.finish()


async def test_classic_orders_and_fills(sim: KucoinSimulator, start_peer: StartPeer) -> None:
    peer, creds = await start_sdk(sim, start_peer, "classic")
    usdt = account_of(sim, creds, "USDT", "trade")
    order = sim.engine.get_order(creds.user_id, (await peer.report("add_order_old"))["orderId"])
    assert (order.is_active, order.account_type, order.size) == (True, "trade", Decimal("0.01"))
    assert usdt.order_holds[order.id] > 0
    fetched = await peer.step("get_order_by_order_id_old")
    assert (fetched["id"], fetched["isActive"], fetched["clientOid"]) == (
        order.id,
        True,
        order.client_oid,
    )
    assert (decimal(fetched["price"]), decimal(fetched["size"])) == (order.price, order.size)
    cancelled = await peer.step("cancel_order_by_order_id_old")
    assert cancelled["cancelledOrderIds"] == [order.id]
    assert not order.is_active and usdt.holds == 0

    taker_id = (await peer.step("add_crossing_order_old"))["orderId"]
    taker = sim.engine.get_order(creds.user_id, taker_id)
    assert (taker.is_active, taker.deal_size) == (False, Decimal("0.001"))
    fills = (await peer.step("get_trade_history_old"))["items"]
    assert [
        (f["tradeId"], f["orderId"], decimal(f["price"]), decimal(f["fee"])) for f in fills
    ] == [
        (f.trade_id, f.order_id, f.price, f.fee)
        for f in sim.engine.list_fills(creds.user_id, order_id=taker.id)
    ]
    await peer.finish()


async def test_hf_place_and_cancel(sim: KucoinSimulator, start_peer: StartPeer) -> None:
    peer, creds = await start_sdk(sim, start_peer, "hf_orders")
    usdt = account_of(sim, creds, "USDT", "trade_hf")
    placed = await peer.report("add_order")
    order = sim.engine.get_order(creds.user_id, placed["orderId"])
    assert (order.is_active, order.account_type, order.client_oid) == (
        True,
        "trade_hf",
        placed["clientOid"],
    )
    assert usdt.order_holds[order.id] > 0
    cancelled = await peer.step("cancel_order_by_order_id")
    assert cancelled["orderId"] == order.id
    assert not order.is_active and usdt.holds == 0
    await peer.finish()


async def test_hf_get_order(sim: KucoinSimulator, start_peer: StartPeer) -> None:
    peer, creds = await start_sdk(sim, start_peer, "hf_lookup")
    order = sim.engine.get_order(creds.user_id, (await peer.report("add_order"))["orderId"])
    fetched = await peer.step("get_order_by_order_id")
    assert (fetched.get("id"), fetched.get("active")) == (order.id, True)
    assert (decimal(fetched["price"]), decimal(fetched["size"])) == (order.price, order.size)
    await peer.finish()


async def test_hf_fills(sim: KucoinSimulator, start_peer: StartPeer) -> None:
    peer, creds = await start_sdk(sim, start_peer, "hf_fills")
    taker = sim.engine.get_order(
        creds.user_id, (await peer.report("add_crossing_order"))["orderId"]
    )
    assert (taker.is_active, taker.deal_size) == (False, Decimal("0.001"))
    history = await peer.step("get_trade_history")
    fills = sim.engine.list_fills(creds.user_id, order_id=taker.id)
    assert [(f["orderId"], decimal(f["price"]), decimal(f["fee"])) for f in history["items"]] == [
        (f.order_id, f.price, f.fee) for f in fills
    ]
    await peer.finish()


async def test_websocket_ticker_and_own_orders(sim: KucoinSimulator, start_peer: StartPeer) -> None:
    peer, creds = await start_sdk(sim, start_peer, "ws")
    await peer.report("subscribe_ticker")
    await peer.proceed()
    trade_once(sim)
    ticker = (await peer.report("ticker_event"))["event"]
    last = sim.engine.last_trade(SYMBOL)
    best_bid, best_ask = sim.engine.best_bid_ask(SYMBOL)
    assert last is not None and best_bid is not None and best_ask is not None
    assert (decimal(ticker["price"]), decimal(ticker["size"])) == (last.price, last.size)
    assert (decimal(ticker["bestBid"]), decimal(ticker["bestAsk"])) == (best_bid[0], best_ask[0])

    await peer.step("subscribe_order_v1")
    await peer.proceed()
    price = best_bid[0] - sim.engine.symbol_spec(SYMBOL).price_increment * 50
    own = sim.engine.place_order(
        creds.user_id,
        OrderRequest(symbol=SYMBOL, side="buy", price=price, size=Decimal("0.01")),
    )
    event = await peer.report("order_v1_event")
    assert (event["topic"], event["subject"]) == ("/spotMarket/tradeOrders", "orderChange")
    data = event["event"]
    assert (data["orderId"], data["symbol"], data["side"]) == (own.id, SYMBOL, "buy")
    assert (decimal(data["price"]), decimal(data["size"])) == (own.price, own.size)
    await peer.finish()


async def await_book_event(sim: KucoinSimulator, peer: PeerProcess, channel: str) -> Any:
    """After the subscription: a new best bid one tick up, and the peer's first event that
    shows it (a book topic may push the book as it was before)."""
    await peer.report(f"subscribe_{channel}")
    await peer.step("awaiting_best_bid")
    best_bid, _ = sim.engine.best_bid_ask(SYMBOL)
    assert best_bid is not None
    price = best_bid[0] + sim.engine.symbol_spec(SYMBOL).price_increment
    await peer.proceed({"best_bid": str(price)})
    sim.engine.place_order(
        sim.user_id, OrderRequest(symbol=SYMBOL, side="buy", price=price, size=Decimal("0.01"))
    )
    return (await peer.report(f"{channel}_event"))["event"]


async def test_websocket_depth5(sim: KucoinSimulator, start_peer: StartPeer) -> None:
    peer, _ = await start_sdk(sim, start_peer, "ws_level5")
    event = await await_book_event(sim, peer, "orderbook_level5")
    _, bids, asks = sim.engine.level2_snapshot(SYMBOL, 5)
    assert [(decimal(p), decimal(s)) for p, s in event["bids"]] == bids
    assert [(decimal(p), decimal(s)) for p, s in event["asks"]] == asks
    await peer.finish()


async def test_websocket_level1(sim: KucoinSimulator, start_peer: StartPeer) -> None:
    peer, _ = await start_sdk(sim, start_peer, "ws_level1")
    event = await await_book_event(sim, peer, "orderbook_level1")
    best_bid, best_ask = sim.engine.best_bid_ask(SYMBOL)
    assert best_bid is not None and best_ask is not None
    assert [decimal(v) for v in event["bids"]] == list(best_bid)
    assert [decimal(v) for v in event["asks"]] == list(best_ask)
    await peer.finish()
