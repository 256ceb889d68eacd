"""Live order books for KuCoin spot: level2 diffs over WebSocket, snapshots over REST.

The data source only moves bytes: ``trade.l2update`` frames are decoded straight into typed
updates (``L2FrameDecoder``, a raw-frame hook on the WsClient) and go to each symbol's
``Level2Calibrator`` (which does the seed's calibration), snapshots come from a fetch
callback. A gap, a stale snapshot, a crossed book or a reconnect resyncs that symbol alone
and publishes ``OrderBookResyncedEvent``. Topics are split across connections so that none
carries more than ``max_topics_per_connection``; each connection subscribes its symbols in
comma-batched frames (``/market/level2:A,B,...``), and every connection is open before any
snapshot is requested.

Malformed input (a hostile value or sequence, a frame nested too deeply...) is a
``ParseError`` at the edge: the message is dropped and counted (``parse_errors`` here,
``Level2Calibrator.parse_errors`` per symbol), logged at WARNING (the first, then one in
``_LOG_EVERY`` per symbol; never a traceback), and its symbol, when it names a followed
one, resyncs: its sequence continuity is broken and its book may hold part of it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

import msgspec

from kucoin_connector.core.errors import ConnectorError, ParseError, UnknownTradingPairError
from kucoin_connector.core.events import EventBus, OrderBookResyncedEvent
from kucoin_connector.core.order_book import OrderBook
from kucoin_connector.core.public_trades import PublicTrade
from kucoin_connector.core.types import TradeType
from kucoin_connector.core.ws import WsClient

from .level2 import (
    L2FrameDecoder,
    L2Snapshot,
    L2Update,
    Level2Calibrator,
    Level2ParseError,
    SyncState,
    parse_l2update,
)
from .level2_wire import too_deep
from .ws_topics import market_topics

log = logging.getLogger(__name__)

SnapshotFetcher = Callable[[str], Awaitable[L2Snapshot]]
WsFactory = Callable[[Callable[[Any], None], Callable[[], Awaitable[None]]], WsClient]

_TOPICS_PER_SYMBOL = 2  # /market/level2 and /market/match
_NEEDS_RESYNC = SyncState.NEEDS_RESYNC  # a module constant: enum attribute reads are slow
_LOG_EVERY = 100  # malformed messages: the first of a symbol is logged, then one in 100


class _Connection:
    """One WebSocket connection and the symbols whose topics it carries."""

    def __init__(self, client: WsClient) -> None:
        self.client = client
        self.symbols: set[str] = set()


class KucoinOrderBookDataSource:
    def __init__(
        self,
        *,
        fetch_snapshot: SnapshotFetcher,
        ws_factory: WsFactory,
        events: EventBus,
        clock_ms: Callable[[], int],
        symbol_to_pair: Callable[[str], str],
        max_topics_per_connection: int = 100,
        snapshot_retry_s: float = 1.0,
        max_crossed_updates: int = 50,
        connect_timeout_s: float = 90.0,
    ) -> None:
        self._fetch_snapshot = fetch_snapshot
        self._ws_factory = ws_factory
        self._events = events
        self._clock_ms = clock_ms
        self._symbol_to_pair = symbol_to_pair
        self._max_symbols = max(1, max_topics_per_connection // _TOPICS_PER_SYMBOL)
        self._snapshot_retry_s = snapshot_retry_s
        self._max_crossed = max_crossed_updates
        self._connect_timeout_s = connect_timeout_s
        self._calibrators: dict[str, Level2Calibrator] = {}
        self._connections: list[_Connection] = []
        self._resync_tasks: dict[str, asyncio.Task[None]] = {}
        self._last_trade_price: dict[str, Decimal] = {}
        self._started = False
        self._l2_decoder = L2FrameDecoder()
        self._l2_decode_fast = self._l2_decoder.decode_fast
        self.parse_errors = 0
        self._errors_seen: dict[str | None, int] = {}  # per followed symbol (None: others)
        self._book_listeners: list[Callable[[str], None]] = []  # called with the trading pair
        self._trade_listeners: list[Callable[[PublicTrade], None]] = []

    # ------------------------------------------------------------------ queries
    def order_book(self, symbol: str) -> OrderBook:
        calibrator = self._calibrators.get(symbol)
        if calibrator is None:
            raise UnknownTradingPairError(symbol)
        return calibrator.order_book

    def is_live(self, symbol: str) -> bool:
        calibrator = self._calibrators.get(symbol)
        return calibrator is not None and calibrator.state is SyncState.LIVE

    @property
    def all_live(self) -> bool:
        return bool(self._calibrators) and all(
            c.state is SyncState.LIVE for c in self._calibrators.values()
        )

    @property
    def symbols(self) -> frozenset[str]:
        return frozenset(self._calibrators)

    def calibrator(self, symbol: str) -> Level2Calibrator:
        return self._calibrators[symbol]

    def last_trade_price(self, symbol: str) -> Decimal | None:
        return self._last_trade_price.get(symbol)

    def add_book_listener(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(trading_pair)`` after each update applied to a book (e.g. the
        paper trading engine); nothing is called while no listener is added."""
        self._book_listeners.append(callback)

    def add_trade_listener(self, callback: Callable[[PublicTrade], None]) -> None:
        """Call ``callback`` with each public trade of a followed symbol."""
        self._trade_listeners.append(callback)

    def _book_changed(self, symbol: str) -> None:
        pair = self._symbol_to_pair(symbol)
        for callback in self._book_listeners:
            callback(pair)

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    # ------------------------------------------------------------------ life cycle
    async def start(self, symbols: list[str]) -> None:
        self._started = True
        await self.add_symbols(symbols)

    async def stop(self) -> None:
        self._started = False
        tasks = list(self._resync_tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._resync_tasks.clear()
        await asyncio.gather(*(c.client.stop() for c in self._connections))
        self._connections.clear()
        self._calibrators.clear()  # a later start() subscribes and snapshots afresh

    async def add_symbol(self, symbol: str) -> None:
        """Start following a symbol (also while running)."""
        await self.add_symbols([symbol])

    async def add_symbols(self, symbols: list[str]) -> None:
        """Start following symbols (also while running).

        Every connection needed is opened first (their bullet tokens are requested
        before any snapshot, so they never queue behind snapshot requests in the rate
        limiter); then each connection subscribes its new symbols in batched frames
        (``ws_topics.batch_topics``), all connections at once; then the snapshots are
        requested.
        """
        new = [s for s in dict.fromkeys(symbols) if s not in self._calibrators]
        if not new:
            return
        placed: dict[_Connection, list[str]] = {}
        fresh: list[_Connection] = []
        for symbol in new:
            self._calibrators[symbol] = Level2Calibrator(
                symbol, max_crossed_updates=self._max_crossed
            )
            connection = self._connection_with_room(fresh)
            connection.symbols.add(symbol)
            placed.setdefault(connection, []).append(symbol)
        await self._open(fresh)
        await asyncio.gather(
            *(
                connection.client.subscribe([t for s in batch for t in market_topics(s)])
                for connection, batch in placed.items()
            )
        )
        for symbol in new:
            self._schedule_resync(symbol, "initial snapshot")

    async def remove_symbol(self, symbol: str) -> None:
        if self._calibrators.pop(symbol, None) is None:
            return
        task = self._resync_tasks.pop(symbol, None)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        for connection in list(self._connections):
            if symbol in connection.symbols:
                connection.symbols.discard(symbol)
                await connection.client.unsubscribe(market_topics(symbol))
                if not connection.symbols:
                    self._connections.remove(connection)
                    await connection.client.stop()

    def _connection_with_room(self, fresh: list[_Connection]) -> _Connection:
        """A connection with room for one more symbol; a new one (not started yet,
        appended to ``fresh``) when none has room."""
        for connection in self._connections:
            if len(connection.symbols) < self._max_symbols:
                return connection
        holder: list[_Connection] = []

        async def on_reconnected() -> None:
            await self._on_reconnected(holder[0])

        connection = _Connection(self._ws_factory(self._on_message, on_reconnected))
        connection.client.frame_handler = self._on_frame
        holder.append(connection)
        self._connections.append(connection)
        fresh.append(connection)
        return connection

    async def _open(self, fresh: list[_Connection]) -> None:
        """Start the new connections together and wait until every one is connected."""
        for connection in fresh:
            await connection.client.start()
        await asyncio.gather(
            *(c.client.wait_connected(timeout_s=self._connect_timeout_s) for c in fresh)
        )

    async def _on_reconnected(self, connection: _Connection) -> None:
        for symbol in connection.symbols:
            self._schedule_resync(symbol, "websocket reconnected")

    # ------------------------------------------------------------------ hot path
    def _on_message(self, message: Any) -> None:
        subject = message.get("subject") if isinstance(message, dict) else None
        if subject == "trade.l2update":
            self._on_l2update(message)
        elif subject == "trade.l3match":
            self._on_match(message)

    def _on_frame(self, frame: str | bytes) -> bool:
        """Raw-frame fast path: an l2update in today's exact shape is decoded into typed
        values in one C call and handed to its calibrator as (start, end, asks, bids), no
        ``L2Update`` built; False hands any other frame to the WsClient's generic decode
        and ``_on_message``."""
        try:
            data = self._l2_decode_fast(frame).data
        except msgspec.DecodeError:
            return self._on_other_frame(frame)
        except RecursionError:  # absurd nesting in a field the typed decode skips
            self._malformed(None, too_deep("typed decode"))
            return True
        calibrator = self._calibrators.get(data.symbol)
        if calibrator is None:
            return self._on_other_frame(frame)  # validates it all the same
        changes = data.changes
        try:
            state = calibrator.on_changes(
                data.sequenceStart, data.sequenceEnd, changes.asks, changes.bids
            )
        except ParseError as exc:  # the calibrator has rejected it already
            self._malformed(data.symbol, exc)
            return True
        if state is _NEEDS_RESYNC:
            self._schedule_resync(data.symbol, calibrator.resync_reason or "resync needed")
        elif self._book_listeners:
            self._book_changed(data.symbol)
        return True

    def _on_other_frame(self, frame: str | bytes) -> bool:
        """A frame the typed fast decode refused (or of a symbol not followed)."""
        try:
            update = self._l2_decoder.decode_generic(frame)
        except Level2ParseError as exc:
            self._refuse(exc)
            return True
        if update is None:
            return False
        self._on_update(update)
        return True

    def _on_l2update(self, message: Mapping[str, Any]) -> None:
        try:
            update = parse_l2update(message)
        except Level2ParseError as exc:
            self._refuse(exc)
            return
        self._on_update(update)

    def _refuse(self, exc: Level2ParseError) -> None:
        """A parser refused a message: its symbol's calibrator rejects it too."""
        calibrator = self._calibrators.get(exc.symbol) if exc.symbol is not None else None
        if calibrator is not None:
            calibrator.reject(exc)
        self._malformed(exc.symbol, exc)

    def _malformed(self, symbol: str | None, exc: ParseError) -> None:
        """Count, log (throttled per symbol) and resync the symbol if followed."""
        self.parse_errors += 1
        key = symbol if symbol in self._calibrators else None  # bounded: followed symbols
        seen = self._errors_seen[key] = self._errors_seen.get(key, 0) + 1
        if seen % _LOG_EVERY == 1:
            log.warning(
                "dropping malformed level2 message (%d so far for %s): %s",
                seen,
                key or "unknown symbols",
                exc,
            )
        if key is not None:
            self._schedule_resync(key, f"malformed message: {exc}")

    def _on_update(self, update: L2Update) -> None:
        calibrator = self._calibrators.get(update.symbol)
        if calibrator is None:
            return  # unsubscribed symbol, late message
        try:
            state = calibrator.on_update(update)
        except ParseError as exc:  # the calibrator has rejected it already
            self._malformed(update.symbol, exc)
            return
        if state is _NEEDS_RESYNC:
            self._schedule_resync(update.symbol, calibrator.resync_reason or "resync needed")
        elif self._book_listeners:
            self._book_changed(update.symbol)

    def _on_match(self, message: Mapping[str, Any]) -> None:
        data = message.get("data")
        if not isinstance(data, dict):
            return
        symbol, price = data.get("symbol"), data.get("price")
        if isinstance(symbol, str) and isinstance(price, str):
            try:
                value = Decimal(price)
            except ArithmeticError:
                value = None
            if value is None or not (value.is_finite() and value > 0):
                self._malformed(None, ParseError(f"bad trade price {price[:40]!r}"))
            elif symbol in self._calibrators:
                self._last_trade_price[symbol] = value
                if self._trade_listeners:
                    self._publish_trade(symbol, value, data)

    def _publish_trade(self, symbol: str, price: Decimal, data: Mapping[str, Any]) -> None:
        size_text, side = data.get("size"), data.get("side")
        try:
            size = Decimal(size_text) if isinstance(size_text, str) else None
        except ArithmeticError:
            size = None
        if size is None or not (size.is_finite() and size > 0):
            self._malformed(None, ParseError(f"bad trade size {str(size_text)[:40]!r}"))
            return
        taker = {"buy": TradeType.BUY, "sell": TradeType.SELL}.get(str(side))
        trade = PublicTrade(self._symbol_to_pair(symbol), price, size, taker, self._clock_ms())
        for callback in self._trade_listeners:
            callback(trade)

    # ------------------------------------------------------------------ resync
    def _schedule_resync(self, symbol: str, reason: str) -> None:
        if not self._started or symbol in self._resync_tasks:
            return
        task = asyncio.get_running_loop().create_task(self._resync(symbol, reason))
        self._resync_tasks[symbol] = task
        task.add_done_callback(lambda _t: self._resync_tasks.pop(symbol, None))

    async def _resync(self, symbol: str, reason: str) -> None:
        calibrator = self._calibrators.get(symbol)
        if calibrator is None:
            return
        calibrator.reset()
        delay = self._snapshot_retry_s
        while True:
            try:
                snapshot = await self._fetch_snapshot(symbol)
                state = calibrator.on_snapshot(snapshot)
            except ParseError as exc:  # a malformed snapshot: counted, fetched again
                if calibrator.state is not _NEEDS_RESYNC:
                    calibrator.reject(exc)
                self._malformed(symbol, exc)
                calibrator.reset()
                await asyncio.sleep(delay)
                continue
            except ConnectorError as exc:
                log.warning("%s: snapshot fetch failed (%s); retrying", symbol, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            if state is SyncState.NEEDS_RESYNC:
                log.info("%s: %s; fetching another snapshot", symbol, calibrator.resync_reason)
                calibrator.reset()
                await asyncio.sleep(delay)
                continue
            break
        log.info("%s: order book synced at %d (%s)", symbol, snapshot.sequence, reason)
        if self._book_listeners:
            self._book_changed(symbol)
        self._events.publish(
            OrderBookResyncedEvent(
                timestamp_ms=self._clock_ms(),
                trading_pair=self._symbol_to_pair(symbol),
                reason=reason,
            )
        )
