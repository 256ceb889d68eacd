"""ClientOrderTracker: life cycle events, races, lost orders, cache, pending updates."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kucoin_connector.core.events import (
    ConnectorEvent,
    EventBus,
    OrderCancelledEvent,
    OrderCompletedEvent,
    OrderCreatedEvent,
    OrderFailedEvent,
    OrderFilledEvent,
    OrderLostEvent,
)
from kucoin_connector.core.in_flight_order import (
    InFlightOrder,
    OrderUpdate,
    TradeFee,
    TradeUpdate,
)
from kucoin_connector.core.order_tracker import ClientOrderTracker
from kucoin_connector.core.types import OrderState, OrderType, TradeType

D = Decimal
PAIR = "BTC-USDT"
TTL_MS = 10_000
WATCH_MS = 30_000


class Clock:
    def __init__(self) -> None:
        self.now_ms = 1_000

    def __call__(self) -> int:
        return self.now_ms


class Harness:
    def __init__(self, lost_limit: int = 3, watch_ms: int = WATCH_MS) -> None:
        self.clock = Clock()
        self.bus = EventBus()
        self.events: list[ConnectorEvent] = []
        self.bus.add_listener(self.events.append)
        self.tracker = ClientOrderTracker(
            self.bus,
            clock_ms=self.clock,
            lost_order_count_limit=lost_limit,
            cached_order_ttl_ms=TTL_MS,
            pending_update_ttl_ms=TTL_MS,
            max_pending_orders=3,
            written_off_watch_ms=watch_ms,
        )

    def kinds(self) -> list[str]:
        return [type(e).__name__.removeprefix("Order").removesuffix("Event") for e in self.events]

    def track(
        self,
        cid: str = "c1",
        amount: str = "1",
        *,
        state: OrderState = OrderState.PENDING_CREATE,
        eid: str | None = None,
        quote_amount: str | None = None,
    ) -> InFlightOrder:
        order = InFlightOrder(
            cid,
            PAIR,
            OrderType.LIMIT if quote_amount is None else OrderType.MARKET,
            TradeType.SELL,
            D(amount),
            self.clock.now_ms,
            price=D("100") if quote_amount is None else None,
            exchange_order_id=eid,
            initial_state=state,
            quote_amount=None if quote_amount is None else D(quote_amount),
        )
        self.tracker.start_tracking_order(order)
        return order

    def status(
        self,
        state: OrderState,
        cid: str | None = "c1",
        eid: str | None = "e1",
        reason: str | None = None,
    ) -> None:
        update = OrderUpdate(PAIR, self.clock.now_ms, state, cid, eid, reason)
        self.tracker.process_order_update(update)

    def fill(
        self, trade_id: str, base: str, cid: str = "c1", eid: str | None = "e1", price: str = "100"
    ) -> None:
        update = TradeUpdate(
            trade_id,
            cid,
            eid,
            PAIR,
            self.clock.now_ms,
            D(price),
            D(base),
            D(base) * D(price),
            TradeFee("USDT", D("0.01")),
            is_maker=False,
        )
        self.tracker.process_trade_update(update)


@pytest.fixture
def h() -> Harness:
    return Harness()


def test_full_lifecycle_events_once_each(h: Harness) -> None:
    order = h.track()
    assert h.events == []
    h.status(OrderState.OPEN)
    h.status(OrderState.OPEN)
    h.fill("t1", "0.4")
    h.fill("t1", "0.4")  # duplicate
    h.status(OrderState.PARTIALLY_FILLED)
    h.fill("t2", "0.6", price="110")
    h.status(OrderState.FILLED)
    h.status(OrderState.FILLED)
    assert h.kinds() == ["Created", "Filled", "Filled", "Completed"]
    created, _, _, completed = h.events
    assert isinstance(created, OrderCreatedEvent) and created.exchange_order_id == "e1"
    assert isinstance(completed, OrderCompletedEvent)
    assert completed.base_asset_amount == D("1.0")
    assert completed.quote_asset_amount == D("106.0")
    assert completed.average_price == D("106")
    assert "c1" not in h.tracker.active_orders
    assert h.tracker.cached_orders == {"c1": order}
    assert h.tracker.fetch_order("c1") is order
    assert h.tracker.fetch_order(exchange_order_id="e1") is order


def test_filled_event_fields(h: Harness) -> None:
    h.track()
    h.fill("t1", "0.25", price="101")
    filled = h.events[-1]
    assert isinstance(filled, OrderFilledEvent)
    assert (filled.trade_id, filled.price, filled.amount) == ("t1", D("101"), D("0.25"))
    assert filled.fee == TradeFee("USDT", D("0.01"))
    assert filled.is_maker is False and filled.trade_type is TradeType.SELL


def test_immediate_fill_gets_created_event_first(h: Harness) -> None:
    h.track()
    h.fill("t1", "1")  # the fill races ahead of the placement response
    h.status(OrderState.FILLED)
    assert h.kinds() == ["Created", "Filled", "Completed"]


def test_filled_status_before_last_fill_waits_for_it(h: Harness) -> None:
    order = h.track()
    h.status(OrderState.OPEN)
    h.fill("t1", "0.5")
    h.status(OrderState.FILLED)
    assert h.kinds() == ["Created", "Filled"]
    # Still active and reconciled: the connector should fetch the missing fills.
    assert h.tracker.active_orders == {"c1": order}
    assert "c1" in h.tracker.orders_to_reconcile
    h.fill("t2", "0.5")
    assert h.kinds() == ["Created", "Filled", "Filled", "Completed"]
    completed = h.events[-1]
    assert isinstance(completed, OrderCompletedEvent)
    assert completed.base_asset_amount == D("1.0")
    assert h.tracker.cached_orders == {"c1": order}
    h.fill("t2", "0.5")
    h.status(OrderState.FILLED)
    assert len(h.events) == 4


def test_filled_without_fills_completes_after_ttl_safety_net(h: Harness) -> None:
    h.track()
    h.status(OrderState.OPEN)
    h.fill("t1", "0.5")
    h.status(OrderState.FILLED)
    h.clock.now_ms += TTL_MS
    h.tracker.process_order_not_found("unrelated")
    assert h.kinds() == ["Created", "Filled", "Completed"]
    completed = h.events[-1]
    assert isinstance(completed, OrderCompletedEvent)
    assert completed.base_asset_amount == D("0.5")
    h.fill("t2", "0.5")  # the late fill still matches (cached) and is reported once
    assert h.kinds() == ["Created", "Filled", "Completed", "Filled"]


def test_market_order_by_funds_completes_at_filled_status(h: Harness) -> None:
    h.track("c1", "0", quote_amount="100")
    h.fill("t1", "0.3", price="100")
    h.status(OrderState.FILLED)
    assert h.kinds() == ["Created", "Filled", "Completed"]


def test_over_fill_emits_nothing(h: Harness) -> None:
    order = h.track()
    h.status(OrderState.OPEN)
    h.fill("t1", "0.8")
    h.fill("t2", "0.3")
    assert h.kinds() == ["Created", "Filled"]
    assert order.executed_amount_base == D("0.8")


def test_cancel_then_earlier_fill_both_reflected_once(h: Harness) -> None:
    order = h.track()
    h.status(OrderState.OPEN)
    h.status(OrderState.CANCELED)
    assert "c1" in h.tracker.cached_orders
    h.fill("t1", "0.3")  # happened before the cancel, reported after it
    h.status(OrderState.CANCELED)
    h.fill("t1", "0.3")
    h.status(OrderState.OPEN)  # stale
    assert h.kinds() == ["Created", "Cancelled", "Filled"]
    assert order.is_cancelled and order.executed_amount_base == D("0.3")
    cancelled = h.events[1]
    assert isinstance(cancelled, OrderCancelledEvent) and cancelled.exchange_order_id == "e1"


def test_failure_reported_once_with_reason(h: Harness) -> None:
    h.track()
    h.status(OrderState.FAILED, eid=None, reason="insufficient funds")
    h.status(OrderState.FAILED, eid=None, reason="again")
    assert h.kinds() == ["Failed"]
    failed = h.events[0]
    assert isinstance(failed, OrderFailedEvent) and failed.reason == "insufficient funds"


def test_cancel_of_unplaced_order_still_announces_creation(h: Harness) -> None:
    h.track(state=OrderState.PLACEMENT_UNKNOWN)
    h.status(OrderState.CANCELED)
    assert h.kinds() == ["Created", "Cancelled"]


def test_tracking_an_open_order_counts_as_announced(h: Harness) -> None:
    h.track(state=OrderState.OPEN, eid="e1")
    h.status(OrderState.OPEN)
    h.status(OrderState.CANCELED)
    assert h.kinds() == ["Cancelled"]


def test_cache_expires_on_injected_clock(h: Harness) -> None:
    h.track()
    h.status(OrderState.CANCELED)
    h.clock.now_ms += TTL_MS - 1
    assert h.tracker.fetch_order("c1") is not None
    h.clock.now_ms += 1
    assert h.tracker.fetch_order("c1") is None
    assert h.tracker.fetch_order(exchange_order_id="e1") is None
    assert h.tracker.all_fillable_orders == {}


def test_stop_tracking_moves_order_to_cache(h: Harness) -> None:
    order = h.track()
    h.tracker.stop_tracking_order("c1")
    assert h.tracker.active_orders == {}
    assert h.tracker.cached_orders == {"c1": order}
    h.tracker.stop_tracking_order("unknown")


def test_not_found_counter_reset_by_a_found_update(h: Harness) -> None:
    h.track()
    h.tracker.process_order_not_found("c1")
    h.tracker.process_order_not_found("c1")
    h.status(OrderState.OPEN)
    assert h.tracker.not_found_count("c1") == 0
    h.tracker.process_order_not_found("c1")
    h.tracker.process_order_not_found("c1")
    assert h.tracker.lost_orders == {}
    assert h.kinds() == ["Created"]


def make_lost(h: Harness) -> InFlightOrder:
    order = h.track()
    h.status(OrderState.OPEN)
    for _ in range(4):
        h.tracker.process_order_not_found("c1")
    assert h.kinds() == ["Created", "Lost"]
    return order


def test_lost_order_is_kept_and_found_again(h: Harness) -> None:
    order = make_lost(h)
    lost = h.events[1]
    assert isinstance(lost, OrderLostEvent) and lost.client_order_id == "c1"
    assert h.tracker.lost_orders == {"c1": order}
    assert h.tracker.active_orders == {} and h.tracker.cached_orders == {}
    assert h.tracker.fetch_order("c1") is order
    assert h.tracker.orders_to_reconcile == {"c1": order}
    assert h.tracker.all_fillable_orders == {"c1": order}
    # A later update finds it: it leaves lost_orders and events fire normally.
    h.status(OrderState.OPEN)
    assert h.tracker.lost_orders == {} and h.tracker.not_found_count("c1") == 0
    assert h.tracker.active_orders == {"c1": order}
    h.fill("t1", "1")
    h.status(OrderState.FILLED)
    assert h.kinds() == ["Created", "Lost", "Filled", "Completed"]
    assert h.tracker.cached_orders == {"c1": order}


def test_lost_order_resolved_by_a_done_update_goes_to_cache(h: Harness) -> None:
    make_lost(h)
    h.status(OrderState.CANCELED, eid=None, reason="expired")
    assert h.kinds() == ["Created", "Lost", "Cancelled"]
    assert h.tracker.lost_orders == {} and "c1" in h.tracker.cached_orders
    assert h.tracker.orders_to_reconcile == {}


@pytest.mark.parametrize(
    "state",
    [
        OrderState.PENDING_CREATE,
        OrderState.PLACEMENT_UNKNOWN,
        OrderState.WRITTEN_OFF,
        OrderState.FILLED,
        OrderState.CANCELED,
        OrderState.FAILED,
    ],
)
def test_not_found_changes_nothing_unless_the_order_is_known_to_exist(
    h: Harness, state: OrderState
) -> None:
    order = h.track(state=state, amount="1")
    before = h.tracker.orders_to_reconcile
    for _ in range(5):
        h.tracker.process_order_not_found("c1")
    assert order.current_state is state and h.events == []
    assert h.tracker.not_found_count("c1") == 0 and h.tracker.lost_orders == {}
    assert h.tracker.orders_to_reconcile == before


def test_unknown_placement_not_found_is_left_to_the_resolver_then_revived(h: Harness) -> None:
    """Cancelled several times with an unknown outcome ("not found" each time), the
    placement used to become lost and then could not be written off: stuck forever."""
    order = h.track(state=OrderState.PLACEMENT_UNKNOWN)
    for _ in range(5):
        h.tracker.process_order_not_found("c1")
    assert order.current_state is OrderState.PLACEMENT_UNKNOWN
    assert h.tracker.lost_orders == {} and h.tracker.active_orders == {"c1": order}
    h.tracker.process_placement_written_off("c1", NOT_FOUND)
    assert order.is_written_off  # not current_state: mypy still has it narrowed
    assert h.kinds() == ["Failed"]
    h.status(OrderState.OPEN)
    assert order.is_open and h.kinds() == ["Failed", "Created"]
    h.status(OrderState.FILLED)
    assert h.kinds() == ["Failed", "Created"]  # completed once its fills are in
    h.fill("t1", "0.3")
    h.fill("t2", "0.7")
    assert h.kinds() == ["Failed", "Created", "Filled", "Filled", "Completed"]
    assert order.is_filled and h.tracker.cached_orders == {"c1": order}


def test_placement_written_off_wherever_it_is(h: Harness) -> None:
    order = h.track(state=OrderState.PLACEMENT_UNKNOWN)
    h.tracker.stop_tracking_order("c1")  # cached, with the ordinary TTL
    h.tracker.process_placement_written_off("c1", NOT_FOUND)
    assert order.is_written_off and h.kinds() == ["Failed"]
    assert h.tracker.written_off_orders == {"c1": order}
    h.clock.now_ms += WATCH_MS + TTL_MS - 1  # cached for the watch window plus the TTL
    assert h.tracker.fetch_order("c1") is order
    h.clock.now_ms += 1
    assert h.tracker.fetch_order("c1") is None


def test_updates_before_tracking_are_applied_on_start(h: Harness) -> None:
    h.status(OrderState.OPEN)
    h.fill("t1", "0.5")
    assert h.events == [] and h.tracker.pending_update_count == 2
    order = h.track()
    assert h.kinds() == ["Created", "Filled"]
    assert order.exchange_order_id == "e1" and order.executed_amount_base == D("0.5")
    assert h.tracker.pending_update_count == 0


def test_update_keyed_by_exchange_id_applied_when_id_learnt(h: Harness) -> None:
    order = h.track()
    h.fill("t1", "0.5", cid="", eid="e1")  # a fill known only by exchange order id
    assert h.events == []
    h.status(OrderState.OPEN, eid="e1")
    assert h.kinds() == ["Created", "Filled"]
    assert order.executed_amount_base == D("0.5")


def test_pending_updates_expire_and_are_bounded(h: Harness) -> None:
    h.status(OrderState.OPEN, cid="old")
    h.clock.now_ms += TTL_MS
    assert h.tracker.pending_update_count == 0
    for cid in ("a", "b", "c", "d"):  # max_pending_orders=3: the oldest key is dropped
        h.status(OrderState.OPEN, cid=cid, eid=None)
    assert h.tracker.pending_update_count == 3
    h.track("a")
    h.track("d")
    assert h.kinds() == ["Created"]


def test_update_without_ids_is_dropped(h: Harness) -> None:
    h.status(OrderState.OPEN, cid=None, eid=None)
    assert h.tracker.pending_update_count == 0


def test_fetch_order_by_exchange_id_and_index(h: Harness) -> None:
    order = h.track("c1", eid="e9")
    other = h.track("c2")
    h.status(OrderState.OPEN, cid="c2", eid="e2")
    assert h.tracker.fetch_order(exchange_order_id="e9") is order
    assert h.tracker.fetch_order(exchange_order_id="e2") is other
    assert h.tracker.fetch_order("nope", "e2") is other
    assert h.tracker.fetch_order() is None
    assert h.tracker.all_fillable_orders_by_exchange_order_id == {"e9": order, "e2": other}


def test_listener_may_call_back_into_tracker(h: Harness) -> None:
    seen: list[OrderState] = []

    def on_event(event: ConnectorEvent) -> None:
        if isinstance(event, OrderCompletedEvent):
            order = h.tracker.fetch_order(event.client_order_id)
            assert order is not None
            seen.append(order.current_state)
            assert event.client_order_id in h.tracker.cached_orders

    h.bus.add_listener(on_event)
    h.track()
    h.fill("t1", "1")
    h.status(OrderState.FILLED)
    assert seen == [OrderState.FILLED]


async def test_tracker_events_reach_streams(h: Harness) -> None:
    async with h.bus.stream(OrderFilledEvent) as stream:
        h.track()
        h.status(OrderState.OPEN)
        h.fill("t1", "0.1")
        event = await anext(stream)
    assert isinstance(event, OrderFilledEvent) and event.trade_id == "t1"


AMOUNTS = st.sampled_from(["0.1", "0.25", "1", "0.003", "2.5"])


@settings(max_examples=150, deadline=None)
@given(data=st.data(), sizes=st.lists(AMOUNTS, min_size=1, max_size=6))
def test_any_interleaving_of_fills_gives_the_same_result(
    data: st.DataObject, sizes: list[str]
) -> None:
    h = Harness()
    total = sum((D(s) for s in sizes), D(0))
    dups = data.draw(st.lists(st.integers(0, len(sizes) - 1), max_size=6), label="dups")
    steps: list[object] = [*range(len(sizes)), *dups, "START", "OPEN", "FILLED"]
    steps = data.draw(st.permutations(steps), label="order")
    order: InFlightOrder | None = None
    for step in steps:
        if step == "START":
            order = h.track("c1", str(total))
        elif step in ("OPEN", "FILLED"):
            h.status(OrderState[str(step)])
        else:
            assert isinstance(step, int)
            h.fill(f"t{step}", sizes[step], price=str(100 + step))
    assert order is not None
    assert order.executed_amount_base == total
    expected_quote = sum((D(s) * (100 + i) for i, s in enumerate(sizes)), D(0))
    assert order.executed_amount_quote == expected_quote
    filled = [e.trade_id for e in h.events if isinstance(e, OrderFilledEvent)]
    assert sorted(filled) == sorted(f"t{i}" for i in range(len(sizes)))
    kinds = h.kinds()
    assert kinds[0] == "Created" and kinds.count("Created") == 1
    assert kinds[-1] == "Completed" and kinds.count("Completed") == 1
    assert order.is_filled and h.tracker.cached_orders == {"c1": order}


# ----- written-off placements ---------------------------------------------------------

NOT_FOUND = "placement not found on the exchange"


def write_off(h: Harness) -> InFlightOrder:
    order = h.track(state=OrderState.PLACEMENT_UNKNOWN)
    h.tracker.process_placement_written_off("c1", NOT_FOUND)
    assert order.current_state is OrderState.WRITTEN_OFF and not order.is_failure
    assert order.written_off_ms == h.clock.now_ms
    assert h.kinds() == ["Failed"]
    failed = h.events[0]
    assert isinstance(failed, OrderFailedEvent) and failed.reason == NOT_FOUND
    assert h.tracker.active_orders == {} and h.tracker.orders_to_reconcile == {"c1": order}
    assert h.tracker.cached_orders == {"c1": order}
    assert h.tracker.written_off_orders == {"c1": order}
    return order


def test_written_off_order_revived_by_an_order_update(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    order = write_off(h)
    h.clock.now_ms += 5_000
    h.status(OrderState.OPEN)
    assert "written-off order c1 turned up" in caplog.text
    assert order.current_state is OrderState.OPEN and not order.is_written_off
    assert h.tracker.active_orders == {"c1": order} and h.tracker.cached_orders == {}
    assert h.tracker.written_off_orders == {}
    assert h.tracker.fetch_order(exchange_order_id="e1") is order
    h.status(OrderState.OPEN)
    h.fill("t1", "0.4")
    h.fill("t1", "0.4")
    h.fill("t2", "0.6")
    h.status(OrderState.FILLED)
    assert h.kinds() == ["Failed", "Created", "Filled", "Filled", "Completed"]
    created = h.events[1]
    assert isinstance(created, OrderCreatedEvent) and created.exchange_order_id == "e1"
    assert created.timestamp_ms == h.clock.now_ms
    assert h.tracker.cached_orders == {"c1": order} and h.tracker.active_orders == {}
    assert caplog.text.count("turned up") == 1


def test_written_off_order_revived_by_a_fill(h: Harness) -> None:
    order = write_off(h)
    h.fill("t1", "1")
    assert order.current_state is OrderState.PARTIALLY_FILLED
    assert h.tracker.active_orders == {"c1": order}
    h.status(OrderState.FILLED)
    h.fill("t1", "1")
    assert h.kinds() == ["Failed", "Created", "Filled", "Completed"]
    assert h.tracker.cached_orders == {"c1": order}


def test_written_off_order_revived_straight_to_cancelled(h: Harness) -> None:
    order = write_off(h)
    h.clock.now_ms += WATCH_MS - 1
    h.status(OrderState.CANCELED)
    assert order.is_cancelled and h.kinds() == ["Failed", "Created", "Cancelled"]
    assert h.tracker.cached_orders == {"c1": order} and h.tracker.written_off_orders == {}
    h.clock.now_ms += TTL_MS - 1  # an ordinary cached order now: the usual TTL
    assert h.tracker.fetch_order("c1") is order
    h.clock.now_ms += 1
    assert h.tracker.fetch_order("c1") is None


def test_written_off_order_watched_then_left_cached(h: Harness) -> None:
    order = write_off(h)
    h.clock.now_ms += TTL_MS + 1  # past the ordinary cache TTL: still kept and watched
    assert h.tracker.written_off_orders == {"c1": order}
    h.clock.now_ms += WATCH_MS - TTL_MS - 1  # the watch window is over
    assert h.tracker.written_off_orders == {} and h.tracker.orders_to_reconcile == {}
    assert h.tracker.cached_orders == {"c1": order}
    h.status(OrderState.OPEN)  # still revivable while cached
    assert h.tracker.active_orders == {"c1": order}
    assert h.kinds() == ["Failed", "Created"]


def test_written_off_order_expires_after_watch_and_ttl(h: Harness) -> None:
    write_off(h)
    h.clock.now_ms += WATCH_MS + TTL_MS - 1
    assert h.tracker.fetch_order("c1") is not None
    h.clock.now_ms += 1
    assert h.tracker.fetch_order("c1") is None and h.tracker.all_fillable_orders == {}


def test_ordinary_failure_stays_final(h: Harness) -> None:
    order = h.track(state=OrderState.PLACEMENT_UNKNOWN)
    h.status(OrderState.FAILED, eid=None, reason="rejected")
    h.tracker.process_placement_written_off("c1", NOT_FOUND)  # not unknown: no effect
    h.status(OrderState.OPEN)
    h.status(OrderState.CANCELED)
    assert order.is_failure and not order.is_written_off and order.reason == "rejected"
    assert h.kinds() == ["Failed"]
    assert h.tracker.active_orders == {} and h.tracker.written_off_orders == {}


def test_only_unknown_placements_are_written_off(h: Harness) -> None:
    order = h.track(state=OrderState.OPEN, eid="e1")
    h.tracker.process_placement_written_off("c1", NOT_FOUND)
    h.tracker.process_placement_written_off("unknown", NOT_FOUND)
    assert order.is_open and h.events == []


def test_restored_written_off_order_is_watched_and_revivable(h: Harness) -> None:
    original = write_off(h)
    restored = InFlightOrder.from_dict(original.to_dict())
    other = Harness()
    other.clock.now_ms = h.clock.now_ms + 1_000
    other.tracker.start_tracking_order(restored)
    assert other.tracker.written_off_orders == {"c1": restored}
    other.status(OrderState.OPEN)
    assert other.kinds() == ["Created"]  # its failure was announced before the restart
    assert other.tracker.active_orders == {"c1": restored}
