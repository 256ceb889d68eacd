"""An exchange-agnostic level-2 order book, built for the market-data hot path.

Storage, per side (``_Side``):
- ``sizes``: a dict ``price string -> size string``, one entry per level, keyed by the
  level's current wire spelling. Most changes update a level that exists under the very
  same spelling: one dict lookup, no number parsing of the price at all;
- ``prices``: a dict ``rank key -> price string`` (the spelling in ``sizes``);
- ``keys``: a plain list of the rank keys, kept sorted ascending with ``bisect``, best
  level LAST, touched only when a level is inserted or deleted. The rank key of a bid is
  ``float(price)``, of an ask ``-float(price)``, so on both sides the activity near the
  top of the book touches the tail of the list (cheap insert/delete).
The wire strings are kept unchanged and turned into ``Decimal`` only when somebody reads
them (lazy, exact).

Choices worth knowing:
- Numerically equal prices are ONE level whatever their spelling ("1.5", "1.50"): a new
  spelling is parsed once and looked up by its rank key; the most recent change's
  spelling is the one returned by the readers.
- A size that is numerically zero ("0", "0.0", "0.00000000") removes the level (common
  zero spellings are recognised without parsing); removing an absent level is a no-op.
- Bounds, enforced here and nowhere else defined (``check_level`` states the same rule
  for parsers that refuse a whole message before it reaches a book): a size must be a
  number in [0, ``MAX_SIZE``], a price a number in [0, ``MAX_PRICE``] (as floats: so
  NaN, infinities and "1e400" are out), and a level at price zero does not exist (only
  removing one, a no-op, is allowed). The price spelled exactly "0" is the sequence-only
  change of ``apply_changes`` (its size must still be valid). Anything else raises
  ``ParseError``: a single change leaves the book unchanged; ``apply_changes`` (the one
  writer of a message; ``apply_diffs`` is it for (price, size) pairs) keeps the changes
  before the bad one (callers drop the book and resync).
- Float keys are exact for prices with up to 15 significant digits. Two different prices
  that only differ beyond float resolution would share a key: that case is detected (the
  spellings differ and their Decimals differ) and raises ``ParseError`` instead of silently
  merging levels.
- ``is_crossed()`` is true when best bid >= best ask (a locked book counts as crossed).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from kucoin_connector.core.errors import ParseError

MAX_PRICE = 1e15  # far above any traded price; a float is exact up to 15 digits anyway
MAX_SIZE = 1e15  # far above any order or level size (KuCoin's baseMaxSize are <= 1e10)

Level = tuple[str, str]
Change = tuple[str, str, object]  # (price, size, anything: e.g. the change's own sequence)
_ZERO = Decimal(0)
# Zero sizes recognised without parsing ("0", "0.", "0.0" ... "0." + 18 zeros); any other
# spelling of zero is still recognised, by ``float()``.
_ZEROS = frozenset(["0", *("0." + "0" * n for n in range(19))])


def _bad_size(size: str) -> ParseError:
    return ParseError(f"order book size must be a non-negative number, got {size!r}")


def _size_value(size: str) -> float:
    """The size as a float in [0, MAX_SIZE]; ParseError otherwise (NaN, inf, negative...)."""
    try:
        amount = float(size)
    except (TypeError, ValueError):
        raise _bad_size(size) from None
    if 0.0 <= amount <= MAX_SIZE:
        return amount
    raise _bad_size(size)


def _bad_price(price: str) -> ParseError:
    return ParseError(f"order book price must be a number in (0, {MAX_PRICE:g}], got {price!r}")


def _check_new_price(price: str, value: float) -> None:
    """Validate the price of a level about to be inserted (not on the update path)."""
    if not 0.0 < value <= MAX_PRICE:
        raise _bad_price(price)


def _check_removed_price(price: str, value: float) -> None:
    """Validate the price of a level being removed (zero is a no-op, not an error)."""
    if not 0.0 <= value <= MAX_PRICE:
        raise _bad_price(price)


def check_level(price: str, size: str) -> None:
    """ParseError unless ``(price, size)`` is a change the book accepts (module docstring):
    what a parser checks to refuse a whole message before any of it reaches a book."""
    try:
        value = float(price)
    except (TypeError, ValueError):
        raise _bad_price(price) from None
    amount = 0.0 if size in _ZEROS else _size_value(size)
    if price == "0":
        return  # sequence-only
    if amount > 0.0:
        _check_new_price(price, value)
    else:
        _check_removed_price(price, value)


def _check_same_price(stored: str, price: str) -> None:
    """Two spellings mapped to one float key: they must be the same number."""
    if Decimal(stored) != Decimal(price):
        raise ParseError(f"prices {stored!r} and {price!r} differ beyond float key resolution")


class _Side:
    """One side: ``sizes`` (spelling -> size), ``prices`` (rank key -> spelling) and the
    sorted rank ``keys`` (best last). ``sign`` is +1.0 for bids, -1.0 for asks."""

    __slots__ = ("keys", "prices", "sign", "sizes")

    def __init__(self, sign: float) -> None:
        self.sizes: dict[str, str] = {}
        self.prices: dict[float, str] = {}
        self.keys: list[float] = []
        self.sign = sign

    def clear(self) -> None:
        self.sizes.clear()
        self.prices.clear()
        self.keys.clear()

    def apply(self, price: str, size: str) -> None:
        """Set the level ``price`` to the absolute ``size`` (zero removes it); ParseError
        on a bad price or size. ``write``'s step for what it does not inline."""
        sizes = self.sizes
        if price in sizes:  # the level exists under this very spelling
            if size not in _ZEROS:
                amount = _size_value(size)
                if amount > 0.0:
                    sizes[price] = size
                    return
            del sizes[price]  # _remove() inlined
            key = float(price) * self.sign
            del self.prices[key]
            keys = self.keys
            del keys[bisect_left(keys, key)]
            return
        try:
            value = float(price)
            amount = 0.0 if size in _ZEROS else float(size)
        except (TypeError, ValueError):
            raise ParseError(f"bad order book level {price!r} / {size!r}") from None
        key = value * self.sign
        prices = self.prices
        old = prices.get(key)
        if not 0.0 < amount <= MAX_SIZE:
            if amount != 0.0:
                raise _bad_size(size)
            _check_removed_price(price, value)
            if old is not None:
                self._remove(key)
            return
        if old is None:
            if not 0.0 < value <= MAX_PRICE:
                _check_new_price(price, value)
            insort(self.keys, key)
        else:  # another spelling of an existing level: the new one replaces it
            _check_same_price(old, price)
            del sizes[old]
        prices[key] = price
        sizes[price] = size

    def _remove(self, key: float) -> None:
        del self.sizes[self.prices.pop(key)]
        keys = self.keys
        del keys[bisect_left(keys, key)]

    def load(self, source: Iterable[tuple[str, str]]) -> None:
        """Bulk-fill an empty side (keys sorted once afterwards, not per level)."""
        sizes, prices, sign = self.sizes, self.prices, self.sign
        for price, size in source:
            try:
                value = float(price)
            except (TypeError, ValueError):
                raise ParseError(f"bad snapshot level {price!r} / {size!r}") from None
            key = value * sign
            old = prices.get(key)
            if size in _ZEROS or not _size_value(size) > 0.0:
                _check_removed_price(price, value)
                if old is not None:
                    del sizes[prices.pop(key)]
                continue
            _check_new_price(price, value)
            if old is not None:
                _check_same_price(old, price)
                del sizes[old]
            prices[key] = price
            sizes[price] = size
        self.keys.extend(sorted(prices))

    def best(self) -> Level | None:
        keys = self.keys
        if not keys:
            return None
        price = self.prices[keys[-1]]
        return price, self.sizes[price]

    def read(self, n: int | None) -> list[tuple[Decimal, Decimal]]:
        """Up to ``n`` levels (all when None), best first, as exact Decimals."""
        keys = self.keys
        if n is None:
            chosen: Iterable[float] = reversed(keys)
        elif n <= 0:
            return []
        else:
            chosen = keys[-1 : -n - 1 : -1]
        decimal, sizes = Decimal, self.sizes
        spellings = map(self.prices.__getitem__, chosen)
        return [(decimal(price), decimal(sizes[price])) for price in spellings]


