"""Reconciler: every order reached in bounded time, lists first, fair rotation after."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from kucoin_connector.core.errors import ExchangeUnavailableError, OrderNotFoundError
from kucoin_connector.core.events import EventBus
from kucoin_connector.core.in_flight_order import InFlightOrder, OrderUpdate, TradeFee, TradeUpdate
from kucoin_connector.core.order_tracker import ClientOrderTracker
from kucoin_connector.core.reconciler import ExchangeOrder, ReconcileHooks, Reconciler
from kucoin_connector.core.types import OrderState, OrderType, TradeType

PAIR = "BTC-USDT"


@dataclass
class FakeExchange:
    """The exchange's truth, answered through the reconciler's hooks; counts the calls."""

    states: dict[str, tuple[OrderState, Decimal]] = field(default_factory=dict)
    fills: list[TradeUpdate] = field(default_factory=list)
    lists: bool = True
    calls: list[str] = field(default_factory=list)
    polled: list[str] = field(default_factory=list)
    fail_lists: bool = False

    def item(self, cid: str) -> ExchangeOrder:
        state, filled = self.states[cid]
        return ExchangeOrder(
            cid,
            "e" + cid,
            PAIR,
            TradeType.BUY,
            OrderType.LIMIT,
            Decimal(1),
            Decimal(100),
            None,
            state,
            filled,
            0,
        )

    async def open_orders(self, pair: str) -> list[ExchangeOrder]:
        self._list_call("open")
        return [
            self.item(c)
            for c, (s, _) in self.states.items()
            if s in (OrderState.OPEN, OrderState.PARTIALLY_FILLED)
        ]

    async def done_orders(self, pair: str, since_ms: int) -> list[ExchangeOrder]:
        self._list_call("done")
        return [
            self.item(c)
            for c, (s, _) in self.states.items()
            if s in (OrderState.FILLED, OrderState.CANCELED)
        ]

    async def fills_between(self, pair: str, start_ms: int, end_ms: int) -> list[TradeUpdate]:
        self._list_call("fills")
        return list(self.fills)

    def _list_call(self, name: str) -> None:
        if not self.lists:
            raise NotImplementedError
        if self.fail_lists:
            raise ExchangeUnavailableError("503", code=None)
        self.calls.append(name)

    def hooks(self, tracker: ClientOrderTracker) -> ReconcileHooks:
        async def refresh(order: InFlightOrder) -> None:
            self.calls.append("lookup")
            self.polled.append(order.client_order_id)
            if order.client_order_id not in self.states:
                raise OrderNotFoundError("not found", code=None)
            status = self.item(order.client_order_id).status(order.client_order_id, 1)
            tracker.process_order_update(status.update)

        async def refresh_fills(order: InFlightOrder) -> None:
            self.calls.append("order_fills")
            for fill in self.fills:
                if fill.exchange_order_id == order.exchange_order_id:
                    tracker.process_trade_update(fill)

        return ReconcileHooks(
            self.open_orders,
            self.done_orders,
            self.fills_between,
            refresh,
            refresh_fills,
            lambda: 10_000,
        )


def tracked(tracker: ClientOrderTracker, cid: str) -> InFlightOrder:
    order = InFlightOrder(
        cid,
        PAIR,
        OrderType.LIMIT,
        TradeType.BUY,
        Decimal(1),
        0,
        price=Decimal(100),
        exchange_order_id="e" + cid,
        initial_state=OrderState.OPEN,
    )
    tracker.start_tracking_order(order)
    return order


def fill(cid: str, trade_id: str, size: str) -> TradeUpdate:
    return TradeUpdate(
        trade_id,
        "",
        "e" + cid,
        PAIR,
        5,
        Decimal(100),
        Decimal(size),
        Decimal(size) * 100,
        TradeFee("USDT", Decimal(0)),
    )


def make(
    lists: bool = True, budget: int = 5
) -> tuple[ClientOrderTracker, FakeExchange, Reconciler]:
    tracker = ClientOrderTracker(EventBus(), clock_ms=lambda: 1_000)
    fake = FakeExchange(lists=lists)
    return (
        tracker,
        fake,
        Reconciler(
            tracker, fake.hooks(tracker), clock_ms=lambda: 1_000, max_lookups_per_pass=budget
        ),
    )


async def test_lists_settle_every_open_order_in_one_pass_whatever_their_number() -> None:
    tracker, fake, reconciler = make(budget=5)
    orders = [tracked(tracker, f"c{i}") for i in range(60)]
    for i, order in enumerate(orders):
        state = OrderState.CANCELED if i % 7 == 0 else OrderState.OPEN
        fake.states[order.client_order_id] = (state, Decimal(0))
    await reconciler.run_once()
    assert all(o.current_state is fake.states[o.client_order_id][0] for o in orders)
    assert fake.calls == ["open", "done"]  # two list reads, no look-up


async def test_fills_by_window_recover_missing_fills_of_done_and_open_orders() -> None:
    tracker, fake, reconciler = make()
    done, partial = tracked(tracker, "done"), tracked(tracker, "part")
    fake.states = {
        "done": (OrderState.FILLED, Decimal(1)),
        "part": (OrderState.PARTIALLY_FILLED, Decimal("0.5")),
    }
    fake.fills = [
        fill("done", "t1", "0.4"),
        fill("done", "t2", "0.6"),
        fill("part", "t3", "0.5"),
        fill("other", "t4", "1"),
    ]
    await reconciler.run_once()
    assert done.is_filled and done.executed_amount_base == 1
    assert partial.current_state is OrderState.PARTIALLY_FILLED
    assert partial.executed_amount_base == Decimal("0.5")
    assert tracker.orders_missing_fills == {}
    assert fake.calls == ["open", "done", "fills"]


async def test_without_lists_rotation_reaches_every_order_within_its_bound() -> None:
    """No list endpoints: look-ups only, budget 5 per pass, 50 unchanged orders; every
    order is polled within ceil(50 / 5) = 10 passes (the old rotation polled the same
    stalest 20 forever)."""
    tracker, fake, reconciler = make(lists=False, budget=5)
    orders = [tracked(tracker, f"c{i:02}") for i in range(50)]
    for order in orders:
        fake.states[order.client_order_id] = (OrderState.OPEN, Decimal(0))
    for _ in range(10):
        await reconciler.run_once()
    assert sorted(set(fake.polled)) == sorted(o.client_order_id for o in orders)
    assert len(fake.polled) == 50  # each exactly once: fair


async def test_failed_list_read_falls_back_to_lookups_in_rotation() -> None:
    tracker, fake, reconciler = make(budget=3)
    orders = [tracked(tracker, f"c{i}") for i in range(6)]
    for order in orders:
        fake.states[order.client_order_id] = (OrderState.CANCELED, Decimal(0))
    fake.fail_lists = True
    await reconciler.run_once()
    await reconciler.run_once()
    assert all(o.is_cancelled for o in orders)


async def test_order_missing_from_every_list_is_looked_up_and_counted_not_found() -> None:
    tracker, fake, reconciler = make()
    gone = tracked(tracker, "gone")
    for _ in range(3):
        await reconciler.run_once()
    assert "gone" in tracker.lost_orders and gone.current_state is OrderState.OPEN
    fake.states["gone"] = (OrderState.CANCELED, Decimal(0))
    await reconciler.run_once()
    assert gone.is_cancelled and "gone" not in tracker.lost_orders


@pytest.mark.parametrize("state", [OrderState.PENDING_CREATE, OrderState.PLACEMENT_UNKNOWN])
async def test_unplaced_orders_are_settled_by_lists_but_never_looked_up(
    state: OrderState,
) -> None:
    tracker, fake, reconciler = make()
    order = InFlightOrder(
        "u",
        PAIR,
        OrderType.LIMIT,
        TradeType.BUY,
        Decimal(1),
        0,
        price=Decimal(100),
        initial_state=state,
    )
    tracker.start_tracking_order(order)
    await reconciler.run_once()
    assert "lookup" not in fake.calls and order.current_state is state
    fake.states["u"] = (OrderState.OPEN, Decimal(0))
    await reconciler.run_once()
    assert order.current_state is OrderState.OPEN and order.exchange_order_id == "eu"


async def test_adoption_tracks_own_open_orders_only() -> None:
    tracker, fake, reconciler = make()
    fake.states = {
        "kc1": (OrderState.OPEN, Decimal(0)),
        "kc2": (OrderState.PARTIALLY_FILLED, Decimal("0.5")),
        "other": (OrderState.OPEN, Decimal(0)),
    }
    adopted = await reconciler.adopt_open_orders([PAIR], "kc")
    assert sorted(o.client_order_id for o in adopted) == ["kc1", "kc2"]
    assert "kc2" in tracker.orders_missing_fills
    assert await reconciler.adopt_open_orders([PAIR], "kc") == []
    update = OrderUpdate(PAIR, 2, OrderState.CANCELED, client_order_id="kc1")
    tracker.process_order_update(update)
    assert tracker.fetch_order("kc1") is not None
