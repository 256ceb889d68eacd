"""Integration harness: a KucoinSimulator on loopback and a KucoinExchange connected to it.

The helpers compare the connector's view with the simulator's own state (the engine and the
accounts), never with what the connector was told: that is the point of these tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kucoin_connector import KucoinExchange
from kucoin_connector.core.exchange import ReconcileSettings
from kucoin_connector.core.in_flight_order import InFlightOrder
from kucoin_connector.core.types import OrderState
from kucoin_connector.simulator.engine.models import Order
from kucoin_connector.simulator.kucoin_spot.payloads import wire_trade_id
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator
from kucoin_connector.simulator.kucoin_spot.ws import WsSettings

PAIR = "BTC-USDT"
BALANCES = {"USDT": "100000", "BTC": "5"}
FAST_WS = WsSettings(ping_interval_ms=400, ping_timeout_ms=400, idle_timeout_s=5.0)
FAST_RECONCILE = ReconcileSettings(
    poll_interval_s=0.3, unknown_placement_retry_s=0.1, unknown_placement_attempts=5
)
WAIT_S = 15.0


async def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
    """Poll ``condition`` until it holds; fail the test with ``what`` after ``timeout_s``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.01)


async def drive(sim: KucoinSimulator, ticks: int) -> None:
    """Market activity driven by the test (the simulator's own loop is off): one engine
    action per tick, each published (the publisher flushes on the next loop turn) before
    the next one."""
    for _ in range(ticks):
        sim.market.tick()
        await asyncio.sleep(0.002)


@dataclass
class Harness:
    sim: KucoinSimulator
    exchange: KucoinExchange
    account_type: str
    placed: list[InFlightOrder] = field(default_factory=list)

    @property
    def symbol(self) -> str:
        return PAIR

    def track(self, order: InFlightOrder) -> InFlightOrder:
        self.placed.append(order)
        return order

    def track_id(self, client_order_id: str) -> InFlightOrder:
        order = self.exchange.order_tracker.fetch_order(client_order_id=client_order_id)
        assert order is not None, f"order {client_order_id} is not tracked"
        return self.track(order)

    def sim_orders(self, client_oid: str) -> list[Order]:
        return [
            o for o in self.sim.engine.list_orders(self.sim.user_id) if o.client_oid == client_oid
        ]

    def sim_order(self, client_oid: str) -> Order:
        orders = self.sim_orders(client_oid)
        assert len(orders) == 1, f"{client_oid}: {len(orders)} orders in the simulator"
        return orders[0]

    def best(self) -> tuple[Decimal, Decimal]:
        bid, ask = self.sim.engine.best_bid_ask(PAIR)
        assert bid is not None and ask is not None
        return bid[0], ask[0]

    def book_equal(self) -> bool:
        _, bids, asks = self.sim.engine.level2_snapshot(PAIR)
        book = self.exchange.get_order_book(PAIR)
        return book.bids() == bids and book.asks() == asks

    async def wait_book_equal(self, timeout_s: float = WAIT_S) -> None:
        await wait_for(self.book_equal, "connector book == simulator book", timeout_s)
        book = self.exchange.get_order_book(PAIR)
        assert book.last_update_id == self.sim.engine.sequence(PAIR)
        assert not book.is_crossed()

    # ---------------------------------------------------------------- invariants
    def mismatches(self, order: InFlightOrder) -> list[str]:
        """Why the connector's view of ``order`` differs from the simulator's (empty: same)."""
        sim_orders = self.sim_orders(order.client_order_id)
        if order.current_state in (OrderState.FAILED, OrderState.WRITTEN_OFF):
            return [f"failed but placed {len(sim_orders)}x"] if sim_orders else []
        if len(sim_orders) != 1:
            return [f"{len(sim_orders)} simulator orders"]
        sim_order = sim_orders[0]
        problems = []
        expected = expected_state(sim_order)
        if order.current_state is not expected:
            problems.append(f"state {order.current_state} != {expected}")
        if order.exchange_order_id != sim_order.id:
            problems.append(f"exchange id {order.exchange_order_id} != {sim_order.id}")
        fills = {
            wire_trade_id(f): f
            for f in self.sim.engine.list_fills(self.sim.user_id, order_id=sim_order.id)
        }
        if set(order.order_fills) != set(fills):
            problems.append(f"fills {sorted(order.order_fills)} != {sorted(fills)}")
        else:
            for trade_id, fill in fills.items():
                mine = order.order_fills[trade_id]
                if (mine.fill_base_amount, mine.fill_price) != (fill.size, fill.price):
                    problems.append(f"fill {trade_id} differs")
                if mine.fee.amount != fill.fee or mine.fee.asset != fill.fee_currency:
                    problems.append(f"fee of {trade_id}: {mine.fee} != {fill.fee}")
        if order.executed_amount_base != sim_order.deal_size:
            problems.append(f"executed {order.executed_amount_base} != {sim_order.deal_size}")
        return problems

    async def check_orders(
        self, orders: Iterable[InFlightOrder] | None = None, timeout_s: float = WAIT_S
    ) -> None:
        """Every order converges to the simulator's state, fills and amounts."""
        todo = list(self.placed if orders is None else orders)
        try:
            await wait_for(
                lambda: not any(self.mismatches(o) for o in todo), "orders to converge", timeout_s
            )
        except AssertionError:
            report = {o.client_order_id: self.mismatches(o) for o in todo}
            raise AssertionError(f"orders differ from the simulator: {report}") from None
        for order in todo:
            tracked = self.exchange.order_tracker.fetch_order(client_order_id=order.client_order_id)
            assert tracked is order, f"order {order.client_order_id} lost by the tracker"

    async def check_balances(self) -> None:
        await self.exchange.reconcile_once()
        for currency in BALANCES:
            account = self.sim.accounts.find(self.sim.user_id, currency, self.account_type)
            assert account is not None
            assert self.exchange.get_balance(currency) == account.balance, currency
            assert self.exchange.get_available_balance(currency) == account.available, currency

    async def check_all(self) -> None:
        await self.check_orders()
        await self.check_balances()


def expected_state(order: Order) -> OrderState:
    if order.is_active:
        return OrderState.PARTIALLY_FILLED if order.deal_size > 0 else OrderState.OPEN
    if order.done_reason == "filled":
        return OrderState.FILLED
    return OrderState.CANCELED


@asynccontextmanager
async def harness(
    account_type: str = "trade",
    *,
    activity: bool = False,
    activity_rate_hz: float = 20.0,
    seed: int = 1,
    reconcile: ReconcileSettings = FAST_RECONCILE,
    ws_settings: WsSettings = FAST_WS,
    fee_rates: tuple[str, str] = ("0.001", "0.002"),
    **exchange_kw: Any,
) -> AsyncIterator[Harness]:
    async with KucoinSimulator(
        host="127.0.0.1",
        port=0,
        seed=seed,
        pairs=[PAIR],
        balances=BALANCES,
        activity=activity,
        activity_rate_hz=activity_rate_hz,
        ws_settings=ws_settings,
        maker_fee_rate=Decimal(fee_rates[0]),
        taker_fee_rate=Decimal(fee_rates[1]),
    ) as sim:
        creds = sim.credentials
        exchange = KucoinExchange(
            creds.api_key,
            creds.api_secret,
            creds.passphrase,
            trading_pairs=[PAIR],
            base_url=sim.rest_url,
            account_type=account_type,
            reconcile=reconcile,
            **exchange_kw,
        )
        async with exchange:
            await exchange.wait_ready(timeout_s=WAIT_S)
            yield Harness(sim, exchange, account_type)
