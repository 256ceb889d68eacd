"""A busy market with every kind of WS fault at once, orders placed and cancelled through it:
afterwards the book, the orders, the fills and the balances all equal the simulator's."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from kucoin_connector import OrderOptions, OrderType, TradeType
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator

from .harness import PAIR, Harness, harness, wait_for


@contextlib.asynccontextmanager
async def busy(sim: KucoinSimulator) -> AsyncIterator[None]:
    """Market activity from the test, stopped (a quiet moment) when the block ends."""

    async def run() -> None:
        while True:
            sim.market.tick()
            await asyncio.sleep(0.003)

    task = asyncio.get_running_loop().create_task(run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def inject_faults(h: Harness) -> None:
    faults = h.sim.faults
    for action, probability in (("drop", 0.05), ("duplicate", 0.05), ("reorder", 0.05)):
        faults.ws(action, "/market/level2", probability=probability)
    for action, probability in (("drop", 0.2), ("duplicate", 0.1), ("reorder", 0.1)):
        faults.ws(action, "/spotMarket/tradeOrders", probability=probability)
    faults.ws("drop", "/account/balance", probability=0.3)


@pytest.mark.parametrize("account_type", ["trade", "trade_hf"])
async def test_busy_market_with_faults(account_type: str) -> None:
    async with harness(account_type, seed=9) as h:
        inject_faults(h)
        async with busy(h.sim):
            for round_ in range(6):
                mid = h.sim.market.mids[PAIR]  # a side of the book may be empty for a while
                bid, ask = mid - Decimal(3), mid + Decimal(3)
                ids = [
                    h.exchange.buy(PAIR, Decimal("0.01"), OrderType.LIMIT, bid),
                    h.exchange.sell(PAIR, Decimal("0.01"), OrderType.LIMIT, ask),
                    h.exchange.buy(PAIR, Decimal("0.005"), OrderType.MARKET),
                    h.exchange.sell(
                        PAIR,
                        Decimal(0),
                        OrderType.MARKET,
                        options=OrderOptions(quote_amount=Decimal("100")),
                    ),
                    h.exchange.sell(PAIR, Decimal("0.02"), OrderType.LIMIT_MAKER, bid),
                ]
                for client_order_id in ids:
                    h.track_id(client_order_id)
                if round_ % 2:
                    h.exchange.cancel(PAIR, ids[0])  # right after the buy, while in flight
                order = await h.exchange.place_order(
                    TradeType.BUY, PAIR, Decimal("0.01"), OrderType.LIMIT, bid
                )
                h.track(order)
                await asyncio.sleep(0.05)
                await h.exchange.cancel_order(PAIR, order.client_order_id)
        h.sim.faults.clear()
        await wait_for(lambda: all(not o.is_pending_create for o in h.placed), "placements")
        await h.exchange.cancel_all()
        await h.check_all()
        h.sim.market.tick()  # a last, clean change reveals a gap at the very end
        await h.wait_book_equal()
        assert any(o.executed_amount_base > 0 for o in h.placed)
