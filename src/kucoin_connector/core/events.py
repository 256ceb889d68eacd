"""Connector events and the EventBus that delivers them.

Events are immutable records (frozen, slotted dataclasses), each with ``timestamp_ms``.
The :class:`EventBus` delivers them two ways:

* listeners: plain callbacks, called synchronously inside :meth:`EventBus.publish`; an
  exception raised by a listener is logged and never reaches the publisher or the others;
* streams: :meth:`EventBus.stream` returns an :class:`EventStream`, an async iterator with
  its own unbounded queue fed with ``put_nowait``, so a slow consumer never blocks the
  publisher (typically the socket reader). Use it as an async context manager (or call
  :meth:`EventStream.aclose`) to unsubscribe.

Both may be restricted to some event types (``isinstance`` match; none given = all events).
``publish`` never blocks and never raises. Listeners work without an event loop; streams
must be consumed inside a running loop. The bus is not thread-safe: publish from the loop.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Final, TypeAlias, cast

from kucoin_connector.core.in_flight_order import TradeFee
from kucoin_connector.core.types import OrderType, PositionSide, TradeType

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OrderCreatedEvent:
    """The exchange accepted an order (it is open); ``exchange_order_id`` is the exchange's id."""

    timestamp_ms: int
    client_order_id: str
    exchange_order_id: str | None
    trading_pair: str
    order_type: OrderType
    trade_type: TradeType
    amount: Decimal
    price: Decimal | None


@dataclass(frozen=True, slots=True)
class OrderFilledEvent:
    """One trade of an order: ``amount`` at ``price``, its ``fee``, and whether the order was
    the maker (None when the exchange did not say). One event per trade id, never twice.
    """

    timestamp_ms: int
    client_order_id: str
    exchange_order_id: str | None
    trading_pair: str
    order_type: OrderType
    trade_type: TradeType
    trade_id: str
    price: Decimal
    amount: Decimal
    fee: TradeFee
    is_maker: bool | None


@dataclass(frozen=True, slots=True)
class OrderCompletedEvent:
    """An order is completely filled: total base and quote amounts and the average price."""

    timestamp_ms: int
    client_order_id: str
    exchange_order_id: str | None
    trading_pair: str
    order_type: OrderType
    trade_type: TradeType
    base_asset_amount: Decimal
    quote_asset_amount: Decimal
    average_price: Decimal | None


@dataclass(frozen=True, slots=True)
class OrderCancelledEvent:
    """An order was cancelled (by request, by the exchange, or expired); any fills came before
    it.
    """

    timestamp_ms: int
    client_order_id: str
    exchange_order_id: str | None
    trading_pair: str


@dataclass(frozen=True, slots=True)
class OrderFailedEvent:
    """An order failed: refused before sending (rules, unknown pair, no keys) or rejected by the
    exchange; ``reason`` says why. Background orders (``buy``/``sell``) report failures only
    this way (and at WARNING in the log).
    """

    timestamp_ms: int
    client_order_id: str
    trading_pair: str
    order_type: OrderType
    reason: str


@dataclass(frozen=True, slots=True)
class OrderCancelFailedEvent:
    """A cancel asked with ``cancel()`` (in the background) did not go through; the order
    is still tracked and reconciled. ``reason`` says why."""

    timestamp_ms: int
    client_order_id: str
    trading_pair: str
    reason: str


@dataclass(frozen=True, slots=True)
class OrderLostEvent:
    """An order the exchange does not know after repeated look-ups was written off (it stays
    watched, and revives with its events if it turns up).
    """

    timestamp_ms: int
    client_order_id: str
    trading_pair: str


@dataclass(frozen=True, slots=True)
class BalanceUpdatedEvent:
    """An asset's balance changed: ``total`` and ``available`` (not held by open orders)."""

    timestamp_ms: int
    asset: str
    total: Decimal
    available: Decimal


@dataclass(frozen=True, slots=True)
class OrderBookResyncedEvent:
    """A pair's order book was (re)built from a snapshot; ``reason`` says why (initial snapshot,
    sequence gap, reconnect).
    """

    timestamp_ms: int
    trading_pair: str
    reason: str


@dataclass(frozen=True, slots=True)
class PositionChangedEvent:
    """A derivative position changed (size 0: closed). Amounts in base units; PnL and
    margin in the settlement currency."""

    timestamp_ms: int
    trading_pair: str
    position_side: PositionSide
    amount: Decimal  # signed: > 0 long, < 0 short
    entry_price: Decimal
    leverage: Decimal
    margin: Decimal
    unrealized_pnl: Decimal
    realized_pnl: Decimal
    liquidation_price: Decimal | None
    settlement_currency: str


@dataclass(frozen=True, slots=True)
class FundingPaymentEvent:
    """A funding settlement: ``amount`` as the exchange reports it (< 0: the account paid)."""

    timestamp_ms: int
    trading_pair: str
    position_side: PositionSide
    amount: Decimal
    funding_rate: Decimal
    settlement_currency: str


ConnectorEvent: TypeAlias = (
    OrderCreatedEvent
    | OrderFilledEvent
    | OrderCompletedEvent
    | OrderCancelledEvent
    | OrderFailedEvent
    | OrderCancelFailedEvent
    | OrderLostEvent
    | BalanceUpdatedEvent
    | OrderBookResyncedEvent
    | PositionChangedEvent
    | FundingPaymentEvent
)

