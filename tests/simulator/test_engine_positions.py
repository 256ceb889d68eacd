"""Derivative positions and the margin ledger (engine/positions.py, engine/margin.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kucoin_connector.simulator.engine.margin import MarginLedger, MarginWallet
from kucoin_connector.simulator.engine.models import EngineError, Reject
from kucoin_connector.simulator.engine.positions import (
    ContractTerms,
    MarginMode,
    PositionBook,
    PositionMode,
    PositionSide,
)

D = Decimal
TERMS = ContractTerms("XBTUSDTM", "USDT", D("0.001"), D("0.004"), D("100"))
BOTH, LONG, SHORT = PositionSide.BOTH, PositionSide.LONG, PositionSide.SHORT


class Recorder:
    def __init__(self) -> None:
        self.reasons: list[str] = []

    def on_wallet_change(self, wallet: MarginWallet, reason: str, time_ms: int) -> None:
        self.reasons.append(reason)


def _trade(
    book: PositionBook,
    ledger: MarginLedger,
    user: str,
    side: PositionSide,
    order_side: str,
    lots: str,
    price: str,
    fee: str = "0",
) -> None:
    """One fill with its order margin reserved first, as the engine does."""
    wallet = ledger.wallet(user, "USDT")
    opening = D(lots) - book.closable(user, TERMS.symbol, side, order_side)
    lev = book.leverage(user, TERMS.symbol)
    reserved = ledger.order_cost(TERMS, opening, D(price), lev, D(0)) if opening > 0 else D(0)
    ledger.reserve(wallet, reserved, 1)
    effect = book.apply_fill(TERMS, user, side, order_side, D(lots), D(price), 1)
    ledger.settle_fill(wallet, TERMS, effect, D(price), D(fee), reserved, 2)


def _setup(balance: str = "10000") -> tuple[PositionBook, MarginLedger, Recorder]:
    rec = Recorder()
    ledger = MarginLedger(rec)
    for user in ("alice", "bob"):
        ledger.deposit(user, "USDT", D(balance), 0)
    return PositionBook(default_leverage=D(10)), ledger, rec


def test_one_way_open_add_close_and_flip() -> None:
    book, ledger, _ = _setup()
    _trade(book, ledger, "alice", BOTH, "buy", "1000", "100")  # 1 BTC long at 100
    pos = book.position("alice", TERMS.symbol, BOTH)
    assert (pos.qty, pos.entry_price, pos.margin) == (D(1000), D(100), D(10))
    _trade(book, ledger, "alice", BOTH, "buy", "1000", "110")
    assert (pos.qty, pos.entry_price, pos.margin) == (D(2000), D(105), D(21))
    _trade(book, ledger, "alice", BOTH, "sell", "3000", "120", fee="0.5")
    # closes 2000 lots at 120 (pnl 2 BTC * 15 = 30), opens 1000 short at 120
    assert (pos.qty, pos.entry_price, pos.margin) == (D(-1000), D(120), D(12))
    wallet = ledger.wallet("alice", "USDT")
    assert wallet.balance == D("10000") + D(30) - D("0.5")
    assert wallet.position_margin == D(12) and wallet.order_margin == 0
    assert wallet.available == wallet.balance - D(12)


def test_hedge_mode_keeps_long_and_short_apart() -> None:
    book, ledger, _ = _setup()
    book.set_position_mode("alice", PositionMode.HEDGE, has_orders=False)
    assert book.resolve_side("alice", "LONG") is LONG
    with pytest.raises(EngineError):
        book.resolve_side("alice", "")
    _trade(book, ledger, "alice", LONG, "buy", "1000", "100")
    _trade(book, ledger, "alice", SHORT, "sell", "500", "100")
    assert book.position("alice", TERMS.symbol, LONG).qty == D(1000)
    short = book.position("alice", TERMS.symbol, SHORT)
    assert (short.qty, short.direction) == (D(500), -1)
    _trade(book, ledger, "alice", SHORT, "buy", "500", "90")  # close the short in profit
    assert short.qty == 0 and short.realised_pnl == D(5)
    with pytest.raises(EngineError):  # a sell on LONG beyond its size would open it short
        _trade(book, ledger, "alice", LONG, "sell", "1500", "100")


def test_modes_cannot_change_with_a_position_or_orders() -> None:
    book, ledger, _ = _setup()
    with pytest.raises(EngineError) as info:
        book.set_position_mode("alice", PositionMode.HEDGE, has_orders=True)
    assert info.value.reason is Reject.POSITION_MODE_LOCKED
    _trade(book, ledger, "alice", BOTH, "buy", "10", "100")
    with pytest.raises(EngineError):
        book.set_position_mode("alice", PositionMode.HEDGE, has_orders=False)
    with pytest.raises(EngineError):
        book.set_margin_mode("alice", TERMS.symbol, MarginMode.CROSS)
    book.set_margin_mode("bob", TERMS.symbol, MarginMode.CROSS)
    assert book.margin_mode("bob", TERMS.symbol) is MarginMode.CROSS
    with pytest.raises(EngineError):
        book.set_leverage("bob", TERMS, D(101))


def test_reserve_refuses_more_than_available() -> None:
    _, ledger, _ = _setup("10")
    wallet = ledger.wallet("alice", "USDT")
    with pytest.raises(EngineError) as info:
        ledger.reserve(wallet, D("10.01"), 0)
    assert info.value.reason is Reject.INSUFFICIENT_FUNDS
    ledger.reserve(wallet, D(4), 0)
    ledger.release(wallet, D(10), 0)  # never releases more than reserved
    assert wallet.order_margin == 0 and wallet.available == D(10)


def test_funding_longs_pay_shorts_when_the_rate_is_positive() -> None:
    book, ledger, rec = _setup()
    _trade(book, ledger, "alice", BOTH, "buy", "1000", "100")
    _trade(book, ledger, "bob", BOTH, "sell", "1000", "100")
    payments = ledger.settle_funding(TERMS, book.positions(), D("0.0001"), D(100), 5)
    by_user = {p.user_id: p.amount for p in payments}
    assert by_user == {"alice": D("0.01"), "bob": D("-0.01")}
    assert ledger.wallet("alice", "USDT").balance == D("9999.99")
    assert ledger.wallet("bob", "USDT").balance == D("10000.01")
    assert rec.reasons.count("funding") == 2


def test_liquidation_price_is_where_maintenance_is_reached() -> None:
    book, ledger, _ = _setup()
    _trade(book, ledger, "alice", BOTH, "buy", "1000", "100")  # margin 10 at 10x
    pos = book.position("alice", TERMS.symbol, BOTH)
    liq = pos.liquidation_price(TERMS)
    assert D(90) < liq < D(91)
    assert ledger.below_maintenance(TERMS, pos, liq)
    assert not ledger.below_maintenance(TERMS, pos, liq + D("0.01"))
    loss = ledger.liquidate(TERMS, pos, liq, 9)
    wallet = ledger.wallet("alice", "USDT")
    assert loss == D(10) and pos.qty == 0 and wallet.position_margin == 0
    assert wallet.balance == D(9990)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.integers(1, 3000), st.integers(50, 150)),
        min_size=1,
        max_size=25,
    )
)
def test_pnl_is_zero_sum_between_counterparties(trades: list[tuple[bool, int, int]]) -> None:
    """Alice and Bob always trade with each other: positions mirror each other and,
    fees aside, no money is created or lost."""
    book, ledger, _ = _setup("1000000")
    for alice_buys, lots, price in trades:
        a_side, b_side = ("buy", "sell") if alice_buys else ("sell", "buy")
        _trade(book, ledger, "alice", BOTH, a_side, str(lots), str(price), fee="0.1")
        _trade(book, ledger, "bob", BOTH, b_side, str(lots), str(price), fee="0.1")
    alice = book.position("alice", TERMS.symbol, BOTH)
    bob = book.position("bob", TERMS.symbol, BOTH)
    assert alice.qty == -bob.qty
    wallets = [ledger.wallet(u, "USDT") for u in ("alice", "bob")]
    total = sum((w.balance for w in wallets), D(0)) + ledger.fees_collected["USDT"]
    assert total == D(2000000)
    for wallet, pos in zip(wallets, (alice, bob), strict=True):
        assert wallet.order_margin == 0
        assert wallet.position_margin == pos.margin
