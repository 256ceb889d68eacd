"""Matching engine: self-trade prevention modes and stop orders."""

from __future__ import annotations

from .test_engine_support import D, Env, make_env


# ---- self-trade prevention --------------------------------------------------------------
def test_stp_cn_cancels_the_taker_and_keeps_the_maker() -> None:
    env = make_env()
    maker = env.limit("alice", "sell", "100", "1")
    taker = env.limit("alice", "buy", "100", "1", stp="CN")
    assert taker.done_reason == "canceled" and taker.deal_size == 0
    assert maker.is_active and maker.remain_size == D("1")
    assert env.rec.trades == []
    assert env.bal("alice", "USDT")[2] == 0


def test_stp_cn_after_partial_fill_with_other_users() -> None:
    env = make_env()
    env.limit("bob", "sell", "100", "1")
    mine = env.limit("alice", "sell", "100", "1")
    taker = env.limit("alice", "buy", "100", "3", stp="CN")
    assert taker.deal_size == D("1") and taker.done_reason == "canceled"
    assert taker.cancelled_size == D("2") and mine.is_active


def test_stp_co_cancels_the_maker_and_continues() -> None:
    env = make_env()
    mine = env.limit("alice", "sell", "100", "1")
    other = env.limit("bob", "sell", "100", "1")
    taker = env.limit("alice", "buy", "100", "1", stp="CO")
    assert mine.done_reason == "canceled"
    assert taker.done_reason == "filled" and other.done_reason == "filled"
    assert [t.maker_order_id for t in env.rec.trades] == [other.id]
    assert env.bal("alice", "BTC")[2] == 0


def test_stp_cb_cancels_both() -> None:
    env = make_env()
    mine = env.limit("alice", "sell", "100", "1")
    env.limit("bob", "sell", "100", "1")
    taker = env.limit("alice", "buy", "100", "1", stp="CB")
    assert mine.done_reason == "canceled" and taker.done_reason == "canceled"
    assert env.rec.trades == []
    assert env.engine.level2_snapshot("BTC-USDT")[2] == [(D("100"), D("1"))]


def test_stp_dc_taker_larger_decreases_taker_and_cancels_maker() -> None:
    env = make_env()
    mine = env.limit("alice", "sell", "100", "1")
    env.limit("bob", "sell", "100", "1")
    env.rec.clear()
    taker = env.limit("alice", "buy", "100", "3", stp="DC")
    assert mine.done_reason == "canceled"
    update = next(e for e in env.rec.orders if e.type == "update")
    assert update.order_id == taker.id and update.old_size == D("3")
    assert taker.size == D("2") and taker.deal_size == D("1")
    assert taker.status == "open" and taker.remain_size == D("1")
    # the hold follows the decreased size: 1 remaining * 100 * 1.002
    assert env.bal("alice", "USDT")[2] == D("100.2")


def test_stp_dc_maker_larger_decreases_maker_and_cancels_taker() -> None:
    env = make_env()
    mine = env.limit("alice", "sell", "100", "5")
    env.rec.clear()
    taker = env.limit("alice", "buy", "100", "2", stp="DC")
    assert taker.done_reason == "canceled"
    assert mine.size == D("3") and mine.remain_size == D("3") and mine.is_active
    assert env.rec.order_events(mine.id) == ["update"]
    assert env.rec.l2[-1][2:4] == (D("100"), D("3"))
    assert env.engine.level2_snapshot("BTC-USDT")[2] == [(D("100"), D("3"))]
    assert env.bal("alice", "BTC")[2] == D("3")
    assert env.rec.trades == []


def test_stp_dc_equal_sizes_cancels_both() -> None:
    env = make_env()
    mine = env.limit("alice", "sell", "100", "2")
    taker = env.limit("alice", "buy", "100", "2", stp="DC")
    assert mine.done_reason == "canceled" and taker.done_reason == "canceled"
    assert env.bal("alice", "BTC")[2] == 0 and env.bal("alice", "USDT")[2] == 0


