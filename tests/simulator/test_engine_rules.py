"""Matching engine: time in force, post-only, hidden, iceberg, validation, duplicates."""

from __future__ import annotations

from typing import Any

import pytest

from kucoin_connector.simulator.engine.models import EngineError, OrderRequest, Reject

from .test_engine_support import D, Env, make_env


def _code(env: Env, user: str, req: OrderRequest) -> Reject:
    with pytest.raises(EngineError) as info:
        env.engine.place_order(user, req)
    return info.value.reason


# ---- time in force ---------------------------------------------------------------------
def test_gtc_rests_until_cancelled() -> None:
    env = make_env()
    order = env.limit("alice", "buy", "100", "1")
    env.engine.expire_due_orders(env.clock.now_ms + 10**9)
    assert order.is_active


def test_gtt_expires_when_due() -> None:
    env = make_env()
    order = env.limit("alice", "buy", "100", "1", time_in_force="GTT", cancel_after_s=5)
    assert order.expire_at_ms == env.clock.now_ms + 5000
    assert env.engine.expire_due_orders(env.clock.now_ms + 4999) == []
    assert order.is_active
    assert env.engine.expire_due_orders(env.clock.now_ms + 5000) == [order.id]
    assert order.done_reason == "canceled"
    assert env.bal("alice", "USDT")[2] == 0
    assert env.engine.level2_snapshot("BTC-USDT")[1] == []


def test_gtt_expires_before_the_next_order_is_processed() -> None:
    env = make_env()
    gtt = env.limit("alice", "sell", "100", "1", time_in_force="GTT", cancel_after_s=1)
    env.clock.now_ms += 1000
    taker = env.limit("bob", "buy", "100", "1")
    assert gtt.done_reason == "canceled" and taker.status == "open"
    assert env.rec.trades == []


def test_gtt_filled_before_expiry_is_not_touched() -> None:
    env = make_env()
    gtt = env.limit("alice", "sell", "100", "1", time_in_force="GTT", cancel_after_s=1)
    env.limit("bob", "buy", "100", "1")
    assert env.engine.expire_due_orders(env.clock.now_ms + 10_000) == []
    assert gtt.done_reason == "filled"


def test_ioc_remainder_is_cancelled() -> None:
    env = make_env()
    env.limit("alice", "sell", "100", "1")
    order = env.limit("bob", "buy", "100", "3", time_in_force="IOC")
    assert order.deal_size == D("1") and order.done_reason == "canceled"
    assert order.cancelled_size == D("2")
    assert env.rec.order_events(order.id) == ["received", "match", "canceled"]
    assert env.engine.level2_snapshot("BTC-USDT")[1] == []
    assert env.bal("bob", "USDT")[2] == 0


def test_fok_not_fully_fillable_changes_nothing() -> None:
    env = make_env()
    maker = env.limit("alice", "sell", "100", "1")
    env.limit("alice", "sell", "102", "5")
    env.rec.clear()
    order = env.limit("bob", "buy", "101", "2", time_in_force="FOK")
    assert order.done_reason == "canceled" and order.deal_size == 0
    assert env.rec.order_events(order.id) == ["received", "canceled"]
    assert env.rec.trades == [] and env.rec.l2 == [] and env.rec.balances == []
    assert maker.remain_size == D("1")


def test_fok_fully_fillable_fills_across_levels() -> None:
    env = make_env()
    env.limit("alice", "sell", "100", "1")
    env.limit("carol", "sell", "101", "1")
    order = env.limit("bob", "buy", "101", "2", time_in_force="FOK")
    assert order.done_reason == "filled" and order.deal_size == D("2")
    assert env.engine.level2_snapshot("BTC-USDT")[2] == []


# ---- post-only -------------------------------------------------------------------------
def test_post_only_that_would_take_is_received_then_cancelled() -> None:
    env = make_env()
    env.limit("alice", "sell", "100", "1")
    env.rec.clear()
    order = env.limit("bob", "buy", "100", "1", post_only=True)
    assert order.done_reason == "canceled" and not order.is_active
    assert env.rec.order_events(order.id) == ["received", "canceled"]
    assert env.rec.trades == [] and env.rec.balances == [] and env.rec.l2 == []
    assert env.engine.get_order("bob", order.id) is order


