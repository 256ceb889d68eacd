"""ccxt ``kucoinfutures`` (async REST), unchanged, against the KuCoin Futures simulator.

ccxt needs two hosts: the futures simulator, and a spot simulator for the spot paths it
asks during ``load_markets`` with a key; the peer has the same key on both. Each step's
answer is compared with the futures simulator's own state at that moment: the engine's
book, orders and fills, the position book (modes, leverage, positions) and the margin
wallet.
"""

from __future__ import annotations

from decimal import Decimal

from kucoin_connector.simulator.engine.margin import MarginWallet
from kucoin_connector.simulator.engine.models import OrderRequest
from kucoin_connector.simulator.engine.positions import MarginMode, PositionMode
from kucoin_connector.simulator.kucoin_futures.server import KucoinFuturesSimulator
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator, SimCredentials

from .harness import (
    MARGIN_DEPOSIT,
    PeerProcess,
    StartPeer,
    add_futures_peer,
    decimal,
    levels,
    wait_until,
)

SCRIPT = "ccxt_futures_flow.py"
CONTRACT = "XBTUSDTM"


def wallet(futures_sim: KucoinFuturesSimulator, creds: SimCredentials) -> MarginWallet:
    return futures_sim.margin.ledger.wallet(creds.user_id, "USDT")


def assert_balance(balance: dict[str, dict[str, float]], usdt: MarginWallet) -> None:
    """ccxt's USDT: free = available, used = order + position margin, total = balance
    (no unrealised PnL: the mark is the last trade, the peer's entry)."""
    assert decimal(balance["USDT"]["free"]) == usdt.available
    assert decimal(balance["USDT"]["used"]) == usdt.order_margin + usdt.position_margin
    assert decimal(balance["USDT"]["total"]) == usdt.balance


async def test_rest_flow(
    sim: KucoinSimulator, futures_sim: KucoinFuturesSimulator, start_peer: StartPeer
) -> None:
    creds = add_futures_peer(sim, futures_sim, "ccxt-futures")
    user = creds.user_id
    peer = await start_peer(
        SCRIPT, sim, creds, "futures", ("--futures-rest-url", futures_sim.rest_url)
    )
    await peer.report("load_markets")
    markets = await peer.step("markets")
    assert sorted(markets) == ["BTC/USDT:USDT", "ETH/USDT:USDT"]
    contract = futures_sim.state.contracts[CONTRACT]
    btc = markets["BTC/USDT:USDT"]
    assert (btc["id"], btc["type"], btc["swap"], btc["linear"]) == (CONTRACT, "swap", True, True)
    assert (btc["base"], btc["quote"], btc["settle"]) == ("BTC", "USDT", "USDT")
    assert decimal(btc["contractSize"]) == contract.multiplier
    assert decimal(btc["precision"]["price"]) == contract.tick_size
    assert decimal(btc["precision"]["amount"]) == contract.lot_size

    book = await peer.step("fetch_order_book")
    sequence, bids, asks = futures_sim.engine.level2_snapshot(CONTRACT)
    assert book["nonce"] == sequence
    assert (levels(book["bids"]), levels(book["asks"])) == (bids, asks)

    balance = await peer.step("fetch_balance")
    assert wallet(futures_sim, creds).balance == MARGIN_DEPOSIT
    assert_balance(balance, wallet(futures_sim, creds))

    positions = futures_sim.margin.positions
    assert (await peer.step("fetch_position_mode"))["hedged"] is False
    await peer.step("set_hedge_mode")
    assert positions.position_mode(user) is PositionMode.HEDGE
    assert (await peer.step("fetch_hedge_mode"))["hedged"] is True
    await peer.step("set_one_way_mode")
    assert positions.position_mode(user) is PositionMode.ONE_WAY
    assert positions.margin_mode(user, CONTRACT) is MarginMode.ISOLATED
    margin_mode = await peer.step("set_margin_mode")
    assert margin_mode["marginMode"] == "cross"
    assert positions.margin_mode(user, CONTRACT) is MarginMode.CROSS
    await peer.step("set_leverage")
    assert positions.leverage(user, CONTRACT) == Decimal(10)

    funding = await peer.step("fetch_funding_rate")
    assert decimal(funding["fundingRate"]) == futures_sim.state.funding_rate(CONTRACT)
    assert funding["fundingTimestamp"] == futures_sim.state.next_funding_ms

    await order_steps(peer, futures_sim, creds)


