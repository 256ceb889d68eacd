"""PaperExchange on the simulator's public feed: the live surface, events and accounting."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pytest

from kucoin_connector.core.errors import (
    InsufficientFundsError,
    InvalidOrderError,
    OrderValidationError,
)
from kucoin_connector.core.events import (
    BalanceUpdatedEvent,
    OrderCancelledEvent,
    OrderCompletedEvent,
    OrderCreatedEvent,
    OrderFailedEvent,
    OrderFilledEvent,
)
from kucoin_connector.core.types import (
    OrderOptions,
    OrderState,
    OrderType,
    StopType,
    TimeInForce,
    TradeType,
)

from .sim import PAIR, paper_rig, wait_for

D = Decimal


def order_events(events: Sequence[object], client_order_id: str) -> list[str]:
    return [
        type(e).__name__ for e in events if getattr(e, "client_order_id", None) == client_order_id
    ]


async def test_resting_buy_is_held_then_filled_by_a_trade_through_its_price() -> None:
    async with paper_rig(latency_ms=4, maker_fee_rate="0.001") as rig:
        paper = rig.paper
        bid, _ = rig.best()
        price = bid - D("10")
        order = await paper.place_order(TradeType.BUY, PAIR, D("0.01"), OrderType.LIMIT, price)
        assert order.exchange_order_id is not None and not order.is_done
        hold = price * D("0.01") * D("1.001")
        await wait_for(lambda: paper.get_available_balance("USDT") == D(100000) - hold, "hold")
        assert paper.get_balance("USDT") == D(100000)
        rig.other_trades("sell", D("3"))  # sweeps the bids through our price
        await wait_for(lambda: order.is_done, "paper order filled")
        assert order.current_state is OrderState.FILLED
        assert order.executed_amount_base == D("0.01")
        fills = list(order.order_fills.values())
        assert all(f.fill_price == price and f.is_maker for f in fills)
        fee = price * D("0.01") * D("0.001")
        assert sum(f.fee.amount for f in fills) == fee
        await wait_for(lambda: paper.get_balance("BTC") == D("5.01"), "base credited")
        assert paper.get_balance("USDT") == D(100000) - price * D("0.01") - fee
        assert paper.get_available_balance("USDT") == paper.get_balance("USDT")
        assert order_events(rig.events, order.client_order_id) == [
            "OrderCreatedEvent",
            "OrderFilledEvent",
            "OrderCompletedEvent",
        ]


async def test_market_order_walks_the_simulator_book_and_pays_the_taker_fee() -> None:
    async with paper_rig(latency_ms=0, taker_fee_rate="0.002") as rig:
        _, asks = rig.sim.engine.level2_snapshot(PAIR)[1:]
        first_price, first_size = asks[0]
        amount = first_size + asks[1][1] / 2
        order = await rig.paper.place_order(TradeType.BUY, PAIR, amount, OrderType.MARKET)
        await wait_for(lambda: order.is_done, "market order done")
        fills = sorted(order.order_fills.values(), key=lambda f: f.fill_price)
        assert [(f.fill_price, f.fill_base_amount) for f in fills] == [
            (first_price, first_size),
            (asks[1][0], amount - first_size),
        ]
        assert not any(f.is_maker for f in fills)
        assert all(f.fee.amount == f.fill_quote_amount * D("0.002") for f in fills)
        again = await rig.paper.place_order(TradeType.BUY, PAIR, first_size, OrderType.MARKET)
        await wait_for(lambda: again.is_done, "second market order done")
        assert first_price not in {f.fill_price for f in again.order_fills.values()}


async def test_venue_rules_and_funds_are_checked_as_live() -> None:
    async with paper_rig(balances="USDT=10,BTC=0", latency_ms=0) as rig:
        rule = rig.paper.trading_rules[PAIR]
        with pytest.raises(OrderValidationError):
            await rig.paper.place_order(
                TradeType.BUY, PAIR, rule.min_order_size / 10, OrderType.LIMIT, D(1)
            )
        bid, _ = rig.best()
        with pytest.raises(InsufficientFundsError):
            await rig.paper.place_order(TradeType.BUY, PAIR, D("0.01"), OrderType.LIMIT, bid)
        failed = [e for e in rig.events if isinstance(e, OrderFailedEvent)]
        assert len(failed) == 1 and "insufficient" in failed[0].reason


async def test_post_only_that_would_take_is_cancelled_and_cancel_frees_the_hold() -> None:
    async with paper_rig(latency_ms=2) as rig:
        _, ask = rig.best()
        maker = await rig.paper.place_order(
            TradeType.BUY, PAIR, D("0.01"), OrderType.LIMIT_MAKER, ask
        )
        await wait_for(lambda: maker.is_done, "post-only cancelled")
        assert maker.current_state is OrderState.CANCELED and not maker.order_fills
        bid, _ = rig.best()
        resting = await rig.paper.place_order(TradeType.SELL, PAIR, D("0.5"), OrderType.LIMIT, ask)
        await wait_for(lambda: rig.paper.get_available_balance("BTC") == D("4.5"), "held")
        cancelled = await rig.paper.cancel_order(PAIR, resting.client_order_id)
        assert cancelled.current_state is OrderState.CANCELED
        await wait_for(lambda: rig.paper.get_available_balance("BTC") == D(5), "released")
        kinds = {type(e) for e in rig.events}
        assert {OrderCreatedEvent, OrderCancelledEvent, BalanceUpdatedEvent} <= kinds
        assert not any(isinstance(e, (OrderFilledEvent, OrderCompletedEvent)) for e in rig.events)
        assert bid < ask


async def test_options_paper_does_not_simulate_are_refused_not_traded_plain() -> None:
    async with paper_rig(latency_ms=0) as rig:
        bid, _ = rig.best()
        for options in (
            OrderOptions(stop=StopType.LOSS, stop_price=bid - 50),
            OrderOptions(hidden=True),
            OrderOptions(time_in_force=TimeInForce.GTT, cancel_after_s=5),
        ):
            with pytest.raises(InvalidOrderError):
                await rig.paper.place_order(
                    TradeType.BUY, PAIR, D("0.01"), OrderType.LIMIT, bid - 100, options
                )
        assert rig.paper.get_available_balance("USDT") == D(100000)


async def test_a_fill_can_beat_a_cancel_still_travelling_to_the_venue() -> None:
    async with paper_rig(latency_ms=1000) as rig:  # 500 ms each way
        bid, _ = rig.best()
        order = await rig.paper.place_order(TradeType.BUY, PAIR, D("0.01"), OrderType.LIMIT, bid)
        rig.paper.cancel(PAIR, order.client_order_id)  # reaches the paper venue in 500 ms
        rig.other_trades("sell", D("3"))  # the public trade through our price comes first
        await wait_for(lambda: order.is_done, "order done")
        assert order.current_state is OrderState.FILLED
        assert not any(isinstance(e, OrderCancelledEvent) for e in rig.events)


async def test_market_buy_by_funds_keeps_the_fee_inside_the_funds() -> None:
    async with paper_rig(latency_ms=0, taker_fee_rate="0.001") as rig:
        options = OrderOptions(quote_amount=D(100))
        order = await rig.paper.place_order(
            TradeType.BUY, PAIR, D(0), OrderType.MARKET, None, options
        )
        await wait_for(lambda: order.is_done, "market by funds done")
        assert order.current_state is OrderState.FILLED and order.executed_amount_base > 0
        spent = sum((f.fill_quote_amount + f.fee.amount for f in order.order_fills.values()), D(0))
        assert D(99) < spent <= D(100)
        await rig.paper.drain()
        assert rig.paper.get_balance("USDT") == D(100000) - spent
        assert rig.paper.get_available_balance("USDT") == rig.paper.get_balance("USDT")


async def test_default_latency_is_half_a_measured_round_trip_each_way() -> None:
    async with paper_rig() as rig:  # no latency_ms: measured against the venue at start
        latency = rig.paper.latency
        assert latency.entry_ms == latency.response_ms > 0  # measured, not a fixed delay
