"""A Kraken order book kept at the subscribed depth, verified by Kraken's CRC32 checksum.

Kraken's rules (docs: guides/spot-ws-book-v2 and -v1): apply every level of a message in
order (``qty`` 0 deletes the level), then truncate each side to the subscribed depth (no
delete is sent for levels that fall out of scope), then compare the checksum: CRC32 of the
top 10 asks (price ascending) then the top 10 bids (price descending), each level written
as its price string then its qty string, each with ``.`` removed and leading zeros
stripped. Trailing zeros count, so each level keeps the exact strings it arrived with; the
Decimal value is only the sort key. The same code serves WS v2 and v1 (only the framing
differs, see ``book_messages``).
"""

from __future__ import annotations

import zlib
from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation

from kucoin_connector.core.errors import ParseError

__all__ = ["CHECKSUM_LEVELS", "KrakenBook", "LevelChange", "checksum_of"]

CHECKSUM_LEVELS = 10

# (price string, qty string) exactly as on the wire
LevelChange = tuple[str, str]


def _wire_digits(value: str) -> str:
    return value.replace(".", "").lstrip("0")


def checksum_of(asks: Iterable[LevelChange], bids: Iterable[LevelChange]) -> int:
    """Kraken's checksum of the given best-first asks and bids (at most 10 of each used)."""
    parts: list[str] = []
    for side in (asks, bids):
        for count, (price, qty) in enumerate(side):
            if count == CHECKSUM_LEVELS:
                break
            parts.append(_wire_digits(price))
            parts.append(_wire_digits(qty))
    return zlib.crc32("".join(parts).encode("ascii")) & 0xFFFFFFFF


def _decimal(value: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ParseError(f"book level {value!r} is not a decimal") from None
    if not number.is_finite() or number < 0:
        raise ParseError(f"book level {value!r} is not a finite decimal >= 0")
    return number


class _Side:
    """Levels by price, best first: sort keys are the price (asks) or its negation (bids)."""

    __slots__ = ("_keys", "_levels", "_sign")

    def __init__(self, *, descending: bool) -> None:
        self._sign = -1 if descending else 1
        self._keys: list[Decimal] = []  # ascending sort keys
        self._levels: dict[Decimal, LevelChange] = {}  # sort key -> wire strings

    def __len__(self) -> int:
        return len(self._keys)

    def clear(self) -> None:
        self._keys.clear()
        self._levels.clear()

    def apply(self, changes: Iterable[LevelChange]) -> None:
        for price, qty in changes:
            key = _decimal(price) * self._sign
            if _decimal(qty) == 0:
                if self._levels.pop(key, None) is not None:
                    del self._keys[bisect_left(self._keys, key)]
            else:
                if key not in self._levels:
                    insort(self._keys, key)
                self._levels[key] = (price, qty)

    def truncate(self, depth: int) -> None:
        while len(self._keys) > depth:
            del self._levels[self._keys.pop()]

    def wire_levels(self) -> Iterator[LevelChange]:
        return (self._levels[key] for key in self._keys)

    def levels(self) -> list[tuple[Decimal, Decimal]]:
        return [(key * self._sign, Decimal(self._levels[key][1])) for key in self._keys]

    def best(self) -> Decimal | None:
        return self._keys[0] * self._sign if self._keys else None


class KrakenBook:
    """One pair's book: both sides at ``depth`` levels, wire strings kept per level."""

    __slots__ = ("_asks", "_bids", "depth")

    def __init__(self, depth: int) -> None:
        if depth < 1:
            raise ParseError("book depth must be >= 1")
        self.depth = depth
        self._asks = _Side(descending=False)
        self._bids = _Side(descending=True)

    def clear(self) -> None:
        self._asks.clear()
        self._bids.clear()

    def apply(self, asks: Iterable[LevelChange], bids: Iterable[LevelChange]) -> None:
        """Apply one message's changes in order, then truncate both sides to ``depth``."""
        self._asks.apply(asks)
        self._bids.apply(bids)
        self._asks.truncate(self.depth)
        self._bids.truncate(self.depth)

    def checksum(self) -> int:
        return checksum_of(self._asks.wire_levels(), self._bids.wire_levels())

    def asks(self) -> list[tuple[Decimal, Decimal]]:
        """Best first, as decimals."""
        return self._asks.levels()

    def bids(self) -> list[tuple[Decimal, Decimal]]:
        return self._bids.levels()

    def best_bid(self) -> Decimal | None:
        return self._bids.best()

    def best_ask(self) -> Decimal | None:
        return self._asks.best()
