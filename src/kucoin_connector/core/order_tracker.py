"""ClientOrderTracker: the tracked orders, their life cycle and their events.

One store: every tracked order lives in ``_orders`` (client order id -> InFlightOrder),
its tracker bookkeeping in ``_meta`` (same keys; see ``core/order_meta.py``). Orders never
move between containers: the views are derived from the order's state (its moves are the
table in ``core/order_states.py``, enforced by InFlightOrder) and its meta:

* ``active_orders``: neither cached nor lost: not done, or FILLED awaiting fills (below);
* ``cached_orders``: finished orders (done, and completed if FILLED) and orders whose
  tracking was stopped, kept ``cached_order_ttl_ms`` (injected clock, pruned on access, no
  background task) so that late fills and updates still match them;
* ``lost_orders``: orders known to exist (OPEN, PARTIALLY_FILLED, PENDING_CANCEL) that the
  exchange answered "not found" for ``lost_order_count_limit`` times in a row. Kept, still
  reconciled; any later update resolves it (its events then fire normally). "Not found"
  changes nothing for any other order: unconfirmed placements (PENDING_CREATE,
  PLACEMENT_UNKNOWN) belong to the placement resolver; written-off and done orders stay;
* ``written_off_orders``: WRITTEN_OFF less than ``written_off_watch_ms`` ago (watched);
* ``orders_missing_fills``: fills short of the filled base the exchange reported
  (:meth:`ClientOrderTracker.expect_fills`; such an order is kept even past its TTL until
  they arrive), and FILLED orders awaiting fills;
* ``orders_to_reconcile``: active + lost + written-off watched + missing fills.

Written-off placements (:meth:`ClientOrderTracker.process_placement_written_off`): a
PLACEMENT_UNKNOWN order the exchange kept answering "not found" for becomes WRITTEN_OFF
(OrderFailedEvent with the reason), cached for ``written_off_watch_ms`` plus
``cached_order_ttl_ms``. If any source (order update, REST look-up, fill) later shows it
exists, it is revived: a warning is logged, it is active again (or cached again at once if
already finished) and its events fire as for any order: OrderCreatedEvent, then filled,
completed or cancelled. FAILED orders stay final.

Events, each at most once per order (per trade for fills), published after the tracker's
state is consistent again (listeners may call back into the tracker):

* OrderCreatedEvent when the order is first seen existing on the exchange (OPEN,
  PARTIALLY_FILLED, FILLED, CANCELED, or a fill), always before its other events;
  an order whose tracking starts in such a state counts as already announced;
* OrderFilledEvent once per trade id (also for orders already done, e.g. a fill that
  happened before a cancel);
* OrderCancelledEvent on CANCELED; OrderFailedEvent (with the reason) on FAILED or
  WRITTEN_OFF;
* OrderCompletedEvent - choice: it fires once, when the order is FILLED *and* its fills
  account for the whole amount, so its totals are final. If the FILLED status arrives
  before the last fills, the order stays active (and reconciled: the connector should
  fetch its fills) and the event fires with the fill that completes it (after that fill's
  OrderFilledEvent). Safety net: if the fills are still missing ``cached_order_ttl_ms``
  after the FILLED status, it fires (at the next start_tracking/process_* call) with the
  totals known then (logged); later fills still emit filled events. Market orders by
  funds (target base unknown) complete at the FILLED status.

Event timestamps are those of the update that caused them (the clock for lost orders).
Updates for unknown orders are buffered (bounded, with a TTL) by client order id, or by
exchange order id when they carry none, and applied when the order starts being tracked
or its exchange order id becomes known: exchange events may race the placement response.

Crash recovery: ``tracking_states`` saves every order in ``orders_to_reconcile`` with its
meta (JSON-safe); ``restore_tracking_states`` tracks them again, announced events not
repeated. Hot paths (``process_*``, ``fetch_order``) are O(1); the views are O(n).
"""

from __future__ import annotations

import heapq
import logging
from collections import deque
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeAlias

from kucoin_connector.core.errors import ParseError
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
from kucoin_connector.core.order_meta import (
    OrderMeta,
    misses_fills,
    new_meta,
    parse_tracking_state,
    watched,
)
from kucoin_connector.core.order_states import EXISTS_STATES, OPEN_STATES
from kucoin_connector.core.pending_updates import BY_CLIENT_ID as _BY_CLIENT_ID
from kucoin_connector.core.pending_updates import BY_EXCHANGE_ID as _BY_EXCHANGE_ID
from kucoin_connector.core.pending_updates import PendingUpdates, Update
from kucoin_connector.core.types import OrderState

logger = logging.getLogger(__name__)

# Events collected during a call, published once the tracker's state is consistent.
_Events: TypeAlias = list[ConnectorEvent]


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
        self._orders: dict[str, InFlightOrder] = {}
        self._meta: dict[str, OrderMeta] = {}
        # A heap of (expiry_ms, cid) (written-off orders expire later than the others), so
        # pruning pops only the expired entries. Stale entries (order forgotten, revived or
        # re-cached) are recognised by comparing with the meta's cached_until_ms.
        self._expiry_queue: list[tuple[int, str]] = []
        # FILLED orders waiting for fills: (filled_seen_ms, cid), in the order seen (the
        # safety net fires ``cached_order_ttl_ms`` later); stale entries skipped likewise.
        self._fill_deadlines: deque[tuple[int, str]] = deque()
        self._by_exchange_id: dict[str, str] = {}
        self._pending = PendingUpdates(
            clock_ms, pending_update_ttl_ms, max_pending_orders, max_pending_updates_per_order
        )

    # ----- views (derived from state + meta; O(n)) --------------------------------------

    def _select(self, keep: Callable[[InFlightOrder, OrderMeta], bool]) -> dict[str, InFlightOrder]:
        self._prune()
        meta = self._meta
        return {cid: order for cid, order in self._orders.items() if keep(order, meta[cid])}

    @property
    def active_orders(self) -> dict[str, InFlightOrder]:
        """A copy: client order id -> order, for orders not done (or awaiting fills)."""
        return self._select(lambda _, m: m.cached_until_ms is None and not m.lost)

    @property
    def cached_orders(self) -> dict[str, InFlightOrder]:
        return self._select(lambda _, m: m.cached_until_ms is not None)

    @property
    def lost_orders(self) -> dict[str, InFlightOrder]:
        return self._select(lambda _, m: m.lost)

    @property
    def all_fillable_orders(self) -> dict[str, InFlightOrder]:
        """Every tracked order (active, cached, lost): a fill may still match any."""
        self._prune()
        return dict(self._orders)

    @property
    def all_fillable_orders_by_exchange_order_id(self) -> dict[str, InFlightOrder]:
        self._prune()
        return {eid: self._orders[cid] for eid, cid in self._by_exchange_id.items()}

    @property
    def orders_to_reconcile(self) -> dict[str, InFlightOrder]:
        """Every order reconciliation must reach: active + lost + written-off still
        watched + missing fills (FILLED orders awaiting fills included)."""
        since_ms = self._watched_since_ms()
        return self._select(
            lambda o, m: m.cached_until_ms is None or misses_fills(o, m) or watched(o, since_ms)
        )

    @property
    def written_off_orders(self) -> dict[str, InFlightOrder]:
        """Written-off placements still watched (written off less than
        ``written_off_watch_ms`` ago): the connector keeps looking them up."""
        since_ms = self._watched_since_ms()
        return self._select(lambda o, _: watched(o, since_ms))

    @property
    def orders_missing_fills(self) -> dict[str, InFlightOrder]:
        """Orders whose fills fall short of the filled base the exchange reported
        (:meth:`expect_fills`), and FILLED orders awaiting their last fills."""
        return self._select(misses_fills)

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

    def _watched_since_ms(self) -> int:
        return self._clock_ms() - self._written_off_watch_ms

    # ----- tracking ---------------------------------------------------------------------

    def start_tracking_order(self, order: InFlightOrder) -> None:
        """Track ``order``, then apply any update that arrived for it before."""
        events: _Events = []
        self._prune(events)
        cid = order.client_order_id
        existing = self._orders.get(cid)
        if existing is not order:
            if existing is not None:
                logger.warning("order %s tracked again: the previous record is replaced", cid)
                self._forget(cid)
            self._track(order, new_meta(order), events)
        self._publish(events)

    def stop_tracking_order(self, client_order_id: str) -> None:
        """Stop tracking an active or lost order: it moves to the cache, no event fires."""
        meta = self._meta.get(client_order_id)
        if meta is not None and meta.cached_until_ms is None:
            meta.lost = False
            self._to_cache(self._orders[client_order_id], meta)

    def expect_fills(self, client_order_id: str, filled_base: Decimal) -> None:
        """The exchange reported ``filled_base`` filled for this order (e.g. in a final
        message): until its fills reach that, it is listed in ``orders_missing_fills`` and
        ``orders_to_reconcile`` and kept (even done, even past its cache TTL)."""
        events: _Events = []
        self._prune(events)
        order = self._orders.get(client_order_id)
        if order is None:
            logger.debug("expected fills for untracked order %s ignored", client_order_id)
        elif filled_base.is_finite() and filled_base > order.executed_amount_base:
            meta = self._meta[client_order_id]
            if meta.expected_base is None or filled_base > meta.expected_base:
                meta.expected_base = filled_base
        self._publish(events)

    def _track(self, order: InFlightOrder, meta: OrderMeta, events: _Events) -> None:
        cid = order.client_order_id
        self._orders[cid] = order
        self._meta[cid] = meta
        if order.is_filled and "completed" not in meta.announced:
            self._await_fills(cid, meta)  # completes when its fills arrive
        pending = self._pending.pop(_BY_CLIENT_ID, cid)
        pending += self._pending.pop(_BY_EXCHANGE_ID, order.exchange_order_id)
        self._index(order, meta, events)
        for _, update in sorted(pending, key=lambda item: item[0]):
            self._apply(order, meta, update, events)
        self._relocate(order, meta)

    # ----- updates ----------------------------------------------------------------------

    def process_order_update(self, update: OrderUpdate) -> None:
        self._process(update, update.client_order_id)

    def process_trade_update(self, update: TradeUpdate) -> None:
        self._process(update, update.client_order_id or None)

    def process_order_not_found(self, client_order_id: str) -> None:
        """The exchange does not know this order. Repeated answers make an active order
        known to exist (OPEN_STATES) lost (kept); for any other order nothing changes."""
        events: _Events = []
        self._prune(events)
        order = self._orders.get(client_order_id)
        meta = self._meta.get(client_order_id)
        if order is None or meta is None:
            logger.debug("not-found answer for untracked order %s", client_order_id)
        elif order.current_state in OPEN_STATES and not meta.lost and meta.cached_until_ms is None:
            meta.not_found_count += 1
            if meta.not_found_count >= self._lost_order_count_limit:
                logger.warning(
                    "order %s not found %d times: now lost (still reconciled)",
                    client_order_id,
                    meta.not_found_count,
                )
                meta.lost = True
                events.append(OrderLostEvent(self._clock_ms(), client_order_id, order.trading_pair))
        self._publish(events)

    def process_placement_written_off(self, client_order_id: str, reason: str) -> None:
        """Give up on a tracked PLACEMENT_UNKNOWN order (wherever it is): WRITTEN_OFF
        (OrderFailedEvent with ``reason``), cached and watched; revived if it turns up."""
        events: _Events = []
        self._prune(events)
        order = self._orders.get(client_order_id)
        now_ms = self._clock_ms()
        if order is not None and order.write_off(now_ms, reason):
            logger.warning(
                "order %s: placement not found, written off (watched for %d ms)",
                client_order_id,
                self._written_off_watch_ms,
            )
            meta = self._meta[client_order_id]
            meta.lost = False
            meta.cached_until_ms = None  # (re)cached below, with the watch window
            self._announce_final(order, meta, now_ms, events)
            self._relocate(order, meta)
        self._publish(events)

    def _process(self, update: Update, client_order_id: str | None) -> None:
        events: _Events = []
        self._prune(events)
        order = self._find(client_order_id, update.exchange_order_id)
        if order is None:
            self._buffer(update, client_order_id)
        else:
            meta = self._meta[order.client_order_id]
            self._apply(order, meta, update, events)
            self._relocate(order, meta)
        self._publish(events)

    def _buffer(self, update: Update, client_order_id: str | None) -> None:
        if client_order_id is not None:
            self._pending.add(_BY_CLIENT_ID, client_order_id, update)
        elif update.exchange_order_id is not None:
            self._pending.add(_BY_EXCHANGE_ID, update.exchange_order_id, update)
        else:
            logger.warning("update without any order id dropped: %r", update)

    def _apply(
        self, order: InFlightOrder, meta: OrderMeta, update: Update, events: _Events
    ) -> None:
        meta.not_found_count = 0
        if meta.lost:
            logger.info("lost order %s found again", order.client_order_id)
            meta.lost = False
        written_off = order.current_state is OrderState.WRITTEN_OFF
        if isinstance(update, TradeUpdate):
            if order.update_with_trade_update(update):
                self._announce_created(order, meta, update.fill_timestamp_ms, events)
                events.append(filled_event(order, update))
                expected = meta.expected_base
                if expected is not None and order.executed_amount_base >= expected:
                    meta.expected_base = None
            timestamp_ms = update.fill_timestamp_ms
        else:
            order.update_with_order_update(update)
            timestamp_ms = update.update_timestamp_ms
        if written_off and order.current_state is not OrderState.WRITTEN_OFF:
            logger.warning(
                "written-off order %s turned up on the exchange (%s): tracked again",
                order.client_order_id,
                order.current_state.name,
            )
            meta.cached_until_ms = None  # active again; ``_relocate`` re-caches if finished
        self._announce_created(order, meta, timestamp_ms, events)
        self._announce_final(order, meta, timestamp_ms, events)
        self._index(order, meta, events)

    def _index(self, order: InFlightOrder, meta: OrderMeta, events: _Events) -> None:
        """Index a newly learnt exchange order id and apply updates buffered under it."""
        eid = order.exchange_order_id
        if eid is None or eid in self._by_exchange_id:
            return
        self._by_exchange_id[eid] = order.client_order_id
        for _, update in self._pending.pop(_BY_EXCHANGE_ID, eid):
            self._apply(order, meta, update, events)

    # ----- events -----------------------------------------------------------------------

    def _announce_created(
        self, order: InFlightOrder, meta: OrderMeta, timestamp_ms: int, events: _Events
    ) -> None:
        if "created" in meta.announced or order.current_state not in EXISTS_STATES:
            return
        meta.announced.add("created")
        events.append(created_event(order, timestamp_ms))

    def _announce_final(
        self, order: InFlightOrder, meta: OrderMeta, timestamp_ms: int, events: _Events
    ) -> None:
        if not order.is_done:
            return
        kind = final_kind(order.current_state)
        if kind in meta.announced:
            return
        if order.is_cancelled:
            events.append(cancelled_event(order, timestamp_ms))
        elif kind == "failed":
            events.append(failed_event(order, timestamp_ms))
        elif order.is_by_funds or order.is_fully_executed:
            events.append(completed_event(order, timestamp_ms))
        else:
            if meta.filled_seen_ms is None:
                self._await_fills(order.client_order_id, meta)
            return
        meta.announced.add(kind)

    def _publish(self, events: _Events) -> None:
        for event in events:
            self._events.publish(event)

    # ----- storage ----------------------------------------------------------------------

    def _relocate(self, order: InFlightOrder, meta: OrderMeta) -> None:
        """Cache a finished order (done, and completed if FILLED)."""
        if meta.cached_until_ms is not None or not order.is_done:
            return
        if order.is_filled and "completed" not in meta.announced:
            return
        meta.lost = False
        self._to_cache(order, meta)

    def _to_cache(self, order: InFlightOrder, meta: OrderMeta) -> None:
        start_ms = self._clock_ms()
        if order.written_off_ms is not None:  # the TTL starts when the watch ends
            start_ms = max(start_ms, order.written_off_ms + self._written_off_watch_ms)
        self._expire_at(order.client_order_id, meta, start_ms + self._cached_order_ttl_ms)

    def _expire_at(self, client_order_id: str, meta: OrderMeta, expiry_ms: int) -> None:
        meta.cached_until_ms = expiry_ms
        heapq.heappush(self._expiry_queue, (expiry_ms, client_order_id))

    def _await_fills(self, client_order_id: str, meta: OrderMeta) -> None:
        seen_ms = meta.filled_seen_ms = self._clock_ms()
        self._fill_deadlines.append((seen_ms, client_order_id))

    def _prune(self, events: _Events | None = None) -> None:
        """Drop expired cached orders (those missing fills are kept: checked again a TTL
        later) and pending updates. With ``events``, also complete FILLED orders whose
        missing fills never came (the safety net). O(expired)."""
        now_ms = self._clock_ms()
        queue = self._expiry_queue
        while queue and queue[0][0] <= now_ms:
            expiry_ms, cid = heapq.heappop(queue)
            meta = self._meta.get(cid)
            if meta is None or meta.cached_until_ms != expiry_ms:
                continue  # stale entry
            if misses_fills(self._orders[cid], meta):
                self._expire_at(cid, meta, now_ms + self._cached_order_ttl_ms)
            else:
                self._forget(cid)
        self._pending.prune(now_ms)
        if events is not None and self._fill_deadlines:
            self._complete_overdue(now_ms, events)

    def _complete_overdue(self, now_ms: int, events: _Events) -> None:
        ttl_ms = self._cached_order_ttl_ms
        deadlines = self._fill_deadlines
        while deadlines and now_ms - deadlines[0][0] >= ttl_ms:
            seen_ms, cid = deadlines.popleft()
            meta = self._meta.get(cid)
            if meta is None or meta.filled_seen_ms != seen_ms or "completed" in meta.announced:
                continue
            order = self._orders[cid]
            logger.warning(
                "order %s FILLED but fills still missing (executed %s of %s): completed",
                cid,
                order.executed_amount_base,
                order.amount,
            )
            meta.announced.add("completed")
            events.append(completed_event(order, now_ms))
            self._relocate(order, meta)

    def _forget(self, client_order_id: str) -> None:
        order = self._orders.pop(client_order_id, None)
        self._meta.pop(client_order_id, None)
        eid = None if order is None else order.exchange_order_id
        if eid is not None and self._by_exchange_id.get(eid) == client_order_id:
            del self._by_exchange_id[eid]

    def _find(
        self, client_order_id: str | None, exchange_order_id: str | None
    ) -> InFlightOrder | None:
        if client_order_id is not None:
            order = self._orders.get(client_order_id)
            if order is not None:
                return order
        if exchange_order_id is not None:
            cid = self._by_exchange_id.get(exchange_order_id)
            if cid is not None:
                return self._orders.get(cid)
        return None

    # ----- persistence ------------------------------------------------------------------

    def tracking_states(self) -> dict[str, dict[str, Any]]:
        """JSON-safe snapshot for crash recovery: client order id -> the order's
        ``to_dict()`` plus the tracker's meta under ``"tracker"``, for every order in
        ``orders_to_reconcile`` (the others need nothing more from the exchange)."""
        return {
            cid: order.to_dict() | {"tracker": self._meta[cid].to_dict()}
            for cid, order in self.orders_to_reconcile.items()
        }

    def restore_tracking_states(
        self, states: Mapping[str, Mapping[str, Any]]
    ) -> list[InFlightOrder]:
        """Track again the orders saved by :meth:`tracking_states`; return them. Events
        already announced (created, failed, ...) do not fire again. A malformed record is
        skipped with a warning (the others are restored); an order already tracked keeps
        its live record."""
        events: _Events = []
        self._prune(events)
        restored: list[InFlightOrder] = []
        for cid, record in states.items():
            try:
                order, meta = parse_tracking_state(cid, record)
            except ParseError as exc:
                logger.warning("saved tracking state skipped: %s", exc)
                continue
            if cid in self._orders:
                logger.warning("order %s already tracked: its saved state is ignored", cid)
                continue
            self._track(order, meta, events)
            restored.append(order)
        self._publish(events)
        return restored