def test_post_only_that_does_not_cross_rests() -> None:
    env = make_env()
    env.limit("alice", "sell", "100", "1")
    order = env.limit("bob", "buy", "99.9", "1", post_only=True)
    assert order.status == "open"


def test_post_only_counts_hidden_liquidity() -> None:
    env = make_env()
    env.limit("alice", "sell", "100", "1", hidden=True)
    order = env.limit("bob", "buy", "100", "1", post_only=True)
    assert order.done_reason == "canceled"


# ---- hidden and iceberg ----------------------------------------------------------------
def test_hidden_order_is_invisible_but_matchable_and_pays_taker_fee() -> None:
    env = make_env()
    hidden = env.limit("alice", "sell", "100", "1", hidden=True)
    assert env.rec.l2 == []
    seq, bids, asks = env.engine.level2_snapshot("BTC-USDT")
    assert (seq, bids, asks) == (0, [], [])
    assert env.engine.level3_snapshot("BTC-USDT") == (0, [], [])
    assert env.engine.best_bid_ask("BTC-USDT") == (None, None)
    taker = env.limit("bob", "buy", "100", "1")
    assert taker.done_reason == "filled" and hidden.done_reason == "filled"
    assert hidden.fee == D("0.2")  # taker rate even as maker
    assert env.rec.l2 == []  # nothing visible ever changed
    assert len(env.rec.trades) == 1


def test_iceberg_shows_only_visible_part_and_refills_at_the_back() -> None:
    env = make_env()
    ice = env.limit("alice", "sell", "100", "10", iceberg=True, visible_size=D("1"))
    other = env.limit("carol", "sell", "100", "2")
    assert env.engine.level2_snapshot("BTC-USDT")[2] == [(D("100"), D("3"))]
    level3 = env.engine.level3_snapshot("BTC-USDT")[2]
    assert [(e.order_id, e.size) for e in level3] == [(ice.id, D("1")), (other.id, D("2"))]
    env.rec.clear()
    env.limit("bob", "buy", "100", "1.5")
    # the slice (1) goes first, then the refilled iceberg lost priority to `other`
    assert [(t.maker_order_id, t.size) for t in env.rec.trades] == [
        (ice.id, D("1")),
        (other.id, D("0.5")),
    ]
    assert ice.remain_size == D("9") and ice.visible == D("1")
    level3 = env.engine.level3_snapshot("BTC-USDT")[2]
    assert [e.order_id for e in level3] == [other.id, ice.id]
    assert env.engine.level2_snapshot("BTC-USDT")[2] == [(D("100"), D("2.5"))]
    assert ice.fee == D("0.2")  # iceberg pays the taker rate


def test_iceberg_fully_consumed_by_a_large_taker() -> None:
    env = make_env()
    ice = env.limit("alice", "sell", "100", "3", iceberg=True, visible_size=D("1"))
    taker = env.limit("bob", "buy", "100", "5")
    assert ice.done_reason == "filled" and taker.deal_size == D("3")
    assert len(env.rec.trades) == 3
    _, bids, asks = env.engine.level2_snapshot("BTC-USDT")
    assert asks == [] and bids == [(D("100"), D("2"))]


def test_iceberg_wins_over_hidden_when_both_set() -> None:
    env = make_env()
    env.limit("alice", "sell", "100", "4", iceberg=True, hidden=True, visible_size=D("1"))
    assert env.engine.level2_snapshot("BTC-USDT")[2] == [(D("100"), D("1"))]


