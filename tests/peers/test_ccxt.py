"""ccxt (async REST and pro WebSocket), unchanged, against the simulator, with its own key.

Each step's answer is compared with the simulator's own state at that moment: the engine's
book, orders and fills, and the accounts' balances and holds.
"""

from __future__ import annotations

from decimal import Decimal

from kucoin_connector.simulator.engine.models import OrderRequest
from kucoin_connector.simulator.kucoin_spot.payloads import wire_trade_id
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator

from .harness import (
    StartPeer,
    account_of,
    add_peer,
    decimal,
    has_subscription,
    levels,
    trade_once,
    wait_until,
)

SCRIPT = "ccxt_flow.py"
SYMBOL = "BTC-USDT"
CCXT_KEY_VERSION = 2  # ccxt 4.5.90 always sends KC-API-KEY-VERSION: 2


async def test_public_rest(sim: KucoinSimulator, start_peer: StartPeer) -> None:
    trade_once(sim)
    # ccxt asks candles up to endAt = its now in seconds, and the simulator leaves out the
    # trades of that second (t >= endAt): let the trade's second pass first
    last = sim.engine.last_trade(SYMBOL)
    assert last is not None
    await wait_until(lambda: sim.clock.now_ms() // 1000 > last.time_ms // 1000, "next second")
    peer = await start_peer(SCRIPT, sim, add_peer(sim, "ccxt-public", CCXT_KEY_VERSION), "public")
    markets = await peer.report("load_markets")
    spec = sim.engine.symbol_spec(SYMBOL)
    market = markets["BTC/USDT"]
    assert (market["id"], market["base"], market["quote"]) == (SYMBOL, "BTC", "USDT")
    assert decimal(market["precision"]["price"]) == spec.price_increment
    assert decimal(market["limits"]["amount"]["min"]) == spec.base_min_size
    assert await peer.step("markets") == ["BTC/USDT", "ETH/USDT"]

    book = await peer.step("fetch_order_book")
    _, bids, asks = sim.engine.level2_snapshot(SYMBOL, 20)
    assert (levels(book["bids"]), levels(book["asks"])) == (bids, asks)

    ticker = await peer.step("fetch_ticker")
    best_bid, best_ask = sim.engine.best_bid_ask(SYMBOL)
    assert best_bid is not None and best_ask is not None
    assert (decimal(ticker["bid"]), decimal(ticker["ask"])) == (best_bid[0], best_ask[0])

    trades = await peer.step("fetch_trades")
    # KuCoin's trade history carries no trade id, so neither does ccxt's trade
    assert [(decimal(t["price"]), decimal(t["amount"]), t["side"]) for t in trades] == [
        (last.price, last.size, last.taker_side)
    ]
    candles = await peer.step("fetch_ohlcv")
    assert len(candles) == 1
    _, open_, high, low, close, volume = candles[0]
    assert {decimal(open_), decimal(high), decimal(low), decimal(close)} == {last.price}
    assert decimal(volume) == last.size
    await peer.finish()


async def test_private_rest(sim: KucoinSimulator, start_peer: StartPeer) -> None:
    creds = add_peer(sim, "ccxt", CCXT_KEY_VERSION)
    usdt = account_of(sim, creds, "USDT", "trade_hf")
    peer = await start_peer(SCRIPT, sim, creds, "private")
    await peer.report("load_markets")
    balance = await peer.step("fetch_balance")
    assert decimal(balance["USDT"]["total"]) == usdt.balance == Decimal("10000")
    assert decimal(balance["BTC"]["free"]) == account_of(sim, creds, "BTC", "trade_hf").available

    created = await peer.step("create_order")
    order = sim.engine.get_order(creds.user_id, created["id"])
    assert (order.is_active, order.side, order.size) == (True, "buy", Decimal("0.01"))
    assert usdt.holds == usdt.order_holds[order.id] > order.price * order.size

    fetched = await peer.step("fetch_order")
    assert (fetched["id"], fetched["status"], fetched["side"]) == (order.id, "open", "buy")
    assert (decimal(fetched["price"]), decimal(fetched["amount"])) == (order.price, order.size)
    open_orders = await peer.step("fetch_open_orders")
    assert [o["id"] for o in open_orders] == [o.id for o in sim.engine.active_orders(creds.user_id)]

    await peer.step("cancel_order")
    assert not sim.engine.get_order(creds.user_id, order.id).is_active
    assert (usdt.holds, usdt.available) == (Decimal(0), Decimal("10000"))
    balance = await peer.step("fetch_balance_after_cancel")
    assert decimal(balance["USDT"]["free"]) == usdt.available

    taker_id = (await peer.step("create_crossing_order"))["id"]
    taker = sim.engine.get_order(creds.user_id, taker_id)
    assert (taker.is_active, taker.deal_size) == (False, Decimal("0.001"))
    filled = await peer.step("fetch_filled_order")
    assert (filled["status"], decimal(filled["filled"])) == ("closed", taker.deal_size)
    assert decimal(filled["cost"]) == taker.deal_funds
    trades = await peer.step("fetch_my_trades")
    fills = sim.engine.list_fills(creds.user_id, order_id=taker.id)
    assert [
        (t["id"], t["order"], decimal(t["price"]), decimal(t["fee"]["cost"])) for t in trades
    ] == [(wire_trade_id(f), f.order_id, f.price, f.fee) for f in fills]
    assert account_of(sim, creds, "BTC", "trade_hf").balance == Decimal("1.001")
    await peer.finish()


async def test_default_options_ask_the_account_mode(
    sim: KucoinSimulator, start_peer: StartPeer
) -> None:
    creds = add_peer(sim, "ccxt-default", CCXT_KEY_VERSION)
    peer = await start_peer(SCRIPT, sim, creds, "default")
    await peer.report("load_markets")
    balance = await peer.step("fetch_balance")
    assert decimal(balance["USDT"]["total"]) == account_of(sim, creds, "USDT", "trade_hf").balance
    await peer.finish()


def move_book(sim: KucoinSimulator, count: int) -> None:
    """``count`` new bid levels from the default user, each published as its own l2update
    (the publisher batches the changes of one loop turn: flushing sends them now)."""
    best_bid, _ = sim.engine.best_bid_ask(SYMBOL)
    assert best_bid is not None
    tick = sim.engine.symbol_spec(SYMBOL).price_increment
    for step in range(1, count + 1):
        price = best_bid[0] - tick * (step * 7 + 1)
        sim.engine.place_order(
            sim.user_id, OrderRequest(symbol=SYMBOL, side="buy", price=price, size=Decimal("0.01"))
        )
        sim.state.publisher.flush()


async def test_pro_order_book_and_orders(sim: KucoinSimulator, start_peer: StartPeer) -> None:
    creds = add_peer(sim, "ccxt-pro", CCXT_KEY_VERSION)
    peer = await start_peer(SCRIPT, sim, creds, "pro")
    await peer.report("load_markets")
    await peer.proceed()
    await wait_until(lambda: has_subscription(sim, None, "/market/level2", SYMBOL), "level2 sub")
    move_book(sim, 6)  # ccxt takes its snapshot after 5 buffered updates
    await peer.report("watch_order_book")
    await peer.step("awaiting_sequence")
    move_book(sim, 1)
    sequence, bids, asks = sim.engine.level2_snapshot(SYMBOL)
    book = await peer.step("order_book_at_sequence", {"sequence": sequence})
    assert book["nonce"] == sequence
    assert (levels(book["bids"]), levels(book["asks"])) == (bids, asks)

    await peer.proceed()
    await wait_until(
        lambda: has_subscription(sim, creds.user_id, "/spotMarket/tradeOrders", ""),
        "tradeOrders sub",
    )
    best_bid, best_ask = sim.engine.best_bid_ask(SYMBOL)
    assert best_bid is not None and best_ask is not None
    inside = (best_bid[0] + best_ask[0]) / 2
    size = Decimal("0.002")
    own = sim.engine.place_order(
        creds.user_id, OrderRequest(symbol=SYMBOL, side="sell", price=inside, size=size)
    )
    seen = await peer.report("watch_orders")
    assert [(o["id"], o["status"], decimal(o["price"]), decimal(o["amount"])) for o in seen] == [
        (own.id, "open", inside, size)
    ]
    await peer.proceed()
    sim.engine.place_order(
        sim.user_id, OrderRequest(symbol=SYMBOL, side="buy", price=inside, size=size)
    )
    seen = await peer.report("watch_orders_filled")
    assert not sim.engine.get_order(creds.user_id, own.id).is_active
    assert [(o["id"], o["status"], decimal(o["filled"])) for o in seen] == [
        (own.id, "closed", size)
    ]
    await peer.finish()
