"""The matching engine trading contracts through MarginSettlement (engine/derivatives.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from kucoin_connector.simulator.engine.accounts import Accounts
from kucoin_connector.simulator.engine.derivatives import MarginSettlement
from kucoin_connector.simulator.engine.engine import MatchingEngine
from kucoin_connector.simulator.engine.margin import FundingPayment, MarginLedger
from kucoin_connector.simulator.engine.models import (
    EngineError,
    Order,
    OrderRequest,
    Reject,
    SymbolSpec,
)
from kucoin_connector.simulator.engine.positions import (
    ContractTerms,
    MarginMode,
    Position,
    PositionBook,
    PositionMode,
    PositionSide,
)

D = Decimal
SYMBOL = "XBTUSDTM"
TERMS = ContractTerms(SYMBOL, "USDT", D("0.001"), D("0.004"), D("100"))


class PositionRecorder:
    def __init__(self) -> None:
        self.changes: list[tuple[str, str, PositionSide, Decimal, str]] = []
        self.funding: list[FundingPayment] = []

    def on_position_change(self, position: Position, reason: str, time_ms: int) -> None:
        self.changes.append(
            (position.user_id, position.symbol, position.side, position.qty, reason)
        )

    def on_funding(self, payment: FundingPayment) -> None:
        self.funding.append(payment)


class Env:
    def __init__(self) -> None:
        self.rec = PositionRecorder()
        self.positions = PositionBook(default_leverage=D(10))
        self.ledger = MarginLedger()
        self.margin = MarginSettlement(self.positions, self.ledger, self.rec)
        self.margin.add_contract(TERMS)
        spec = SymbolSpec(
            SYMBOL, "XBT", "USDT", D(1), D(0), D(1000000), D(10**9), D(1), D("0.1"), D("0.1"),
            multiplier=D("0.001"), min_funds=D(0),
        )  # fmt: skip
        self.engine = MatchingEngine(
            [spec],
            Accounts(clock_ms=lambda: 0),
            clock_ms=lambda: 1_000,
            maker_fee_rate=D("0.0002"),
            taker_fee_rate=D("0.0006"),
            settlement=self.margin,
        )
        for user in ("alice", "bob", "carol"):
            self.ledger.deposit(user, "USDT", D(10000), 0)

    def order(self, user: str, side: str, lots: str, price: str | None = None, **kw: Any) -> Order:
        kind = "limit" if price else "market"
        limit = D(price) if price else None
        req = OrderRequest(SYMBOL, side, kind, price=limit, size=D(lots), **kw)
        return self.engine.place_order(user, req)

    def pos(self, user: str, side: PositionSide = PositionSide.BOTH) -> Position:
        return self.positions.position(user, SYMBOL, side)


def test_a_resting_order_holds_the_margin_of_the_lots_it_opens() -> None:
    env = Env()
    order = env.order("alice", "buy", "1000", "100")  # 1 XBT at 100, 10x
    wallet = env.ledger.wallet("alice", "USDT")
    assert wallet.order_margin == D(10) + D("0.06")  # value/leverage + taker fee on value
    env.engine.cancel_order("alice", order.id)
    assert wallet.order_margin == 0 and wallet.available == D(10000)


def test_a_fill_opens_mirrored_positions_and_moves_margin() -> None:
    env = Env()
    env.order("alice", "sell", "1000", "100")
    taker = env.order("bob", "buy", "1000")
    assert taker.done_reason == "filled"
    assert env.pos("bob").qty == D(1000) and env.pos("alice").qty == D(-1000)
    bob, alice = env.ledger.wallet("bob", "USDT"), env.ledger.wallet("alice", "USDT")
    assert bob.order_margin == 0 and alice.order_margin == 0
    assert bob.position_margin == D(10) == alice.position_margin
    assert bob.balance == D(10000) - D("0.06") and alice.balance == D(10000) - D("0.02")
    assert ("bob", SYMBOL, PositionSide.BOTH, D(1000), "fill") in env.rec.changes


def test_closing_realises_pnl_and_reduce_only_is_checked() -> None:
    env = Env()
    env.order("alice", "sell", "1000", "100")
    env.order("bob", "buy", "1000")
    with pytest.raises(EngineError) as info:
        env.order("bob", "sell", "1001", "110", reduce_only=True)
    assert info.value.reason is Reject.INVALID_PARAMETER
    close = env.order("bob", "sell", "1", "110", close_order=True)  # size becomes 1000
    assert close.size == D(1000)
    assert env.ledger.wallet("bob", "USDT").order_margin == 0  # closing holds nothing
    env.order("carol", "buy", "1000")
    bob = env.ledger.wallet("bob", "USDT")
    assert env.pos("bob").qty == 0 and bob.position_margin == 0
    assert bob.balance == D(10000) - D("0.06") + D(10) - D("0.022")  # pnl 10, maker fee


def test_hedge_mode_and_margin_mode_checks() -> None:
    env = Env()
    with pytest.raises(EngineError):  # one-way: LONG is not a position side
        env.order("bob", "buy", "10", "100", position_side="LONG")
    env.positions.set_position_mode("bob", PositionMode.HEDGE, has_orders=False)
    env.order("alice", "sell", "2000", "100")
    env.order("bob", "buy", "1000", position_side="LONG")
    with pytest.raises(EngineError):  # hedge: the side must be named
        env.order("bob", "buy", "10")
    with pytest.raises(EngineError) as info:
        env.order("bob", "buy", "10", "90", position_side="LONG", margin_mode="CROSS")
    assert "margin mode" in info.value.message
    assert env.pos("bob", PositionSide.LONG).qty == D(1000)
    assert env.positions.margin_mode("bob", SYMBOL) is MarginMode.ISOLATED


def test_insufficient_margin_is_refused_before_anything_changes() -> None:
    env = Env()
    with pytest.raises(EngineError) as info:
        env.order("alice", "buy", "1000000", "100")  # 1000 XBT: 10,000 margin + fee
    assert info.value.reason is Reject.INSUFFICIENT_FUNDS
    assert env.engine.active_orders("alice") == []
    assert env.ledger.wallet("alice", "USDT").order_margin == 0


def test_mark_price_liquidates_and_funding_is_charged() -> None:
    env = Env()
    env.order("alice", "sell", "1000", "100")
    env.order("bob", "buy", "1000")
    payments = env.margin.settle_funding(SYMBOL, D("0.0001"), D(100), 5)
    assert {p.user_id: p.amount for p in payments} == {"bob": D("0.01"), "alice": D("-0.01")}
    assert env.rec.funding == payments
    assert env.margin.mark(SYMBOL, D(95), 6) == []
    liquidated = env.margin.mark(SYMBOL, D(90), 7)
    assert [p.user_id for p in liquidated] == ["bob"]
    assert env.pos("bob").qty == 0 and env.ledger.wallet("bob", "USDT").position_margin == 0
    assert ("bob", SYMBOL, PositionSide.BOTH, D(0), "liquidation") in env.rec.changes
