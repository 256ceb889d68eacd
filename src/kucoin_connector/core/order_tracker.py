"""ClientOrderTracker: the set of tracked orders, their life cycle and their events.

Where an order lives:

* ``active_orders``: not done yet (plus FILLED orders still waiting for fills, see below);
* ``cached_orders``: done orders, kept ``cached_order_ttl_ms`` (injected clock, pruned on
  access, no background task) so that late fills and updates still match them;
* ``lost_orders``: active orders the exchange answered "not found" for
  ``lost_order_count_limit`` times in a row. They are kept: still fetched, still
  reconciled (``orders_to_reconcile``), and any later update for one resolves it (it
  leaves ``lost_orders`` and its events fire normally).

Written-off placements (:meth:`ClientOrderTracker.process_placement_written_off`): an
order whose placement outcome stayed unknown and that the exchange kept answering "not
found" for becomes FAILED (OrderFailedEvent) and is cached, marked ``written_off_ms``. It
is listed in ``written_off_orders`` for ``written_off_watch_ms`` so the connector keeps
looking it up, and stays cached that long plus ``cached_order_ttl_ms``.
If any source (order update, REST look-up, fill) later shows it exists, it is revived: a
warning is logged, it moves back to ``active_orders`` (or straight back to the cache if
already finished) and its events fire as for any order: OrderCreatedEvent, then filled,
completed or cancelled. Ordinary FAILED orders stay final.

Events, each at most once per order (per trade for fills), published after the tracker's
state is consistent again (listeners may call back into the tracker):

* OrderCreatedEvent when the order is first seen existing on the exchange (OPEN,
  PARTIALLY_FILLED, FILLED, CANCELED, or a fill), always before its other events;
  an order whose tracking starts in such a state counts as already announced;
* OrderFilledEvent once per trade id (also for orders already done, e.g. a fill that
  happened before a cancel);
* OrderCancelledEvent / OrderFailedEvent (with the reason) on CANCELED / FAILED;
* OrderCompletedEvent - choice: it fires once, when the order is FILLED *and* its fills
  account for the whole amount, so its totals are final. If the FILLED status arrives
  before the last fills, the order stays in ``active_orders`` (thus in
  ``orders_to_reconcile``: the connector should fetch its fills) and the event fires with
  the fill that completes it (after that fill's OrderFilledEvent). Safety net: if the
  fills are still missing ``cached_order_ttl_ms`` after the FILLED status, the event
  fires (at the next start_tracking/process_* call) with the totals known then (logged)
  and later fills still emit filled events.
  Market orders by funds (target base unknown) complete at the FILLED status.

Event timestamps are those of the update that caused them (the clock for lost orders).
Updates for unknown orders are buffered (bounded, with a TTL) by client order id, or by
exchange order id when they carry none, and applied when the order starts being tracked
or its exchange order id becomes known: exchange events may race the placement response.
"""

from __future__ import annotations

import heapq
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from kucoin_connector.core.events import ConnectorEvent, EventBus, OrderLostEvent
from kucoin_connector.core.in_flight_order import InFlightOrder, OrderUpdate, TradeUpdate
from kucoin_connector.core.order_events import (
    cancelled_event,
    completed_event,
    created_event,
    failed_event,
    filled_event,
    final_kind,
)
from kucoin_connector.core.pending_updates import BY_CLIENT_ID as _BY_CLIENT_ID
from kucoin_connector.core.pending_updates import BY_EXCHANGE_ID as _BY_EXCHANGE_ID
from kucoin_connector.core.pending_updates import PendingUpdates, Update
from kucoin_connector.core.types import OrderState

logger = logging.getLogger(__name__)

# A tuple: membership is an identity test (Enum.__hash__ runs in Python).
_EXISTS_STATES = (
    OrderState.OPEN, OrderState.PARTIALLY_FILLED, OrderState.FILLED, OrderState.CANCELED
)


