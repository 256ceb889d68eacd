"""ExchangeBase: the exchange-agnostic trading surface and the flows that keep orders true.

A concrete connector supplies a handful of hooks (place, cancel, look up, fills, balances);
this class turns them into Hummingbot's surface (``buy``/``sell``/``cancel`` returning at
once, plus awaitable twins), tracks every order through ``ClientOrderTracker``, resolves
placements whose response was lost, and reconciles with REST periodically and on demand.

A lost placement still "not found" after ``unknown_placement_attempts`` look-ups is written
off (WRITTEN_OFF, revivable: see ClientOrderTracker) and ``reconcile_once`` keeps looking it
up for ``written_off_watch_s`` (not-found answers then change nothing; the tracker caches it).
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .errors import (
    ConnectorError,
    ExchangeError,
    OrderNotFoundError,
    OrderValidationError,
    ParseError,
    TransportError,
    UnknownTradingPairError,
)
from .events import BalanceUpdatedEvent, ConnectorEvent, EventBus, EventStream
from .in_flight_order import InFlightOrder, OrderUpdate, TradeUpdate
from .order_rules import PreparedOrder, prepare_order
from .order_tracker import ClientOrderTracker
from .types import Balance, OrderOptions, OrderState, OrderType, TradeType, TradingRule

log = logging.getLogger(__name__)

_PENDING_STATES = (OrderState.PENDING_CREATE, OrderState.PLACEMENT_UNKNOWN)


@dataclass(frozen=True, slots=True)
class OrderStatus:
    """What a REST look-up says of one order: its state and how much of it has filled."""

    update: OrderUpdate
    filled_base: Decimal


@dataclass(frozen=True, slots=True)
class ReconcileSettings:
    poll_interval_s: float = 10.0
    max_orders_per_poll: int = 20
    unknown_placement_attempts: int = 4
    unknown_placement_retry_s: float = 1.0
    lost_order_count_limit: int = 3
    cancel_waits_for_placement_s: float = 5.0
    written_off_watch_s: float = 600.0


class ExchangeBase(ABC):
    """Glue shared by every connector; subclasses implement the ``_hook`` methods."""

    name: str = "exchange"

    def __init__(
        self,
        *,
        clock_ms: Callable[[], int],
        client_order_id_factory: Callable[[], str],
        reconcile: ReconcileSettings | None = None,
    ) -> None:
        self._clock_ms = clock_ms
        self._new_client_order_id = client_order_id_factory
        self._reconcile = reconcile or ReconcileSettings()
        self.events = EventBus()
        self.order_tracker = ClientOrderTracker(
            self.events,
            clock_ms=clock_ms,
            lost_order_count_limit=self._reconcile.lost_order_count_limit,
            written_off_watch_ms=int(self._reconcile.written_off_watch_s * 1000),
        )
        self._balances: dict[str, Balance] = {}
        self._trading_rules: dict[str, TradingRule] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._reconcile_now = asyncio.Event()
        self._balances_fetched = False
        self._closing = False
        self._placing: dict[str, asyncio.Event] = {}  # client order id -> placement answered

    # ------------------------------------------------------------------ hooks
    @abstractmethod
    async def _place_order_on_exchange(
        self, order: InFlightOrder, prepared: PreparedOrder, options: OrderOptions
    ) -> str:
        """Send the placement; return the exchange order id. Raise on rejection."""

    @abstractmethod
    async def _cancel_order_on_exchange(self, order: InFlightOrder) -> None:
        """Ask the exchange to cancel; raise OrderNotFoundError if it has no such open order."""

    @abstractmethod
    async def _fetch_order_status(self, order: InFlightOrder) -> OrderStatus:
        """Look the order up (by client order id); raise OrderNotFoundError if unknown."""

    @abstractmethod
    async def _fetch_trade_updates(self, order: InFlightOrder) -> list[TradeUpdate]:
        """Every fill of the order known to the exchange."""

    @abstractmethod
    async def _fetch_balances(self) -> dict[str, Balance]:
        """All balances of the account in use."""

    # ------------------------------------------------------------------ state
    @property
    def trading_rules(self) -> Mapping[str, TradingRule]:
        return self._trading_rules

    @property
    def in_flight_orders(self) -> Mapping[str, InFlightOrder]:
        return self.order_tracker.active_orders

    def get_balance(self, asset: str) -> Decimal:
        balance = self._balances.get(asset)
        return balance.total if balance else Decimal(0)

    def get_available_balance(self, asset: str) -> Decimal:
        balance = self._balances.get(asset)
        return balance.available if balance else Decimal(0)

    def get_all_balances(self) -> dict[str, Balance]:
        return dict(self._balances)

    def add_listener(self, callback: Callable[[ConnectorEvent], None], *types: type) -> None:
        self.events.add_listener(callback, *types)

    def event_stream(self, *types: type) -> EventStream:
        return self.events.stream(*types)

    # ------------------------------------------------------------------ trading surface
    def buy(
        self,
        trading_pair: str,
        amount: Decimal,
        order_type: OrderType = OrderType.LIMIT,
        price: Decimal | None = None,
        options: OrderOptions | None = None,
    ) -> str:
        """Place a buy in the background; return its client order id at once."""
        return self._start_order(TradeType.BUY, trading_pair, amount, order_type, price, options)

    def sell(
        self,
        trading_pair: str,
        amount: Decimal,
        order_type: OrderType = OrderType.LIMIT,
        price: Decimal | None = None,
        options: OrderOptions | None = None,
    ) -> str:
        """Place a sell in the background; return its client order id at once."""
        return self._start_order(TradeType.SELL, trading_pair, amount, order_type, price, options)

    async def place_order(
        self,
        trade_type: TradeType,
        trading_pair: str,
        amount: Decimal,
        order_type: OrderType = OrderType.LIMIT,
        price: Decimal | None = None,
        options: OrderOptions | None = None,
    ) -> InFlightOrder:
        """Place and wait for the placement outcome; return the tracked order.

        Raises OrderValidationError (nothing sent) or the exchange's rejection. An order
        whose outcome is unknown is returned in PLACEMENT_UNKNOWN and resolved in the
        background; it is never placed twice.
        """
        order, prepared, opts = self._new_order(
            trade_type, trading_pair, amount, order_type, price, options
        )
        await self._create_order(order, prepared, opts, raise_on_failure=True)
        return order

    def cancel(self, trading_pair: str, client_order_id: str) -> str:
        """Cancel in the background; return the client order id at once."""
        self._spawn(self.cancel_order(trading_pair, client_order_id))
        return client_order_id

    async def cancel_order(self, trading_pair: str, client_order_id: str) -> InFlightOrder:
        """Cancel and return the order with its state as confirmed by the exchange."""
        order = self.order_tracker.fetch_order(client_order_id=client_order_id)
        if order is None or order.trading_pair != trading_pair:
            raise OrderNotFoundError(f"no tracked order {client_order_id} on {trading_pair}")
        placing = self._placing.get(client_order_id)
        if placing is not None:  # let the placement answer first: cancel what exists
            try:
                async with asyncio.timeout(self._reconcile.cancel_waits_for_placement_s):
                    await placing.wait()
            except TimeoutError:
                log.info("cancel %s: placement still in flight; cancelling anyway", client_order_id)
        if order.is_done:
            return order
        accepted = True
        try:
            await self._cancel_order_on_exchange(order)
        except OrderNotFoundError:
            accepted = False
            log.info("cancel %s: exchange has no open order; checking its status", client_order_id)
        try:
            await self._refresh_order(order)
        except OrderNotFoundError:
            if not accepted:
                self.order_tracker.process_order_not_found(client_order_id)
                raise
            # The exchange took the cancel and no longer lists the order (e.g. a stop order
            # cancelled before it triggered): it is cancelled.
            self._apply_state(order, OrderState.CANCELED, "cancelled; no longer listed")
        return order

    async def cancel_all(self, timeout_s: float = 10.0) -> list[InFlightOrder]:
        """Cancel every open tracked order; return the orders that are still not done."""
        orders = [o for o in self.order_tracker.active_orders.values() if not o.is_done]
        coros = [self.cancel_order(o.trading_pair, o.client_order_id) for o in orders]
        try:
            async with asyncio.timeout(timeout_s):
                await asyncio.gather(*coros, return_exceptions=True)
        except TimeoutError:
            log.warning("cancel_all: timed out after %.1f s", timeout_s)
        return [o for o in orders if not o.is_done]

    # ------------------------------------------------------------------ order flows
    def _start_order(
        self,
        trade_type: TradeType,
        trading_pair: str,
        amount: Decimal,
        order_type: OrderType,
        price: Decimal | None,
        options: OrderOptions | None,
    ) -> str:
        client_order_id = self._new_client_order_id()
        try:
            order, prepared, opts = self._new_order(
                trade_type, trading_pair, amount, order_type, price, options, client_order_id
            )
        except (OrderValidationError, UnknownTradingPairError) as exc:
            self._fail_untracked(client_order_id, trade_type, trading_pair, amount, order_type, exc)
            return client_order_id
        # Tracked at once: the caller may look the order up or cancel it right away.
        self.order_tracker.start_tracking_order(order)
        self._spawn(self._create_order(order, prepared, opts, raise_on_failure=False))
        return client_order_id

    def _new_order(
        self,
        trade_type: TradeType,
        trading_pair: str,
        amount: Decimal,
        order_type: OrderType,
        price: Decimal | None,
        options: OrderOptions | None,
        client_order_id: str | None = None,
    ) -> tuple[InFlightOrder, PreparedOrder, OrderOptions]:
        opts = options or OrderOptions()
        rule = self._trading_rules.get(trading_pair)
        if rule is None:
            raise UnknownTradingPairError(trading_pair)
        prepared = prepare_order(rule, trade_type, order_type, amount, price, opts)
        order = InFlightOrder(
            client_order_id=client_order_id or self._new_client_order_id(),
            trading_pair=trading_pair,
            order_type=order_type,
            trade_type=trade_type,
            amount=prepared.amount,
            creation_timestamp_ms=self._clock_ms(),
            price=prepared.price,
            quote_amount=prepared.quote_amount,
        )
        return order, prepared, opts

    def _fail_untracked(
        self,
        client_order_id: str,
        trade_type: TradeType,
        trading_pair: str,
        amount: Decimal,
        order_type: OrderType,
        exc: ConnectorError,
    ) -> None:
        """A background order rejected locally still gets tracked and a failed event.

        Its amounts may be invalid (that may be why it was rejected): it is recorded with a
        placeholder amount of 1, never used since the order is never sent.
        """
        valid = amount.is_finite() and amount > 0
        order = InFlightOrder(
            client_order_id=client_order_id,
            trading_pair=trading_pair,
            order_type=order_type,
            trade_type=trade_type,
            amount=amount if valid else Decimal(1),
            creation_timestamp_ms=self._clock_ms(),
        )
        self.order_tracker.start_tracking_order(order)
        self._mark_failed(order, str(exc))

    async def _create_order(
        self,
        order: InFlightOrder,
        prepared: PreparedOrder,
        options: OrderOptions,
        *,
        raise_on_failure: bool,
    ) -> None:
        self.order_tracker.start_tracking_order(order)
        placed = asyncio.Event()
        self._placing[order.client_order_id] = placed
        try:
            await self._send_placement(order, prepared, options, raise_on_failure=raise_on_failure)
        finally:
            placed.set()
            self._placing.pop(order.client_order_id, None)

    async def _send_placement(
        self,
        order: InFlightOrder,
        prepared: PreparedOrder,
        options: OrderOptions,
        *,
        raise_on_failure: bool,
    ) -> None:
        try:
            exchange_order_id = await self._place_order_on_exchange(order, prepared, options)
        except asyncio.CancelledError:
            self._mark_unknown(order, "placement cancelled while in flight")
            raise
        except ParseError as exc:  # a 2xx answer we cannot read: the order may exist
            self._mark_unknown(order, f"{type(exc).__name__}: {exc}")
            return
        except (TransportError, ExchangeError) as exc:
            if exc.may_have_executed:
                self._mark_unknown(order, f"{type(exc).__name__}: {exc}")
                return
            self._mark_failed(order, f"{type(exc).__name__}: {exc}")
            if raise_on_failure:
                raise
            return
        except ConnectorError as exc:  # never sent (e.g. no API keys)
            self._mark_failed(order, f"{type(exc).__name__}: {exc}")
            if raise_on_failure:
                raise
            return
        if order.current_state in _PENDING_STATES:
            self.order_tracker.process_order_update(
                OrderUpdate(
                    trading_pair=order.trading_pair,
                    update_timestamp_ms=self._clock_ms(),
                    new_state=OrderState.OPEN,
                    client_order_id=order.client_order_id,
                    exchange_order_id=exchange_order_id,
                )
            )
        elif order.exchange_order_id is None:
            order.exchange_order_id = exchange_order_id

    def _mark_failed(self, order: InFlightOrder, reason: str) -> None:
        self._apply_state(order, OrderState.FAILED, reason)

    def _apply_state(self, order: InFlightOrder, state: OrderState, reason: str) -> None:
        self.order_tracker.process_order_update(
            OrderUpdate(
                trading_pair=order.trading_pair,
                update_timestamp_ms=self._clock_ms(),
                new_state=state,
                client_order_id=order.client_order_id,
                reason=reason,
            )
        )

    def _mark_unknown(self, order: InFlightOrder, reason: str) -> None:
        log.warning("order %s: placement outcome unknown (%s)", order.client_order_id, reason)
        self._apply_state(order, OrderState.PLACEMENT_UNKNOWN, reason)
        if not self._closing:
            self._spawn(self._resolve_unknown_placement(order))

    async def _resolve_unknown_placement(self, order: InFlightOrder) -> None:
        """Look the order up by client order id until the exchange says what happened."""
        settings = self._reconcile
        not_found = 0
        while order.current_state is OrderState.PLACEMENT_UNKNOWN:
            # Doubling waits (1, 2, 4, 8 s by default): a late-processed order still shows up
            # before the placement is written off.
            await asyncio.sleep(settings.unknown_placement_retry_s * 2**not_found)
            try:
                await self._refresh_order(order)
            except OrderNotFoundError:
                not_found += 1
                if not_found >= settings.unknown_placement_attempts:
                    self.order_tracker.process_placement_written_off(
                        order.client_order_id, "placement not found on the exchange")
            except ConnectorError as exc:
                log.info("order %s: look-up failed (%s); retrying", order.client_order_id, exc)

    async def _refresh_order(self, order: InFlightOrder) -> None:
        """Bring one order up to date from REST: fills first, then status.

        Raises OrderNotFoundError when the exchange does not know the order.
        """
        status = await self._fetch_order_status(order)
        # An order whose placement answer was lost learns its exchange id here: its fills
        # can only be fetched with it.
        order.update_exchange_order_id(status.update.exchange_order_id)
        if status.filled_base > order.executed_amount_base or (
            order.quote_amount is not None and status.filled_base > 0 and not order.order_fills
        ):
            for trade in await self._fetch_trade_updates(order):
                self.order_tracker.process_trade_update(trade)
        self.order_tracker.process_order_update(status.update)

    # ------------------------------------------------------------------ reconciliation
    def request_reconcile(self) -> None:
        """Ask the poll loop to reconcile orders and balances now (e.g. after a reconnect)."""
        self._reconcile_now.set()

    async def _reconcile_loop(self) -> None:
        while True:
            try:
                async with asyncio.timeout(self._reconcile.poll_interval_s):
                    await self._reconcile_now.wait()
            except TimeoutError:
                pass
            self._reconcile_now.clear()
            await self.reconcile_once()

    async def reconcile_once(self) -> None:
        """One pass: order statuses and fills (batched; written-off placements still
        watched included), then balances."""
        tracker = self.order_tracker

        def stalest_first(orders: Iterable[InFlightOrder]) -> list[InFlightOrder]:
            return sorted(orders, key=lambda o: (o.is_written_off, o.last_update_timestamp_ms))

        # orders_to_reconcile includes the written-off placements still watched: live, lost
        # and missing-fill orders first, written-off ones take what is left of the batch.
        orders = stalest_first(tracker.orders_to_reconcile.values())
        for order in orders[: self._reconcile.max_orders_per_poll]:
            if order.current_state is OrderState.PLACEMENT_UNKNOWN:
                continue  # its own resolver owns it
            try:
                await self._refresh_order(order)
            except OrderNotFoundError:
                if not (order.is_pending_create or order.is_written_off):
                    self.order_tracker.process_order_not_found(order.client_order_id)
            except ConnectorError as exc:
                log.info("reconcile %s failed: %s", order.client_order_id, exc)
        await self.refresh_balances()

    async def refresh_balances(self) -> None:
        try:
            balances = await self._fetch_balances()
        except ConnectorError as exc:
            log.warning("balance refresh failed: %s", exc)
            return
        for asset in set(self._balances) - set(balances):
            self._set_balance(Balance(asset, Decimal(0), Decimal(0)))
        for balance in balances.values():
            self._set_balance(balance)
        self._balances_fetched = True

    def _set_balance(self, balance: Balance) -> None:
        if self._balances.get(balance.asset) == balance:
            return
        self._balances[balance.asset] = balance
        self.events.publish(
            BalanceUpdatedEvent(
                timestamp_ms=self._clock_ms(),
                asset=balance.asset,
                total=balance.total,
                available=balance.available,
            )
        )

    # ------------------------------------------------------------------ tasks
    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task failed", exc_info=task.exception())

    async def _cancel_tasks(self) -> None:
        self._closing = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
