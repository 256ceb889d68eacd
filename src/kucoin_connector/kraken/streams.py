"""Kraken's two streams on the core's WsClient: public books, private executions/balances.

:class:`KrakenBookStream` keeps a :class:`~.book_tracker.BookTracker`; a pair whose
checksum fails (or whose update arrives without a snapshot) is resynced alone: its topic
is unsubscribed and subscribed again, which brings a fresh snapshot. After a reconnect
every book topic is resubscribed by the WsClient, each with a snapshot.

Listeners (e.g. the paper trading engine): ``add_book_listener`` is called with the WS v2
symbol after each applied book message; ``add_trade_listener`` with each public trade. The
``trade`` channel is subscribed only when a trade listener was added before ``start``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from kucoin_connector.core.errors import ParseError
from kucoin_connector.core.tasks import BackgroundTasks
from kucoin_connector.core.ws import WsClient
from kucoin_connector.core.ws_transport import WsTransport

from .book import KrakenBook
from .book_messages import decode_keeping_numbers, parse_v2_book
from .book_tracker import BookOutcome, BookTracker
from .executions import ExecutionReport, is_balances_message, parse_executions
from .public_trades import KrakenTrade, parse_v2_trades, trade_topic
from .ws_adapter import BALANCES_TOPIC, EXECUTIONS_TOPIC, KrakenWsAdapter, book_topic

__all__ = ["KrakenBookStream", "KrakenUserStream"]

log = logging.getLogger(__name__)


class KrakenBookStream:
    def __init__(self, adapter: KrakenWsAdapter, *, transport: WsTransport | None = None) -> None:
        self.tracker = BookTracker(adapter.book_depth)
        self._tasks = BackgroundTasks()
        self.client = WsClient(
            adapter,
            on_message=self._on_message,
            transport=transport,
            decode=decode_keeping_numbers,
            name="kraken-book",
        )
        self.resyncs = 0
        self._book_listeners: list[Callable[[str], None]] = []
        self._trade_listeners: list[Callable[[KrakenTrade], None]] = []

    def add_book_listener(self, callback: Callable[[str], None]) -> None:
        self._book_listeners.append(callback)

    def add_trade_listener(self, callback: Callable[[KrakenTrade], None]) -> None:
        self._trade_listeners.append(callback)

    def book(self, ws_symbol: str) -> KrakenBook | None:
        return self.tracker.book(ws_symbol)

    async def start(self, ws_symbols: Iterable[str]) -> None:
        await self.client.start()
        await self.subscribe(ws_symbols)

    async def subscribe(self, ws_symbols: Iterable[str]) -> None:
        symbols = list(ws_symbols)
        topics = [book_topic(s) for s in symbols]
        if self._trade_listeners:
            topics += [trade_topic(s) for s in symbols]
        await self.client.subscribe(topics)

    async def stop(self) -> None:
        await self._tasks.cancel_all()
        await self.client.stop()
        self._tasks.reopen()

    def _on_message(self, message: Any) -> None:
        parts = parse_v2_book(message)
        if parts is None:
            self._on_trades(message)
            return
        for part in parts:
            outcome = self.tracker.on_message(part)
            if outcome is BookOutcome.RESYNC:
                self.resyncs += 1
                self._tasks.spawn(self._resync(part.symbol))
            elif outcome is BookOutcome.APPLIED:
                for callback in self._book_listeners:
                    callback(part.symbol)

    def _on_trades(self, message: Any) -> None:
        trades = parse_v2_trades(message)
        for trade in trades or ():  # None: heartbeat, ticker, ...
            for callback in self._trade_listeners:
                callback(trade)

    async def _resync(self, ws_symbol: str) -> None:
        topic = book_topic(ws_symbol)
        # a message may arrive while the connection is still subscribing: resync on it
        # once it is up (after a reconnect every topic brings its own snapshot anyway)
        await self.client.wait_connected()
        await self.client.unsubscribe([topic])
        self.tracker.forget(ws_symbol)
        await self.client.subscribe([topic])


class KrakenUserStream:
    """``executions`` and ``balances``. Executions messages carry a ``sequence``: a gap
    (a message lost) calls ``on_gap`` (the exchange then reconciles by REST); the count
    starts again on every connection."""

    def __init__(
        self,
        adapter: KrakenWsAdapter,
        *,
        on_execution: Callable[[ExecutionReport], None],
        on_balances: Callable[[], None],
        on_gap: Callable[[], None] = lambda: None,
        on_reconnected: Callable[[], Awaitable[None]] | None = None,
        transport: WsTransport | None = None,
    ) -> None:
        self._on_execution = on_execution
        self._on_balances = on_balances
        self._on_gap = on_gap
        self._on_reconnected = on_reconnected
        self._last_sequence: int | None = None
        self.sequence_gaps = 0
        self.client = WsClient(
            adapter,
            on_message=self._on_message,
            on_reconnected=self._reconnected,
            transport=transport,
            decode=decode_keeping_numbers,
            name="kraken-user",
        )

    async def _reconnected(self) -> None:
        self._last_sequence = None
        if self._on_reconnected is not None:
            await self._on_reconnected()

    def _check_sequence(self, message: dict[str, Any]) -> None:
        raw = message.get("sequence")
        if raw is None:
            return
        try:
            sequence = int(raw)
        except (TypeError, ValueError):
            raise ParseError(f"executions: bad sequence {raw!r}") from None
        last, self._last_sequence = self._last_sequence, sequence
        if last is not None and sequence != last + 1:
            self.sequence_gaps += 1
            log.warning("executions: sequence %d after %d; reconciling", sequence, last)
            self._on_gap()

    async def start(self) -> None:
        await self.client.start()
        await self.client.subscribe([EXECUTIONS_TOPIC, BALANCES_TOPIC])

    async def stop(self) -> None:
        await self.client.stop()

    def _on_message(self, message: Any) -> None:
        reports = parse_executions(message)
        if reports is not None:
            self._check_sequence(message)
            for report in reports:
                self._on_execution(report)
        elif is_balances_message(message):
            self._on_balances()