# ---- validation ------------------------------------------------------------------------
BAD_LIMITS: list[dict[str, Any]] = [
    {"price": D("100.05")},  # price increment
    {"size": D("1.0005")},  # base increment
    {"size": D("0.0001")},  # increment and min size
    {"size": D("2000")},  # max size
    {"price": D("0.1"), "size": D("1")},  # min funds (0.1 < 1)
    {"price": D("-1")},
    {"time_in_force": "XYZ"},
    {"time_in_force": "GTT"},  # no cancelAfter
    {"cancel_after_s": 5},  # cancelAfter without GTT
    {"post_only": True, "time_in_force": "IOC"},
    {"post_only": True, "time_in_force": "FOK"},
    {"iceberg": True},  # no visible size
    {"iceberg": True, "visible_size": D("0.01")},  # < 1/20 of size
    {"iceberg": True, "size": D("1"), "visible_size": D("2")},  # > size
    {"visible_size": D("1")},  # without iceberg
    {"funds": D("10")},
    {"stp": "XX"},
    {"stop": "loss"},  # no stop price
    {"stop_price": D("100")},  # stop price without stop
    {"stop": "up", "stop_price": D("100")},
    {"client_oid": "x" * 41},
    {"remark": "r" * 101},
    {"account_type": "main"},
    {"side": "hold"},
]


@pytest.mark.parametrize("changes", BAD_LIMITS)
def test_invalid_limit_orders_are_rejected_with_400100(changes: dict[str, Any]) -> None:
    env = make_env()
    values: dict[str, Any] = {
        "symbol": "BTC-USDT",
        "side": "buy",
        "price": D("100"),
        "size": D("1"),
    }
    values.update(changes)
    assert _code(env, "alice", OrderRequest(**values)) == Reject.INVALID_PARAMETER
    assert env.rec.log == []


BAD_MARKETS: list[dict[str, Any]] = [
    {},  # neither size nor funds
    {"size": D("1"), "funds": D("100")},  # both
    {"funds": D("100.001")},  # quote increment
    {"funds": D("0.5")},  # quote min size
    {"funds": D("2000000")},  # quote max size
    {"size": D("1"), "price": D("100")},
    {"size": D("1"), "stp": "DC"},  # DC not for market orders
    {"size": D("1"), "hidden": True},
    {"size": D("1"), "post_only": True},
    {"size": D("1"), "time_in_force": "FOK"},
]


@pytest.mark.parametrize("changes", BAD_MARKETS)
def test_invalid_market_orders_are_rejected_with_400100(changes: dict[str, Any]) -> None:
    env = make_env()
    values: dict[str, Any] = {"symbol": "BTC-USDT", "side": "buy", "type": "market"}
    values.update(changes)
    assert _code(env, "alice", OrderRequest(**values)) == Reject.INVALID_PARAMETER


def test_unknown_symbol_and_disabled_trading() -> None:
    env = make_env()
    req = OrderRequest("ETH-USDT", "buy", price=D("1"), size=D("1"))
    assert _code(env, "alice", req) == Reject.UNKNOWN_SYMBOL
    with pytest.raises(EngineError) as info:
        env.engine.symbol_spec("ETH-USDT")
    assert info.value.reason == Reject.UNKNOWN_SYMBOL
    env.engine.set_trading_enabled("BTC-USDT", False)
    req = OrderRequest("BTC-USDT", "buy", price=D("100"), size=D("1"))
    assert _code(env, "alice", req) == Reject.TRADING_DISABLED
    env.engine.set_trading_enabled("BTC-USDT", True)
    assert env.engine.place_order("alice", req).status == "open"


def test_duplicate_client_oid_rejected_even_after_done() -> None:
    env = make_env()
    first = env.limit("alice", "buy", "100", "1", client_oid="abc")
    req = OrderRequest("BTC-USDT", "buy", price=D("100"), size=D("1"), client_oid="abc")
    assert _code(env, "alice", req) == Reject.DUPLICATE_CLIENT_ID
    env.engine.cancel_order("alice", first.id)
    assert _code(env, "alice", req) == Reject.DUPLICATE_CLIENT_ID
    assert env.engine.place_order("bob", req).client_oid == "abc"  # another user may


def test_max_active_orders_per_symbol() -> None:
    env = make_env(max_active_orders_per_symbol=2)
    env.limit("alice", "buy", "100", "1")
    second = env.limit("alice", "buy", "99", "1")
    req = OrderRequest("BTC-USDT", "buy", price=D("98"), size=D("1"))
    assert _code(env, "alice", req) == Reject.TOO_MANY_ORDERS
    env.engine.cancel_order("alice", second.id)
    assert env.engine.place_order("alice", req).is_active