async def order_steps(
    peer: PeerProcess, futures_sim: KucoinFuturesSimulator, creds: SimCredentials
) -> None:
    """A resting order (created, fetched, listed, canceled), then a taker that opens a
    long: the position, the fill, the margin wallet and the candle it printed."""
    engine, user = futures_sim.engine, creds.user_id
    created = await peer.step("create_order")
    order = engine.get_order(user, created["id"])
    assert (order.is_active, order.side, order.size) == (True, "buy", Decimal(2))
    usdt = wallet(futures_sim, creds)
    assert usdt.order_margin > 0 and usdt.available == MARGIN_DEPOSIT - usdt.order_margin
    fetched = await peer.step("fetch_order")
    assert (fetched["id"], fetched["status"], fetched["side"]) == (order.id, "open", "buy")
    assert (decimal(fetched["price"]), decimal(fetched["amount"])) == (order.price, order.size)
    assert fetched["info"]["marginMode"] == "CROSS"  # the mode set for the contract
    open_orders = await peer.step("fetch_open_orders")
    assert [o["id"] for o in open_orders] == [o.id for o in engine.active_orders(user)]
    await peer.step("cancel_order")
    assert not engine.get_order(user, order.id).is_active
    assert wallet(futures_sim, creds).available == MARGIN_DEPOSIT

    taker = engine.get_order(user, (await peer.step("create_crossing_order"))["id"])
    assert (taker.is_active, taker.deal_size) == (False, Decimal(3))
    filled = await peer.step("fetch_filled_order")
    assert (filled["status"], decimal(filled["filled"])) == ("closed", taker.deal_size)
    assert decimal(filled["cost"]) == taker.deal_funds

    [position] = [p for p in futures_sim.margin.positions.positions(user) if p.qty]
    seen = await peer.step("fetch_positions")
    assert [(p["symbol"], p["side"], decimal(p["contracts"])) for p in seen] == [
        ("BTC/USDT:USDT", "long", position.qty)
    ]
    assert decimal(seen[0]["entryPrice"]) == position.entry_price
    assert (seen[0]["marginMode"], decimal(seen[0]["leverage"])) == ("cross", position.leverage)

    trades = await peer.step("fetch_my_trades")
    fills = engine.list_fills(user, order_id=taker.id)
    multiplier = futures_sim.state.contracts[CONTRACT].multiplier
    assert [
        (t["id"], t["order"], decimal(t["price"]), decimal(t["amount"]), decimal(t["cost"]))
        for t in trades
    ] == [(f.trade_id, f.order_id, f.price, f.size, f.price * f.size * multiplier) for f in fills]
    assert [decimal(t["fee"]["cost"]) for t in trades] == [f.fee for f in fills]
    assert [t["info"]["marginMode"] for t in trades] == ["CROSS"]

    balance = await peer.step("fetch_balance_with_position")
    usdt = wallet(futures_sim, creds)
    assert usdt.position_margin > 0 and usdt.balance == MARGIN_DEPOSIT - sum(f.fee for f in fills)
    assert_balance(balance, usdt)

    [candle] = await peer.step("fetch_ohlcv")
    [trade] = engine.trades(CONTRACT)
    assert candle[0] == trade.time_ms // 60_000 * 60_000
    assert [decimal(v) for v in candle[1:]] == [trade.price] * 4 + [trade.size]
    await funding_and_closing_steps(peer, futures_sim, creds)


async def funding_and_closing_steps(
    peer: PeerProcess, futures_sim: KucoinFuturesSimulator, creds: SimCredentials
) -> None:
    """Funding settled on the long; an order beyond the wallet refused as InsufficientFunds;
    the long closed by a reduce-only market sell."""
    user = creds.user_id
    before = wallet(futures_sim, creds).balance
    payments = futures_sim.settle_funding(CONTRACT)
    assert len([p for p in payments if p.user_id == user]) == 1
    usdt = wallet(futures_sim, creds)
    assert usdt.balance < before
    history = await peer.step("fetch_funding_history")
    assert [decimal(h["amount"]) for h in history] == [usdt.balance - before]

    assert await peer.step("create_order_beyond_margin") == "InsufficientFunds"
    assert futures_sim.engine.active_orders(user) == []

    closing = futures_sim.engine.get_order(user, (await peer.step("close_position"))["id"])
    assert (closing.side, closing.reduce_only, closing.deal_size) == ("sell", True, Decimal(3))
    assert not any(p.qty for p in futures_sim.margin.positions.positions(user))
    assert await peer.step("fetch_positions_closed") == []
    balance = await peer.step("fetch_balance_closed")
    usdt = wallet(futures_sim, creds)
    assert (usdt.position_margin, usdt.order_margin) == (Decimal(0), Decimal(0))
    assert_balance(balance, usdt)
    await peer.finish()


