"""python-kucoin 2.2.0 (blocking Client), unchanged, against the simulator with a v1 key.

Each step's answer is compared with the simulator's own state at that moment.
"""

from __future__ import annotations

from decimal import Decimal

from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator

from .harness import StartPeer, account_of, add_peer, decimal

SCRIPT = "python_kucoin_flow.py"
SYMBOL = "BTC-USDT"
V1 = 1  # python-kucoin sends the passphrase plain and no KC-API-KEY-VERSION


async def test_classic_spot_flow(sim: KucoinSimulator, start_peer: StartPeer) -> None:
    creds = add_peer(sim, "python-kucoin", V1)
    usdt = account_of(sim, creds, "USDT", "trade")
    peer = await start_peer(SCRIPT, sim, creds, "classic")
    server_ms = await peer.report("get_timestamp")
    assert abs(server_ms - sim.clock.now_ms()) < 60_000  # the simulator's clock, not a timing
    symbols = await peer.step("get_symbols")
    spec = sim.engine.symbol_spec(SYMBOL)
    btc = next(s for s in symbols if s["symbol"] == SYMBOL)
    assert decimal(btc["priceIncrement"]) == spec.price_increment
    assert {s["symbol"] for s in symbols} == {s.symbol for s in sim.engine.symbols()}
    accounts = await peer.step("get_accounts")
    assert {(a["id"], a["currency"], decimal(a["balance"])) for a in accounts} == {
        (a.id, a.currency, a.balance)
        for a in sim.accounts.list_accounts(creds.user_id, None, "trade")
    }

    placed = await peer.step("create_limit_order")
    order = sim.engine.get_order(creds.user_id, placed["orderId"])
    assert (order.is_active, order.side, order.size, order.account_type) == (
        True,
        "buy",
        Decimal("0.01"),
        "trade",
    )
    assert usdt.order_holds[order.id] > 0
    fetched = await peer.step("get_order")
    assert (fetched["id"], fetched["isActive"]) == (order.id, True)
    assert (decimal(fetched["price"]), decimal(fetched["size"])) == (order.price, order.size)
    cancelled = await peer.step("cancel_order")
    assert cancelled["cancelledOrderIds"] == [order.id]
    assert not order.is_active and usdt.holds == 0 and usdt.available == Decimal("10000")
    fetched = await peer.step("get_cancelled_order")
    assert (fetched["isActive"], fetched["cancelExist"]) == (False, True)

    taker_id = (await peer.step("create_crossing_order"))["orderId"]
    taker = sim.engine.get_order(creds.user_id, taker_id)
    assert (taker.is_active, taker.deal_size) == (False, Decimal("0.001"))
    fills = await peer.step("get_recent_fills")
    expected = sim.engine.list_fills(creds.user_id)
    assert [(f["tradeId"], f["orderId"], decimal(f["size"]), decimal(f["fee"])) for f in fills] == [
        (f.trade_id, f.order_id, f.size, f.fee) for f in expected
    ]
    assert [f.order_id for f in expected] == [taker.id]
    # python-kucoin 2.2.0 sends get_fills unsigned: KuCoin answers 400001, so must we
    assert "KucoinAPIException 400001" in await peer.step("get_fills_unsigned")
    assert account_of(sim, creds, "BTC", "trade").balance == Decimal("1.001")
    await peer.finish()