class OrderBook:
    """Level-2 book: absolute sizes per price, exact Decimal reads, float keys inside.

    ``last_update_id`` is a plain attribute (read it freely; write it with
    ``set_update_id`` or one of the ``apply_*`` methods)."""

    __slots__ = ("_asks", "_bids", "last_update_id")

    def __init__(self) -> None:
        self._bids = _Side(1.0)
        self._asks = _Side(-1.0)
        self.last_update_id = 0

    # ------------------------------------------------------------------ writes
    def apply_bid(self, price: str, size: str) -> None:
        """Set the bid level ``price`` to the absolute ``size`` (zero removes it)."""
        self._bids.apply(price, size)

    def apply_ask(self, price: str, size: str) -> None:
        """Set the ask level ``price`` to the absolute ``size`` (zero removes it)."""
        self._asks.apply(price, size)

    def apply_snapshot(
        self, bids: Iterable[tuple[str, str]], asks: Iterable[tuple[str, str]], update_id: int
    ) -> None:
        """Replace the whole book. Zero-size levels in the snapshot are skipped."""
        self.clear()
        try:
            self._bids.load(bids)
            self._asks.load(asks)
        except ParseError:
            self.clear()
            raise
        self.last_update_id = update_id

    def apply_diffs(
        self, bids: Iterable[tuple[str, str]], asks: Iterable[tuple[str, str]], update_id: int
    ) -> None:
        """``apply_changes`` of ``(price, size)`` pairs (the same writer; the crossing
        flag is dropped). On ``ParseError`` the changes before the bad one stay applied."""
        self.apply_changes(
            [(price, size, None) for price, size in bids],
            [(price, size, None) for price, size in asks],
            update_id,
        )

    def apply_changes(
        self, bids: Sequence[Sequence[Any]], asks: Sequence[Sequence[Any]], update_id: int
    ) -> bool:
        """THE book write of one message (the one writer): ``(price, size, anything)``
        changes, each side applied in the order given, then ``last_update_id =
        update_id``. An update of a level under its stored spelling is done here (no
        price parse); everything else is ``_Side.apply``. A price spelled exactly ``"0"``
        (never a level: exchanges use it for sequence-only entries) is skipped (its size
        is still checked). Returns ``is_crossed()`` afterwards.

        On ``ParseError`` the changes before the bad one stay applied (callers resync)."""
        # The same loop for each side, written out (not a loop over the two sides: building
        # and unpacking the pairs cost ~110 ns a message, a fifth of a one-change write;
        # bench/level2_fast_cases.py). ``test_order_book`` drives both sides.
        side = self._bids
        if bids:
            sizes = side.sizes
            for price, size, _ in bids:
                if price in sizes and size not in _ZEROS:
                    try:
                        valid = 0.0 < float(size) <= MAX_SIZE
                    except ValueError:
                        valid = False
                    if valid:
                        sizes[price] = size
                        continue
                if price != "0":
                    side.apply(price, size)
                elif size not in _ZEROS:
                    _size_value(size)  # a sequence-only change still carries a valid size
        bid_keys = side.keys
        side = self._asks
        if asks:
            sizes = side.sizes
            for price, size, _ in asks:
                if price in sizes and size not in _ZEROS:
                    try:
                        valid = 0.0 < float(size) <= MAX_SIZE
                    except ValueError:
                        valid = False
                    if valid:
                        sizes[price] = size
                        continue
                if price != "0":
                    side.apply(price, size)
                elif size not in _ZEROS:
                    _size_value(size)  # a sequence-only change still carries a valid size
        self.last_update_id = update_id
        ask_keys = side.keys  # is_crossed() inlined
        if bid_keys and ask_keys and bid_keys[-1] >= -ask_keys[-1]:
            return self.is_crossed()
        return False

    def set_update_id(self, update_id: int) -> None:
        """Record the sequence number the book is at."""
        self.last_update_id = update_id

    def clear(self) -> None:
        """Empty both sides and reset the sequence number."""
        self._bids.clear()
        self._asks.clear()
        self.last_update_id = 0

    # ------------------------------------------------------------------ reads
    @property
    def best_bid(self) -> Decimal | None:
        """The highest bid price (None when there are no bids)."""
        side = self._bids
        keys = side.keys
        return Decimal(side.prices[keys[-1]]) if keys else None

    @property
    def best_ask(self) -> Decimal | None:
        """The lowest ask price (None when there are no asks)."""
        side = self._asks
        keys = side.keys
        return Decimal(side.prices[keys[-1]]) if keys else None

    def best_bid_level(self) -> tuple[Decimal, Decimal] | None:
        """The best bid as (price, size), None when empty."""
        level = self._bids.best()
        return None if level is None else (Decimal(level[0]), Decimal(level[1]))

    def best_ask_level(self) -> tuple[Decimal, Decimal] | None:
        """The best ask as (price, size), None when empty."""
        level = self._asks.best()
        return None if level is None else (Decimal(level[0]), Decimal(level[1]))

    @property
    def mid_price(self) -> Decimal | None:
        """The midpoint of the best bid and the best ask (None when a side is empty)."""
        bid, ask = self.best_bid, self.best_ask
        if bid is None or ask is None:
            return None
        return (bid + ask) / 2

    @property
    def bid_depth(self) -> int:
        """The number of bid levels."""
        return len(self._bids.keys)

    @property
    def ask_depth(self) -> int:
        """The number of ask levels."""
        return len(self._asks.keys)

    def bids(self, n: int | None = None) -> list[tuple[Decimal, Decimal]]:
        """Up to ``n`` bid levels (all when None), best (highest) first."""
        return self._bids.read(n)

    def asks(self, n: int | None = None) -> list[tuple[Decimal, Decimal]]:
        """Up to ``n`` ask levels (all when None), best (lowest) first."""
        return self._asks.read(n)

    def is_crossed(self) -> bool:
        """True when both sides exist and best bid >= best ask."""
        bid_keys, ask_keys = self._bids.keys, self._asks.keys
        if not bid_keys or not ask_keys:
            return False
        bid, ask = bid_keys[-1], -ask_keys[-1]
        if bid != ask:
            return bid > ask
        # Equal floats: decide exactly (only differs beyond float resolution).
        bid_price = Decimal(self._bids.prices[bid])
        return bid_price >= Decimal(self._asks.prices[-ask])

    # ------------------------------------------------------------- queries
    def _walk(self, is_buy: bool) -> Iterator[tuple[Decimal, Decimal]]:
        """Levels a taker walks through: asks for a buy, bids for a sell, best first."""
        side = self._asks if is_buy else self._bids
        prices, sizes = side.prices, side.sizes
        for key in reversed(side.keys):
            price = prices[key]
            yield Decimal(price), Decimal(sizes[price])

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
            f"last_update_id={self.last_update_id})"
        )
