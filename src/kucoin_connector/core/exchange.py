"""ExchangeBase: the exchange-agnostic trading surface and the flows that keep orders true.

A concrete connector supplies a handful of hooks (place, cancel, look up, fills, balances);
this class turns them into Hummingbot's surface (``buy``/``sell``/``cancel`` returning at
once, plus awaitable twins), tracks every order through ``ClientOrderTracker``, resolves
placements whose response was lost, and reconciles with REST periodically and on demand.

Its parts: ``ClientOrderTracker`` (where orders live, their state table and events),
``PlacementResolver`` (placements whose answer was lost; never placed twice),
``Reconciler`` (every order brought to the exchange's truth in bounded time, lists first),
``BackgroundTasks`` (fire-and-forget work, failures logged without tracebacks when
expected). Crash recovery: ``tracking_states`` / ``restore_tracking_states`` and
``adopt_open_orders``.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any, Self

from .errors import (
    ConnectorError,
    ExchangeError,
    OrderNotFoundError,
    OrderValidationError,
    ParseError,
    TransportError,
    UnknownTradingPairError,
)
from .events import (
    BalanceUpdatedEvent,
    ConnectorEvent,
    EventBus,
    EventStream,
    OrderCancelFailedEvent,
)
from .hummingbot_compat import HummingbotCompatMixin
from .in_flight_order import InFlightOrder, OrderUpdate, TradeUpdate
from .order_rules import AmountLike, PreparedOrder, coerce_order_inputs, prepare_order
from .order_tracker import ClientOrderTracker
from .placement_resolver import PlacementResolver
from .reconciler import ExchangeOrder, OrderStatus, ReconcileHooks, Reconciler
from .tasks import BackgroundTasks
from .types import Balance, OrderOptions, OrderState, OrderType, TradeType, TradingRule

log = logging.getLogger(__name__)

_PENDING_STATES = (OrderState.PENDING_CREATE, OrderState.PLACEMENT_UNKNOWN)


@dataclass(frozen=True, slots=True)
class ReconcileSettings:
    """How reconciliation paces itself (see core/reconciler.py for the bound).

    ``max_orders_per_poll`` is the per-pass budget of one-by-one look-ups, taken in fair
    rotation; list reads (open orders, recent done orders, fills by time window) reach every
    order of a pair in one read and are not counted against it.
    """

    poll_interval_s: float = 10.0
    max_orders_per_poll: int = 20
    unknown_placement_attempts: int = 4
    unknown_placement_retry_s: float = 1.0
    lost_order_count_limit: int = 3
    cancel_waits_for_placement_s: float = 5.0
    written_off_watch_s: float = 600.0


class ExchangeBase(HummingbotCompatMixin, ABC):
    """Glue shared by every connector; subclasses implement the ``_hook`` methods.

    Amounts and prices are ``Decimal`` (an ``int`` or a numeric ``str`` is converted
    exactly; a ``float`` is refused with ``AmountTypeError``). Hummingbot's habits
    (``get_price``, ``quantize_order_amount``, ``get_fee``...) come from
    ``HummingbotCompatMixin``.
    """

    name: str = "exchange"
    client_order_id_prefix: str = ""  # what adopt_open_orders looks for by default

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
        self._tasks = BackgroundTasks()
        self._reconcile_now = asyncio.Event()
        self._balances_fetched = False
        self._placing: dict[str, asyncio.Event] = {}  # client order id -> placement answered
        self._placements = PlacementResolver(
            self.order_tracker,
            self._tasks,
            refresh_order=self._refresh_order,
            cancel=self._cancel_in_background,
            retry_s=self._reconcile.unknown_placement_retry_s,
            attempts=self._reconcile.unknown_placement_attempts,
        )
        self._reconciler = Reconciler(
            self.order_tracker,
            ReconcileHooks(
                fetch_open_orders=self._fetch_open_orders,
                fetch_done_orders=self._fetch_done_orders,
                fetch_fills=self._fetch_fills,
                refresh_order=self._refresh_order,
                refresh_fills=self._refresh_fills,
                exchange_time_ms=self._exchange_time_ms,
            ),
            clock_ms=clock_ms,
            max_lookups_per_pass=self._reconcile.max_orders_per_poll,
        )

    # ------------------------------------------------------------------ life cycle
    @abstractmethod
    async def start(self) -> None:
        """Load the venue's rules, open the streams, start the background work."""

    @abstractmethod
    async def stop(self) -> None:
        """Stop the streams and background work and close the connections."""

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def status_dict(self) -> dict[str, bool]:
        """Each readiness condition by name (Hummingbot's ``status_dict``); a connector
        adds its own (books, balances, streams)."""
        return {"trading_rule_initialized": bool(self._trading_rules)}

    @property
    def ready(self) -> bool:
        """True when every condition of ``status_dict`` holds."""
        return all(self.status_dict.values())

    async def wait_ready(self, timeout_s: float = 30.0) -> None:
        """Wait until ``ready``; TimeoutError after ``timeout_s``."""
        async with asyncio.timeout(timeout_s):
            while not self.ready:  # noqa: ASYNC110 - readiness has many sources: poll it
                await asyncio.sleep(0.05)

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

    # Optional list hooks: without them reconciliation looks orders up one by one.
    async def _fetch_open_orders(self, trading_pair: str) -> list[ExchangeOrder]:
        """Every open order of the pair on the exchange, all pages read."""
        raise NotImplementedError

    async def _fetch_done_orders(self, trading_pair: str, since_ms: int) -> list[ExchangeOrder]:
        """Every order of the pair done since ``since_ms`` (exchange time), all pages read."""
        raise NotImplementedError

    async def _fetch_fills(
        self, trading_pair: str, start_ms: int, end_ms: int
    ) -> list[TradeUpdate]:
        """Every fill of the pair in the window, all pages read; ``client_order_id`` may be
        empty (the reconciler matches fills by exchange order id)."""
        raise NotImplementedError

    def _exchange_time_ms(self) -> int:
        """The exchange's clock (for time-window queries); the local clock by default."""
        return self._clock_ms()

    # ------------------------------------------------------------------ state
    @property
    def trading_rules(self) -> Mapping[str, TradingRule]:
        """Trading pair -> its rule (sizes, increments, minimums), loaded at start."""
        return self._trading_rules

    @property
    def trading_pairs(self) -> list[str]:
        """The trading pairs this connector follows (BASE-QUOTE)."""
        return []

    @property
    def in_flight_orders(self) -> Mapping[str, InFlightOrder]:
        """Client order id -> every tracked order not yet settled (open or just done)."""
        return self.order_tracker.active_orders

    def get_balance(self, asset: str) -> Decimal:
        """The asset's total balance (0 when unknown)."""
        balance = self._balances.get(asset)
        return balance.total if balance else Decimal(0)

    def get_available_balance(self, asset: str) -> Decimal:
        """The asset's balance not held by open orders (0 when unknown). While a MARKET
        order executes, the exchange holds its funds: available may read 0 until it ends."""
        balance = self._balances.get(asset)
        return balance.available if balance else Decimal(0)

    def get_all_balances(self) -> dict[str, Balance]:
        """Asset -> balance, for every asset known."""
        return dict(self._balances)

    def add_listener(self, callback: Callable[[ConnectorEvent], None], *types: type) -> None:
        """Call ``callback`` with every event of the given types (all events if none)."""
        self.events.add_listener(callback, *types)

    def event_stream(self, *types: type) -> EventStream:
        """An async iterator (and async context manager) over events of the given types."""
        return self.events.stream(*types)

    # ------------------------------------------------------------------ trading surface
    def buy(
        self,
        trading_pair: str,
        amount: AmountLike,
        order_type: OrderType = OrderType.LIMIT,
        price: AmountLike | None = None,
        options: OrderOptions | None = None,
    ) -> str:
        """Place a buy in the background; return its client order id at once.

        A failure arrives as ``OrderFailedEvent`` and is logged at WARNING with its reason.
        Raises at once for an amount or price that is no number: ``AmountTypeError`` for a
        float or bool, ``OrderValidationError`` for a string such as ``"abc"``.
        """
        return self._start_order(TradeType.BUY, trading_pair, amount, order_type, price, options)

    def sell(
        self,
        trading_pair: str,
        amount: AmountLike,
        order_type: OrderType = OrderType.LIMIT,
        price: AmountLike | None = None,
        options: OrderOptions | None = None,
    ) -> str:
        """Place a sell in the background; return its client order id at once.

        A failure arrives as ``OrderFailedEvent`` and is logged at WARNING with its reason.
        Raises at once for an amount or price that is no number: ``AmountTypeError`` for a
        float or bool, ``OrderValidationError`` for a string such as ``"abc"``.
        """
        return self._start_order(TradeType.SELL, trading_pair, amount, order_type, price, options)

    async def place_order(
        self,
        trade_type: TradeType,
        trading_pair: str,
        amount: AmountLike,
        order_type: OrderType = OrderType.LIMIT,
        price: AmountLike | None = None,
        options: OrderOptions | None = None,
    ) -> InFlightOrder:
        """Place and wait for the placement outcome; return the tracked order.

        Raises OrderValidationError (nothing sent; ``AmountTypeError`` for a float or bool
        amount or price) or the exchange's rejection. An order whose outcome is unknown is
        returned in PLACEMENT_UNKNOWN and resolved in the background; it is never placed
        twice.
        """
        amount, price, options = coerce_order_inputs(amount, price, options)
        order, prepared, opts = self._new_order(
            trade_type, trading_pair, amount, order_type, price, options
        )
        await self._create_order(order, prepared, opts, raise_on_failure=True)
        return order

    def cancel(self, trading_pair: str, client_order_id: str) -> str:
        """Cancel in the background; return the client order id at once. A cancel that
        fails publishes OrderCancelFailedEvent (the order stays tracked)."""
        self._tasks.spawn(self._cancel_in_background(trading_pair, client_order_id))
        return client_order_id

    async def _cancel_in_background(self, trading_pair: str, client_order_id: str) -> None:
        try:
            await self.cancel_order(trading_pair, client_order_id)
        except ConnectorError as exc:
            reason = f"{type(exc).__name__}: {exc}"
            log.warning("cancel %s failed: %s", client_order_id, reason)
            self.events.publish(
                OrderCancelFailedEvent(self._clock_ms(), client_order_id, trading_pair, reason)
            )

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
        if order.current_state in _PENDING_STATES:  # cancel it too if it turns up
            self._placements.cancel_when_found(client_order_id)
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
        raw_amount: AmountLike,
        order_type: OrderType,
        raw_price: AmountLike | None,
        raw_options: OrderOptions | None,
    ) -> str:
        amount, price, options = coerce_order_inputs(raw_amount, raw_price, raw_options)
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
        self._tasks.spawn(self._create_order(order, prepared, opts, raise_on_failure=False))
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
        log.warning("order %s failed before sending: %s", client_order_id, exc)
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
            self._fail_placement(order, exc, logged=not raise_on_failure)
            if raise_on_failure:
                raise
            return
        except ConnectorError as exc:  # never sent (e.g. no API keys)
            self._fail_placement(order, exc, logged=not raise_on_failure)
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

    def _fail_placement(self, order: InFlightOrder, exc: ConnectorError, *, logged: bool) -> None:
        """A refused placement: FAILED; logged at WARNING when no caller gets the error."""
        reason = f"{type(exc).__name__}: {exc}"
        if logged:
            log.warning("order %s failed: %s", order.client_order_id, reason)
        self._mark_failed(order, reason)

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
        self._placements.start(order)

    async def _refresh_order(self, order: InFlightOrder) -> None:
        """Bring one order up to date from REST: fills first, then status (so a FILLED
        status completes it at once). Raises OrderNotFoundError when the exchange does not
        know the order."""
        status = await self._fetch_order_status(order)
        self._reconciler.note_status(order, status)
        if status.filled_base > order.executed_amount_base or (
            order.quote_amount is not None and status.filled_base > 0 and not order.order_fills
        ):
            await self._refresh_fills(order)
        self.order_tracker.process_order_update(status.update)

    async def _refresh_fills(self, order: InFlightOrder) -> None:
        """Every fill the exchange has for the order (all pages)."""
        for trade in await self._fetch_trade_updates(order):
            self.order_tracker.process_trade_update(trade)

    # ------------------------------------------------------------------ crash recovery
    @property
    def tracking_states(self) -> dict[str, Any]:
        """JSON-safe state of every order still to reconcile (Hummingbot's name). Save it
        (e.g. after every order event) and hand it to ``restore_tracking_states`` after a
        restart: nothing is lost and nothing is placed twice."""
        return self.order_tracker.tracking_states()

    def restore_tracking_states(self, saved_states: Mapping[str, Any]) -> list[InFlightOrder]:
        """Track the orders of a saved state again and reconcile them with the exchange
        (at once if started, else as soon as ``start()`` runs). Returns the restored orders."""
        restored = self.order_tracker.restore_tracking_states(saved_states)
        if restored:
            self.request_reconcile()
        return restored

    async def adopt_open_orders(
        self, client_order_id_prefix: str | None = None
    ) -> list[InFlightOrder]:
        """Track the account's open orders (on this connector's trading pairs) whose client
        order id starts with the prefix (default: this connector's own), when no saved
        state is at hand. Orders already tracked are left alone. Returns the adopted ones."""
        prefix = client_order_id_prefix
        if prefix is None:
            prefix = self.client_order_id_prefix
        adopted = await self._reconciler.adopt_open_orders(self.trading_pairs, prefix)
        if adopted:
            self.request_reconcile()
        return adopted

    # ------------------------------------------------------------------ reconciliation
    def request_reconcile(self) -> None:
        """Ask the poll loop to reconcile orders and balances now (e.g. after a reconnect)."""
        self._reconcile_now.set()

    async def _reconcile_loop(self) -> None:
        if self.order_tracker.orders_to_reconcile:  # e.g. restored tracking states
            await self.reconcile_once()
        while True:
            try:
                async with asyncio.timeout(self._reconcile.poll_interval_s):
                    await self._reconcile_now.wait()
            except TimeoutError:
                pass
            self._reconcile_now.clear()
            await self.reconcile_once()

    async def reconcile_once(self) -> None:
        """One pass over every order to reconcile (core/reconciler.py), then balances."""
        to_reconcile = self.order_tracker.orders_to_reconcile
        self._placements.adopt_orphans(
            list(to_reconcile.values()),
            self._placing,
            lambda o: self._apply_state(o, OrderState.PLACEMENT_UNKNOWN, "placement unanswered"),
        )
        self._placements.forget_except(to_reconcile)
        await self._reconciler.run_once()
        await self.refresh_balances()

    async def refresh_balances(self) -> None:
        """Fetch every balance and publish BalanceUpdatedEvent for each that changed; a failure
        is logged at WARNING and the old balances stay.
        """
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
