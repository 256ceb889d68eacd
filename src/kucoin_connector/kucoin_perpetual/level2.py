"""Futures level 2, sans-I/O: one change per message, one consecutive ``sequence`` each.

``/contractMarket/level2:{symbol}`` messages carry ``{"sequence": n, "change":
"price,side,size"}``; sizes are lots (0 removes the level). The book is calibrated against
the FULL snapshot ``/api/v1/level2/snapshot`` (never the truncated depth endpoints, whose
missing levels would never be repaired by the diff stream):

1. buffer messages until a snapshot arrives;
2. apply the snapshot, drop buffered messages with ``sequence <= snapshot sequence``, apply
   the rest, which must continue at snapshot + 1 without a hole;
3. live: each message must be last + 1 (an older one is a duplicate, ignored); anything
   else is a gap: the book is dropped and the calibrator buffers again, asking for a new
   snapshot (``needs_snapshot``). A change that cannot be parsed does the same.

Sizes are converted to amounts (lots x contract size) exactly, so the book speaks the
same units as orders.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from kucoin_connector.core.errors import ParseError
from kucoin_connector.core.order_book import OrderBook

__all__ = [
    "FuturesL2Message",
    "FuturesL2Snapshot",
    "FuturesLevel2Calibrator",
    "L2State",
    "parse_l2_message",
    "parse_l2_snapshot",
]


class L2State(Enum):
    BUFFERING = "buffering"  # waiting for a snapshot (first sync or after a gap)
    LIVE = "live"


@dataclass(frozen=True, slots=True)
class FuturesL2Message:
    sequence: int
    price: str
    is_bid: bool
    size: str  # lots


@dataclass(frozen=True, slots=True)
class FuturesL2Snapshot:
    sequence: int
    bids: list[tuple[str, str]]  # (price, lots)
    asks: list[tuple[str, str]]


def _number_text(value: object) -> str:
    if isinstance(value, bool):
        raise ParseError("level2 number is a bool")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int | str):
        return str(value)
    raise ParseError(f"level2 number has type {type(value).__name__}")


def parse_l2_message(data: Any) -> FuturesL2Message:
    """The ``data`` of one level2 message; ParseError when malformed."""
    if not isinstance(data, dict):
        raise ParseError("level2 data is not an object")
    sequence = data.get("sequence")
    change = data.get("change")
    if not isinstance(sequence, int) or isinstance(sequence, bool) or not isinstance(change, str):
        raise ParseError("level2 message needs an int sequence and a change string")
    parts = change.split(",")
    if len(parts) != 3 or parts[1] not in ("buy", "sell"):
        raise ParseError("level2 change must be 'price,buy|sell,size'")
    return FuturesL2Message(sequence, parts[0].strip(), parts[1] == "buy", parts[2].strip())


def _levels(raw: object) -> list[tuple[str, str]]:
    if not isinstance(raw, list):
        raise ParseError("level2 snapshot side is not a list")
    levels = []
    for level in raw:
        if not isinstance(level, list | tuple) or len(level) < 2:
            raise ParseError("level2 snapshot level is not [price, size]")
        levels.append((_number_text(level[0]), _number_text(level[1])))
    return levels


def parse_l2_snapshot(data: Any) -> FuturesL2Snapshot:
    """The ``data`` of ``/api/v1/level2/snapshot`` (numbers or strings)."""
    if not isinstance(data, dict):
        raise ParseError("level2 snapshot is not an object")
    sequence = data.get("sequence")
    if not isinstance(sequence, int) or isinstance(sequence, bool):
        raise ParseError("level2 snapshot needs an int sequence")
    return FuturesL2Snapshot(sequence, _levels(data.get("bids")), _levels(data.get("asks")))


class FuturesLevel2Calibrator:
    """One symbol's book kept true to the stream; no sockets, no asyncio."""

    def __init__(self, contract_size: Decimal = Decimal(1)) -> None:
        if contract_size <= 0:
            raise ValueError("contract size must be positive")
        self._contract_size = contract_size
        self.order_book = OrderBook()
        self.state = L2State.BUFFERING
        self._buffer: list[FuturesL2Message] = []
        self.resync_count = 0

    @property
    def needs_snapshot(self) -> bool:
        return self.state is L2State.BUFFERING

    @property
    def last_sequence(self) -> int:
        return self.order_book.last_update_id

    def on_message(self, message: FuturesL2Message) -> bool:
        """Take one message; True when it was applied to a live book."""
        if self.state is L2State.BUFFERING:
            self._buffer.append(message)
            return False
        last = self.order_book.last_update_id
        if message.sequence <= last:
            return False  # duplicate or replay
        if message.sequence != last + 1:
            self._resync([message])
            return False
        return self._apply(message)

    def on_snapshot(self, snapshot: FuturesL2Snapshot) -> bool:
        """Calibrate; True when the book is live, False when another snapshot is needed."""
        try:
            self.order_book.apply_snapshot(
                self._amounts(snapshot.bids), self._amounts(snapshot.asks), snapshot.sequence
            )
        except ParseError:
            self._resync([])
            return False
        pending = sorted(
            (m for m in self._buffer if m.sequence > snapshot.sequence), key=lambda m: m.sequence
        )
        self._buffer = []
        self.state = L2State.LIVE
        for index, message in enumerate(pending):
            if message.sequence <= self.order_book.last_update_id:
                continue  # a duplicate inside the buffer
            if message.sequence != self.order_book.last_update_id + 1:
                self._resync(pending[index:])
                return False
            if not self._apply(message):
                return False
        return True

    def invalidate(self) -> None:
        """Drop the book (e.g. an unreadable message): buffer until the next snapshot."""
        self._resync([])

    def _apply(self, message: FuturesL2Message) -> bool:
        try:
            change = [(message.price, self._amount(message.size), None)]
            if message.is_bid:
                self.order_book.apply_changes(change, [], message.sequence)
            else:
                self.order_book.apply_changes([], change, message.sequence)
        except ParseError:
            self._resync([])
            return False
        return True

    def _resync(self, keep: Sequence[FuturesL2Message]) -> None:
        self.state = L2State.BUFFERING
        self.order_book.clear()
        self._buffer = list(keep)
        self.resync_count += 1

    def _amount(self, lots: str) -> str:
        try:
            value = Decimal(lots) * self._contract_size
        except ArithmeticError:
            raise ParseError("level2 size is not a number") from None
        return format(value, "f")

    def _amounts(self, levels: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(price, self._amount(size)) for price, size in levels]
