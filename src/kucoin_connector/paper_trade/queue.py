"""Queue position of paper orders resting at one price, from level sizes and trades.

A paper order arrives behind the visible size at its price. Trades at the price move the
queue forward by the traded size; once an order is at the front, the rest of a trade
fills it. Size that leaves the level without a trade (a cancel ahead of us, or behind us:
the public feed cannot tell) moves the queue forward only as ``QueueSettings`` allows:
``CancelAdvance.NONE`` (the default, risk averse: never) or ``PROPORTIONAL`` (by the
share of the level that stood ahead of the order).

Book updates and trades arrive on different streams and in either order, so a level
decrease and the trade that explains it are paired: a decrease waits up to
``trade_match_window_ms`` for its trade (and a trade for its decrease) before it counts
as a cancel. Until then the queue ahead is bounded by the visible size plus the waiting
decreases, so one execution never advances the queue twice.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from .models import ZERO, Fill, RestingOrder


class CancelAdvance(Enum):
    """How size leaving a level without a trade moves a resting paper order forward."""

    NONE = "none"  # risk averse: only trades move an order forward
    PROPORTIONAL = "proportional"  # by the share of the level ahead of the order


@dataclass(frozen=True, slots=True)
class QueueSettings:
    """The queue model's choices: cancel advance, how long a level decrease waits for its
    trade, and whether a trade through the price fills the whole order."""

    cancel_advance: CancelAdvance = CancelAdvance.NONE
    trade_match_window_ms: int = 1000
    through_fills_all: bool = False  # a trade through the price fills the whole order


@dataclass(slots=True)
class _Waiting:
    ts_ms: int
    amount: Decimal


class _Pending:
    """Amounts waiting for their counterpart, oldest first."""

    def __init__(self) -> None:
        self._items: deque[_Waiting] = deque()

    @property
    def total(self) -> Decimal:
        return sum((item.amount for item in self._items), ZERO)

    def add(self, ts_ms: int, amount: Decimal) -> None:
        if amount > 0:
            self._items.append(_Waiting(ts_ms, amount))

    def take(self, amount: Decimal) -> Decimal:
        """Remove up to ``amount``, oldest first; return what was removed."""
        taken = ZERO
        while self._items and taken < amount:
            item = self._items[0]
            part = min(amount - taken, item.amount)
            item.amount -= part
            taken += part
            if item.amount == 0:
                self._items.popleft()
        return taken

    def expire(self, before_ms: int) -> Decimal:
        """Remove the amounts older than ``before_ms``; return their sum."""
        expired = ZERO
        while self._items and self._items[0].ts_ms < before_ms:
            expired += self._items.popleft().amount
        return expired


class PriceQueue:
    """Our paper orders resting at one price on one side, and that level's visible size."""

    def __init__(self, price: Decimal, visible: Decimal, settings: QueueSettings) -> None:
        self.price = price
        self.visible = visible
        self._settings = settings
        self._orders: list[RestingOrder] = []
        self._unexplained = _Pending()  # level decreases not (yet) matched by a trade
        self._unmatched_trades = _Pending()  # trades not (yet) seen as a level decrease

    @property
    def orders(self) -> list[RestingOrder]:
        return self._orders

    def add(self, order: RestingOrder, *, improves_book: bool) -> None:
        """Queue ``order`` behind the visible size (and any decrease still unexplained)."""
        order.queue_ahead = ZERO if improves_book else self.visible + self._unexplained.total
        self._orders.append(order)

    def remove(self, order_id: str) -> RestingOrder | None:
        for index, order in enumerate(self._orders):
            if order.order_id == order_id:
                return self._orders.pop(index)
        return None

    def on_visible(self, size: Decimal, ts_ms: int) -> None:
        """The level's visible size is now ``size``."""
        decrease = self.visible - size
        self.visible = size
        if decrease > 0:
            explained = self._unmatched_trades.take(decrease)
            self._unexplained.add(ts_ms, decrease - explained)
        self.settle(ts_ms)

    def on_trade(self, size: Decimal, ts_ms: int) -> list[Fill]:
        """A trade of ``size`` at this price: advance the queue, fill who is at the front."""
        explained = self._unexplained.take(size)
        self._unmatched_trades.add(ts_ms, size - explained)
        fills: list[Fill] = []
        budget = size
        real_consumed = ZERO
        for order in sorted(self._orders, key=lambda o: (o.queue_ahead, o.sequence)):
            step = min(budget, max(ZERO, order.queue_ahead - real_consumed))
            budget -= step
            real_consumed += step
            order.queue_ahead = max(ZERO, order.queue_ahead - real_consumed)
            if budget > 0 and order.queue_ahead == 0 and order.remaining > 0:
                amount = min(budget, order.remaining)
                budget -= amount
                fills.append(Fill(order.order_id, self.price, amount, True, ts_ms))
        return fills

    def settle(self, ts_ms: int) -> None:
        """Decreases that found no trade in time are cancels: advance as configured; bound
        every queue by what can still stand ahead of it."""
        horizon = ts_ms - self._settings.trade_match_window_ms
        self._unmatched_trades.expire(horizon)
        cancelled = self._unexplained.expire(horizon)
        if cancelled > 0 and self._settings.cancel_advance is CancelAdvance.PROPORTIONAL:
            before = self.visible + self._unexplained.total + cancelled
            for order in self._orders:
                if before > 0:
                    share = min(order.queue_ahead, before) / before
                    order.queue_ahead = max(ZERO, order.queue_ahead - cancelled * share)
        bound = self.visible + self._unexplained.total
        for order in self._orders:
            order.queue_ahead = min(order.queue_ahead, bound)
