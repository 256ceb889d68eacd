"""The paper matching engine of one trading pair: sans-I/O and deterministic.

Fed the venue's public data (``on_book`` with the whole visible book, ``on_trade`` with
each public trade) and our orders (``submit``, ``cancel``), it returns the fills:

- a marketable order (MARKET, or a LIMIT crossing the book) walks the visible book level
  by level as a taker, stops at its limit price, and the liquidity it took is not taken
  again (``walk.ConsumedLiquidity``); an IOC or market remainder is cancelled, a FOK that
  cannot fill completely is cancelled untouched, a post-only order that would take is
  cancelled untouched (as KuCoin does), a GTC remainder rests at the front of its level;
- a resting order keeps its queue position (``queue.PriceQueue``): trades at its price
  fill it partially once the queue ahead is gone;
- a trade through its price fills it, at its own price, as a maker, by the traded size
  (the taker met it first; ``QueueSettings.through_fills_all`` fills it completely);
- the opposite book crossing its price fills it by the size that crosses (as a maker, at
  its own price), that size being consumed like a taker's.

The same inputs in the same order always give the same fills.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from kucoin_connector.core.types import OrderType, TimeInForce, TradeType

from .models import (
    ZERO,
    Fill,
    Outcome,
    PaperOrderRequest,
    PublicTrade,
    RestingOrder,
    SubmitResult,
)
from .queue import PriceQueue, QueueSettings
from .walk import ConsumedLiquidity, Level, WalkLimits, fillable, walk_book

_BUY, _SELL = TradeType.BUY, TradeType.SELL


class PaperMatcher:
    """One pair's paper matching: resting orders with their queue positions, fed the
    public book and trades; marketable orders walk the book."""

    def __init__(self, settings: QueueSettings | None = None) -> None:
        self._settings = settings or QueueSettings()
        self._bids: list[Level] = []  # best first
        self._asks: list[Level] = []
        self._bid_sizes: dict[Decimal, Decimal] = {}
        self._ask_sizes: dict[Decimal, Decimal] = {}
        self._queues: dict[tuple[TradeType, Decimal], PriceQueue] = {}
        self._orders: dict[str, RestingOrder] = {}
        self._consumed = {_BUY: ConsumedLiquidity(), _SELL: ConsumedLiquidity()}  # by taker
        self._sequence = 0

    # ------------------------------------------------------------------ queries
    def resting(self, order_id: str) -> RestingOrder | None:
        """A resting paper order by id (None when done or unknown)."""
        return self._orders.get(order_id)

    @property
    def resting_orders(self) -> list[RestingOrder]:
        """Every resting paper order of the pair."""
        return list(self._orders.values())

    def visible_for_taker(self, side: TradeType) -> list[Level]:
        """The opposite side as a paper taker on ``side`` sees it (consumed size removed)."""
        levels = self._asks if side is _BUY else self._bids
        return self._consumed[side].available(levels)

    # ------------------------------------------------------------------ market data
    def on_book(self, bids: Sequence[Level], asks: Sequence[Level], ts_ms: int) -> list[Fill]:
        """The venue's visible book is now ``bids`` / ``asks`` (best first)."""
        self._bids, self._asks = list(bids), list(asks)
        self._bid_sizes = dict(self._bids)
        self._ask_sizes = dict(self._asks)
        self._consumed[_BUY].on_levels(self._ask_sizes)
        self._consumed[_SELL].on_levels(self._bid_sizes)
        for (side, price), queue in self._queues.items():
            sizes = self._bid_sizes if side is _BUY else self._ask_sizes
            queue.on_visible(sizes.get(price, ZERO), ts_ms)
        return self._fill_crossed(_BUY, ts_ms) + self._fill_crossed(_SELL, ts_ms)

    def on_trade(self, trade: PublicTrade) -> list[Fill]:
        """A public trade: through an order's price fills it, at its price advances/fills."""
        fills: list[Fill] = []
        for side in (_BUY, _SELL):
            if trade.taker_side is side:
                continue  # a buy taker trades against asks: it never reaches our bids
            fills.extend(self._fill_through(side, trade))
            queue = self._queues.get((side, trade.price))
            if queue is not None:
                fills.extend(queue.on_trade(trade.size, trade.ts_ms))
        self._apply(fills)
        return fills

    def _fill_through(self, side: TradeType, trade: PublicTrade) -> list[Fill]:
        """Orders priced better than the trade: on the venue the taker met them first.

        By default they share the traded size (best price first): the taker would have
        taken that much from them before printing this trade. ``through_fills_all``
        fills them completely instead (optimistic; hftbacktest's and Hummingbot's rule).
        """
        fills: list[Fill] = []
        budget = trade.size
        for order in self._sorted(side):
            through = trade.price < order.price if side is _BUY else trade.price > order.price
            if not through or (budget <= 0 and not self._settings.through_fills_all):
                break
            amount = order.remaining
            if not self._settings.through_fills_all:
                amount = min(budget, amount)
                budget -= amount
            order.queue_ahead = ZERO
            fills.append(Fill(order.order_id, order.price, amount, True, trade.ts_ms))
        return fills

    def settle(self, ts_ms: int) -> None:
        """Let waiting level decreases count as cancels (call on a timer when quiet)."""
        for queue in self._queues.values():
            queue.settle(ts_ms)

    # ------------------------------------------------------------------ our orders
    def submit(self, request: PaperOrderRequest, ts_ms: int) -> SubmitResult:
        """Match a new order against the visible book; rest what a GTC limit leaves."""
        side = request.side
        is_limit = request.order_type is not OrderType.MARKET
        levels = self.visible_for_taker(side)
        limits = WalkLimits(
            amount=request.amount if request.quote_amount is None else None,
            funds=request.quote_amount,
            limit_price=request.price if is_limit else None,
            is_buy=side is _BUY,
            base_increment=request.base_increment,
            taker_fee_rate=request.taker_fee_rate,
        )
        executions = walk_book(levels, limits)
        if request.order_type is OrderType.LIMIT_MAKER and executions:
            return SubmitResult(Outcome.CANCELLED, (), "post-only order would take liquidity")
        if request.time_in_force is TimeInForce.FOK and fillable(levels, limits) < request.amount:
            return SubmitResult(Outcome.CANCELLED, (), "fill-or-kill order cannot fill completely")
        fills = tuple(Fill(request.order_id, p, a, False, ts_ms) for p, a in executions)
        for price, amount in executions:
            self._consumed[side].record(price, amount)
        filled = sum((f.amount for f in fills), ZERO)
        if not is_limit:
            done = (request.quote_amount is not None and bool(fills)) or filled == request.amount
            return SubmitResult(Outcome.FILLED if done else Outcome.CANCELLED, fills)
        if filled == request.amount:
            return SubmitResult(Outcome.FILLED, fills)
        if request.time_in_force in (TimeInForce.IOC, TimeInForce.FOK):
            return SubmitResult(Outcome.CANCELLED, fills)
        assert request.price is not None  # a limit order always has one (prepare_order)
        self._rest(request, request.amount - filled, improves=bool(fills))
        return SubmitResult(Outcome.RESTING, fills)

    def cancel(self, order_id: str) -> RestingOrder | None:
        """Take an order off the paper book; None if it is not resting (filled or unknown)."""
        order = self._orders.pop(order_id, None)
        if order is not None:
            self._queues[(order.side, order.price)].remove(order_id)
            self._drop_empty_queue(order)
        return order

    # ------------------------------------------------------------------ internals
    def _rest(self, request: PaperOrderRequest, remaining: Decimal, *, improves: bool) -> None:
        assert request.price is not None
        side, price = request.side, request.price
        sizes = self._bid_sizes if side is _BUY else self._ask_sizes
        key = (side, price)
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = PriceQueue(price, sizes.get(price, ZERO), self._settings)
        self._sequence += 1
        order = RestingOrder(request.order_id, side, price, remaining, ZERO, self._sequence)
        best = self._bids[0][0] if side is _BUY and self._bids else None
        if side is _SELL and self._asks:
            best = self._asks[0][0]
        better = best is None or (price > best if side is _BUY else price < best)
        queue.add(order, improves_book=improves or better)
        self._orders[order.order_id] = order

    def _sorted(self, side: TradeType) -> list[RestingOrder]:
        """Our resting orders of one side, best price first, then time."""
        orders = [o for o in self._orders.values() if o.side is side]
        sign = -1 if side is _BUY else 1
        return sorted(orders, key=lambda o: (sign * o.price, o.sequence))

    def _fill_crossed(self, side: TradeType, ts_ms: int) -> list[Fill]:
        """Resting orders the opposite book now crosses fill by the size crossing them."""
        fills: list[Fill] = []
        for order in self._sorted(side):
            levels = self.visible_for_taker(side)
            limits = WalkLimits(
                amount=order.remaining, limit_price=order.price, is_buy=side is _BUY
            )
            executions = walk_book(levels, limits)
            if not executions:
                break  # a worse-priced order of ours cannot be crossed either
            for price, amount in executions:
                self._consumed[side].record(price, amount)
            amount = sum((a for _, a in executions), ZERO)
            fills.append(Fill(order.order_id, order.price, amount, True, ts_ms))
            self._apply([fills[-1]])
        return fills

    def _apply(self, fills: list[Fill]) -> None:
        for fill in fills:
            order = self._orders.get(fill.order_id)
            if order is None:
                continue
            order.remaining -= fill.amount
            order.filled += fill.amount
            if order.remaining <= 0:
                self.cancel(order.order_id)

    def _drop_empty_queue(self, order: RestingOrder) -> None:
        key = (order.side, order.price)
        if not self._queues[key].orders:
            del self._queues[key]
