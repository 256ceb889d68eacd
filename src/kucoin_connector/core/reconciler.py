"""Reconciliation: bring every tracked order to the exchange's truth, in bounded time.

The WebSocket streams are the fast path; this is the safety net for what they lost. One
pass (``Reconciler.run_once``) works per trading pair, lists first, look-ups last:

1. **Targets**: every order the tracker says must be reconciled (``orders_to_reconcile``:
   open, lost, written-off placements still watched, and done orders whose fills are
   missing), snapshotted *before* any request so that an order placed during the pass is
   never mistaken for a vanished one.
2. **Open orders** of the pair, one list read to its last page: every open target is
   brought up to date at once, however many there are. An order whose reported filled
   size exceeds its known fills is marked as missing fills (``expect_fills``).
3. **Recent done orders** of the pair, read to the end from the oldest target's creation
   time, only when some target that should be open is absent from the open list: its
   final state comes from the list, not from one call per order.
4. **Fills by time window**, read to the end, only when some order of the pair is missing
   fills: one read, from the oldest such order's creation time to now, recovers the fills
   of every order of the pair. Orders older than ``fills_window_max_ms`` are left to
   step 5 (their window would be many pages).
5. **Per-order look-ups in fair rotation**: whatever the lists could not settle (absent
   from both lists, or fills still missing) is looked up one by one, least recently polled
   first, at most ``max_orders_per_poll`` per pass. Every poll updates the order's poll
   time whatever it found, so no order can starve.

A connector without list endpoints (the hooks raise NotImplementedError) falls back to
step 5 for every target.

**Bound.** Let ``P`` be the pairs with targets, ``R`` the request rate the private pool
allows (requests/s), ``T`` the poll interval. An order whose WebSocket messages were all
lost and that is open, or done within the list windows, is correct after the next pass:
at most ``T + (3·P + pages + K) / R`` seconds, whatever the number of open orders. Orders
that only a look-up can settle (never placed, older than the exchange's list windows) are
each polled within ``ceil(C / K)`` passes, ``C`` being their count and ``K`` the
per-pass look-up budget. Reconciliation also runs at once after every reconnect.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from .errors import ConnectorError, OrderNotFoundError
from .in_flight_order import InFlightOrder, OrderUpdate, TradeUpdate
from .order_tracker import ClientOrderTracker
from .types import OrderState, OrderType, TradeType

log = logging.getLogger(__name__)

_UNPLACED = (OrderState.PENDING_CREATE, OrderState.PLACEMENT_UNKNOWN)


@dataclass(frozen=True, slots=True)
class OrderStatus:
    """What a REST look-up says of one order: its state and how much of it has filled."""

    update: OrderUpdate
    filled_base: Decimal


@dataclass(frozen=True, slots=True)
class ExchangeOrder:
    """One order as an exchange's order list shows it (enough to adopt it as well)."""

    client_order_id: str | None
    exchange_order_id: str
    trading_pair: str
    trade_type: TradeType
    order_type: OrderType
    amount: Decimal  # base size; 0 for a market order by funds
    price: Decimal | None
    quote_amount: Decimal | None  # funds of a market order by funds
    state: OrderState
    filled_base: Decimal
    created_ms: int

    def status(self, client_order_id: str, now_ms: int) -> OrderStatus:
        update = OrderUpdate(
            trading_pair=self.trading_pair,
            update_timestamp_ms=now_ms,
            new_state=self.state,
            client_order_id=client_order_id,
            exchange_order_id=self.exchange_order_id,
        )
        return OrderStatus(update=update, filled_base=self.filled_base)

    def to_in_flight_order(self, client_order_id: str) -> InFlightOrder:
        """A tracked order for an exchange order this process did not place (adoption);
        its fills are recovered by reconciliation."""
        return InFlightOrder(
            client_order_id=client_order_id,
            trading_pair=self.trading_pair,
            order_type=self.order_type,
            trade_type=self.trade_type,
            amount=self.amount,
            creation_timestamp_ms=self.created_ms,
            price=self.price,
            exchange_order_id=self.exchange_order_id,
            initial_state=OrderState.OPEN,
            quote_amount=self.quote_amount,
        )


