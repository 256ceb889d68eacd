"""kucoin_perpetual against the futures simulator in both position modes (One-way, Hedge)
and both margin modes (isolated, cross): after each scenario the connector's positions,
balances, orders and fills equal the simulator's own state; funding is paid with the
exchange's sign; a liquidation is reported; REST and WS faults lose nothing."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

import pytest

from kucoin_connector.core.events import (
    FundingPaymentEvent,
    OrderFilledEvent,
    PositionChangedEvent,
)
from kucoin_connector.core.exchange import ReconcileSettings
from kucoin_connector.core.in_flight_order import InFlightOrder
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
from kucoin_connector.simulator.engine.models import Order as SimOrder
from kucoin_connector.simulator.engine.positions import PositionSide as SimSide
from kucoin_connector.simulator.kucoin_futures import KucoinFuturesSimulator

PAIR, SYMBOL = "BTC-USDT", "XBTUSDTM"
MULTIPLIER = Decimal("0.001")  # XBTUSDTM: one lot is 0.001 BTC
SIDES = {PositionSide.BOTH: SimSide.BOTH, PositionSide.LONG: SimSide.LONG}
SIDES[PositionSide.SHORT] = SimSide.SHORT
EVENT_LISTS: dict[type, str] = {
    OrderFilledEvent: "fills",
    PositionChangedEvent: "positions",
    FundingPaymentEvent: "funding",
}
FAST_RECONCILE = ReconcileSettings(poll_interval_s=0.3, unknown_placement_retry_s=0.1)


@dataclass
class PerpetualVenue:
    sim: KucoinFuturesSimulator
    exchange: KucoinPerpetualExchange
    orders: list[InFlightOrder] = field(default_factory=list)
    fills: list[OrderFilledEvent] = field(default_factory=list)
    positions: list[PositionChangedEvent] = field(default_factory=list)
    funding: list[FundingPaymentEvent] = field(default_factory=list)

    def collect(self, event: object) -> None:
        for event_type, name in EVENT_LISTS.items():
            if isinstance(event, event_type):
                getattr(self, name).append(event)

    def sim_qty(self, side: PositionSide = PositionSide.BOTH) -> Decimal:
        return self.sim.margin.positions.position(self.sim.user_id, SYMBOL, SIDES[side]).qty

    def tracked(self, side: PositionSide = PositionSide.BOTH) -> Decimal:
        pos = self.exchange.positions.get(PAIR, side)
        return pos.amount if pos is not None else Decimal(0)

    def _tracked_size_is(self, side: PositionSide, size: Decimal) -> bool:
        return abs(self.tracked(side)) == size

    async def check_positions(self) -> None:
        """Every position side: the tracked amount and entry price are the exchange's."""
        for side, sim_side in SIDES.items():
            sim_pos = self.sim.margin.positions.position(self.sim.user_id, SYMBOL, sim_side)
            expected = abs(sim_pos.qty) * MULTIPLIER
            await until(partial(self._tracked_size_is, side, expected), f"{side} size")
            pos = self.exchange.positions.get(PAIR, side)
            if expected:
                assert pos is not None and pos.entry_price == sim_pos.entry_price

    async def check_balances(self) -> None:
        """REST: total = the account equity (wallet + unrealised PnL at the mark) and the
        available balance, as the exchange computes them; the stream's total equals the
        wallet balance whenever no position is open."""
        sim, user = self.sim, self.sim.user_id
        wallet = sim.margin.ledger.wallet(user, "USDT")
        if not any(p.qty for p in sim.margin.positions.positions(user)):
            await until(lambda: self.exchange.get_balance("USDT") == wallet.balance, "balance")
        await self.exchange.refresh_balances()
        unrealised = sum(
            (
                p.unrealised_pnl(sim.margin.terms(p.symbol), sim.state.mark_price(p.symbol))
                for p in sim.margin.positions.positions(user)
                if p.qty
            ),
            start=Decimal(0),
        )
        assert self.exchange.get_balance("USDT") == _as_sent(wallet.balance + unrealised)
        assert self.exchange.get_available_balance("USDT") == _as_sent(wallet.available)

    async def check_orders_and_fills(self) -> None:
        """Each placed order's fill amount and doneness, and every fill, are the exchange's."""
        engine, user = self.sim.engine, self.sim.user_id
        for order in self.orders:
            sim_order = engine.get_order_by_client_oid(user, order.client_order_id)
            await until(
                partial(_same_order, order, sim_order),
                f"order {order.client_order_id} as on the exchange",
            )
        sim_fills = {f.trade_id for f in engine.list_fills(user, symbol=SYMBOL)}
        await until(lambda: {f.trade_id for f in self.fills} == sim_fills, "every fill")

    async def check_all(self) -> None:
        await self.check_orders_and_fills()
        await self.check_positions()
        await self.check_balances()