@dataclass(slots=True)
class _OrderMeta:
    """Tracker bookkeeping for one order."""

    not_found_count: int = 0
    announced: set[str] = field(default_factory=set)  # created/cancelled/failed/completed
    filled_seen_ms: int | None = None  # clock when FILLED was seen without all fills


class ClientOrderTracker:
    """Tracks orders by client order id and turns updates into connector events."""

    def __init__(
        self,
        events: EventBus,
        *,
        clock_ms: Callable[[], int],
        lost_order_count_limit: int = 3,
        cached_order_ttl_ms: int = 300_000,
        pending_update_ttl_ms: int = 60_000,
        max_pending_orders: int = 1_000,
        max_pending_updates_per_order: int = 1_000,
        written_off_watch_ms: int = 600_000,
    ) -> None:
        self._events = events
        self._clock_ms = clock_ms
        self._lost_order_count_limit = max(1, lost_order_count_limit)
        self._cached_order_ttl_ms = cached_order_ttl_ms
        self._written_off_watch_ms = written_off_watch_ms
        self._active: dict[str, InFlightOrder] = {}
        self._lost: dict[str, InFlightOrder] = {}
        self._cached: dict[str, InFlightOrder] = {}
        self._cache_expiry_ms: dict[str, int] = {}
        # A heap of (expiry_ms, cid) (written-off orders expire later than the others), so
        # pruning pops only the expired entries. Stale entries (order forgotten, revived or
        # re-cached) are recognised by comparing with _cache_expiry_ms and skipped.
        self._expiry_queue: list[tuple[int, str]] = []
        # FILLED orders waiting for fills: (filled_seen_ms, cid), in the order seen (the
        # safety net fires ``cached_order_ttl_ms`` later); stale entries skipped likewise.
        self._fill_deadlines: deque[tuple[int, str]] = deque()
        # Overdue FILLED orders that were lost when their deadline passed: completed once
        # they are active again (rare, so scanned on each prune with events).
        self._overdue_lost: set[str] = set()
        self._meta: dict[str, _OrderMeta] = {}
        self._by_exchange_id: dict[str, str] = {}
        self._pending = PendingUpdates(
            clock_ms, pending_update_ttl_ms, max_pending_orders, max_pending_updates_per_order
        )

    # ----- views ------------------------------------------------------------------------

    @property
    def active_orders(self) -> dict[str, InFlightOrder]:
        """A copy: client order id -> order, for orders not done (or awaiting fills)."""
        self._prune()
        return dict(self._active)

    @property
    def cached_orders(self) -> dict[str, InFlightOrder]:
        self._prune()
        return dict(self._cached)

    @property
    def lost_orders(self) -> dict[str, InFlightOrder]:
        self._prune()
        return dict(self._lost)

    @property
    def all_fillable_orders(self) -> dict[str, InFlightOrder]:
        """Active + cached + lost: every order a fill may still be matched to."""
        self._prune()
        return {**self._cached, **self._lost, **self._active}

    @property
    def all_fillable_orders_by_exchange_order_id(self) -> dict[str, InFlightOrder]:
        self._prune()
        return {eid: self._get(cid) for eid, cid in self._by_exchange_id.items()}

    @property
    def orders_to_reconcile(self) -> dict[str, InFlightOrder]:
        """Active + lost: the orders whose status the connector should poll."""
        self._prune()
        return {**self._lost, **self._active}

    @property
    def written_off_orders(self) -> dict[str, InFlightOrder]:
        """Written-off placements still watched (written off less than
        ``written_off_watch_ms`` ago): the connector keeps looking them up."""
        self._prune()
        now_ms = self._clock_ms()
        return {
            cid: order
            for cid, order in self._cached.items()
            if order.written_off_ms is not None
            and now_ms - order.written_off_ms < self._written_off_watch_ms
        }

    @property
    def pending_update_count(self) -> int:
        """Buffered updates for orders not tracked yet."""
        self._prune()
        return len(self._pending)

    def fetch_order(
        self, client_order_id: str | None = None, exchange_order_id: str | None = None
    ) -> InFlightOrder | None:
        """An active, lost or cached order by client order id, else by exchange order id."""
        self._prune()
        return self._find(client_order_id, exchange_order_id)

    def not_found_count(self, client_order_id: str) -> int:
        meta = self._meta.get(client_order_id)
        return 0 if meta is None else meta.not_found_count

    # ----- tracking ---------------------------------------------------------------------

    def start_tracking_order(self, order: InFlightOrder) -> None:
        """Track ``order``, then apply any update that arrived for it before."""
        events: list[ConnectorEvent] = []
        self._prune(events)
        cid = order.client_order_id
        existing = self._get_or_none(cid)
        if existing is order:
            return
        if existing is not None:
            logger.warning("order %s tracked again: the previous record is replaced", cid)
            self._forget(cid)
        self._active[cid] = order
        meta = self._meta[cid] = _OrderMeta()
        if order.current_state in _EXISTS_STATES or order.order_fills:
            meta.announced.add("created")
        if order.is_done:
            if order.is_filled and not (order.is_by_funds or order.is_fully_executed):
                self._await_fills(cid, meta)  # completes when its fills arrive
            else:
                meta.announced.add(final_kind(order.current_state))
        pending = self._pending.pop(_BY_CLIENT_ID, cid)
        pending += self._pending.pop(_BY_EXCHANGE_ID, order.exchange_order_id)
        self._index(order, events)
        for _, update in sorted(pending, key=lambda item: item[0]):
            self._apply(order, update, events)
        self._relocate(order)
        self._publish(events)

    def stop_tracking_order(self, client_order_id: str) -> None:
        """Stop tracking an active or lost order: it moves to the cache, no event fires."""
        order = self._active.pop(client_order_id, None) or self._lost.pop(client_order_id, None)
        if order is not None:
            self._to_cache(order)

    # ----- updates ----------------------------------------------------------------------

    def process_order_update(self, update: OrderUpdate) -> None:
        self._process(update, update.client_order_id)

    def process_trade_update(self, update: TradeUpdate) -> None:
        self._process(update, update.client_order_id or None)

    def process_order_not_found(self, client_order_id: str) -> None:
        """The exchange does not know this order; repeated answers make it lost (kept)."""
        events: list[ConnectorEvent] = []
        self._prune(events)
        order = self._active.get(client_order_id)
        if order is None:
            if client_order_id not in self._lost and client_order_id not in self._cached:
                logger.debug("not-found answer for untracked order %s", client_order_id)
            self._publish(events)
            return
        meta = self._meta[client_order_id]
        meta.not_found_count += 1
        if meta.not_found_count >= self._lost_order_count_limit:
            logger.warning(
                "order %s not found %d times: now lost (still reconciled)",
                client_order_id,
                meta.not_found_count,
            )
            del self._active[client_order_id]
            self._lost[client_order_id] = order
            events.append(OrderLostEvent(self._clock_ms(), client_order_id, order.trading_pair))
        self._publish(events)

    def process_placement_written_off(self, client_order_id: str, reason: str) -> None:
        """Give up on an active PLACEMENT_UNKNOWN order: FAILED (OrderFailedEvent with
        ``reason``), cached and watched; revived if it turns up (module docstring)."""
        events: list[ConnectorEvent] = []
        self._prune(events)
        order = self._active.get(client_order_id)
        now_ms = self._clock_ms()
        if order is not None and order.write_off(now_ms, reason):
            logger.warning("order %s: placement not found, written off as FAILED (watched "
                           "for %d ms)", client_order_id, self._written_off_watch_ms)
            self._announce_final(order, now_ms, events)
            self._relocate(order)
        self._publish(events)

    def _process(self, update: Update, client_order_id: str | None) -> None:
        events: list[ConnectorEvent] = []
        self._prune(events)
        order = self._find(client_order_id, update.exchange_order_id)
        if order is None:
            self._buffer(update, client_order_id)
        else:
            self._apply(order, update, events)
            self._relocate(order)
        self._publish(events)

    def _buffer(self, update: Update, client_order_id: str | None) -> None:
        if client_order_id is not None:
            self._pending.add(_BY_CLIENT_ID, client_order_id, update)
        elif update.exchange_order_id is not None:
            self._pending.add(_BY_EXCHANGE_ID, update.exchange_order_id, update)
        else:
            logger.warning("update without any order id dropped: %r", update)

    def _apply(self, order: InFlightOrder, update: Update, events: list[ConnectorEvent]) -> None:
        self._mark_found(order)
        written_off = order.is_written_off
        if isinstance(update, TradeUpdate):
            if order.update_with_trade_update(update):
                self._announce_created(order, update.fill_timestamp_ms, events)
                events.append(filled_event(order, update))
            timestamp_ms = update.fill_timestamp_ms
        else:
            order.update_with_order_update(update)
            timestamp_ms = update.update_timestamp_ms
        self._revive_if(written_off, order)
        self._announce_created(order, timestamp_ms, events)
        self._announce_final(order, timestamp_ms, events)
        self._index(order, events)

    def _mark_found(self, order: InFlightOrder) -> None:
        cid = order.client_order_id
        self._meta[cid].not_found_count = 0
        if self._lost.pop(cid, None) is not None:
            logger.info("lost order %s found again", cid)
            self._active[cid] = order

    def _revive_if(self, was_written_off: bool, order: InFlightOrder) -> None:
        """A written-off order the exchange shows after all: active again (the caller's
        ``_relocate`` caches it back if it is already finished)."""
        if not was_written_off or order.is_written_off:
            return
        cid = order.client_order_id
        logger.warning("written-off order %s turned up on the exchange (%s): tracked again",
                       cid, order.current_state.name)
        if self._cached.pop(cid, None) is not None:
            self._cache_expiry_ms.pop(cid, None)
            self._active[cid] = order

    def _index(self, order: InFlightOrder, events: list[ConnectorEvent]) -> None:
        """Index a newly learnt exchange order id and apply updates buffered under it."""
        eid = order.exchange_order_id
        if eid is None or eid in self._by_exchange_id:
            return
        self._by_exchange_id[eid] = order.client_order_id
        for _, update in self._pending.pop(_BY_EXCHANGE_ID, eid):
            self._apply(order, update, events)

    # ----- events -----------------------------------------------------------------------

    def _announce_created(
        self, order: InFlightOrder, timestamp_ms: int, events: list[ConnectorEvent]
    ) -> None:
        meta = self._meta[order.client_order_id]
        if "created" in meta.announced or order.current_state not in _EXISTS_STATES:
            return
        meta.announced.add("created")
        events.append(created_event(order, timestamp_ms))

    def _announce_final(
        self, order: InFlightOrder, timestamp_ms: int, events: list[ConnectorEvent]
    ) -> None:
        if not order.is_done:
            return
        meta = self._meta[order.client_order_id]
        kind = final_kind(order.current_state)
        if kind in meta.announced:
            return
        if order.is_cancelled:
            events.append(cancelled_event(order, timestamp_ms))
        elif order.is_failure:
            events.append(failed_event(order, timestamp_ms))
        elif order.is_by_funds or order.is_fully_executed:
            events.append(completed_event(order, timestamp_ms))
        else:
            if meta.filled_seen_ms is None:
                self._await_fills(order.client_order_id, meta)
            return
        meta.announced.add(kind)

    def _publish(self, events: list[ConnectorEvent]) -> None:
        for event in events:
            self._events.publish(event)

    # ----- storage ----------------------------------------------------------------------

    def _relocate(self, order: InFlightOrder) -> None:
        """Move a finished order (done, and completed if FILLED) to the cache."""
        cid = order.client_order_id
        if cid in self._cached or not order.is_done:
            return
        if order.is_filled and "completed" not in self._meta[cid].announced:
            return
        self._active.pop(cid, None)
        self._lost.pop(cid, None)
        self._to_cache(order)

    def _to_cache(self, order: InFlightOrder) -> None:
        cid = order.client_order_id
        self._cached[cid] = order
        start_ms = self._clock_ms()
        if order.written_off_ms is not None:  # the TTL starts when the watch ends
            start_ms = max(start_ms, order.written_off_ms + self._written_off_watch_ms)
        expiry_ms = start_ms + self._cached_order_ttl_ms
        self._cache_expiry_ms[cid] = expiry_ms
        heapq.heappush(self._expiry_queue, (expiry_ms, cid))

    def _await_fills(self, client_order_id: str, meta: _OrderMeta) -> None:
        seen_ms = meta.filled_seen_ms = self._clock_ms()
        self._fill_deadlines.append((seen_ms, client_order_id))

    def _prune(self, events: list[ConnectorEvent] | None = None) -> None:
        """Drop expired cached orders and pending updates. With ``events``, also complete
        FILLED orders whose missing fills never came (the safety net). O(expired)."""
        now_ms = self._clock_ms()
        queue = self._expiry_queue
        while queue and queue[0][0] <= now_ms:
            expiry_ms, cid = heapq.heappop(queue)
            if self._cache_expiry_ms.get(cid) == expiry_ms:
                self._forget(cid)
        self._pending.prune(now_ms)
        if events is not None and (self._fill_deadlines or self._overdue_lost):
            self._complete_overdue(now_ms, events)

    def _complete_overdue(self, now_ms: int, events: list[ConnectorEvent]) -> None:
        ttl_ms = self._cached_order_ttl_ms
        deadlines = self._fill_deadlines
        overdue: list[str] = []
        while deadlines and now_ms - deadlines[0][0] >= ttl_ms:
            seen_ms, cid = deadlines.popleft()
            meta = self._meta.get(cid)
            if meta is not None and meta.filled_seen_ms == seen_ms:
                overdue.append(cid)
        if self._overdue_lost:
            overdue.extend(self._overdue_lost)
            self._overdue_lost.clear()
        for cid in overdue:
            meta = self._meta.get(cid)
            if meta is None or "completed" in meta.announced:
                continue
            order = self._active.get(cid)
            if order is None:
                if cid in self._lost:
                    self._overdue_lost.add(cid)  # completed once found again
                continue
            logger.warning(
                "order %s FILLED but fills still missing (executed %s of %s): completed",
                cid,
                order.executed_amount_base,
                order.amount,
            )
            meta.announced.add("completed")
            events.append(completed_event(order, now_ms))
            self._relocate(order)

    def _forget(self, client_order_id: str) -> None:
        order = self._get_or_none(client_order_id)
        for store in (self._active, self._lost, self._cached):
            store.pop(client_order_id, None)
        self._cache_expiry_ms.pop(client_order_id, None)
        self._meta.pop(client_order_id, None)
        eid = None if order is None else order.exchange_order_id
        if eid is not None and self._by_exchange_id.get(eid) == client_order_id:
            del self._by_exchange_id[eid]

    def _get_or_none(self, client_order_id: str) -> InFlightOrder | None:
        return (
            self._active.get(client_order_id)
            or self._lost.get(client_order_id)
            or self._cached.get(client_order_id)
        )

    def _get(self, client_order_id: str) -> InFlightOrder:
        order = self._get_or_none(client_order_id)
        assert order is not None, client_order_id
        return order

    def _find(
        self, client_order_id: str | None, exchange_order_id: str | None
    ) -> InFlightOrder | None:
        if client_order_id is not None:
            order = self._get_or_none(client_order_id)
            if order is not None:
                return order
        if exchange_order_id is not None:
            cid = self._by_exchange_id.get(exchange_order_id)
            if cid is not None:
                return self._get_or_none(cid)
        return None