def test_stp_ignored_for_other_users_and_fok_forces_cn() -> None:
    env = make_env()
    env.limit("alice", "sell", "100", "1")
    mine = env.limit("bob", "sell", "100", "1")
    order = env.limit("bob", "buy", "100", "2", time_in_force="FOK", stp="CO")
    assert order.stp == "CN"
    assert order.done_reason == "canceled" and order.deal_size == 0
    assert mine.is_active and env.rec.trades == []


# ---- stop orders -----------------------------------------------------------------------
def _trade_at(env: Env, price: str) -> None:
    """carol trades 0.1 with herself at ``price`` (no STP): sets the last price."""
    env.limit("carol", "sell", price, "0.1")
    env.limit("carol", "buy", price, "0.1")


def test_stop_loss_sell_triggers_at_or_below_stop_price() -> None:
    env = make_env()
    env.limit("bob", "buy", "94", "5")
    stop = env.limit("alice", "sell", "95", "1", stop="loss", stop_price=D("96"))
    assert stop.status == "stop" and env.rec.order_events(stop.id) == ["stop"]
    assert env.bal("alice", "BTC")[2] == D("1")  # held at placement
    assert env.engine.level2_snapshot("BTC-USDT")[2] == []
    _trade_at(env, "97")
    assert stop.status == "stop"
    _trade_at(env, "96")
    assert stop.stop_triggered
    assert env.rec.order_events(stop.id) == ["stop", "triggered", "received", "open"]
    assert env.engine.level2_snapshot("BTC-USDT")[2] == [(D("95"), D("1"))]


def test_stop_entry_buy_triggers_at_or_above_and_cascades_into_a_trade() -> None:
    env = make_env()
    env.limit("bob", "sell", "105", "1")
    stop = env.market("alice", "buy", funds="105.21", stop="entry", stop_price=D("104"))
    assert env.bal("alice", "USDT")[2] == D("105.21")
    _trade_at(env, "103.9")
    assert stop.status == "stop"
    _trade_at(env, "104")
    # 105 + 0.21 taker fee spends the funds exactly
    assert stop.done_reason == "filled" and stop.deal_size == D("1")
    assert env.engine.last_price("BTC-USDT") == D("105")
    assert env.bal("alice", "USDT")[0] == D("1000000") - D("105.21")
    assert env.bal("alice", "USDT")[2] == 0


def test_stop_entry_sell_and_loss_buy_follow_the_price_not_the_side() -> None:
    env = make_env()
    entry_sell = env.limit("alice", "sell", "120", "1", stop="entry", stop_price=D("110"))
    loss_buy = env.limit("alice", "buy", "80", "1", stop="loss", stop_price=D("90"))
    _trade_at(env, "110")
    assert entry_sell.stop_triggered and not loss_buy.stop_triggered
    _trade_at(env, "90")
    assert loss_buy.stop_triggered


def test_stop_market_buy_by_size_holds_when_triggered() -> None:
    env = make_env()
    env.limit("bob", "sell", "100", "1")
    stop = env.market("alice", "buy", size="1", stop="loss", stop_price=D("100"))
    assert env.bal("alice", "USDT")[2] == 0
    _trade_at(env, "99.9")
    assert stop.done_reason == "filled" and stop.deal_size == D("1")
    assert env.bal("alice", "USDT")[2] == 0


def test_cancel_untriggered_stop_releases_hold_and_lists_as_stop_type() -> None:
    env = make_env()
    stop = env.limit("alice", "buy", "90", "1", stop="loss", stop_price=D("91"))
    assert env.engine.list_orders("alice", type="limit_stop") == [stop]
    assert env.engine.list_orders("alice", status="active") == [stop]
    env.engine.cancel_order("alice", stop.id)
    assert env.bal("alice", "USDT")[2] == 0 and stop.done_reason == "canceled"
    _trade_at(env, "80")
    assert not stop.stop_triggered