def _same_order(order: InFlightOrder, sim_order: SimOrder) -> bool:
    return order.executed_amount_base == sim_order.deal_size * MULTIPLIER and order.is_done == (
        not sim_order.is_active
    )


def _as_sent(value: Decimal) -> Decimal:
    """A number as the simulator's account overview sends it (a JSON float)."""
    return Decimal(str(float(value)))


async def until(condition: Callable[[], bool], what: str, timeout_s: float = 10.0) -> None:
    for _ in range(int(timeout_s / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@asynccontextmanager
async def perpetual_venue(
    *, reconcile: ReconcileSettings | None = None, request_timeout_s: float = 10.0
) -> AsyncIterator[PerpetualVenue]:
    # marks follow the last trade at once (no mark tick moves them in between)
    async with KucoinFuturesSimulator(seed=11, activity=False, mark_interval_s=3600) as sim:
        creds = sim.credentials
        exchange = KucoinPerpetualExchange(
            creds.api_key,
            creds.api_secret,
            creds.passphrase,
            trading_pairs=[PAIR],
            base_url=sim.rest_url,
            reconcile=reconcile or FAST_RECONCILE,
            request_timeout_s=request_timeout_s,
        )
        venue = PerpetualVenue(sim, exchange)
        exchange.events.add_listener(venue.collect, *EVENT_LISTS)
        async with exchange:
            await exchange.wait_ready(10)
            yield venue


D = Decimal
CLOSE = PerpetualOrderOptions(position_action=PositionAction.CLOSE)
MODES = list(itertools.product(PositionMode, MarginMode))


async def set_modes(venue: PerpetualVenue, position: PositionMode, margin: MarginMode) -> None:
    exchange = venue.exchange
    assert await exchange.set_position_mode(position) is position
    assert await exchange.set_margin_mode(PAIR, margin) is margin
    assert await exchange.position_mode(refresh=True) is position
    assert await exchange.margin_mode(PAIR, refresh=True) is margin
    assert venue.sim.margin.positions.position_mode(venue.sim.user_id).value == (
        "hedge" if position is PositionMode.HEDGE else "one_way"
    )


async def market(
    venue: PerpetualVenue,
    side: TradeType,
    amount: str,
    *,
    close: bool = False,
) -> InFlightOrder:
    options = CLOSE if close else None
    order = await venue.exchange.place_order(
        side, PAIR, D(amount), OrderType.MARKET, options=options
    )
    venue.orders.append(order)
    return order


def long_side(mode: PositionMode) -> PositionSide:
    return PositionSide.LONG if mode is PositionMode.HEDGE else PositionSide.BOTH


def short_side(mode: PositionMode) -> PositionSide:
    return PositionSide.SHORT if mode is PositionMode.HEDGE else PositionSide.BOTH


@pytest.mark.parametrize(("position_mode", "margin_mode"), MODES)
async def test_open_add_reduce_close_a_long_and_a_short(
    position_mode: PositionMode, margin_mode: MarginMode
) -> None:
    async with perpetual_venue() as venue:
        await set_modes(venue, position_mode, margin_mode)
        longs, shorts = long_side(position_mode), short_side(position_mode)
        await market(venue, TradeType.BUY, "0.004")
        await market(venue, TradeType.BUY, "0.002")
        await until(lambda: venue.sim_qty(longs) == 6, "a long of 6 lots")
        await venue.check_all()
        await market(venue, TradeType.SELL, "0.003", close=True)
        await venue.check_all()
        await market(venue, TradeType.SELL, "0.003", close=True)
        await until(lambda: venue.sim_qty(longs) == 0, "a closed long")
        await venue.check_all()
        await market(venue, TradeType.SELL, "0.005")
        await until(lambda: abs(venue.sim_qty(shorts)) == 5, "a short of 5 lots")
        await venue.check_all()
        await market(venue, TradeType.BUY, "0.002", close=True)
        await market(venue, TradeType.BUY, "0.003", close=True)
        await until(lambda: venue.sim_qty(shorts) == 0, "a closed short")
        await venue.check_all()
        actions = {venue.exchange.fill_position_action(f.trade_id) for f in venue.fills}
        assert actions == {PositionAction.OPEN, PositionAction.CLOSE}
        assert all(o.current_state is OrderState.FILLED for o in venue.orders)


@pytest.mark.parametrize(("position_mode", "margin_mode"), MODES)
async def test_funding_is_paid_with_the_exchanges_sign(
    position_mode: PositionMode, margin_mode: MarginMode
) -> None:
    async with perpetual_venue() as venue:
        await set_modes(venue, position_mode, margin_mode)
        side = TradeType.BUY if position_mode is PositionMode.ONEWAY else TradeType.SELL
        await market(venue, side, "0.004")
        held = long_side(position_mode) if side is TradeType.BUY else short_side(position_mode)
        await until(lambda: venue.sim_qty(held) != 0, "the position")
        sim = venue.sim
        (paid,) = [p for p in sim.settle_funding(SYMBOL) if p.user_id == sim.user_id]
        await until(lambda: bool(venue.funding), "the funding event")
        event = venue.funding[-1]
        assert event.amount == -paid.amount  # the exchange's record, sign included
        assert (event.amount < 0) == (side is TradeType.BUY)  # a positive rate: longs pay
        assert event.position_side is held
        await venue.check_all()


@pytest.mark.parametrize("position_mode", list(PositionMode))
async def test_an_isolated_liquidation_is_reported(position_mode: PositionMode) -> None:
    async with perpetual_venue() as venue:
        await set_modes(venue, position_mode, MarginMode.ISOLATED)
        held = long_side(position_mode)
        await market(venue, TradeType.BUY, "0.005")
        await until(lambda: venue.tracked(held) == D("0.005"), "the tracked long")
        fills_before = len(venue.fills)
        (liquidated,) = venue.sim.set_mark_price(SYMBOL, D(40000))
        assert liquidated.qty == 0 and liquidated.realised_pnl < 0
        await until(
            lambda: any(e.amount == 0 and e.position_side is held for e in venue.positions),
            "a position change to zero",
        )
        assert venue.tracked(held) == 0
        # The simulator books a liquidation without an order or a fill (the position is
        # taken over at the mark): the connector reports none either.
        assert len(venue.fills) == fills_before
        await venue.check_all()


async def test_a_lost_order_response_is_resolved_by_client_oid() -> None:
    async with perpetual_venue(request_timeout_s=1.0) as venue:
        venue.sim.faults.drop_order_response()
        order = await market(venue, TradeType.BUY, "0.003")
        await until(
            lambda: order.current_state is OrderState.FILLED, "the order found by clientOid"
        )
        assert (
            order.exchange_order_id
            == venue.sim.engine.get_order_by_client_oid(venue.sim.user_id, order.client_order_id).id
        )
        await venue.check_all()


async def test_a_failed_placement_and_rest_faults_lose_nothing() -> None:
    async with perpetual_venue() as venue:
        venue.sim.faults.http("/api/v1/orders", status=503, method="POST")
        order = await market(venue, TradeType.BUY, "0.002")
        assert order.current_state is OrderState.PLACEMENT_UNKNOWN
        await until(lambda: order.is_done, "the unknown placement resolved")
        assert venue.sim.engine.list_orders(venue.sim.user_id) == []
        venue.orders.remove(order)
        venue.sim.faults.http("/api/v1/positions", status=429, count=2)
        await market(venue, TradeType.BUY, "0.002")
        await venue.check_all()


async def test_dropped_ws_order_messages_are_recovered_by_reconciliation() -> None:
    async with perpetual_venue() as venue:
        venue.sim.faults.drop_ws("/contractMarket/tradeOrders", probability=1.0)
        filled = await market(venue, TradeType.BUY, "0.004")
        resting = await venue.exchange.place_order(
            TradeType.BUY, PAIR, D("0.001"), OrderType.LIMIT, D("50000")
        )
        venue.orders.append(resting)
        sim_order = venue.sim.engine.get_order_by_client_oid(
            venue.sim.user_id, resting.client_order_id
        )
        venue.sim.engine.cancel_order(venue.sim.user_id, sim_order.id)  # the exchange cancels
        await until(lambda: filled.current_state is OrderState.FILLED, "the fill over REST")
        await until(lambda: resting.current_state is OrderState.CANCELED, "the cancel over REST")
        await venue.check_all()


async def test_a_cut_private_connection_reconnects_and_reconciles() -> None:
    async with perpetual_venue() as venue:
        await market(venue, TradeType.SELL, "0.002")
        assert venue.sim.faults.close_ws(private=True) >= 1
        await market(venue, TradeType.SELL, "0.003")
        await until(lambda: venue.sim_qty() == -5, "the short")
        await venue.check_all()
