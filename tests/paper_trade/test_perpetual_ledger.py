"""Perpetual paper accounting: both position modes, margin, funding, marks, liquidation."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from kucoin_connector.core.errors import InsufficientFundsError, OrderValidationError
from kucoin_connector.core.types import PositionMode, PositionSide, TradeType
from kucoin_connector.paper_trade.perpetual import ContractTerms, FundingSchedule, PerpetualLedger

D = Decimal
PAIR = "BTC-USDT"
TERMS = ContractTerms(PAIR, "USDT", D("0.001"), D("0.005"), D(100))
BUY, SELL = TradeType.BUY, TradeType.SELL
LONG, SHORT = PositionSide.LONG, PositionSide.SHORT


def ledger(mode: PositionMode = PositionMode.ONEWAY, wallet: str = "1000") -> PerpetualLedger:
    book = PerpetualLedger({PAIR: TERMS}, D(wallet), mode=mode)
    book.set_leverage(PAIR, D(10))
    return book


def test_one_way_opens_adds_reduces_and_flips() -> None:
    book = ledger()
    book.apply_fill(PAIR, BUY, D(100), D(30000), D("0.6"))  # 3000 value, 300 margin
    long = book.position(PAIR, LONG)
    assert (long.qty, long.entry_price, long.margin) == (D(100), D(30000), D(300))
    assert book.available == D(1000) - D("0.6") - D(300)
    book.apply_fill(PAIR, BUY, D(100), D(31000), D(0))
    assert long.entry_price == D(30500) and long.margin == D(610)
    result = book.apply_fill(PAIR, SELL, D(50), D(32000), D(0))
    assert result.closed == D(50) and result.realised_pnl == D(75)  # 50*0.001*(32000-30500)
    assert long.qty == D(150) and long.margin == D("457.5")
    flip = book.apply_fill(PAIR, SELL, D(200), D(32000), D(0))
    assert (flip.closed, flip.opened) == (D(150), D(50))
    short = book.position(PAIR, SHORT)
    assert long.qty == 0 and long.margin == 0
    assert (short.qty, short.entry_price, short.margin) == (D(50), D(32000), D(160))
    assert book.wallet == D(1000) - D("0.6") + D(75) + D(225)


def test_hedge_mode_keeps_long_and_short_apart() -> None:
    book = ledger(PositionMode.HEDGE)
    book.apply_fill(PAIR, BUY, D(10), D(30000), D(0), LONG)
    book.apply_fill(PAIR, SELL, D(10), D(30100), D(0), SHORT)
    assert book.position(PAIR, LONG).qty == D(10) and book.position(PAIR, SHORT).qty == D(10)
    closed = book.apply_fill(PAIR, BUY, D(4), D(29900), D(0), SHORT)  # buy SHORT closes
    assert closed.closed == D(4) and closed.realised_pnl == D("0.8")
    with pytest.raises(OrderValidationError):
        book.apply_fill(PAIR, SELL, D(11), D(30000), D(0), LONG)  # more than the long
    with pytest.raises(OrderValidationError):
        book.apply_fill(PAIR, BUY, D(1), D(30000), D(0))  # no position side


def test_margin_and_leverage_limits() -> None:
    book = ledger(wallet="100")
    with pytest.raises(InsufficientFundsError):
        book.apply_fill(PAIR, BUY, D(40), D(30000), D(0))  # 120 margin at 10x
    with pytest.raises(OrderValidationError):
        book.set_leverage(PAIR, D(101))


def test_funding_longs_pay_shorts_receive_when_the_rate_is_positive() -> None:
    book = ledger(PositionMode.HEDGE)
    book.apply_fill(PAIR, BUY, D(100), D(30000), D(0), LONG)
    book.apply_fill(PAIR, SELL, D(50), D(30000), D(0), SHORT)
    paid = book.settle_funding(PAIR, D("0.0001"), D(31000))
    assert paid == D("0.31") - D("0.155")
    assert book.wallet == D(1000) - paid
    assert book.position(PAIR, LONG).realised_pnl == D("-0.31")


def test_mark_price_pnl_and_liquidation_at_the_computed_price() -> None:
    book = ledger()
    book.apply_fill(PAIR, BUY, D(100), D(30000), D(0))
    long = book.position(PAIR, LONG)
    assert book.equity({PAIR: D(29000)}) == D(1000) - D(100)
    price = long.liquidation_price(TERMS)
    assert price is not None and D(27000) < price < D(27300)
    assert book.liquidate_at(PAIR, price + D(1)) == []
    liquidated = book.liquidate_at(PAIR, price)
    assert len(liquidated) == 1 and liquidated[0].qty == D(100)
    assert long.qty == 0 and book.wallet == D(700)  # the 300 margin is lost


def test_short_liquidation_price_is_above_the_entry() -> None:
    book = ledger()
    book.apply_fill(PAIR, SELL, D(100), D(30000), D(0))
    price = book.position(PAIR, SHORT).liquidation_price(TERMS)
    assert price is not None and D(32700) < price < D(33000)
    assert book.liquidate_at(PAIR, price - D(1)) == []
    assert len(book.liquidate_at(PAIR, price)) == 1


def test_kucoin_funding_times_are_04_12_20_utc() -> None:
    schedule = FundingSchedule()
    start = int(datetime(2026, 11, 30, 3, 0, tzinfo=UTC).timestamp() * 1000)
    end = int(datetime(2026, 12, 1, 4, 0, tzinfo=UTC).timestamp() * 1000)
    hours = [datetime.fromtimestamp(t / 1000, UTC).hour for t in schedule.due_between(start, end)]
    assert hours == [4, 12, 20, 4]
    assert schedule.next_after(end) - end == 8 * 3_600_000


def test_a_simulator_schedule_funds_at_multiples_of_its_interval() -> None:
    schedule = FundingSchedule.every(400)
    assert schedule.due_between(1000, 2000) == [1200, 1600, 2000]
    assert schedule.next_after(2000) == 2400
    with pytest.raises(ValueError, match="positive"):
        FundingSchedule.every(0)