@dataclass(frozen=True, slots=True)
class ReconcileHooks:
    """What a connector supplies (ExchangeBase's ``_fetch_*`` hooks). The list hooks may
    raise NotImplementedError: the orders are then looked up one by one."""

    fetch_open_orders: Callable[[str], Awaitable[list[ExchangeOrder]]]
    fetch_done_orders: Callable[[str, int], Awaitable[list[ExchangeOrder]]]
    fetch_fills: Callable[[str, int, int], Awaitable[list[TradeUpdate]]]
    refresh_order: Callable[[InFlightOrder], Awaitable[None]]  # OrderNotFoundError if unknown
    refresh_fills: Callable[[InFlightOrder], Awaitable[None]]
    exchange_time_ms: Callable[[], int]


@dataclass(slots=True)
class _PairPass:
    """What one pass learnt about one pair's targets."""

    targets: list[InFlightOrder]
    settled: set[str]  # client order ids whose state a list gave
    listed: bool = False  # the open-order list was read


class Reconciler:
    def __init__(
        self,
        tracker: ClientOrderTracker,
        hooks: ReconcileHooks,
        *,
        clock_ms: Callable[[], int],
        max_lookups_per_pass: int,
        fills_window_max_ms: int = 6 * 3_600_000,
        list_margin_ms: int = 60_000,
    ) -> None:
        self._tracker = tracker
        self._hooks = hooks
        self._clock_ms = clock_ms
        self._budget = max(1, max_lookups_per_pass)
        self._fills_window_max_ms = fills_window_max_ms
        self._list_margin_ms = list_margin_ms
        self._last_polled_ms: dict[str, int] = {}  # client order id -> last per-order poll

    async def run_once(self) -> None:
        """One pass over every target (module docstring)."""
        targets = list(self._tracker.orders_to_reconcile.values())
        by_pair: dict[str, list[InFlightOrder]] = {}
        for order in targets:
            by_pair.setdefault(order.trading_pair, []).append(order)
        leftovers: list[InFlightOrder] = []
        for pair, orders in by_pair.items():
            leftovers.extend(await self._pass_pair(pair, orders))
        await self._poll_in_rotation(leftovers)
        self._forget_polls(targets)

    async def adopt_open_orders(self, pairs: Iterable[str], prefix: str) -> list[InFlightOrder]:
        """Track the exchange's open orders of ``pairs`` whose client order id starts with
        ``prefix`` and that are not tracked yet; their fills follow by reconciliation."""
        adopted: list[InFlightOrder] = []
        for pair in pairs:
            for item in await self._hooks.fetch_open_orders(pair):
                cid = item.client_order_id
                if (
                    not cid
                    or not cid.startswith(prefix)
                    or self._tracker.fetch_order(
                        client_order_id=cid, exchange_order_id=item.exchange_order_id
                    )
                ):
                    continue
                order = item.to_in_flight_order(cid)
                self._tracker.start_tracking_order(order)
                self.apply_status(order, item.status(cid, self._clock_ms()))
                adopted.append(order)
        if adopted:
            log.info("adopted %d open orders with prefix %r", len(adopted), prefix)
        return adopted

    # ----------------------------------------------------------------- one pair
    async def _pass_pair(self, pair: str, orders: list[InFlightOrder]) -> list[InFlightOrder]:
        """Lists for one pair; returns the orders left for per-order look-ups."""
        state = _PairPass(targets=orders, settled=set())
        try:
            await self._read_open_orders(pair, state)
            await self._read_done_orders(pair, state)
        except NotImplementedError:
            state.listed = False
        except ConnectorError as exc:
            log.warning("reconcile %s: order list not read (%s)", pair, exc)
            state.listed = False
        await self._read_fills(pair)
        missing = self._tracker.orders_missing_fills
        return [o for o in orders if self._needs_lookup(o, state, missing)]

    async def _read_open_orders(self, pair: str, state: _PairPass) -> None:
        if not any(self._may_be_open(o) for o in state.targets):
            return  # only orders missing fills: no state to learn
        listed = await self._hooks.fetch_open_orders(pair)
        state.listed = True
        self._apply_listed(listed, state)

    async def _read_done_orders(self, pair: str, state: _PairPass) -> None:
        absent = [
            o
            for o in state.targets
            if self._may_be_open(o)
            and o.client_order_id not in state.settled
            and o.current_state not in _UNPLACED
        ]
        if not state.listed or not absent:
            return
        since_ms = min(o.creation_timestamp_ms for o in absent) - self._list_margin_ms
        self._apply_listed(await self._hooks.fetch_done_orders(pair, since_ms), state)

    def _apply_listed(self, listed: Iterable[ExchangeOrder], state: _PairPass) -> None:
        now_ms = self._clock_ms()
        by_cid = {o.client_order_id: o for o in state.targets}
        by_eid = {o.exchange_order_id: o for o in state.targets if o.exchange_order_id}
        for item in listed:
            order = (by_cid.get(item.client_order_id) if item.client_order_id else None) or (
                by_eid.get(item.exchange_order_id)
            )
            if order is None:
                continue
            state.settled.add(order.client_order_id)
            self.apply_status(order, item.status(order.client_order_id, now_ms))

    def apply_status(self, order: InFlightOrder, status: OrderStatus) -> None:
        """A state from the exchange: learn the id, note missing fills, then the state."""
        self.note_status(order, status)
        self._tracker.process_order_update(status.update)

    def note_status(self, order: InFlightOrder, status: OrderStatus) -> None:
        """What a status teaches before its state is applied: the exchange order id (fills
        can only be fetched with it) and fills still to be seen."""
        order.update_exchange_order_id(status.update.exchange_order_id)
        if status.filled_base > order.executed_amount_base:
            self._tracker.expect_fills(order.client_order_id, status.filled_base)

    async def _read_fills(self, pair: str) -> None:
        """One time-window read for the pair's recent orders missing fills (older ones are
        looked up one by one: a window of days would be many pages)."""
        end_ms = self._hooks.exchange_time_ms()
        recent_ms = end_ms - self._fills_window_max_ms
        created = [
            o.creation_timestamp_ms
            for o in self._tracker.orders_missing_fills.values()
            if o.trading_pair == pair and o.creation_timestamp_ms >= recent_ms
        ]
        if not created:
            return
        start_ms = min(created) - self._list_margin_ms
        try:
            fills = await self._hooks.fetch_fills(pair, start_ms, end_ms)
        except NotImplementedError:
            return
        except ConnectorError as exc:
            log.warning("reconcile %s: fills not read (%s)", pair, exc)
            return
        for fill in fills:
            self._route_fill(fill)

    def _route_fill(self, fill: TradeUpdate) -> None:
        order = self._tracker.fetch_order(
            client_order_id=fill.client_order_id or None, exchange_order_id=fill.exchange_order_id
        )
        if order is None:
            return  # not ours (another bot, a manual order)
        self._tracker.process_trade_update(replace(fill, client_order_id=order.client_order_id))

    # ----------------------------------------------------------------- look-ups
    def _needs_lookup(
        self, order: InFlightOrder, state: _PairPass, missing: Mapping[str, InFlightOrder]
    ) -> bool:
        if order.current_state in _UNPLACED:
            return False  # the placement resolver owns it
        if order.client_order_id in missing:
            return True
        if order.client_order_id in state.settled:
            return False
        return self._may_be_open(order)

    async def _poll_in_rotation(self, orders: list[InFlightOrder]) -> None:
        """Least recently polled first, at most the budget; every poll counts."""
        orders.sort(key=lambda o: self._last_polled_ms.get(o.client_order_id, -1))
        for order in orders[: self._budget]:
            self._last_polled_ms[order.client_order_id] = self._clock_ms()
            await self._poll(order)

    async def _poll(self, order: InFlightOrder) -> None:
        cid = order.client_order_id
        try:
            if self._may_be_open(order):
                await self._hooks.refresh_order(order)
            else:
                await self._hooks.refresh_fills(order)
        except OrderNotFoundError:
            self._tracker.process_order_not_found(cid)
        except ConnectorError as exc:
            log.info("reconcile %s: look-up failed (%s)", cid, exc)

    def _forget_polls(self, targets: list[InFlightOrder]) -> None:
        """Poll times of orders that no longer need reconciling (bounded memory)."""
        if len(self._last_polled_ms) > 2 * len(targets) + 64:
            keep = {o.client_order_id for o in targets}
            for cid in [c for c in self._last_polled_ms if c not in keep]:
                del self._last_polled_ms[cid]

    @staticmethod
    def _may_be_open(order: InFlightOrder) -> bool:
        """Not known to be finished: its state is still to be learnt (written-off
        placements included: they may turn up)."""
        return not order.is_done or order.is_written_off


__all__ = ["ExchangeOrder", "OrderStatus", "ReconcileHooks", "Reconciler"]
