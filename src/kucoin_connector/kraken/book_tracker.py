"""Every subscribed pair's :class:`~.book.KrakenBook`, each verified on every message.

A snapshot (re)starts a pair's book; an update is applied to a synced book only. After
each message the book's checksum is compared with the message's (v1 snapshots carry
none). A mismatch, or an update for a pair with no synced book, drops that pair's book
and returns :attr:`BookOutcome.RESYNC`: the owner asks for a fresh snapshot of that pair
(re-subscribe) and the pair's updates are ignored until it arrives. Other pairs go on.
"""

from __future__ import annotations

import logging
from enum import Enum

from .book import KrakenBook
from .book_messages import BookMessage

__all__ = ["BookOutcome", "BookTracker"]

log = logging.getLogger(__name__)


class BookOutcome(Enum):
    APPLIED = "applied"
    RESYNC = "resync"  # the pair needs a fresh snapshot
    IGNORED = "ignored"  # an update while the pair waits for its snapshot


class BookTracker:
    def __init__(self, depth: int) -> None:
        self._depth = depth
        self._books: dict[str, KrakenBook] = {}
        self._awaiting_snapshot: set[str] = set()
        self.checksum_mismatches = 0
        self.messages_verified = 0

    @property
    def depth(self) -> int:
        return self._depth

    def book(self, symbol: str) -> KrakenBook | None:
        return self._books.get(symbol)

    def forget(self, symbol: str) -> None:
        self._books.pop(symbol, None)
        self._awaiting_snapshot.discard(symbol)

    def on_message(self, message: BookMessage) -> BookOutcome:
        symbol = message.symbol
        if message.is_snapshot:
            book = KrakenBook(self._depth)
            self._books[symbol] = book
            self._awaiting_snapshot.discard(symbol)
        else:
            found = self._books.get(symbol)
            if found is None:
                return self._resync(symbol, "update before any snapshot")
            book = found
        book.apply(message.asks, message.bids)
        if message.checksum is None:
            return BookOutcome.APPLIED
        self.messages_verified += 1
        if book.checksum() != message.checksum:
            self.checksum_mismatches += 1
            return self._resync(symbol, "checksum mismatch")
        return BookOutcome.APPLIED

    def _resync(self, symbol: str, reason: str) -> BookOutcome:
        self._books.pop(symbol, None)
        if symbol in self._awaiting_snapshot:
            return BookOutcome.IGNORED
        self._awaiting_snapshot.add(symbol)
        log.warning("book %s: %s; resyncing", symbol, reason)
        return BookOutcome.RESYNC
