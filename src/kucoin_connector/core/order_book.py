"""An exchange-agnostic level-2 order book, built for the market-data hot path.

Storage, per side:
- a dict ``rank key -> (price string, size string)``: the wire strings are kept unchanged
  and turned into ``Decimal`` only when somebody reads them (lazy, exact);
- a plain list of the rank keys, kept sorted ascending with ``bisect``, best level LAST.
  The rank key of a bid is ``float(price)``, of an ask ``-float(price)``, so on both sides
  the activity near the top of the book touches the tail of the list (cheap insert/delete).

Choices worth knowing:
- Numerically equal prices are ONE level whatever their spelling ("1.5", "1.50"); the most
  recent change's spelling is the one returned by the readers.
- A size that is numerically zero ("0", "0.0", "0.00000000") removes the level; removing
  an absent level is a no-op. A negative or non-numeric size, or a non-positive / non-finite
  / non-numeric price for a new level, raises ``ParseError`` (the book is left unchanged).
- Float keys are exact for prices with up to 15 significant digits. Two different prices
  that only differ beyond float resolution would share a key: that case is detected (the
  spellings differ and their Decimals differ) and raises ``ParseError`` instead of silently
  merging levels.
- ``is_crossed()`` is true when best bid >= best ask (a locked book counts as crossed).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator
from decimal import Decimal
from math import inf

from kucoin_connector.core.errors import ParseError

Level = tuple[str, str]
_ZERO = Decimal(0)


def _bad_size(size: str) -> ParseError:
    return ParseError(f"order book size must be a non-negative number, got {size!r}")


def _check_new_price(price: str, value: float) -> None:
    """Validate the price of a level about to be inserted (not on the update path)."""
    if not 0.0 < value < inf:
        raise ParseError(f"order book price must be a positive finite number, got {price!r}")


def _check_same_price(stored: str, price: str) -> None:
    """Two spellings mapped to one float key: they must be the same number."""
    if Decimal(stored) != Decimal(price):
        raise ParseError(f"prices {stored!r} and {price!r} differ beyond float key resolution")


class OrderBook:
    """Level-2 book: absolute sizes per price, exact Decimal reads, float keys inside."""

    __slots__ = ("_ask_keys", "_ask_levels", "_bid_keys", "_bid_levels", "_last_update_id")

    def __init__(self) -> None:
        self._bid_levels: dict[float, Level] = {}
        self._bid_keys: list[float] = []
        self._ask_levels: dict[float, Level] = {}
        self._ask_keys: list[float] = []
        self._last_update_id = 0

    # ------------------------------------------------------------------ writes
    def apply_bid(self, price: str, size: str) -> None:
        """Set the bid level ``price`` to the absolute ``size`` (zero removes it)."""
        try:
            key = float(price)
            amount = float(size)
        except (TypeError, ValueError):
            raise ParseError(f"bad bid level {price!r} / {size!r}") from None
        levels = self._bid_levels
        if not amount > 0.0:
            if amount != 0.0:
                raise _bad_size(size)
            if levels.pop(key, None) is not None:
                keys = self._bid_keys
                del keys[bisect_left(keys, key)]
            return
        old = levels.get(key)
        if old is None:
            _check_new_price(price, key)
            insort(self._bid_keys, key)
        elif old[0] != price:
            _check_same_price(old[0], price)
        levels[key] = (price, size)

    def apply_ask(self, price: str, size: str) -> None:
        """Set the ask level ``price`` to the absolute ``size`` (zero removes it)."""
        try:
            key = -float(price)
            amount = float(size)
        except (TypeError, ValueError):
            raise ParseError(f"bad ask level {price!r} / {size!r}") from None
        levels = self._ask_levels
        if not amount > 0.0:
            if amount != 0.0:
                raise _bad_size(size)
            if levels.pop(key, None) is not None:
                keys = self._ask_keys
                del keys[bisect_left(keys, key)]
            return
        old = levels.get(key)
        if old is None:
            _check_new_price(price, -key)
            insort(self._ask_keys, key)
        elif old[0] != price:
            _check_same_price(old[0], price)
        levels[key] = (price, size)

    def apply_snapshot(
        self, bids: Iterable[tuple[str, str]], asks: Iterable[tuple[str, str]], update_id: int
    ) -> None:
        """Replace the whole book. Zero-size levels in the snapshot are skipped."""
        self.clear()
        try:
            _load_side(self._bid_levels, bids, 1.0)
            _load_side(self._ask_levels, asks, -1.0)
        except ParseError:
            self.clear()
            raise
        self._bid_keys.extend(sorted(self._bid_levels))
        self._ask_keys.extend(sorted(self._ask_levels))
        self._last_update_id = update_id

    def apply_diffs(
        self, bids: Iterable[tuple[str, str]], asks: Iterable[tuple[str, str]], update_id: int
    ) -> None:
        """Apply absolute-size changes (size zero removes), then set ``last_update_id``.

        On ``ParseError`` the changes before the bad one stay applied (callers resync)."""
        apply_bid = self.apply_bid
        for price, size in bids:
            apply_bid(price, size)
        apply_ask = self.apply_ask
        for price, size in asks:
            apply_ask(price, size)
        self._last_update_id = update_id

    def set_update_id(self, update_id: int) -> None:
        self._last_update_id = update_id

    def clear(self) -> None:
        self._bid_levels.clear()
        self._bid_keys.clear()
        self._ask_levels.clear()
        self._ask_keys.clear()
        self._last_update_id = 0

    # ------------------------------------------------------------------ reads
    @property
    def last_update_id(self) -> int:
        return self._last_update_id

    @property
    def best_bid(self) -> Decimal | None:
        keys = self._bid_keys
        return Decimal(self._bid_levels[keys[-1]][0]) if keys else None

    @property
    def best_ask(self) -> Decimal | None:
        keys = self._ask_keys
        return Decimal(self._ask_levels[keys[-1]][0]) if keys else None

    def best_bid_level(self) -> tuple[Decimal, Decimal] | None:
        keys = self._bid_keys
        if not keys:
            return None
        price, size = self._bid_levels[keys[-1]]
        return Decimal(price), Decimal(size)

    def best_ask_level(self) -> tuple[Decimal, Decimal] | None:
        keys = self._ask_keys
        if not keys:
            return None
        price, size = self._ask_levels[keys[-1]]
        return Decimal(price), Decimal(size)

    @property
    def mid_price(self) -> Decimal | None:
        bid, ask = self.best_bid, self.best_ask
        if bid is None or ask is None:
            return None
        return (bid + ask) / 2

    @property
    def bid_depth(self) -> int:
        return len(self._bid_keys)

    @property
    def ask_depth(self) -> int:
        return len(self._ask_keys)

    def bids(self, n: int | None = None) -> list[tuple[Decimal, Decimal]]:
        """Up to ``n`` bid levels (all when None), best (highest) first."""
        return _read_levels(self._bid_levels, self._bid_keys, n)

    def asks(self, n: int | None = None) -> list[tuple[Decimal, Decimal]]:
        """Up to ``n`` ask levels (all when None), best (lowest) first."""
        return _read_levels(self._ask_levels, self._ask_keys, n)

    def is_crossed(self) -> bool:
        """True when both sides exist and best bid >= best ask."""
        bid_keys, ask_keys = self._bid_keys, self._ask_keys
        if not bid_keys or not ask_keys:
            return False
        bid, ask = bid_keys[-1], -ask_keys[-1]
        if bid != ask:
            return bid > ask
        # Equal floats: decide exactly (only differs beyond float resolution).
        bid_price = Decimal(self._bid_levels[bid_keys[-1]][0])
        return bid_price >= Decimal(self._ask_levels[ask_keys[-1]][0])

    # ------------------------------------------------------------- queries
    def _walk(self, is_buy: bool) -> Iterator[tuple[Decimal, Decimal]]:
        """Levels a taker walks through: asks for a buy, bids for a sell, best first."""
        levels, keys = (
            (self._ask_levels, self._ask_keys) if is_buy else (self._bid_levels, self._bid_keys)
        )
        for key in reversed(keys):
            price, size = levels[key]
            yield Decimal(price), Decimal(size)

    def get_price_for_volume(self, is_buy: bool, volume: Decimal) -> Decimal | None:
        """Worst price touched to fill ``volume`` (base) by a taker; None if the side cannot
        fill it or ``volume`` is not positive."""
        if volume <= _ZERO:
            return None
        filled = _ZERO
        for price, size in self._walk(is_buy):
            filled += size
            if filled >= volume:
                return price
        return None

    def get_vwap_for_volume(self, is_buy: bool, volume: Decimal) -> Decimal | None:
        """Average price paid to fill exactly ``volume`` (base); None if the side cannot fill
        it or ``volume`` is not positive."""
        if volume <= _ZERO:
            return None
        remaining = volume
        cost = _ZERO
        for price, size in self._walk(is_buy):
            take = size if size < remaining else remaining
            cost += take * price
            remaining -= take
            if remaining <= _ZERO:
                return cost / volume
        return None

    def get_volume_for_price(self, is_buy: bool, price: Decimal) -> Decimal:
        """Base volume available at ``price`` or better (asks <= price for a buy, bids >=
        price for a sell)."""
        total = _ZERO
        for level_price, size in self._walk(is_buy):
            if (level_price > price) if is_buy else (level_price < price):
                break
            total += size
        return total

    def __repr__(self) -> str:
        return (
            f"OrderBook(bids={self.bid_depth}, asks={self.ask_depth}, "
            f"best_bid={self.best_bid}, best_ask={self.best_ask}, "
            f"last_update_id={self._last_update_id})"
        )


def _load_side(levels: dict[float, Level], source: Iterable[tuple[str, str]], sign: float) -> None:
    """Bulk-fill an empty side (keys sorted once afterwards, not per level)."""
    for price, size in source:
        try:
            value = float(price)
            amount = float(size)
        except (TypeError, ValueError):
            raise ParseError(f"bad snapshot level {price!r} / {size!r}") from None
        if not amount > 0.0:
            if amount != 0.0:
                raise _bad_size(size)
            levels.pop(value * sign, None)
            continue
        _check_new_price(price, value)
        key = value * sign
        old = levels.get(key)
        if old is not None and old[0] != price:
            _check_same_price(old[0], price)
        levels[key] = (price, size)


def _read_levels(
    levels: dict[float, Level], keys: list[float], n: int | None
) -> list[tuple[Decimal, Decimal]]:
    if n is None:
        chosen: Iterable[float] = reversed(keys)
    elif n <= 0:
        return []
    else:
        chosen = keys[-1 : -n - 1 : -1]
    decimal = Decimal
    return [(decimal(price), decimal(size)) for price, size in map(levels.__getitem__, chosen)]
