"""FuturesBooks: the calibrated level2 books of the followed contracts.

Moves messages from the public stream into one ``FuturesLevel2Calibrator`` per symbol,
fetches the full snapshot when a book needs one (first sync, a gap, an unreadable change,
a reconnect), one fetch per symbol at a time, and publishes ``OrderBookResyncedEvent``
when a live book is dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from kucoin_connector.core.errors import ConnectorError, ParseError, UnknownTradingPairError
from kucoin_connector.core.events import EventBus, OrderBookResyncedEvent
from kucoin_connector.core.order_book import OrderBook
from kucoin_connector.core.tasks import BackgroundTasks

from .level2 import FuturesL2Snapshot, FuturesLevel2Calibrator, parse_l2_message

__all__ = ["FuturesBooks"]

log = logging.getLogger(__name__)


class FuturesBooks:
    def __init__(
        self,
        *,
        fetch_snapshot: Callable[[str], Awaitable[FuturesL2Snapshot]],
        events: EventBus,
        clock_ms: Callable[[], int],
        pair_for_symbol: Callable[[str], str],
        tasks: BackgroundTasks,
    ) -> None:
        self._fetch_snapshot = fetch_snapshot
        self._events = events
        self._clock_ms = clock_ms
        self._pair_for_symbol = pair_for_symbol
        self._tasks = tasks
        self._calibrators: dict[str, FuturesLevel2Calibrator] = {}
        self._resyncing: set[str] = set()

    def follow(self, symbol: str, contract_size: Decimal) -> None:
        if symbol not in self._calibrators:
            self._calibrators[symbol] = FuturesLevel2Calibrator(contract_size)

    def _calibrator(self, symbol: str) -> FuturesLevel2Calibrator:
        try:
            return self._calibrators[symbol]
        except KeyError:
            raise UnknownTradingPairError(symbol) from None

    def order_book(self, symbol: str) -> OrderBook:
        return self._calibrator(symbol).order_book

    def needs_snapshot(self, symbol: str) -> bool:
        return self._calibrator(symbol).needs_snapshot

    def handle(self, symbol: str, data: Any) -> bool:
        """One level2 ``data``; True if applied. A dropped live book publishes an event."""
        calibrator = self._calibrators.get(symbol)
        if calibrator is None:
            return False
        was_live = not calibrator.needs_snapshot
        try:
            applied = calibrator.on_message(parse_l2_message(data))
        except ParseError:
            calibrator.invalidate()
            applied = False
        if was_live and calibrator.needs_snapshot:
            pair = self._pair_for_symbol(symbol)
            self._events.publish(OrderBookResyncedEvent(self._clock_ms(), pair, "gap"))
        return applied

    def on_stream_message(self, message: Any) -> None:
        """A decoded public message: level2 ones are applied, a needed snapshot fetched."""
        if not isinstance(message, dict) or message.get("subject") != "level2":
            return
        symbol = str(message.get("topic", "")).partition(":")[2]
        self.handle(symbol, message.get("data"))
        if symbol in self._calibrators and self._calibrators[symbol].needs_snapshot:
            self.schedule_resync(symbol)

    async def resync(self, symbol: str) -> bool:
        """Fetch the full snapshot and calibrate; True when the book is live."""
        calibrator = self._calibrator(symbol)
        return calibrator.on_snapshot(await self._fetch_snapshot(symbol))

    def schedule_resync(self, symbol: str) -> None:
        if symbol not in self._resyncing:
            self._resyncing.add(symbol)
            self._tasks.spawn(self._resync_in_background(symbol))

    def resync_all(self) -> None:
        """After a reconnect: every book dropped and fetched again."""
        for symbol, calibrator in self._calibrators.items():
            calibrator.invalidate()
            self.schedule_resync(symbol)

    async def _resync_in_background(self, symbol: str) -> None:
        try:
            await self.resync(symbol)
        except ConnectorError as exc:
            log.warning("%s: snapshot failed (%s); the next message retries", symbol, exc)
        finally:
            self._resyncing.discard(symbol)
