"""Hummingbot's habits on KucoinExchange, against the simulator over loopback: each answer
is checked against the simulator's own book, rules, fee rates and trades."""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

import pytest

from integration.harness import PAIR, harness, wait_for
from kucoin_connector import (
    AmountTypeError,
    FeeEstimate,
    OrderFailedEvent,
    OrderState,
    OrderType,
    TradeType,
)
from kucoin_connector.core.hummingbot_compat import DEFAULT_FEE_RATE


async def test_prices_and_books_are_the_simulators() -> None:
    async with harness() as h:
        await h.wait_book_equal()
        bid, ask = h.best()
        ex = h.exchange
        assert ex.get_price(PAIR, True) == ask  # a buyer takes the ask
        assert ex.get_price(PAIR, False) == bid
        assert ex.get_mid_price(PAIR) == (bid + ask) / 2
        assert ex.order_books == {PAIR: ex.get_order_book(PAIR)}
        assert ex.supported_order_types() == [
            OrderType.LIMIT,
            OrderType.LIMIT_MAKER,
            OrderType.MARKET,
        ]


async def test_quantize_follows_the_pairs_rules() -> None:
    async with harness() as h:
        spec = h.sim.engine.symbol_spec(PAIR)
        ex = h.exchange
        tick, step = spec.price_increment, spec.base_increment
        assert ex.quantize_order_price(PAIR, Decimal(30000) + tick * Decimal("0.7")) == Decimal(
            30000
        )
        amount = Decimal("0.5") + step * Decimal("0.5")
        assert ex.quantize_order_amount(PAIR, amount, Decimal(30000)) == Decimal("0.5")
        below_minimum = spec.base_min_size - step
        assert ex.quantize_order_amount(PAIR, below_minimum, Decimal(30000)) == 0
        # above the minimum size but worth less than the minimum funds at this price
        cheap = spec.min_funds / Decimal(10**9)
        assert ex.quantize_order_amount(PAIR, spec.base_min_size, cheap) == 0
        assert ex.quantize_order_amount(PAIR, "0.5", 30000) == Decimal("0.5")
        with pytest.raises(AmountTypeError):
            ex.quantize_order_price(PAIR, 30000.5)  # type: ignore[arg-type]


async def test_fee_uses_the_accounts_rates() -> None:
    async with harness(fee_rates=("0.0008", "0.0015")) as h:
        ex = h.exchange
        maker = ex.get_fee(
            "BTC", "USDT", OrderType.LIMIT_MAKER, TradeType.BUY, Decimal(2), Decimal(100)
        )
        assert maker == FeeEstimate(Decimal("0.0008"), "USDT", Decimal("0.1600"), False)
        taker = ex.get_fee("BTC", "USDT", OrderType.LIMIT, TradeType.SELL, Decimal(1))
        assert (taker.percent, taker.amount, taker.is_default) == (Decimal("0.0015"), None, False)
        unknown = ex.get_fee("ETH", "EUR", OrderType.MARKET, TradeType.BUY, Decimal(1))
        assert (unknown.percent, unknown.is_default) == (DEFAULT_FEE_RATE, True)


async def test_limit_orders_and_last_traded_price() -> None:
    async with harness() as h:
        ex = h.exchange
        bid, _ = h.best()
        resting = await ex.place_order(TradeType.BUY, PAIR, "0.01", OrderType.LIMIT, bid / 2)
        await ex.place_order(TradeType.BUY, PAIR, 1, OrderType.MARKET)
        assert [o.client_order_id for o in ex.limit_orders] == [resting.client_order_id]
        last = h.sim.engine.last_price(PAIR)
        assert last is not None
        assert await ex.get_last_traded_prices([PAIR]) == {PAIR: last}
        await ex.cancel_order(PAIR, resting.client_order_id)
        assert ex.limit_orders == []


async def test_int_and_str_amounts_are_exact_and_float_is_refused() -> None:
    async with harness() as h:
        ex = h.exchange
        bid, _ = h.best()
        price = str(bid / 2)
        order = await ex.place_order(TradeType.BUY, PAIR, "0.0123", OrderType.LIMIT, price)
        assert h.sim_order(order.client_order_id).size == Decimal("0.0123")
        with pytest.raises(AmountTypeError, match=r"float .*Decimal\('0.1'\)"):
            await ex.place_order(TradeType.BUY, PAIR, 0.1, OrderType.LIMIT, price)  # type: ignore[arg-type]
        with pytest.raises(AmountTypeError, match="price must not be a float"):
            ex.buy(PAIR, "0.01", OrderType.LIMIT, 100.5)  # type: ignore[arg-type]
        with pytest.raises(AmountTypeError, match="bool"):
            ex.sell(PAIR, True, OrderType.MARKET)
        # nothing was sent for the refused calls
        assert [o.client_oid for o in h.sim.engine.list_orders(h.sim.user_id)] == [
            order.client_order_id
        ]


async def test_failed_background_order_is_logged_at_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with harness() as h:
        ex = h.exchange
        failed: list[OrderFailedEvent] = []
        ex.add_listener(failed.append, OrderFailedEvent)  # type: ignore[arg-type]
        with caplog.at_level(logging.WARNING, logger="kucoin_connector"):
            too_small = ex.buy(PAIR, "0.00000001", OrderType.MARKET)
            too_big = ex.buy(PAIR, "4", OrderType.LIMIT, "1000000")  # 4M USDT: not in the account
            await wait_for(lambda: len(failed) == 2, "two failed events")
        for client_order_id in (too_small, too_big):
            order = ex.order_tracker.fetch_order(client_order_id=client_order_id)
            assert order is not None and order.current_state is OrderState.FAILED
            warnings = [r.getMessage() for r in caplog.records if client_order_id in r.getMessage()]
            assert warnings and all("failed" in w for w in warnings), warnings
        assert "minimum order size" in next(
            r.getMessage() for r in caplog.records if too_small in r.getMessage()
        )
        assert "InsufficientFundsError" in next(
            r.getMessage() for r in caplog.records if too_big in r.getMessage()
        )
        await asyncio.sleep(0)
