"""kucoin_perpetual against the KuCoin Futures simulator over real HTTP and WebSocket:
positions, position and margin modes, lots, position actions, funding and balances agree
with the exchange's own state."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import pytest

from kucoin_connector.core.errors import OrderValidationError
from kucoin_connector.core.events import FundingPaymentEvent, OrderFilledEvent
from kucoin_connector.core.types import (
    OrderState,
    OrderType,
    PositionAction,
    PositionMode,
    PositionSide,
    TradeType,
)
from kucoin_connector.kucoin_perpetual import (
    KucoinPerpetualExchange,
    MarginMode,
    PerpetualOrderOptions,
)
from kucoin_connector.kucoin_perpetual.errors import PositionModeChangeError
from kucoin_connector.simulator.engine.positions import PositionSide as SimSide
from kucoin_connector.simulator.kucoin_futures import KucoinFuturesSimulator

D = Decimal
PAIR, SYMBOL = "BTC-USDT", "XBTUSDTM"
CLOSE = PerpetualOrderOptions(position_action=PositionAction.CLOSE)


@pytest.fixture
async def venue() -> AsyncIterator[tuple[KucoinFuturesSimulator, KucoinPerpetualExchange]]:
    async with KucoinFuturesSimulator(seed=3, activity=False) as sim:
        creds = sim.credentials
        exchange = KucoinPerpetualExchange(
            creds.api_key,
            creds.api_secret,
            creds.passphrase,
            trading_pairs=[PAIR],
            base_url=sim.rest_url,
        )
        async with exchange:
            await exchange.wait_ready(10)
            yield sim, exchange


async def _until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(400):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _sim_qty(sim: KucoinFuturesSimulator, side: SimSide = SimSide.BOTH) -> Decimal:
    return sim.margin.positions.position(sim.user_id, SYMBOL, side).qty


async def test_a_position_matches_the_exchange_and_closing_fills_say_close(
    venue: tuple[KucoinFuturesSimulator, KucoinPerpetualExchange],
) -> None:
    sim, exchange = venue
    fills: list[OrderFilledEvent] = []
    exchange.events.add_listener(
        lambda e: fills.append(e) if isinstance(e, OrderFilledEvent) else None, OrderFilledEvent
    )
    await exchange.place_order(TradeType.BUY, PAIR, D("0.005"), OrderType.MARKET)
    await _until(lambda: _sim_qty(sim) == 5, "the exchange's position")

    def tracked() -> Decimal:
        pos = exchange.positions.get(PAIR, PositionSide.BOTH)
        return pos.amount if pos is not None else D(0)

    await _until(lambda: tracked() == D("0.005"), "the tracked position")
    sim_pos = sim.margin.positions.position(sim.user_id, SYMBOL, SimSide.BOTH)
    pos = exchange.positions.get(PAIR, PositionSide.BOTH)
    assert pos is not None and pos.entry_price == sim_pos.entry_price
    assert pos.margin == sim_pos.margin

    await exchange.place_order(TradeType.SELL, PAIR, D("0.005"), OrderType.MARKET, options=CLOSE)
    await _until(lambda: _sim_qty(sim) == 0 and tracked() == 0, "a closed position")
    await _until(lambda: len(fills) >= 2, "both fills")
    actions = {exchange.fill_position_action(f.trade_id) for f in fills}
    assert actions == {PositionAction.OPEN, PositionAction.CLOSE}
    wallet = sim.margin.ledger.wallet(sim.user_id, "USDT")
    await exchange.refresh_balances()
    assert exchange.get_balance("USDT") == wallet.balance


async def test_modes_are_the_exchanges_and_refusals_are_typed(
    venue: tuple[KucoinFuturesSimulator, KucoinPerpetualExchange],
) -> None:
    sim, exchange = venue
    assert await exchange.position_mode(refresh=True) is PositionMode.ONEWAY
    with pytest.raises(OrderValidationError):  # 0.0005 BTC is half a lot: never rounded
        await exchange.place_order(TradeType.BUY, PAIR, D("0.0005"), OrderType.MARKET)
    assert sim.engine.list_orders(sim.user_id) == []
    cross = PerpetualOrderOptions(margin_mode=MarginMode.CROSS)
    with pytest.raises(OrderValidationError, match="margin mode"):  # refused before sending
        await exchange.place_order(
            TradeType.BUY, PAIR, D("0.001"), OrderType.LIMIT, D("50000"), options=cross
        )
    assert sim.engine.list_orders(sim.user_id) == []
    await exchange.place_order(TradeType.BUY, PAIR, D("0.002"), OrderType.MARKET)
    await _until(lambda: _sim_qty(sim) == 2, "the position")
    with pytest.raises(PositionModeChangeError):
        await exchange.set_position_mode(PositionMode.HEDGE)
    await exchange.place_order(TradeType.SELL, PAIR, D("0.002"), OrderType.MARKET, options=CLOSE)
    await _until(lambda: _sim_qty(sim) == 0, "a flat position")
    assert await exchange.set_position_mode(PositionMode.HEDGE) is PositionMode.HEDGE
    assert sim.margin.positions.position_mode(sim.user_id).value == "hedge"
    order = await exchange.place_order(TradeType.SELL, PAIR, D("0.003"), OrderType.MARKET)
    await _until(lambda: _sim_qty(sim, SimSide.SHORT) == 3, "a hedge SHORT position")
    assert order.current_state in (OrderState.OPEN, OrderState.FILLED)
    assert await exchange.margin_mode(PAIR, refresh=True) is MarginMode.ISOLATED


async def test_funding_payment_carries_the_exchanges_sign(
    venue: tuple[KucoinFuturesSimulator, KucoinPerpetualExchange],
) -> None:
    sim, exchange = venue
    payments: list[FundingPaymentEvent] = []
    exchange.events.add_listener(
        lambda e: payments.append(e) if isinstance(e, FundingPaymentEvent) else None,
        FundingPaymentEvent,
    )
    await exchange.place_order(TradeType.SELL, PAIR, D("0.004"), OrderType.MARKET)
    await _until(lambda: _sim_qty(sim) == -4, "a short position")
    (paid,) = [p for p in sim.settle_funding(SYMBOL) if p.user_id == sim.user_id]
    await _until(lambda: bool(payments), "the funding event")
    assert payments[-1].amount == -paid.amount > 0  # a short receives a positive rate
    assert payments[-1].funding_rate == sim.state.funding_rate(SYMBOL)