EventListener: TypeAlias = Callable[[ConnectorEvent], None]
_AnyListener: TypeAlias = Callable[[ConnectorEvent], object]  # built once, not per call

ALL_EVENT_TYPES: Final[tuple[type, ...]] = (
    OrderCreatedEvent,
    OrderFilledEvent,
    OrderCompletedEvent,
    OrderCancelledEvent,
    OrderFailedEvent,
    OrderCancelFailedEvent,
    OrderLostEvent,
    BalanceUpdatedEvent,
    OrderBookResyncedEvent,
    PositionChangedEvent,
    FundingPaymentEvent,
)


def _matches(event: ConnectorEvent, event_types: tuple[type, ...]) -> bool:
    return not event_types or isinstance(event, event_types)


def _check_types(event_types: tuple[type, ...]) -> tuple[type, ...]:
    for event_type in event_types:
        if not isinstance(event_type, type):
            raise TypeError(f"event types must be classes, got {event_type!r}")
    return tuple(event_types)


class EventStream:
    """One async subscription to an :class:`EventBus`.

    Events published after :meth:`EventBus.stream` returned are queued (unbounded) until
    consumed. Iteration ends once the stream is closed (events still queued are dropped).
    """

    def __init__(self, bus: EventBus, event_types: tuple[type, ...]) -> None:
        self._bus = bus
        self._event_types = event_types
        self._queue: asyncio.Queue[ConnectorEvent | None] = asyncio.Queue()
        self._closed = False

    @property
    def event_types(self) -> tuple[type, ...]:
        return self._event_types

    @property
    def closed(self) -> bool:
        return self._closed

    def qsize(self) -> int:
        """Number of events waiting to be consumed."""
        return self._queue.qsize()

    def get_nowait(self) -> ConnectorEvent | None:
        """The next queued event, or None if none is waiting (or the stream is closed)."""
        while not self._closed and not self._queue.empty():
            event = self._queue.get_nowait()
            if event is not None:
                return event
        return None

    def _deliver(self, event: ConnectorEvent) -> None:
        if not self._closed and _matches(event, self._event_types):
            self._queue.put_nowait(event)

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> ConnectorEvent:
        if self._closed:
            raise StopAsyncIteration
        event = await self._queue.get()
        if event is None or self._closed:
            raise StopAsyncIteration
        return event

    async def aclose(self) -> None:
        self.close()

    def close(self) -> None:
        """Unsubscribe and wake a consumer waiting in ``__anext__`` (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._bus._remove_stream(self)
        self._queue.put_nowait(None)  # wakes a pending __anext__

    async def __aenter__(self) -> EventStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class EventBus:
    """Synchronous fan-out of connector events to listeners and async streams."""

    def __init__(self) -> None:
        self._listeners: dict[EventListener, tuple[type, ...]] = {}
        self._streams: list[EventStream] = []
        # Immutable snapshots rebuilt on (un)subscribe, so publish never copies: a listener
        # that (un)subscribes during a publish affects the next publish only.
        self._listener_items: tuple[tuple[EventListener, tuple[type, ...]], ...] = ()
        self._stream_items: tuple[EventStream, ...] = ()

    def add_listener(self, callback: EventListener, *event_types: type) -> None:
        """Call ``callback(event)`` for each published event of these types (all if none).

        Adding the same callback again replaces its type filter.
        """
        self._listeners[callback] = _check_types(event_types)
        self._listener_items = tuple(self._listeners.items())

    def remove_listener(self, callback: EventListener) -> None:
        """Remove a listener; unknown callbacks are ignored."""
        if self._listeners.pop(callback, None) is not None:
            self._listener_items = tuple(self._listeners.items())

    def stream(self, *event_types: type) -> EventStream:
        """A new subscription queueing every later event of these types (all if none)."""
        stream = EventStream(self, _check_types(event_types))
        self._streams.append(stream)
        self._stream_items = tuple(self._streams)
        return stream

    @property
    def listener_count(self) -> int:
        """How many listeners are registered."""
        return len(self._listeners)

    @property
    def stream_count(self) -> int:
        """How many event streams are open."""
        return len(self._streams)

    def publish(self, event: ConnectorEvent) -> None:
        """Deliver ``event`` to every matching listener and stream. Never blocks or raises."""
        for callback, event_types in self._listener_items:
            if not event_types or isinstance(event, event_types):
                self._call_listener(callback, event)
        for stream in self._stream_items:
            try:
                stream._deliver(event)
            except Exception:  # pragma: no cover - put_nowait on an unbounded queue
                logger.exception("could not queue %s for a stream", type(event).__name__)

    def _call_listener(self, callback: EventListener, event: ConnectorEvent) -> None:
        try:
            # A listener typed "-> None" may still be an async def: catch its coroutine.
            result = cast(_AnyListener, callback)(event)
        except Exception:
            logger.exception("event listener %r failed on %s", callback, type(event).__name__)
            return
        if inspect.iscoroutine(result):
            result.close()
            logger.error(
                "event listener %r is a coroutine function; listeners must be plain "
                "callables (use stream() for async consumers)",
                callback,
            )

    def _remove_stream(self, stream: EventStream) -> None:
        if stream in self._streams:
            self._streams.remove(stream)
            self._stream_items = tuple(self._streams)
