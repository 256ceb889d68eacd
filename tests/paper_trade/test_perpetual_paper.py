"""kucoin_perpetual_paper_trade on the KuCoin Futures simulator's public feed: positions,
margin, fees, reduce-only orders, both position modes, the live connector's order rules,
funding at the funding times from the public rate, mark-price PnL and liquidation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kucoin_connector.core.errors import InsufficientFundsError, OrderValidationError
from kucoin_connector.core.events import (
    FundingPaymentEvent,
    OrderFailedEvent,
    OrderFilledEvent,
    PositionChangedEvent,
)
from kucoin_connector.core.types import (
    OrderType,
    PositionAction,
    PositionMode,
    PositionSide,
    TimeInForce,
    TradeType,
)
from kucoin_connector.kucoin_perpetual.errors import PositionModeChangeError
from kucoin_connector.kucoin_perpetual.orders import PerpetualOrderOptions
from kucoin_connector.registry import get_connector

from .perp_rig import PAIR, SYMBOL, perp_rig
from .sim import wait_for

D = Decimal
BUY, SELL = TradeType.BUY, TradeType.SELL
CLOSE = PerpetualOrderOptions(position_action=PositionAction.CLOSE)
TAKER = D("0.0006")  # KuCoin Futures base tier


def test_the_registry_lists_it_without_keys() -> None:
    spec = get_connector("kucoin_perpetual_paper_trade")
    assert spec.key_prompts == ()
    config = spec.make_config({"base_url": "http://127.0.0.1:1", "position_mode": "HEDGE"})
    assert config.perpetual_settings().position_mode is PositionMode.HEDGE


async def test_a_long_opens_at_the_book_and_closes_reduce_only_with_exact_pnl_and_fees() -> None:
    async with perp_rig() as rig:
        paper = rig.paper
        await paper.set_leverage(PAIR, D(5))
        bid, ask = rig.best()
        book = paper.get_order_book(PAIR)
        assert book.asks()[0][1] >= D("0.005") and book.bids()[0][1] >= D("0.005")
        await paper.place_order(BUY, PAIR, D("0.005"), OrderType.MARKET)
        await paper.drain()
        position = paper.positions.get(PAIR, PositionSide.BOTH)
        assert position is not None
        assert (position.amount, position.entry_price) == (D("0.005"), ask)
        assert (position.leverage, position.margin) == (D(5), ask * D("0.005") / 5)
        assert position.liquidation_price is not None and position.liquidation_price < bid
        fee_open = ask * D("0.005") * TAKER
        assert paper.get_balance("USDT") == D(10000) - fee_open
        assert paper.get_available_balance("USDT") == D(10000) - fee_open - position.margin
        sell = await paper.place_order(SELL, PAIR, D("0.005"), OrderType.MARKET, options=CLOSE)
        await paper.drain()
        assert paper.positions.get(PAIR, PositionSide.BOTH) is None
        assert paper.order_position_action(sell.client_order_id) is PositionAction.CLOSE
        fee_close = bid * D("0.005") * TAKER
        pnl = (bid - ask) * D("0.005")
        assert paper.get_balance("USDT") == D(10000) + pnl - fee_open - fee_close
        assert paper.get_available_balance("USDT") == paper.get_balance("USDT")
        fills = rig.of_type(OrderFilledEvent)
        assert [f.fee.asset for f in fills] == ["USDT", "USDT"]
        closed = rig.of_type(PositionChangedEvent)[-1]
        assert closed.amount == 0


async def test_orders_are_refused_as_live() -> None:
    async with perp_rig(balances="USDT=1000") as rig:
        paper = rig.paper
        with pytest.raises(OrderValidationError):  # half a lot: refused before tracking
            await paper.place_order(BUY, PAIR, D("0.0015"), OrderType.MARKET)
        with pytest.raises(OrderValidationError):  # above the contract's maximum (100)
            await paper.set_leverage(PAIR, D(101))
        with pytest.raises(OrderValidationError):  # futures take GTC or IOC only
            await paper.place_order(
                BUY,
                PAIR,
                D("0.001"),
                OrderType.LIMIT,
                D(50000),
                PerpetualOrderOptions(time_in_force=TimeInForce.FOK),
            )
        with pytest.raises(OrderValidationError):  # nothing to reduce
            await paper.place_order(SELL, PAIR, D("0.001"), OrderType.MARKET, options=CLOSE)
        with pytest.raises(InsufficientFundsError):  # 60 000 USDT at leverage 1
            await paper.place_order(BUY, PAIR, D(1), OrderType.LIMIT, D(60000))
        await paper.drain()
        assert len(rig.of_type(OrderFailedEvent)) == 3  # the tracked ones, as live
        assert paper.positions.positions == {}
        assert paper.get_balance("USDT") == D(1000)


async def test_hedge_mode_holds_a_long_and_a_short_and_refuses_a_mode_switch() -> None:
    async with perp_rig(position_mode="HEDGE") as rig:
        paper = rig.paper
        assert await paper.position_mode() is PositionMode.HEDGE
        await paper.place_order(BUY, PAIR, D("0.003"), OrderType.MARKET)
        await paper.place_order(SELL, PAIR, D("0.002"), OrderType.MARKET)
        await paper.drain()
        long = paper.positions.get(PAIR, PositionSide.LONG)
        short = paper.positions.get(PAIR, PositionSide.SHORT)
        assert long is not None and long.amount == D("0.003")
        assert short is not None and short.amount == D("-0.002")
        with pytest.raises(PositionModeChangeError):
            await paper.set_position_mode(PositionMode.ONEWAY)
        await paper.place_order(SELL, PAIR, D("0.003"), OrderType.MARKET, options=CLOSE)
        await paper.drain()
        assert paper.positions.get(PAIR, PositionSide.LONG) is None
        still_short = paper.positions.get(PAIR, PositionSide.SHORT)
        assert still_short is not None and still_short.same_state(short)


async def test_funding_is_paid_at_the_funding_times_from_the_public_rate() -> None:
    async with perp_rig(funding_interval_ms=400) as rig:
        paper, sim = rig.paper, rig.sim
        sim.state.funding_rates[SYMBOL] = D("0.001")
        sim.set_mark_price(SYMBOL, D(60000))
        # the public feed must have told the paper venue both before a position is open
        await wait_for(
            lambda: (
                paper._funding_rates.get(PAIR) == D("0.001") and paper._marks.get(PAIR) == D(60000)
            ),
            "the public funding rate and mark",
        )
        await paper.place_order(BUY, PAIR, D("0.005"), OrderType.MARKET)
        await paper.drain()
        after_open = paper.get_balance("USDT")
        paid_before = len(rig.of_type(FundingPaymentEvent))  # one may already be in
        await wait_for(lambda: len(rig.of_type(FundingPaymentEvent)) >= 2, "two fundings")
        await paper.drain()
        payments = rig.of_type(FundingPaymentEvent)
        assert all(p.amount == D("-0.3") for p in payments)  # 0.005 * 60000 * 0.001, paid
        assert all(p.funding_rate == D("0.001") for p in payments)
        assert all(p.timestamp_ms % 400 == 0 for p in payments)
        paid_since = len(payments) - paid_before
        assert paper.paper_balances()["USDT"].total == after_open - D("0.3") * paid_since


async def test_a_mark_below_the_liquidation_price_liquidates_the_position() -> None:
    async with perp_rig() as rig:
        paper, sim = rig.paper, rig.sim
        await paper.set_leverage(PAIR, D(50))
        await paper.place_order(BUY, PAIR, D("0.005"), OrderType.MARKET)
        await paper.drain()
        position = paper.positions.get(PAIR, PositionSide.BOTH)
        assert position is not None and position.liquidation_price is not None
        fee = position.entry_price * D("0.005") * TAKER
        sim.set_mark_price(SYMBOL, position.liquidation_price + 5)
        await wait_for(
            lambda: (
                (p := paper.positions.get(PAIR, PositionSide.BOTH)) is not None
                and p.unrealized_pnl < 0
            ),
            "the mark price reaches the position",
        )
        assert paper.positions.get(PAIR, PositionSide.BOTH) is not None  # above: still open
        sim.set_mark_price(SYMBOL, position.liquidation_price - 5)
        await wait_for(
            lambda: paper.positions.get(PAIR, PositionSide.BOTH) is None, "the liquidation"
        )
        await paper.drain()
        assert paper.get_balance("USDT") == D(10000) - fee - position.margin
