"""Every order type and mode, classic and HF, against the simulator over loopback."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kucoin_connector import (
    OrderOptions,
    OrderState,
    OrderType,
    SelfTradePrevention,
    StopType,
    TimeInForce,
    TradeType,
)
from kucoin_connector.simulator.engine.models import OrderRequest

from .harness import PAIR, Harness, harness, wait_for

ACCOUNT_TYPES = ["trade", "trade_hf"]
SIZE = Decimal("0.01")
pytestmark = pytest.mark.parametrize("account_type", ACCOUNT_TYPES)


async def place(
    h: Harness,
    side: TradeType,
    amount: Decimal,
    order_type: OrderType,
    price: Decimal | None = None,
    **options: object,
) -> OrderState:
    order = await h.exchange.place_order(
        side,
        PAIR,
        amount,
        order_type,
        price,
        OrderOptions(**options),  # type: ignore[arg-type]
    )
    h.track(order)
    return order.current_state


async def test_limit_resting_then_cancel(account_type: str) -> None:
    async with harness(account_type) as h:
        bid, _ = h.best()
        buy = h.track(
            await h.exchange.place_order(
                TradeType.BUY, PAIR, SIZE, OrderType.LIMIT, bid * Decimal("0.99")
            )
        )
        assert buy.current_state is OrderState.OPEN
        await h.check_orders()
        done = await h.exchange.cancel_order(PAIR, buy.client_order_id)
        assert done.current_state is OrderState.CANCELED
        await h.check_all()


async def test_limit_crossing_fills(account_type: str) -> None:
    async with harness(account_type) as h:
        bid, ask = h.best()
        buy = h.track(
            await h.exchange.place_order(
                TradeType.BUY, PAIR, SIZE, OrderType.LIMIT, ask * Decimal("1.01")
            )
        )
        sell = h.track(
            await h.exchange.place_order(
                TradeType.SELL, PAIR, Decimal("0.02"), OrderType.LIMIT, bid * Decimal("0.99")
            )
        )
        await h.check_all()
        assert buy.is_filled and sell.is_filled
        assert buy.executed_amount_base == SIZE


async def test_limit_maker_resting_and_crossing(account_type: str) -> None:
    async with harness(account_type) as h:
        _, ask = h.best()
        resting = h.track(
            await h.exchange.place_order(
                TradeType.SELL, PAIR, SIZE, OrderType.LIMIT_MAKER, ask * Decimal("1.01")
            )
        )
        crossing = h.track(
            await h.exchange.place_order(
                TradeType.BUY, PAIR, SIZE, OrderType.LIMIT_MAKER, ask * Decimal("1.001")
            )
        )
        await h.check_orders()
        assert resting.current_state is OrderState.OPEN
        assert crossing.current_state in (OrderState.CANCELED, OrderState.FAILED)
        assert crossing.executed_amount_base == 0
        await h.exchange.cancel_order(PAIR, resting.client_order_id)
        await h.check_all()


async def test_market_by_size_and_by_funds(account_type: str) -> None:
    async with harness(account_type) as h:
        buy = h.track(
            await h.exchange.place_order(TradeType.BUY, PAIR, Decimal("0.02"), OrderType.MARKET)
        )
        sell = h.track(
            await h.exchange.place_order(TradeType.SELL, PAIR, Decimal("0.01"), OrderType.MARKET)
        )
        by_funds = h.track(
            await h.exchange.place_order(
                TradeType.BUY,
                PAIR,
                Decimal(0),
                OrderType.MARKET,
                options=OrderOptions(quote_amount=Decimal("500")),
            )
        )
        sell_funds = h.track(
            await h.exchange.place_order(
                TradeType.SELL,
                PAIR,
                Decimal(0),
                OrderType.MARKET,
                options=OrderOptions(quote_amount=Decimal("300")),
            )
        )
        await h.check_all()
        assert buy.executed_amount_base == Decimal("0.02")
        assert sell.executed_amount_base == Decimal("0.01")
        assert by_funds.executed_amount_base > 0 and sell_funds.executed_amount_base > 0
        assert by_funds.executed_amount_quote <= Decimal("500")


async def test_ioc_fok_gtt(account_type: str) -> None:
    async with harness(account_type) as h:
        bid, ask = h.best()
        far = bid * Decimal("0.9")
        await place(h, TradeType.BUY, SIZE, OrderType.LIMIT, far, time_in_force=TimeInForce.IOC)
        await place(
            h,
            TradeType.BUY,
            SIZE,
            OrderType.LIMIT,
            ask * Decimal("1.01"),
            time_in_force=TimeInForce.IOC,
        )
        # more than the whole ask side (about 20 000 USDT in 10 levels): cannot fill
        await place(
            h,
            TradeType.BUY,
            Decimal("1"),
            OrderType.LIMIT,
            ask * Decimal("1.01"),
            time_in_force=TimeInForce.FOK,
        )
        await place(
            h,
            TradeType.SELL,
            SIZE,
            OrderType.LIMIT,
            bid * Decimal("0.99"),
            time_in_force=TimeInForce.FOK,
        )
        await place(
            h,
            TradeType.BUY,
            SIZE,
            OrderType.LIMIT,
            far,
            time_in_force=TimeInForce.GTT,
            cancel_after_s=1,
        )
        gtt_order = h.placed[-1]
        await h.check_orders()
        states = [o.current_state for o in h.placed[:4]]
        assert states == [
            OrderState.CANCELED,
            OrderState.FILLED,
            OrderState.CANCELED,
            OrderState.FILLED,
        ]
        await wait_for(lambda: gtt_order.is_cancelled, "the GTT order to expire")
        await h.check_all()


async def test_hidden_and_iceberg(account_type: str) -> None:
    async with harness(account_type) as h:
        bid, ask = h.best()
        hidden_price = bid - Decimal(1)  # between two levels of the seeded book
        await place(h, TradeType.BUY, SIZE, OrderType.LIMIT, hidden_price, hidden=True)
        await place(
            h,
            TradeType.SELL,
            Decimal("0.1"),
            OrderType.LIMIT,
            ask * Decimal("1.001"),
            visible_size=Decimal("0.02"),
        )
        iceberg_price = h.placed[-1].price
        assert iceberg_price is not None
        await h.check_orders()
        await h.wait_book_equal()  # the hidden order is not in it, the iceberg shows 0.02
        book = h.exchange.get_order_book(PAIR)
        assert hidden_price not in dict(book.bids())
        assert dict(book.asks())[iceberg_price] == Decimal("0.02")
        # take part of the iceberg with a market buy of another user (the simulator's taker)
        h.sim.engine.place_order(
            "sim-bot-taker",
            OrderRequest(symbol=PAIR, side="buy", type="market", size=Decimal("0.5")),
        )
        await h.check_all()
        await h.exchange.cancel_all()
        await h.check_all()


async def test_self_trade_prevention(account_type: str) -> None:
    async with harness(account_type) as h:
        bid, _ = h.best()
        price = bid + Decimal("0.1")  # a new best bid: the STP sell meets our own order first
        expected = {  # (resting buy 0.01, incoming sell 0.004) after the sell
            SelfTradePrevention.CANCEL_NEWEST: (OrderState.OPEN, OrderState.CANCELED),
            SelfTradePrevention.CANCEL_OLDEST: (OrderState.CANCELED, OrderState.OPEN),
            SelfTradePrevention.CANCEL_BOTH: (OrderState.CANCELED, OrderState.CANCELED),
            SelfTradePrevention.DECREASE_AND_CANCEL: (OrderState.OPEN, OrderState.CANCELED),
        }
        for stp, states in expected.items():
            resting = await h.exchange.place_order(
                TradeType.BUY, PAIR, SIZE, OrderType.LIMIT, price
            )
            h.track(resting)
            await place(
                h,
                TradeType.SELL,
                Decimal("0.004"),
                OrderType.LIMIT,
                price,
                self_trade_prevention=stp,
            )
            await h.check_orders()
            assert (resting.current_state, h.placed[-1].current_state) == states, stp
            assert resting.executed_amount_base == 0
            await h.exchange.cancel_all()
        await h.exchange.cancel_all()
        await h.check_all()


async def test_stop_order(account_type: str) -> None:
    async with harness(account_type) as h:
        bid, ask = h.best()
        _, _, asks = h.sim.engine.level2_snapshot(PAIR)
        # the stop price is off the tick grid on purpose: the connector rounds it
        await place(
            h,
            TradeType.BUY,
            SIZE,
            OrderType.LIMIT,
            ask * Decimal("1.01"),
            stop=StopType.ENTRY,
            stop_price=asks[1][0] - Decimal("0.01"),
        )
        stop = h.placed[-1]
        await place(
            h,
            TradeType.SELL,
            SIZE,
            OrderType.LIMIT,
            bid * Decimal("0.5"),
            stop=StopType.LOSS,
            stop_price=bid * Decimal("0.6"),
        )
        untouched = h.placed[-1]
        await h.check_orders()
        assert stop.current_state is OrderState.OPEN
        # a trade at the second ask level triggers it
        await place(h, TradeType.BUY, asks[0][1] + Decimal("0.001"), OrderType.MARKET)
        await wait_for(lambda: stop.is_filled, "the stop order to trigger and fill")
        await h.exchange.cancel_order(PAIR, untouched.client_order_id)
        await h.check_all()
        assert untouched.current_state is OrderState.CANCELED


async def test_fire_and_forget(account_type: str) -> None:
    async with harness(account_type) as h:
        bid, ask = h.best()
        ids = [
            h.exchange.buy(PAIR, SIZE, OrderType.LIMIT, bid * Decimal("0.99")),
            h.exchange.sell(PAIR, SIZE, OrderType.LIMIT, ask * Decimal("1.01")),
            h.exchange.buy(PAIR, SIZE, OrderType.MARKET),
            h.exchange.sell(PAIR, SIZE, OrderType.MARKET),
        ]
        orders = [h.track_id(i) for i in ids]
        await wait_for(lambda: all(not o.is_pending_create for o in orders), "placements")
        await h.check_orders()
        for client_order_id in ids[:2]:
            h.exchange.cancel(PAIR, client_order_id)
        await wait_for(lambda: all(o.is_done for o in orders), "cancels")
        # a cancel sent right after the buy, while the placement is still in flight
        instant = h.track_id(h.exchange.buy(PAIR, SIZE, OrderType.LIMIT, bid * Decimal("0.98")))
        h.exchange.cancel(PAIR, instant.client_order_id)
        await wait_for(lambda: instant.is_done, "the instant cancel")
        assert instant.is_cancelled
        await h.check_all()
