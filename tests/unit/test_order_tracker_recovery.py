"""ClientOrderTracker: expected fills, what reconciliation must reach, crash recovery."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from test_order_tracker import NOT_FOUND, TTL_MS, WATCH_MS, Harness

from kucoin_connector.core.in_flight_order import InFlightOrder
from kucoin_connector.core.types import OrderState

D = Decimal


@pytest.fixture
def h() -> Harness:
    return Harness()


def cancelled_short(h: Harness, cid: str = "c1", eid: str = "e1") -> InFlightOrder:
    """CANCELED with 0.2 of fills seen, while the exchange reports 0.5 filled."""
    order = h.track(cid)
    h.status(OrderState.OPEN, cid=cid, eid=eid)
    h.fill(f"{cid}-t1", "0.2", cid=cid, eid=eid)
    h.status(OrderState.CANCELED, cid=cid, eid=eid)
    h.tracker.expect_fills(cid, D("0.5"))
    return order


def filled_awaiting(h: Harness, cid: str = "c1", eid: str = "e1") -> InFlightOrder:
    order = h.track(cid)
    h.fill(f"{cid}-t1", "0.5", cid=cid, eid=eid)
    h.status(OrderState.FILLED, cid=cid, eid=eid)
    return order


# ----- expected fills -----------------------------------------------------------------


def test_expected_fills_keep_a_done_order_until_they_arrive(h: Harness) -> None:
    order = cancelled_short(h)
    assert h.tracker.cached_orders == {"c1": order}
    assert h.tracker.orders_missing_fills == {"c1": order}
    assert h.tracker.orders_to_reconcile == {"c1": order}
    h.clock.now_ms += 3 * TTL_MS  # far past the cache TTL: kept, still reconciled
    assert h.tracker.fetch_order("c1") is order
    assert h.tracker.orders_to_reconcile == {"c1": order}
    h.fill("c1-t2", "0.3")
    assert h.kinds() == ["Created", "Filled", "Cancelled", "Filled"]
    assert h.tracker.orders_missing_fills == {} and h.tracker.orders_to_reconcile == {}
    assert h.tracker.fetch_order("c1") is order
    h.clock.now_ms += TTL_MS  # no longer held: pruned at the next check
    assert h.tracker.fetch_order("c1") is None and h.tracker.all_fillable_orders == {}


@pytest.mark.parametrize("filled", ["0.2", "0.1", "NaN", "-1"])
def test_expect_fills_already_covered_or_meaningless_changes_nothing(
    h: Harness, filled: str
) -> None:
    h.track()
    h.status(OrderState.OPEN)
    h.fill("t1", "0.2")
    h.status(OrderState.CANCELED)
    h.tracker.expect_fills("c1", D(filled))
    assert h.tracker.orders_missing_fills == {} and h.tracker.orders_to_reconcile == {}


def test_expect_fills_for_an_untracked_order_is_ignored(h: Harness) -> None:
    h.tracker.expect_fills("nope", D("1"))
    assert h.tracker.all_fillable_orders == {} and h.events == []


def test_expect_fills_keeps_the_largest_report(h: Harness) -> None:
    order = cancelled_short(h)
    h.tracker.expect_fills("c1", D("0.3"))  # an older, smaller report
    h.fill("c1-t2", "0.1")
    assert h.tracker.orders_missing_fills == {"c1": order}
    assert h.tracker.tracking_states()["c1"]["tracker"]["expected_fill_base"] == "0.5"


def test_expected_fills_on_an_active_order(h: Harness) -> None:
    order = h.track()
    h.status(OrderState.OPEN)
    h.tracker.expect_fills("c1", D("0.4"))
    assert h.tracker.orders_missing_fills == {"c1": order}
    h.fill("t1", "0.4")
    assert h.tracker.orders_missing_fills == {} and h.tracker.active_orders == {"c1": order}


def test_filled_order_awaiting_fills_is_missing_fills_until_completed(h: Harness) -> None:
    order = filled_awaiting(h)
    assert h.tracker.orders_missing_fills == {"c1": order}
    assert h.tracker.active_orders == {"c1": order}
    h.clock.now_ms += TTL_MS
    h.tracker.process_order_not_found("unrelated")  # the safety net completes it
    assert h.kinds() == ["Created", "Filled", "Completed"]
    assert h.tracker.orders_missing_fills == {} and h.tracker.orders_to_reconcile == {}


def test_stopped_filled_order_completed_by_the_safety_net_then_pruned(h: Harness) -> None:
    filled_awaiting(h)
    h.tracker.stop_tracking_order("c1")
    h.clock.now_ms += TTL_MS
    h.tracker.process_order_not_found("unrelated")
    assert h.kinds() == ["Created", "Filled", "Completed"]
    h.clock.now_ms += TTL_MS
    assert h.tracker.fetch_order("c1") is None


# ----- orders_to_reconcile --------------------------------------------------------------


def test_orders_to_reconcile_reaches_every_order_that_needs_it(h: Harness) -> None:
    pending = h.track("pending")
    lost = h.track("lost")
    h.status(OrderState.OPEN, cid="lost", eid="e-lost")
    for _ in range(3):
        h.tracker.process_order_not_found("lost")
    written_off = h.track("wo", state=OrderState.PLACEMENT_UNKNOWN)
    h.tracker.process_placement_written_off("wo", NOT_FOUND)
    short = cancelled_short(h, "short", "e-short")
    awaiting = filled_awaiting(h, "awaiting", "e-awaiting")
    h.track("done")
    h.status(OrderState.CANCELED, cid="done", eid="e-done")
    assert h.tracker.orders_to_reconcile == {
        "pending": pending,
        "lost": lost,
        "wo": written_off,
        "short": short,
        "awaiting": awaiting,
    }
    assert set(h.tracker.active_orders) == {"pending", "awaiting"}
    assert set(h.tracker.lost_orders) == {"lost"}
    assert set(h.tracker.cached_orders) == {"wo", "short", "done"}
    assert set(h.tracker.written_off_orders) == {"wo"}
    assert set(h.tracker.orders_missing_fills) == {"short", "awaiting"}
    assert len(h.tracker.all_fillable_orders) == 6


# ----- crash recovery -----------------------------------------------------------------


def populate(h: Harness) -> None:
    """Orders in every non-final state, lost, written off, missing fills, and done."""
    h.track("pc")
    h.track("pu", state=OrderState.PLACEMENT_UNKNOWN)
    h.track("op")
    h.status(OrderState.OPEN, cid="op", eid="e-op")
    h.track("pf")
    h.fill("pf-t1", "0.5", cid="pf", eid="e-pf")
    h.track("pcx", state=OrderState.PENDING_CANCEL, eid="e-pcx")
    h.track("lost")
    h.status(OrderState.OPEN, cid="lost", eid="e-lost")
    for _ in range(3):
        h.tracker.process_order_not_found("lost")
    h.tracker.process_order_not_found("op")  # one not-found answer so far
    h.track("wo", state=OrderState.PLACEMENT_UNKNOWN)
    h.tracker.process_placement_written_off("wo", NOT_FOUND)
    cancelled_short(h, "mf", "e-mf")
    filled_awaiting(h, "fa", "e-fa")
    h.track("done")
    h.status(OrderState.CANCELED, cid="done", eid="e-done")


SAVED = {"pc", "pu", "op", "pf", "pcx", "lost", "wo", "mf", "fa"}


def test_tracking_states_round_trip(h: Harness) -> None:
    populate(h)
    states = json.loads(json.dumps(h.tracker.tracking_states()))  # JSON-safe
    assert set(states) == SAVED == set(h.tracker.orders_to_reconcile)
    other = Harness()
    other.clock.now_ms = h.clock.now_ms + 1_000
    restored = other.tracker.restore_tracking_states(states)
    assert other.events == []  # nothing announced again
    assert {order.client_order_id for order in restored} == SAVED
    assert other.tracker.tracking_states() == states
    for cid in SAVED:
        mine, theirs = other.tracker.fetch_order(cid), h.tracker.fetch_order(cid)
        assert mine is not None and theirs is not None
        assert mine.to_dict() == theirs.to_dict()
    tracker = other.tracker
    assert set(tracker.active_orders) == {"pc", "pu", "op", "pf", "pcx", "fa"}
    assert set(tracker.lost_orders) == {"lost"}
    assert set(tracker.cached_orders) == {"wo", "mf"}
    assert set(tracker.written_off_orders) == {"wo"}
    assert set(tracker.orders_missing_fills) == {"mf", "fa"}
    assert tracker.not_found_count("op") == 1
    by_exchange_id = tracker.fetch_order(exchange_order_id="e-pcx")
    assert by_exchange_id is not None and by_exchange_id.client_order_id == "pcx"


def test_restored_orders_carry_on_with_their_events(h: Harness) -> None:
    populate(h)
    other = Harness()
    other.clock.now_ms = h.clock.now_ms + 1_000
    other.tracker.restore_tracking_states(json.loads(json.dumps(h.tracker.tracking_states())))
    other.status(OrderState.OPEN, cid="pc", eid="e-pc")
    other.fill("fa-t2", "0.5", cid="fa", eid="e-fa")
    other.status(OrderState.OPEN, cid="wo", eid="e-wo")  # revived
    other.status(OrderState.OPEN, cid="op", eid="e-op")  # nothing new
    other.fill("mf-t2", "0.3", cid="mf", eid="e-mf")
    other.status(OrderState.CANCELED, cid="lost", eid="e-lost")
    other.tracker.process_placement_written_off("pu", NOT_FOUND)
    assert other.kinds() == [
        "Created",
        "Filled",
        "Completed",
        "Created",
        "Filled",
        "Cancelled",
        "Failed",
    ]
    assert set(other.tracker.orders_missing_fills) == set()
    assert set(other.tracker.lost_orders) == set()


def test_restored_filled_order_keeps_its_safety_net(h: Harness) -> None:
    filled_awaiting(h)
    other = Harness()
    other.tracker.restore_tracking_states(h.tracker.tracking_states())
    other.clock.now_ms += TTL_MS
    other.tracker.process_order_not_found("unrelated")
    assert other.kinds() == ["Completed"]


def test_updates_buffered_before_the_restore_are_applied(h: Harness) -> None:
    h.track("pc")
    states = h.tracker.tracking_states()
    other = Harness()
    other.status(OrderState.OPEN, cid="pc", eid="e-pc")  # arrives before the restore
    other.tracker.restore_tracking_states(states)
    assert other.kinds() == ["Created"]
    restored = other.tracker.fetch_order("pc")
    assert restored is not None and restored.is_open


def test_malformed_records_are_skipped_with_a_warning(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    populate(h)
    states: dict[str, Any] = h.tracker.tracking_states()
    states["pc"] = states["pc"] | {"amount": "abc"}
    states["pu"] = states["pu"] | {"client_order_id": "someone-else"}
    states["op"] = states["op"] | {"tracker": {"lost": "yes"}}
    states["pf"] = states["pf"] | {"tracker": {"announced": ["created", "bogus"]}}
    states["pcx"] = states["pcx"] | {"tracker": {"expected_fill_base": "lots"}}
    states["lost"] = states["lost"] | {"tracker": ["not", "a", "mapping"]}
    states["junk"] = None
    other = Harness()
    restored = other.tracker.restore_tracking_states(states)
    assert {order.client_order_id for order in restored} == {"wo", "mf", "fa"}
    skipped = [r.getMessage() for r in caplog.records if "tracking state skipped" in r.message]
    for cid in ("pc", "pu", "op", "pf", "pcx", "lost", "junk"):
        assert sum(f"order '{cid}'" in message for message in skipped) == 1, cid
    assert other.events == []


def test_restore_keeps_the_live_record_of_an_order_already_tracked(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    live = h.track("pc")
    states = h.tracker.tracking_states()
    assert h.tracker.restore_tracking_states(states) == []
    assert h.tracker.fetch_order("pc") is live
    assert "already tracked" in caplog.text


def test_written_off_order_restored_after_its_watch_is_cached_not_watched(h: Harness) -> None:
    h.track(state=OrderState.PLACEMENT_UNKNOWN)
    h.tracker.process_placement_written_off("c1", NOT_FOUND)
    states = h.tracker.tracking_states()
    other = Harness()
    other.clock.now_ms = h.clock.now_ms + WATCH_MS
    assert [o.client_order_id for o in other.tracker.restore_tracking_states(states)] == ["c1"]
    assert other.tracker.written_off_orders == {} and other.events == []
    assert "c1" in other.tracker.cached_orders
