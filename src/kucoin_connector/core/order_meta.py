"""Per-order bookkeeping of ClientOrderTracker (OrderMeta) and its persisted form.

The tracker keeps one OrderMeta per tracked order, next to the order itself: where the
order is (cached until when, lost), which events were announced, which fills are still
expected. The views of the tracker are derived from the order's state and this meta.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from kucoin_connector.core.errors import ParseError
from kucoin_connector.core.in_flight_order import InFlightOrder
from kucoin_connector.core.order_events import final_kind
from kucoin_connector.core.order_states import EXISTS_STATES, OPEN_STATES

_ANNOUNCEMENTS = frozenset({"created", "completed", "cancelled", "failed"})


@dataclass(slots=True)
class OrderMeta:
    """Tracker bookkeeping for one order."""

    announced: set[str] = field(default_factory=set)  # created/cancelled/failed/completed
    not_found_count: int = 0
    lost: bool = False  # only ever set for an order in OPEN_STATES
    cached_until_ms: int | None = None  # set: in the cache, expiring then
    filled_seen_ms: int | None = None  # clock when FILLED was seen without all fills
    expected_base: Decimal | None = None  # filled base the exchange reported (expect_fills)

    def to_dict(self) -> dict[str, Any]:
        return {
            "announced": sorted(self.announced),
            "not_found_count": self.not_found_count,
            "lost": self.lost,
            "expected_fill_base": None if self.expected_base is None else str(self.expected_base),
        }


def misses_fills(order: InFlightOrder, meta: OrderMeta) -> bool:
    expected = meta.expected_base
    if expected is not None and order.executed_amount_base < expected:
        return True
    return meta.filled_seen_ms is not None and "completed" not in meta.announced


def watched(order: InFlightOrder, since_ms: int) -> bool:
    """Written off after ``since_ms`` (the start of the watch window)."""
    return order.written_off_ms is not None and order.written_off_ms > since_ms


def new_meta(order: InFlightOrder) -> OrderMeta:
    """Meta for an order whose tracking starts: what its state implies was announced."""
    meta = OrderMeta()
    if order.current_state in EXISTS_STATES or order.order_fills:
        meta.announced.add("created")
    if order.is_done and not (
        order.is_filled and not (order.is_by_funds or order.is_fully_executed)
    ):
        meta.announced.add(final_kind(order.current_state))
    return meta


def parse_tracking_state(cid: str, record: Mapping[str, Any]) -> tuple[InFlightOrder, OrderMeta]:
    """One record of ``ClientOrderTracker.tracking_states``; ParseError naming ``cid``."""
    try:
        order = InFlightOrder.from_dict(record)
        if order.client_order_id != cid:
            raise ParseError(f"the record is for order {order.client_order_id!r}")
        raw = record.get("tracker", {})
        if not isinstance(raw, Mapping):
            raise ParseError("tracker meta is not a mapping")
        meta = new_meta(order)
        announced = raw.get("announced")
        if announced is not None:
            if not isinstance(announced, list) or not set(announced) <= _ANNOUNCEMENTS:
                raise ParseError(f"unknown announcements {announced!r}")
            meta.announced = set(announced)
        lost = raw.get("lost", False)
        if not isinstance(lost, bool):
            raise ParseError(f"lost flag {lost!r}")
        meta.lost = lost and order.current_state in OPEN_STATES
        meta.not_found_count = int(raw.get("not_found_count", 0))
        expected = raw.get("expected_fill_base")
        if expected is not None:
            meta.expected_base = Decimal(str(expected))
            if not meta.expected_base.is_finite():
                raise ParseError(f"expected fill base {expected!r}")
    except ParseError as exc:
        raise ParseError(f"order {cid!r}: {exc}") from exc
    except (AttributeError, TypeError, ValueError, InvalidOperation) as exc:
        raise ParseError(f"order {cid!r}: invalid tracking state: {exc!r}") from exc
    return order, meta
