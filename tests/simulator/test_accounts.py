"""Simulated accounts: deposits, inner transfers, holds, ledgers, balance events."""

from __future__ import annotations

import pytest

from kucoin_connector.simulator.engine.accounts import Accounts
from kucoin_connector.simulator.engine.models import (
    BalanceChange,
    EngineError,
    Reject,
    SequentialIds,
)

from .test_engine_support import Clock, D, make_env


class Sink:
    def __init__(self) -> None:
        self.changes: list[BalanceChange] = []

    def on_balance_change(self, change: BalanceChange) -> None:
        self.changes.append(change)


def _accounts() -> tuple[Accounts, Sink, Clock]:
    sink = Sink()
    clock = Clock(5000)
    return Accounts(clock_ms=clock, id_factory=SequentialIds(), listener=sink), sink, clock


def test_deposit_creates_account_ledger_and_event() -> None:
    accounts, sink, _ = _accounts()
    entry = accounts.deposit("u", "USDT", D("100"))
    acc = accounts.account("u", "USDT", "main")
    assert (acc.balance, acc.available, acc.holds) == (D("100"), D("100"), D("0"))
    assert (entry.biz_type, entry.direction, entry.amount, entry.balance) == (
        "Deposit",
        "in",
        D("100"),
        D("100"),
    )
    change = sink.changes[0]
    assert change.relation_event == "main.deposit" and change.total == D("100")
    assert change.available_change == D("100") and change.hold_change == 0
    assert change.time_ms == 5000 and change.account_id == acc.id
    assert accounts.deposited == {"USDT": D("100")}
    with pytest.raises(EngineError):
        accounts.deposit("u", "USDT", D("0"))


def test_inner_transfer_moves_available_funds_with_ledgers_and_events() -> None:
    accounts, sink, _ = _accounts()
    accounts.deposit("u", "USDT", D("100"))
    sink.changes.clear()
    transfer_id = accounts.inner_transfer("u", "USDT", "main", "trade", D("40"))
    assert accounts.account("u", "USDT", "main").balance == D("60")
    assert accounts.account("u", "USDT", "trade").balance == D("40")
    assert [(c.account_type, c.relation_event, c.available_change) for c in sink.changes] == [
        ("main", "main.transfer", D("-40")),
        ("trade", "trade.transfer", D("40")),
    ]
    assert all(c.relation_event_id == transfer_id for c in sink.changes)
    ledgers = accounts.ledgers("u", biz_type="Transfer")
    assert [(e.account_type, e.direction, e.amount) for e in ledgers] == [
        ("trade", "in", D("40")),
        ("main", "out", D("40")),
    ]
    assert ledgers[0].context == {"orderId": transfer_id}
    accounts.inner_transfer("u", "USDT", "trade", "trade_hf", D("40"))
    assert accounts.account("u", "USDT", "trade_hf").available == D("40")


@pytest.mark.parametrize(
    ("src", "dst", "amount", "code"),
    [
        ("main", "trade", "101", Reject.INSUFFICIENT_FUNDS),
        ("main", "main", "1", Reject.INVALID_PARAMETER),
        ("main", "margin", "1", Reject.INVALID_PARAMETER),
        ("main", "trade", "-1", Reject.INVALID_PARAMETER),
    ],
)
def test_inner_transfer_errors(src: str, dst: str, amount: str, code: Reject) -> None:
    accounts, sink, _ = _accounts()
    accounts.deposit("u", "USDT", D("100"))
    sink.changes.clear()
    with pytest.raises(EngineError) as info:
        accounts.inner_transfer("u", "USDT", src, dst, D(amount))
    assert info.value.reason == code and sink.changes == []
    assert accounts.account("u", "USDT", "main").balance == D("100")


def test_held_funds_cannot_be_transferred() -> None:
    env = make_env(funded=False)
    env.fund("u", "USDT", "100")
    env.limit("u", "buy", "50", "1")  # holds 50.1
    with pytest.raises(EngineError) as info:
        env.accounts.inner_transfer("u", "USDT", "trade", "main", D("50"))
    assert info.value.reason == Reject.INSUFFICIENT_FUNDS
    env.accounts.inner_transfer("u", "USDT", "trade", "main", D("49.9"))


def test_lookup_listing_and_errors() -> None:
    accounts, _, _ = _accounts()
    accounts.deposit("u", "USDT", D("1"))
    accounts.deposit("u", "BTC", D("2"), "trade")
    accounts.deposit("v", "BTC", D("3"), "trade")
    acc = accounts.account("u", "BTC", "trade")
    assert accounts.account_by_id("u", acc.id) is acc
    with pytest.raises(EngineError):
        accounts.account_by_id("v", acc.id)
    with pytest.raises(EngineError):
        accounts.account("u", "BTC", "futures")
    assert {a.currency for a in accounts.list_accounts("u")} == {"USDT", "BTC"}
    assert [a.type for a in accounts.list_accounts("u", currency="BTC")] == ["trade"]
    assert accounts.list_accounts("u", account_type="trade_hf") == []
    assert accounts.find("u", "ETH", "main") is None
    assert accounts.total_balance("BTC") == D("5")
    assert accounts.users() == ["u", "v"]


def test_trade_ledgers_holds_and_settlement_events() -> None:
    env = make_env()
    maker = env.limit("alice", "sell", "100", "2")
    acc = env.accounts.account("alice", "BTC", "trade")
    holds = env.accounts.holds("alice", acc.id)
    assert [(h.order_id, h.hold_amount, h.currency) for h in holds] == [(maker.id, D("2"), "BTC")]
    env.rec.clear()
    taker = env.limit("bob", "buy", "100", "1")
    alice = env.accounts.ledgers("alice", biz_type="Exchange")
    assert [(e.currency, e.direction, e.amount, e.fee) for e in alice] == [
        ("USDT", "in", D("99.9"), D("0.1")),
        ("BTC", "out", D("1"), D("0")),
    ]
    assert alice[0].context["orderId"] == maker.id and alice[0].context["symbol"] == "BTC-USDT"
    bob = env.accounts.ledgers("bob", biz_type="Exchange")
    assert [(e.currency, e.direction, e.amount, e.fee) for e in bob] == [
        ("BTC", "in", D("1"), D("0")),
        ("USDT", "out", D("100.2"), D("0.2")),
    ]
    assert bob[0].context["tradeId"] == env.rec.trades[0].trade_id
    settled = [c for c in env.rec.balances if c.relation_event == "trade.setted"]
    assert len(settled) == 4
    bob_usdt = next(c for c in settled if c.user_id == "bob" and c.currency == "USDT")
    assert bob_usdt.hold_change == D("-100.2") and bob_usdt.total == D("999899.8")
    assert env.accounts.holds("alice", acc.id)[0].hold_amount == D("1")
    assert taker.done_reason == "filled"
    assert env.accounts.ledgers("alice", currency="BTC", direction="in") != []
    assert env.accounts.ledgers("alice", start_ms=env.clock.now_ms + 1) == []
