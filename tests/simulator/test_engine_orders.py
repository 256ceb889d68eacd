"""Matching engine: limit/market orders, priority, holds, fees, cancels, queries."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from kucoin_connector.simulator.engine.models import EngineError, OrderRequest, Reject

from .test_engine_support import D, make_env


def test_resting_limit_buy_holds_price_size_plus_taker_fee_and_emits_events() -> None:
    env = make_env()
    order = env.limit("alice", "buy", "100", "2")
    assert order.status == "open" and order.is_active
    assert env.rec.order_events(order.id) == ["received", "open"]
    # price*size*(1+taker 0.002)
    assert env.bal("alice", "USDT") == (D("1000000"), D("1000000") - D("200.4"), D("200.4"))
    assert env.rec.l2 == [("BTC-USDT", "buy", D("100"), D("2"), 1)]
    hold = env.rec.balances[0]
    assert hold.relation_event == "trade.hold" and hold.hold_change == D("200.4")
    assert hold.available_change == D("-200.4") and hold.relation_event_id == order.id


def test_resting_limit_sell_holds_base_size() -> None:
    env = make_env()
    env.limit("alice", "sell", "100", "2")
    assert env.bal("alice", "BTC") == (D("100"), D("98"), D("2"))


def test_taker_fills_at_maker_price_with_maker_and_taker_fees() -> None:
    env = make_env()
    maker = env.limit("alice", "sell", "100", "1")
    env.rec.clear()
    taker = env.limit("bob", "buy", "101", "1")
    assert taker.done_reason == "filled" and maker.done_reason == "filled"
    assert taker.deal_funds == D("100") and taker.fee == D("0.2")  # taker 0.2%
    assert maker.fee == D("0.1")  # maker 0.1%
    # bob paid 100 + 0.2 fee, hold fully released
    assert env.bal("bob", "USDT") == (D("999899.8"), D("999899.8"), D("0"))
    assert env.bal("bob", "BTC") == (D("101"), D("101"), D("0"))
    assert env.bal("alice", "USDT") == (D("1000099.9"), D("1000099.9"), D("0"))
    assert env.bal("alice", "BTC") == (D("99"), D("99"), D("0"))
    assert env.accounts.fees_collected == {"USDT": D("0.3")}
    trade = env.rec.trades[0]
    assert (trade.price, trade.size, trade.taker_side) == (D("100"), D("1"), "buy")
    assert (trade.maker_order_id, trade.taker_order_id, trade.sequence) == (maker.id, taker.id, 1)
    fills = {
        f.liquidity: f
        for f in (env.rec.orders[i].fill for i in range(len(env.rec.orders)))
        if f is not None
    }
    assert fills["maker"].fee_rate == D("0.001") and fills["taker"].fee_rate == D("0.002")
    assert fills["taker"].fee_currency == "USDT" and fills["maker"].counter_order_id == taker.id


def test_event_order_for_a_crossing_order() -> None:
    env = make_env()
    maker = env.limit("alice", "sell", "100", "1")
    env.rec.clear()
    taker = env.limit("bob", "buy", "100", "3")
    log = [x for x in env.rec.log if x != "balance"]
    assert log == [
        f"received:{taker.id}",
        "trade",
        f"match:{maker.id}",
        f"match:{taker.id}",
        "l2",
        f"filled:{maker.id}",
        f"open:{taker.id}",
        "l2",
    ]
    match = next(e for e in env.rec.orders if e.type == "match" and e.order_id == taker.id)
    assert match.remain_size == D("2") and match.deal_size == D("1")
    assert [c[2:4] for c in env.rec.l2] == [(D("100"), D("0")), (D("100"), D("2"))]


def test_price_time_priority() -> None:
    env = make_env()
    first = env.limit("alice", "sell", "101", "1")
    second = env.limit("bob", "sell", "101", "1")
    better = env.limit("carol", "sell", "100.5", "1")
    env.rec.clear()
    env.limit("bob", "buy", "101", "2")
    makers = [t.maker_order_id for t in env.rec.trades]
    assert makers == [better.id, first.id]
    assert second.is_active and second.remain_size == D("1")
    assert [t.price for t in env.rec.trades] == [D("100.5"), D("101")]


def test_partial_fill_of_maker_keeps_its_priority_and_hold() -> None:
    env = make_env()
    maker = env.limit("alice", "buy", "100", "3")
    env.limit("bob", "sell", "100", "1")
    assert maker.remain_size == D("2") and maker.status == "open"
    _, _, hold = env.bal("alice", "USDT")
    assert hold == D("2") * D("100") * D("1.002")
    env.engine.cancel_order("alice", maker.id)
    assert env.bal("alice", "USDT")[2] == 0
    assert maker.cancelled_size == D("2") and maker.cancel_exist
    assert maker.done_reason == "canceled"


def test_buy_taker_price_improvement_releases_excess_hold() -> None:
    env = make_env()
    env.limit("alice", "sell", "90", "1")
    taker = env.limit("bob", "buy", "100", "1")
    assert taker.done_reason == "filled"
    assert env.bal("bob", "USDT") == (D("1000000") - D("90.18"), D("1000000") - D("90.18"), D("0"))


def test_market_buy_by_size_walks_the_book() -> None:
    env = make_env()
    env.limit("alice", "sell", "100", "1")
    env.limit("alice", "sell", "101", "1")
    order = env.market("bob", "buy", size="1.5")
    assert order.done_reason == "filled" and order.deal_size == D("1.5")
    assert order.deal_funds == D("150.5")
    assert env.bal("bob", "USDT")[2] == 0  # whole-balance hold released
    assert env.bal("bob", "USDT")[0] == D("1000000") - D("150.5") * D("1.002")


def test_market_buy_by_size_holds_whole_available_during_the_order() -> None:
    env = make_env()
    env.limit("alice", "sell", "100", "1")
    env.rec.clear()
    env.market("bob", "buy", size="1")
    hold = env.rec.balances[0]
    assert hold.user_id == "bob" and hold.hold_change == D("1000000")


def test_market_buy_by_funds_spends_at_most_funds_including_fee() -> None:
    env = make_env()
    env.limit("alice", "sell", "100", "10")
    order = env.market("bob", "buy", funds="100")
    # 100 / (100 * 1.002) = 0.998.. floored to 0.998
    assert order.deal_size == D("0.998") and order.done_reason == "filled"
    spent = order.deal_funds + order.fee
    assert spent <= D("100")
    assert env.bal("bob", "USDT") == (D("1000000") - spent, D("1000000") - spent, D("0"))


def test_market_sell_by_size_and_by_funds() -> None:
    env = make_env()
    env.limit("alice", "buy", "100", "5")
    by_size = env.market("bob", "sell", size="1")
    assert by_size.deal_size == D("1") and by_size.done_reason == "filled"
    by_funds = env.market("bob", "sell", funds="150")
    assert by_funds.deal_size == D("1.5") and by_funds.deal_funds == D("150")
    assert env.bal("bob", "BTC") == (D("97.5"), D("97.5"), D("0"))
    assert env.bal("bob", "USDT")[0] == D("1000000") + D("250") - D("250") * D("0.002")


def test_market_order_with_empty_book_is_canceled() -> None:
    env = make_env()
    order = env.market("bob", "buy", size="1")
    assert order.done_reason == "canceled" and order.deal_size == 0
    assert env.rec.order_events(order.id) == ["received", "canceled"]
    assert env.bal("bob", "USDT") == (D("1000000"), D("1000000"), D("0"))


def test_market_order_remainder_canceled_when_book_runs_out() -> None:
    env = make_env()
    env.limit("alice", "sell", "100", "1")
    order = env.market("bob", "buy", size="2")
    assert order.deal_size == D("1") and order.done_reason == "canceled"
    assert order.cancelled_size == D("1")


def test_insufficient_balance_changes_nothing() -> None:
    env = make_env()
    env.fund("dave", "USDT", "100")
    env.rec.clear()
    with pytest.raises(EngineError) as info:
        env.limit("dave", "buy", "100", "1")  # needs 100.2 with the fee hold
    assert info.value.reason == Reject.INSUFFICIENT_FUNDS
    assert env.rec.log == [] and env.engine.list_orders("dave") == []
    with pytest.raises(EngineError) as info:
        env.limit("dave", "sell", "100", "1")
    assert info.value.reason == Reject.INSUFFICIENT_FUNDS
    with pytest.raises(EngineError) as info:
        env.market("dave", "sell", funds="10")  # no BTC at all
    assert info.value.reason == Reject.INSUFFICIENT_FUNDS
    assert env.bal("dave", "USDT") == (D("100"), D("100"), D("0"))


def test_orders_use_their_account_type() -> None:
    env = make_env()
    env.fund("erin", "USDT", "1000", "trade_hf")
    env.rec.clear()
    order = env.limit("erin", "buy", "100", "1", account_type="trade_hf")
    assert env.bal("erin", "USDT", "trade_hf")[2] == D("100.2")
    assert env.rec.balances[0].account_type == "trade_hf"
    with pytest.raises(EngineError) as info:
        env.limit("erin", "buy", "100", "1")
    assert info.value.reason == Reject.INSUFFICIENT_FUNDS
    assert order.account_type == "trade_hf"


def test_self_trade_without_stp_is_allowed() -> None:
    env = make_env()
    env.limit("alice", "sell", "100", "1")
    taker = env.limit("alice", "buy", "100", "1")
    assert taker.done_reason == "filled"
    assert env.bal("alice", "BTC") == (D("100"), D("100"), D("0"))
    assert env.bal("alice", "USDT")[0] == D("1000000") - D("0.3")


def test_cancel_errors_and_cancel_by_client_oid() -> None:
    env = make_env()
    order = env.limit("alice", "buy", "100", "1", client_oid="c1")
    calls: tuple[Callable[[], object], ...] = (
        lambda: env.engine.cancel_order("bob", order.id),
        lambda: env.engine.cancel_order("alice", "nope"),
        lambda: env.engine.get_order("bob", order.id),
        lambda: env.engine.get_order_by_client_oid("alice", "zz"),
    )
    for call in calls:
        with pytest.raises(EngineError) as info:
            call()
        assert info.value.reason == Reject.ORDER_NOT_FOUND
    env.rec.clear()
    assert env.engine.cancel_by_client_oid("alice", "c1") is order
    assert env.rec.order_events(order.id) == ["canceled"]
    assert env.rec.l2[-1][2:] == (D("100"), D("0"), 2)
    with pytest.raises(EngineError) as info:
        env.engine.cancel_order("alice", order.id)
    assert info.value.reason == Reject.ORDER_NOT_FOUND
    assert env.engine.get_order_by_client_oid("alice", "c1").done_reason == "canceled"


def test_cancel_all_filters_by_symbol_and_account_type() -> None:
    env = make_env()
    env.fund("alice", "USDT", "1000", "trade_hf")
    a = env.limit("alice", "buy", "100", "1")
    b = env.limit("alice", "sell", "200", "1")
    c = env.limit("alice", "buy", "99", "1", account_type="trade_hf")
    env.limit("bob", "buy", "98", "1")
    assert env.engine.cancel_all("alice", account_type="trade") == [a.id, b.id]
    assert c.is_active
    assert env.engine.cancel_all("alice", "BTC-USDT") == [c.id]
    assert env.engine.cancel_all("alice") == []
    _, bids, asks = env.engine.level2_snapshot("BTC-USDT")
    assert bids == [(D("98"), D("1"))] and asks == []


def test_list_orders_and_fills_filters() -> None:
    env = make_env()
    env.clock.now_ms = 1000
    sell = env.limit("alice", "sell", "100", "1", client_oid="s")
    env.clock.now_ms = 2000
    env.limit("alice", "buy", "90", "1")
    env.clock.now_ms = 3000
    buy = env.limit("bob", "buy", "100", "1")
    engine = env.engine
    assert [o.created_at_ms for o in engine.list_orders("alice")] == [2000, 1000]  # newest 1st
    assert [o.id for o in engine.list_orders("alice", status="done")] == [sell.id]
    assert len(engine.list_orders("alice", status="active", side="buy")) == 1
    assert engine.list_orders("alice", start_ms=1500, end_ms=2500)[0].price == D("90")
    assert engine.list_orders("alice", type="market") == []
    assert engine.list_orders("alice", type="limit_stop") == []
    fills = engine.list_fills("bob")
    assert len(fills) == 1 and fills[0].order_id == buy.id and fills[0].liquidity == "taker"
    assert engine.list_fills("alice", order_id=sell.id)[0].liquidity == "maker"
    assert engine.list_fills("alice", side="buy") == []
    assert engine.list_fills("alice", start_ms=3001) == []
    assert fills[0].created_at_ms == 3000 and fills[0].funds == D("100")


def test_trades_last_price_and_stats() -> None:
    env = make_env()
    env.limit("alice", "sell", "100", "1")
    env.limit("alice", "sell", "110", "1")
    env.limit("bob", "buy", "110", "2")
    engine = env.engine
    assert engine.last_price("BTC-USDT") == D("110")
    trades = engine.trades("BTC-USDT")
    assert [t.price for t in trades] == [D("110"), D("100")]
    assert [t.sequence for t in trades] == [2, 1]
    assert engine.last_trade("BTC-USDT") == trades[0]
    stats = engine.stats_24h("BTC-USDT", env.clock.now_ms)
    assert (stats.open, stats.high, stats.low, stats.last) == (D(100), D(110), D(100), D(110))
    assert stats.vol == D("2") and stats.vol_value == D("210")
    assert stats.change_price == D("10") and stats.change_rate == D("0.1")
    empty = engine.stats_24h("BTC-USDT", env.clock.now_ms + 86_400_001)
    assert empty.vol == 0 and empty.last == D("110")


def test_per_user_fee_rates() -> None:
    env = make_env()
    env.engine.set_fee_rates("bob", D("0"), D("0.0005"))
    assert env.engine.fee_rates("bob") == (D("0"), D("0.0005"))
    env.limit("alice", "sell", "100", "1")
    taker = env.limit("bob", "buy", "100", "1")
    assert taker.fee == D("0.05")
    with pytest.raises(Exception):  # noqa: B017 - ConfigurationError
        env.engine.set_fee_rates("bob", D("0.01"), D("0.001"))


def test_best_bid_ask_and_request_defaults() -> None:
    env = make_env()
    assert env.engine.best_bid_ask("BTC-USDT") == (None, None)
    env.limit("alice", "buy", "99", "1")
    env.limit("alice", "sell", "101", "2")
    assert env.engine.best_bid_ask("BTC-USDT") == ((D("99"), D("1")), (D("101"), D("2")))
    req = OrderRequest("BTC-USDT", "buy", price=Decimal("1"), size=Decimal("1"))
    assert req.type == "limit" and req.time_in_force == "GTC" and req.account_type == "trade"