async def test_hedge_mode_long_and_short(
    sim: KucoinSimulator, futures_sim: KucoinFuturesSimulator, start_peer: StartPeer
) -> None:
    creds = add_futures_peer(sim, futures_sim, "ccxt-futures-hedge")
    user, book = creds.user_id, futures_sim.margin.positions
    peer = await start_peer(
        SCRIPT, sim, creds, "hedge", ("--futures-rest-url", futures_sim.rest_url)
    )
    await peer.report("load_markets")
    await peer.step("set_hedge_mode")
    assert book.position_mode(user) is PositionMode.HEDGE
    await peer.step("open_long")
    await peer.step("open_short")
    held = {p.side.value: p.qty for p in book.positions(user) if p.qty}
    assert held == {"LONG": Decimal(2), "SHORT": Decimal(1)}
    seen = await peer.step("fetch_hedged_positions")
    assert sorted(
        (p["info"]["positionSide"], p["side"], decimal(p["contracts"])) for p in seen
    ) == [
        ("LONG", "long", held["LONG"]),
        ("SHORT", "short", held["SHORT"]),
    ]
    await peer.step("close_long")
    await peer.step("close_short")
    assert not any(p.qty for p in book.positions(user))
    assert await peer.step("fetch_positions_closed") == []
    await peer.step("set_one_way_mode")
    assert book.position_mode(user) is PositionMode.ONE_WAY
    assert wallet(futures_sim, creds).position_margin == Decimal(0)
    await peer.finish()


def has_futures_subscription(futures_sim: KucoinFuturesSimulator, topic: str, key: str) -> bool:
    return any((topic, key) in conn.subscriptions for conn in futures_sim.state.hub.connections)


def move_futures_book(futures_sim: KucoinFuturesSimulator, count: int) -> None:
    """``count`` new bid levels from the default user, each published on its own."""
    engine = futures_sim.engine
    best_bid, _ = engine.best_bid_ask(CONTRACT)
    assert best_bid is not None
    tick = futures_sim.state.contracts[CONTRACT].tick_size
    for step in range(1, count + 1):
        price = best_bid[0] - tick * (step * 7 + 1)
        request = OrderRequest(symbol=CONTRACT, side="buy", price=price, size=Decimal(1))
        engine.place_order(futures_sim.user_id, request)
        futures_sim.engine_listener().flush()


async def test_pro_order_book(
    sim: KucoinSimulator, futures_sim: KucoinFuturesSimulator, start_peer: StartPeer
) -> None:
    creds = add_futures_peer(sim, futures_sim, "ccxt-futures-pro")
    peer = await start_peer(SCRIPT, sim, creds, "pro", ("--futures-rest-url", futures_sim.rest_url))
    await peer.report("load_markets")
    await peer.proceed()
    await wait_until(
        lambda: has_futures_subscription(futures_sim, "/contractMarket/level2", CONTRACT),
        "level2 sub",
    )
    move_futures_book(futures_sim, 6)  # ccxt takes its snapshot after 5 buffered updates
    await peer.report("watch_order_book")
    await peer.step("awaiting_sequence")
    move_futures_book(futures_sim, 1)
    sequence, bids, asks = futures_sim.engine.level2_snapshot(CONTRACT)
    book = await peer.step("order_book_at_sequence", {"sequence": sequence})
    assert book["nonce"] == sequence
    assert (levels(book["bids"]), levels(book["asks"])) == (bids, asks)
    await own_order_steps(peer, futures_sim, creds)


def has_private_subscription(futures_sim: KucoinFuturesSimulator, user_id: str, topic: str) -> bool:
    return any(
        conn.user_id == user_id and any(t == topic for t, _ in conn.subscriptions)
        for conn in futures_sim.state.hub.connections
    )


async def own_order_steps(
    peer: PeerProcess, futures_sim: KucoinFuturesSimulator, creds: SimCredentials
) -> None:
    """ccxt.pro's watch_orders sees the peer's order rest, then fill."""
    engine, user = futures_sim.engine, creds.user_id
    await peer.proceed()
    await wait_until(
        lambda: has_private_subscription(futures_sim, user, "/contractMarket/tradeOrders"),
        "tradeOrders sub",
    )
    best_bid, best_ask = engine.best_bid_ask(CONTRACT)
    assert best_bid is not None and best_ask is not None
    inside = (best_bid[0] + best_ask[0]) / 2
    own = engine.place_order(
        user, OrderRequest(symbol=CONTRACT, side="sell", price=inside, size=Decimal(2))
    )
    seen = await peer.report("watch_orders")
    assert [(o["id"], o["status"], decimal(o["price"]), decimal(o["amount"])) for o in seen] == [
        (own.id, "open", inside, Decimal(2))
    ]
    await peer.proceed()
    engine.place_order(
        futures_sim.user_id,
        OrderRequest(symbol=CONTRACT, side="buy", price=inside, size=Decimal(2)),
    )
    seen = await peer.report("watch_orders_filled")
    assert not engine.get_order(user, own.id).is_active
    assert [(o["id"], o["status"], decimal(o["filled"])) for o in seen] == [
        (own.id, "closed", Decimal(2))
    ]
    [short] = [p for p in futures_sim.margin.positions.positions(user) if p.qty]
    assert short.direction == -1 and short.size == Decimal(2)
    await peer.finish()
