"""Level2 sequences/snapshots and property tests over random order flows."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kucoin_connector.simulator.engine.models import EngineError, OrderRequest, Reject

from .test_engine_support import D, Env, Recorder, make_env


def _replay(rec: Recorder) -> tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]]:
    bids: dict[Decimal, Decimal] = {}
    asks: dict[Decimal, Decimal] = {}
    for _, side, price, size, _ in rec.l2:
        book = bids if side == "buy" else asks
        if size:
            book[price] = size
        else:
            book.pop(price, None)
    return bids, asks


def _assert_l2_consistent(env: Env, start_seq: int = 0) -> None:
    seqs = [c[4] for c in env.rec.l2]
    assert seqs == list(range(start_seq + 1, start_seq + 1 + len(seqs)))
    seq, bids, asks = env.engine.level2_snapshot("BTC-USDT")
    assert seq == (seqs[-1] if seqs else start_seq)
    replay_bids, replay_asks = _replay(env.rec)
    assert dict(bids) == replay_bids and dict(asks) == replay_asks
    assert [p for p, _ in bids] == sorted(replay_bids, reverse=True)
    assert [p for p, _ in asks] == sorted(replay_asks)
    assert all(size > 0 for _, size in bids + asks)


def test_level2_sequences_are_contiguous_and_snapshot_matches_changes() -> None:
    env = make_env(initial_sequence=1000)
    env.limit("alice", "buy", "99", "1")
    env.limit("bob", "buy", "99", "2")
    env.limit("alice", "sell", "101", "1", iceberg=True, visible_size=D("0.5"))
    env.limit("bob", "sell", "102", "1", hidden=True)
    env.limit("carol", "sell", "99", "1.5")
    env.limit("carol", "buy", "102", "1")
    _assert_l2_consistent(env, start_seq=1000)
    assert [t.sequence for t in env.rec.trades] == list(range(1001, 1001 + len(env.rec.trades)))
    seq, bids, asks = env.engine.level2_snapshot("BTC-USDT", depth=1)
    assert len(bids) <= 1 and len(asks) <= 1 and seq == env.engine.sequence("BTC-USDT")


def test_level2_snapshot_depth_and_aggregation() -> None:
    env = make_env()
    for price in ("98", "99", "97"):
        env.limit("alice", "buy", price, "1")
        env.limit("bob", "buy", price, "0.5")
    _, bids, _ = env.engine.level2_snapshot("BTC-USDT", depth=2)
    assert bids == [(D("99"), D("1.5")), (D("98"), D("1.5"))]


def _check_invariants(env: Env) -> None:
    engine, accounts = env.engine, env.accounts
    assert not engine.is_crossed("BTC-USDT")
    for currency in ("BTC", "USDT"):
        total = accounts.total_balance(currency) + accounts.fees_collected.get(currency, D(0))
        assert total == accounts.deposited[currency]
    expected: dict[tuple[str, str, str], Decimal] = {}
    for user in ("alice", "bob", "carol"):
        for order in engine.list_orders(user):
            if not order.is_active:
                assert order.hold_remaining == 0
                continue
            key = (user, order.hold_currency, order.account_type)
            expected[key] = expected.get(key, D(0)) + order.hold_remaining
        for acc in accounts.list_accounts(user):
            assert acc.holds >= 0 and acc.balance >= acc.holds
            assert acc.holds == expected.get((user, acc.currency, acc.type), D(0))
            assert acc.holds == sum(acc.order_holds.values(), D(0))


USERS = st.sampled_from(["alice", "bob", "carol"])
SIDES = st.sampled_from(["buy", "sell"])
PRICES = st.integers(min_value=950, max_value=1050).map(lambda t: Decimal(t) / 10)
SIZES = st.integers(min_value=10, max_value=3000).map(lambda t: Decimal(t) / 1000)

LIMIT_OPS = st.tuples(
    st.just("limit"),
    USERS,
    SIDES,
    PRICES,
    SIZES,
    st.sampled_from(["GTC", "GTC", "IOC", "FOK", "GTT"]),
    st.sampled_from(["", "", "CN", "CO", "CB", "DC"]),
    st.sampled_from(["plain", "plain", "hidden", "iceberg", "post_only"]),
    st.sampled_from(["", "", "loss", "entry"]),
)
MARKET_OPS = st.tuples(
    st.just("market"), USERS, SIDES, SIZES, st.booleans(), st.sampled_from(["", "CN", "CO"])
)
CANCEL_OPS = st.tuples(st.just("cancel"), USERS, st.integers(min_value=0, max_value=200))
TIME_OPS = st.tuples(st.just("time"), st.integers(min_value=0, max_value=3000))
OPS = st.lists(st.one_of(LIMIT_OPS, LIMIT_OPS, MARKET_OPS, CANCEL_OPS, TIME_OPS), max_size=60)


def _limit_request(op: tuple[object, ...]) -> OrderRequest:
    _, _, side, price, size, tif, stp, flag, stop = op
    assert isinstance(price, Decimal) and isinstance(size, Decimal)
    req = OrderRequest(
        "BTC-USDT",
        str(side),
        price=price,
        size=size,
        time_in_force=str(tif),
        stp=str(stp),
        cancel_after_s=2 if tif == "GTT" else 0,
    )
    if flag == "hidden":
        req.hidden = True
    elif flag == "iceberg":
        req.iceberg = True
        req.visible_size = max(D("0.001"), (size / 10).quantize(D("0.001")))
    elif flag == "post_only" and tif in ("GTC", "GTT"):
        req.post_only = True
    if stop:
        req.stop = str(stop)
        req.stop_price = price
    return req


def _apply(env: Env, op: tuple[object, ...], placed: list[tuple[str, str]]) -> None:
    kind = op[0]
    if kind == "time":
        assert isinstance(op[1], int)
        env.clock.now_ms += op[1]
        env.engine.expire_due_orders(env.clock.now_ms)
        return
    if kind == "cancel":
        if placed:
            assert isinstance(op[2], int)
            user, order_id = placed[op[2] % len(placed)]
            try:
                env.engine.cancel_order(user, order_id)
            except EngineError as exc:
                assert exc.reason == Reject.ORDER_NOT_FOUND
        return
    user = str(op[1])
    if kind == "limit":
        req = _limit_request(op)
    else:
        _, _, side, size, by_funds, stp = op
        assert isinstance(size, Decimal)
        funds = (size * 100).quantize(D("0.01")) if by_funds else None
        req = OrderRequest(
            "BTC-USDT",
            str(side),
            "market",
            size=None if by_funds else size,
            funds=funds,
            stp=str(stp),
        )
    try:
        placed.append((user, env.engine.place_order(user, req).id))
    except EngineError as exc:
        assert exc.reason in (
            Reject.INVALID_PARAMETER,
            Reject.INSUFFICIENT_FUNDS,
            Reject.TOO_MANY_ORDERS,
        )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPS)
def test_random_flows_conserve_balances_and_never_cross(ops: list[tuple[object, ...]]) -> None:
    env = make_env(funded=False)
    for user in ("alice", "bob", "carol"):
        env.fund(user, "USDT", "2000")
        env.fund(user, "BTC", "20")
        env.fund(user, "USDT", "5", "main")
    env.rec.clear()
    placed: list[tuple[str, str]] = []
    for op in ops:
        _apply(env, op, placed)
        _check_invariants(env)
    _assert_l2_consistent(env)
    for trade in env.rec.trades:
        assert trade.size > 0 and trade.price > 0
