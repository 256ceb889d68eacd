"""PlacementResolver: what happened to an order whose placement answer never came.

An order is PLACEMENT_UNKNOWN when its placement request may have reached the exchange
but no answer did (timeout, 5xx, cut connection, unreadable 2xx). It is never placed
again: it is looked up by client order id with doubling waits (1, 2, 4, 8 s by default)
until the exchange shows it (any state) or has answered "not found"
``unknown_placement_attempts`` times; then it is written off (WRITTEN_OFF, revivable:
reconciliation keeps watching it). One resolver per order; orders that no resolver owns
(restored from a saved state, left by a crash mid-placement) get one from
``adopt_orphans``. A cancel asked while the outcome was unknown is carried out if the
order turns up open.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Container, Coroutine, Iterable
from typing import Any

from .errors import ConnectorError, OrderNotFoundError
from .in_flight_order import InFlightOrder
from .order_tracker import ClientOrderTracker
from .tasks import BackgroundTasks
from .types import OrderState

log = logging.getLogger(__name__)

_UNPLACED = (OrderState.PENDING_CREATE, OrderState.PLACEMENT_UNKNOWN)


class PlacementResolver:
    def __init__(
        self,
        tracker: ClientOrderTracker,
        tasks: BackgroundTasks,
        *,
        refresh_order: Callable[[InFlightOrder], Awaitable[None]],
        cancel: Callable[[str, str], Coroutine[Any, Any, None]],
        retry_s: float,
        attempts: int,
    ) -> None:
        self._tracker = tracker
        self._tasks = tasks
        self._refresh_order = refresh_order
        self._cancel = cancel
        self._retry_s = retry_s
        self._attempts = attempts
        self._resolving: set[str] = set()
        self._cancel_when_found: set[str] = set()

    def start(self, order: InFlightOrder) -> None:
        """Resolve ``order`` (PLACEMENT_UNKNOWN) in the background, once."""
        if self._tasks.closing or order.client_order_id in self._resolving:
            return
        self._resolving.add(order.client_order_id)
        self._tasks.spawn(self._resolve(order))

    def cancel_when_found(self, client_order_id: str) -> None:
        self._cancel_when_found.add(client_order_id)

    def adopt_orphans(
        self,
        orders: Iterable[InFlightOrder],
        placing: Container[str],
        mark_unknown: Callable[[InFlightOrder], None],
    ) -> None:
        """Unplaced orders that no resolver owns and no placement is in flight for."""
        for order in orders:
            cid = order.client_order_id
            if order.current_state not in _UNPLACED or cid in self._resolving or cid in placing:
                continue
            if order.is_pending_create:
                mark_unknown(order)
            self.start(order)

    def forget_except(self, keep: Container[str]) -> None:
        self._cancel_when_found = {c for c in self._cancel_when_found if c in keep}

    async def _resolve(self, order: InFlightOrder) -> None:
        cid = order.client_order_id
        try:
            await self._look_up(order)
        finally:
            self._resolving.discard(cid)
        if cid in self._cancel_when_found and order.is_open and not self._tasks.closing:
            log.info("order %s turned up open after a cancel was asked: cancelling", cid)
            self._tasks.spawn(self._cancel(order.trading_pair, cid))

    async def _look_up(self, order: InFlightOrder) -> None:
        not_found = 0
        while order.current_state is OrderState.PLACEMENT_UNKNOWN:
            # Doubling waits: a late-processed order still shows up before the write-off.
            await asyncio.sleep(self._retry_s * 2**not_found)
            try:
                await self._refresh_order(order)
            except OrderNotFoundError:
                not_found += 1
                if not_found >= self._attempts:
                    self._tracker.process_placement_written_off(
                        order.client_order_id, "placement not found on the exchange"
                    )
            except ConnectorError as exc:
                log.info("order %s: look-up failed (%s); retrying", order.client_order_id, exc)
