"""ccxt ``kraken`` (async REST), unchanged, against the simulator's Kraken front-end.

The peer has its own key and user; each step's answer is compared with the simulator's
own state at that moment: the engine's book, orders and fills (under Kraken's ids) and
the user's wallet (the engine's ``trade`` accounts).
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from kucoin_connector.simulator.engine.models import Account
from kucoin_connector.simulator.kraken.server import KrakenSimulator
from kucoin_connector.simulator.kraken.state import ACCOUNT_TYPE
from kucoin_connector.simulator.kucoin_spot.server import SimCredentials

from .harness import PeerProcess, StartPeer, decimal, levels

SCRIPT = "ccxt_kraken_flow.py"
PAIR = "BTC-USD"
PEER_USER = "ccxt-kraken-user"
COST_QUANTUM = Decimal("0.00001")  # XBTUSD's cost_decimals: Kraken prints fees to these
PEER_BALANCES = {"USD": Decimal("10000"), "BTC": Decimal("1")}


@pytest.fixture
async def kraken_sim() -> AsyncIterator[KrakenSimulator]:
    """A Kraken simulator whose book moves only when a test or a peer moves it."""
    async with KrakenSimulator(seed=11, pairs=[PAIR, "ETH-USD"], activity=False) as s:
        yield s


def add_kraken_peer(kraken_sim: KrakenSimulator) -> SimCredentials:
    """A funded user with its own key (Kraken keys have a base64 secret, no passphrase)."""
    secret = base64.b64encode(b"ccxt-kraken-peer-secret-0123456789").decode()
    kraken_sim.add_api_key("ccxt-kraken-key", secret, user_id=PEER_USER)
    kraken_sim.fund_user(PEER_USER, PEER_BALANCES)
    return SimCredentials("ccxt-kraken-key", secret, "", user_id=PEER_USER)


def account(kraken_sim: KrakenSimulator, currency: str) -> Account:
    found = kraken_sim.accounts.find(PEER_USER, currency, ACCOUNT_TYPE)
    assert found is not None, f"no {currency} account for {PEER_USER}"
    return found


async def test_rest_flow(kraken_sim: KrakenSimulator, start_peer: StartPeer) -> None:
    engine, ids = kraken_sim.engine, kraken_sim.state.ids
    peer = await start_peer(SCRIPT, kraken_sim, add_kraken_peer(kraken_sim), "spot")
    await peer.report("load_markets")
    markets = await peer.step("markets")
    assert sorted(markets) == ["BTC/USD", "ETH/USD"]
    btc = markets["BTC/USD"]
    spec = engine.symbol_spec(PAIR)
    assert (btc["id"], btc["type"], btc["base"], btc["quote"]) == ("XXBTZUSD", "spot", "BTC", "USD")
    assert decimal(btc["precision"]["price"]) == spec.price_increment
    assert decimal(btc["limits"]["amount"]["min"]) == spec.base_min_size

    book = await peer.step("fetch_order_book")
    _, bids, asks = engine.level2_snapshot(PAIR)
    assert (levels(book["bids"]), levels(book["asks"])) == (bids, asks)

    balance = await peer.step("fetch_balance")
    assert "hold_trade" in balance["info"]["result"]["ZUSD"]  # BalanceEx, not Balance
    usd, btc_account = account(kraken_sim, "USD"), account(kraken_sim, "BTC")
    assert (decimal(balance["USD"]["total"]), decimal(balance["BTC"]["free"])) == (
        usd.balance,
        btc_account.available,
    )

    created = await peer.step("create_order")
    engine_id = ids.engine(created["id"])
    assert engine_id is not None
    order = engine.get_order(PEER_USER, engine_id)
    assert (order.is_active, order.side, order.size) == (True, "buy", Decimal("0.01"))
    assert usd.holds == usd.order_holds[order.id] >= order.price * order.size
    fetched = await peer.step("fetch_order")
    assert (fetched["id"], fetched["status"], fetched["side"]) == (created["id"], "open", "buy")
    assert (decimal(fetched["price"]), decimal(fetched["amount"])) == (order.price, order.size)
    open_orders = await peer.step("fetch_open_orders")
    assert [o["id"] for o in open_orders] == [
        ids.kraken(o.id, "O") for o in engine.active_orders(PEER_USER)
    ]
    await peer.step("cancel_order")
    assert not engine.get_order(PEER_USER, order.id).is_active
    assert (usd.holds, usd.available) == (Decimal(0), PEER_BALANCES["USD"])
    assert (await peer.step("fetch_canceled_order"))["status"] == "canceled"
    assert await peer.step("cancel_canceled_order") == "OrderNotFound"

    await taker_steps(peer, kraken_sim)


async def taker_steps(peer: PeerProcess, kraken_sim: KrakenSimulator) -> None:
    """A crossing buy: the order closed, its fill, the wallet and the candle it printed."""
    engine, ids = kraken_sim.engine, kraken_sim.state.ids
    taker_txid = (await peer.step("create_crossing_order"))["id"]
    engine_id = ids.engine(taker_txid)
    assert engine_id is not None
    taker = engine.get_order(PEER_USER, engine_id)
    assert (taker.is_active, taker.deal_size) == (False, Decimal("0.001"))
    filled = await peer.step("fetch_filled_order")
    assert (filled["status"], decimal(filled["filled"])) == ("closed", taker.deal_size)
    assert decimal(filled["cost"]) == taker.deal_funds

    trades = await peer.step("fetch_my_trades")
    fills = engine.list_fills(PEER_USER, order_id=taker.id)
    assert [
        (t["id"], t["order"], decimal(t["price"]), decimal(t["amount"]), decimal(t["fee"]["cost"]))
        for t in trades
    ] == [
        (ids.kraken(f.trade_id, "T"), taker_txid, f.price, f.size, f.fee.quantize(COST_QUANTUM))
        for f in fills
    ]
    balance = await peer.step("fetch_balance_after_trade")
    btc = account(kraken_sim, "BTC")
    assert btc.balance == PEER_BALANCES["BTC"] + taker.deal_size
    assert decimal(balance["BTC"]["total"]) == btc.balance
    assert decimal(balance["USD"]["total"]) == account(kraken_sim, "USD").balance

    [candle] = await peer.step("fetch_ohlcv")
    [trade] = engine.trades(PAIR)
    assert candle[0] == trade.time_ms // 60_000 * 60_000
    assert [decimal(v) for v in candle[1:]] == [trade.price] * 4 + [trade.size]
    assert await peer.step("fetch_positions") == []
    await peer.finish()
