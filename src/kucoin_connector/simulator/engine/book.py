"""One symbol's order book for the matching engine.

Each side keeps ``levels``: price -> deque of resting orders (time priority), ``visible``:
price -> the level's visible size (what level2 shows; hidden orders add 0, icebergs their
current slice), and a sorted key list (bisect) whose LAST element is the best price (bids
keyed by price, asks by -price), so removing the best level is O(1).
Mutators return the level's new visible size when it changed, else None, so the engine
can emit exactly one level2 change per visible change.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque
from decimal import Decimal

from kucoin_connector.simulator.engine.models import BUY, ZERO, Order, SymbolSpec, Trade


class BookSide:
    __slots__ = ("_keys", "_neg", "levels", "side", "visible")

    def __init__(self, side: str) -> None:
        self.side = side
        self._neg = side != BUY
        self._keys: list[Decimal] = []
        self.levels: dict[Decimal, deque[Order]] = {}
        self.visible: dict[Decimal, Decimal] = {}

    def best_price(self) -> Decimal | None:
        keys = self._keys
        if not keys:
            return None
        key = keys[-1]
        return -key if self._neg else key

    def __len__(self) -> int:
        return len(self._keys)

    def prices(self) -> list[Decimal]:
        """All level prices, best first."""
        keys = reversed(self._keys)
        return [-k for k in keys] if self._neg else list(keys)

    def add(self, order: Order) -> Decimal | None:
        price = order.price
        queue = self.levels.get(price)
        if queue is None:
            queue = self.levels[price] = deque()
            self.visible[price] = ZERO
            insort(self._keys, -price if self._neg else price)
        queue.append(order)
        return self.change_visible(price, order.visible)

    def change_visible(self, price: Decimal, delta: Decimal) -> Decimal | None:
        if not delta:
            return None
        size = self.visible[price] + delta
        self.visible[price] = size
        return size

    def remove(self, order: Order) -> Decimal | None:
        """Take an order out of its level (cancel / filled maker)."""
        price = order.price
        queue = self.levels[price]
        if queue[0] is order:
            queue.popleft()
        else:
            queue.remove(order)
        changed = self.change_visible(price, -order.visible)
        if not queue:
            self._drop_level(price)
        return changed

    def fill_maker(self, maker: Order, qty: Decimal) -> Decimal | None:
        """Account for ``qty`` of the level's FIRST order (``maker``) having executed
        (its deal/remain fields already updated): shrink its visible part, refill an
        exhausted iceberg slice at the back of the level, drop it when fully filled."""
        price = maker.price
        delta = ZERO
        if maker.iceberg:
            maker.visible -= qty
            delta = -qty
            if maker.remain_size and not maker.visible:
                refill = min(maker.visible_size, maker.remain_size)
                maker.visible = refill
                delta += refill
                queue = self.levels[price]
                queue.popleft()
                queue.append(maker)
        elif not maker.hidden:
            maker.visible -= qty
            delta = -qty
        changed = self.change_visible(price, delta)
        if not maker.remain_size:
            self.remove(maker)
        return changed

    def _drop_level(self, price: Decimal) -> None:
        del self.levels[price]
        del self.visible[price]
        keys = self._keys
        key = -price if self._neg else price
        if keys[-1] == key:
            keys.pop()
        else:
            del keys[bisect_left(keys, key)]

    def depth(self, depth: int | None = None) -> list[tuple[Decimal, Decimal]]:
        """Visible levels (price, size), best first; levels with only hidden orders skipped."""
        out: list[tuple[Decimal, Decimal]] = []
        visible = self.visible
        for price in self.prices():
            size = visible[price]
            if size:
                out.append((price, size))
                if depth is not None and len(out) >= depth:
                    break
        return out

    def orders(self) -> list[Order]:
        """Every resting order, priority order."""
        levels = self.levels
        return [order for price in self.prices() for order in levels[price]]


class SymbolBook:
    """A symbol's book plus its sequences, stop orders, last price and recent trades."""

    __slots__ = (
        "asks",
        "bids",
        "last_price",
        "sequence",
        "spec",
        "stops",
        "trade_sequence",
        "trades",
    )

    def __init__(self, spec: SymbolSpec, initial_sequence: int, recent_trades: int) -> None:
        self.spec = spec
        self.bids = BookSide("buy")
        self.asks = BookSide("sell")
        self.sequence = initial_sequence
        self.trade_sequence = initial_sequence
        self.stops: list[Order] = []  # untriggered stop orders, arrival order
        self.last_price: Decimal | None = None
        self.trades: deque[Trade] = deque(maxlen=max(1, recent_trades))

    def side(self, side: str) -> BookSide:
        return self.bids if side == BUY else self.asks

    def opposite(self, side: str) -> BookSide:
        return self.asks if side == BUY else self.bids

    def is_crossed(self) -> bool:
        bid = self.bids.best_price()
        ask = self.asks.best_price()
        return bid is not None and ask is not None and bid >= ask
