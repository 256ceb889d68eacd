"""Matching core of the simulator engine (state, order lifecycle, matching, settlement).

``MatchingEngine`` (engine.py) adds the public API and queries on top of ``EngineCore``.
The behaviour choices are documented in engine.py's module docstring.
"""

from __future__ import annotations

import heapq
from decimal import Decimal

from kucoin_connector.simulator.engine.accounts import Accounts
from kucoin_connector.simulator.engine.book import BookSide, SymbolBook
from kucoin_connector.simulator.engine.execution import (
    apply_fill,
    build_order,
    check_rates,
    crosses,
    fok_fillable,
    make_fill,
)
from kucoin_connector.simulator.engine.listener import EngineListener, NullListener
from kucoin_connector.simulator.engine.models import (
    BUY,
    LIMIT,
    MARKET,
    ZERO,
    ClockMs,
    EngineError,
    Fill,
    IdFactory,
    Order,
    OrderRequest,
    Reject,
    SequentialIds,
    SymbolSpec,
    Trade,
)
from kucoin_connector.simulator.engine.settlement import Settlement, SpotSettlement
from kucoin_connector.simulator.engine.validation import validate_request

# why the matching loop stopped
_STOP_DONE = 0  # the taker has nothing left it can execute
_STOP_BOOK = 1  # no more crossing liquidity
_STOP_STP = 2  # the taker was cancelled by self-trade prevention


class EngineCore:
    """State and the order lifecycle. Not used directly: see ``MatchingEngine``."""

    def __init__(
        self,
        accounts: Accounts,
        *,
        clock_ms: ClockMs,
        listener: EngineListener | None,
        maker_fee_rate: Decimal,
        taker_fee_rate: Decimal,
        id_factory: IdFactory | None,
        max_active_orders_per_symbol: int | None,
        recent_trades: int,
        initial_sequence: int,
        settlement: Settlement | None = None,
    ) -> None:
        check_rates(maker_fee_rate, taker_fee_rate)
        self._accounts = accounts
        self._settlement: Settlement = (
            settlement if settlement is not None else SpotSettlement(accounts)
        )
        self._clock_ms = clock_ms
        self._listener: EngineListener = listener if listener is not None else NullListener()
        if accounts.listener is None and listener is not None:
            accounts.listener = listener
        self._ids: IdFactory = id_factory if id_factory is not None else SequentialIds()
        self._maker_rate = maker_fee_rate
        self._taker_rate = taker_fee_rate
        self._fee_overrides: dict[str, tuple[Decimal, Decimal]] = {}
        self._max_active = max_active_orders_per_symbol
        self._recent_trades = recent_trades
        self._initial_sequence = initial_sequence
        self._books: dict[str, SymbolBook] = {}
        self._orders: dict[str, Order] = {}
        self._user_orders: dict[str, list[Order]] = {}
        self._client_oids: dict[tuple[str, str], Order] = {}
        self._active: dict[str, dict[str, Order]] = {}
        self._fills: dict[str, list[Fill]] = {}
        self._gtt: list[tuple[int, int, Order]] = []
        self._seq = 0
        self._in_stops = False

    # ---- helpers -------------------------------------------------------------------
    def _book(self, symbol: str) -> SymbolBook:
        book = self._books.get(symbol)
        if book is None:
            raise EngineError(Reject.UNKNOWN_SYMBOL, f"symbol {symbol} not exists")
        return book

    def _rates(self, user_id: str) -> tuple[Decimal, Decimal]:
        rates = self._fee_overrides.get(user_id)
        return rates if rates is not None else (self._maker_rate, self._taker_rate)

    def _l2(self, book: SymbolBook, side: str, price: Decimal, size: Decimal, now: int) -> None:
        book.sequence += 1
        self._listener.on_level2_change(book.spec.symbol, side, price, size, book.sequence, now)

    def _emit(
        self,
        order: Order,
        event: str,
        now: int,
        fill: Fill | None = None,
        old_size: Decimal | None = None,
    ) -> None:
        self._listener.on_order_event(order, event, fill, old_size, now)

    # ---- placement -----------------------------------------------------------------
    def _place(self, user_id: str, req: OrderRequest) -> Order:
        now = self._clock_ms()
        if self._gtt:
            self._expire(now)
        book, order, currency, amount = self._admit(user_id, req, now)
        self._enter(book, order, now, currency, amount)
        return order

    def _admit(
        self,
        user_id: str,
        req: OrderRequest,
        now: int,
        *,
        probe: bool = False,
        replacing: Order | None = None,
    ) -> tuple[SymbolBook, Order, str, Decimal]:
        """Every check of a placement; EngineError and nothing changed when one fails.
        ``probe``: a test order (no id or arrival sequence used). ``replacing``: the order
        an amend replaces (its clientOid may be reused, its hold counts as available and
        it does not count against the active-order limit)."""
        book = self._book(req.symbol)
        spec = book.spec
        validate_request(spec, req)
        if replacing is None:
            if req.client_oid and (user_id, req.client_oid) in self._client_oids:
                raise EngineError(Reject.DUPLICATE_CLIENT_ID, "The clientOid already exists")
            self._check_active_limit(user_id, req)
        order = self._new_order(user_id, req, spec, now, probe=probe)
        if order.stop and self._settlement.defers_hold(order):
            return book, order, "", ZERO
        extra = replacing.hold_remaining if replacing is not None else ZERO
        currency, amount = self._hold_plan(book, order, extra)
        return book, order, currency, amount

    def _enter(
        self, book: SymbolBook, order: Order, now: int, currency: str, amount: Decimal
    ) -> None:
        """Register an admitted order and run it (or park it when it is a stop order)."""
        self._register(order)
        if order.stop:
            if currency:
                self._hold(order, currency, amount)
            book.stops.append(order)
            self._emit(order, "stop", now)
            return
        self._start(book, order, now, currency, amount)

    def _check_active_limit(self, user_id: str, req: OrderRequest) -> None:
        limit = self._max_active
        if limit is None:
            return
        count = sum(
            1
            for o in self._active.get(user_id, {}).values()
            if o.symbol == req.symbol and o.account_type == req.account_type
        )
        if count >= limit:
            raise EngineError(
                Reject.TOO_MANY_ORDERS, f"the maximum of {limit} active orders is reached"
            )

    def _new_order(
        self, user_id: str, req: OrderRequest, spec: SymbolSpec, now: int, *, probe: bool = False
    ) -> Order:
        if not probe:
            self._seq += 1
        order_id = "" if probe else self._ids()
        return build_order(order_id, self._seq, user_id, req, spec, now)

    def _hold_plan(
        self, book: SymbolBook, order: Order, extra_available: Decimal = ZERO
    ) -> tuple[str, Decimal]:
        """The currency and amount to hold; EngineError when it may not be placed.
        ``extra_available``: a hold about to be released (an amended order's)."""
        taker_rate = self._rates(order.user_id)[1]
        opposite = book.opposite(order.side)
        return self._settlement.plan_hold(order, book.spec, taker_rate, opposite, extra_available)

    def _register(self, order: Order) -> None:
        uid = order.user_id
        self._orders[order.id] = order
        orders = self._user_orders.get(uid)
        if orders is None:
            orders = self._user_orders[uid] = []
        orders.append(order)
        if order.client_oid:
            self._client_oids[(uid, order.client_oid)] = order
        active = self._active.get(uid)
        if active is None:
            active = self._active[uid] = {}
        active[order.id] = order
        if order.expire_at_ms:
            heapq.heappush(self._gtt, (order.expire_at_ms, order.seq, order))

    def _hold(self, order: Order, currency: str, amount: Decimal) -> None:
        """Record the hold on the order; the settlement moves the money."""
        order.hold_currency = currency
        order.hold_remaining = amount
        self._settlement.hold(order, currency, amount)

    def _release_hold(self, order: Order, amount: Decimal) -> None:
        """Release up to ``amount`` of what the order still holds."""
        if amount <= 0 or not order.hold_currency:
            return
        amount = min(amount, order.hold_remaining)
        order.hold_remaining -= amount
        self._settlement.release(order, amount)

    # ---- lifecycle -----------------------------------------------------------------
    def _start(
        self,
        book: SymbolBook,
        order: Order,
        now: int,
        currency: str = "",
        amount: Decimal = ZERO,
    ) -> None:
        """Run an accepted (or just triggered) order through the book. ``currency``/
        ``amount``: the hold to place first (a triggered stop computes its own if it has
        none)."""
        rejected = False
        if order.stop and not order.hold_currency:
            try:
                currency, amount = self._hold_plan(book, order)
            except EngineError:
                rejected = True
        if rejected or not self._can_execute(book, order):
            self._emit(order, "received", now)
            self._finish(order, "canceled", now)
            return
        if currency:
            self._hold(order, currency, amount)
        self._emit(order, "received", now)
        traded_before = book.trade_sequence
        reason = self._match(book, order, now)
        self._conclude(book, order, reason, now)
        if book.trade_sequence != traded_before and book.stops and not self._in_stops:
            self._in_stops = True
            try:
                self._run_stops(book, now)
            finally:
                self._in_stops = False

    def _can_execute(self, book: SymbolBook, order: Order) -> bool:
        """False for a post-only order that would take or a FOK order that cannot fill
        completely (such orders are received then canceled, untouched)."""
        if order.type != LIMIT:
            return True
        if order.post_only:
            best = book.opposite(order.side).best_price()
            return best is None or not crosses(order, best)
        if order.time_in_force == "FOK":
            return fok_fillable(book.opposite(order.side), order)
        return True

    def _conclude(self, book: SymbolBook, order: Order, reason: int, now: int) -> None:
        """After matching: filled, canceled or rest the taker."""
        if order.type == MARKET:
            if order.size:
                filled = not order.remain_size
            else:
                spent = reason == _STOP_DONE or not order.remain_funds
                filled = spent and order.deal_size > 0
            self._finish(order, "filled" if filled else "canceled", now)
        elif not order.remain_size:
            self._finish(order, "filled", now)
        elif reason == _STOP_STP or order.time_in_force in ("IOC", "FOK"):
            self._finish(order, "canceled", now)
        else:
            self._rest(book, order, now)

    def _rest(self, book: SymbolBook, order: Order, now: int) -> None:
        if order.iceberg:
            order.visible = min(order.visible_size, order.remain_size)
        elif not order.hidden:
            order.visible = order.remain_size
        order.status = "open"
        order.updated_at_ms = now
        changed = book.side(order.side).add(order)
        self._emit(order, "open", now)
        if changed is not None:
            self._l2(book, order.side, order.price, changed, now)

    def _finish(self, order: Order, reason: str, now: int) -> None:
        order.status = "done"
        order.done_reason = reason
        order.is_active = False
        order.updated_at_ms = now
        if reason == "canceled":
            order.cancelled_size = order.remain_size
            order.remain_size = ZERO
            order.cancel_exist = True
        if order.hold_remaining:
            self._release_hold(order, order.hold_remaining)
        active = self._active.get(order.user_id)
        if active is not None:
            active.pop(order.id, None)
        self._emit(order, reason, now)

    def _cancel_active(self, order: Order, now: int) -> None:
        """Cancel a resting order or an untriggered stop order."""
        book = self._books[order.symbol]
        if order.status == "stop":
            book.stops.remove(order)
        elif order.status == "open":
            changed = book.side(order.side).remove(order)
            if changed is not None:
                self._l2(book, order.side, order.price, changed, now)
        self._finish(order, "canceled", now)

    def _expire(self, now: int) -> list[str]:
        heap = self._gtt
        expired: list[str] = []
        while heap and heap[0][0] <= now:
            order = heapq.heappop(heap)[2]
            if order.is_active:
                self._cancel_active(order, now)
                expired.append(order.id)
        return expired

    def _run_stops(self, book: SymbolBook, now: int) -> None:
        """Trigger stop orders whose condition the last trade price meets (cascading)."""
        while book.stops and book.last_price is not None:
            last = book.last_price
            fired = [
                o
                for o in book.stops
                if (last <= o.stop_price if o.stop == "loss" else last >= o.stop_price)
            ]
            if not fired:
                return
            fired_ids = {o.id for o in fired}
            book.stops = [o for o in book.stops if o.id not in fired_ids]
            for order in fired:
                order.stop_triggered = True
                order.status = "new"
                order.updated_at_ms = now
                self._emit(order, "triggered", now)
                self._start(book, order, now)

    # ---- matching ------------------------------------------------------------------
    def _match(self, book: SymbolBook, taker: Order, now: int) -> int:
        side_book = book.opposite(taker.side)
        levels = side_book.levels
        buy = taker.side == BUY
        limit = taker.price if taker.type == LIMIT else None
        stp = taker.stp
        taker_rate = self._rates(taker.user_id)[1]
        while True:
            best = side_book.best_price()
            if best is None or (limit is not None and (best > limit if buy else best < limit)):
                return _STOP_BOOK
            qty = self._settlement.capacity(book.spec, taker, best, taker_rate)
            if qty <= 0:
                return _STOP_DONE
            maker = levels[best][0]
            if stp and maker.user_id == taker.user_id:
                if not self._self_trade(book, taker, maker, now):
                    return _STOP_STP
                continue
            avail = maker.visible if maker.iceberg else maker.remain_size
            self._execute(book, side_book, taker, maker, best, min(qty, avail), now)

    def _self_trade(self, book: SymbolBook, taker: Order, maker: Order, now: int) -> bool:
        """Apply the taker's STP mode; True when the taker goes on matching."""
        mode = taker.stp
        if mode == "CN":
            return False
        if mode in ("CO", "CB"):
            self._cancel_active(maker, now)
            return mode == "CO"
        t_left, m_left = taker.remain_size, maker.remain_size  # DC (never a market taker)
        if t_left > m_left:
            self._cancel_active(maker, now)
            self._decrease(taker, m_left, now)
            return True
        if t_left < m_left:
            self._shrink(book, maker, t_left, now)
            return False
        self._cancel_active(maker, now)
        return False

    def _shrink(self, book: SymbolBook, order: Order, amount: Decimal, now: int) -> None:
        """Decrease an active order's size by ``amount`` (< its remaining size) in place:
        it keeps its place in the queue; the level's visible size follows."""
        self._decrease(order, amount, now)
        if order.status != "open":
            return
        old_visible = order.visible
        if order.iceberg:
            order.visible = min(order.visible, order.remain_size)
        elif not order.hidden:
            order.visible = order.remain_size
        changed = book.side(order.side).change_visible(order.price, order.visible - old_visible)
        if changed is not None:
            self._l2(book, order.side, order.price, changed, now)

    def _decrease(self, order: Order, amount: Decimal, now: int) -> None:
        """Shrink an order's size by ``amount`` and release that part's hold (STP DC,
        partial cancel)."""
        old_size = order.size
        order.size -= amount
        order.remain_size -= amount
        order.updated_at_ms = now
        self._release_hold(order, amount * order.hold_unit if order.hold_unit else amount)
        self._emit(order, "update", now, old_size=old_size)

    def _execute(
        self,
        book: SymbolBook,
        side_book: BookSide,
        taker: Order,
        maker: Order,
        price: Decimal,
        qty: Decimal,
        now: int,
    ) -> None:
        spec = book.spec
        funds = price * qty if spec.multiplier == 1 else price * qty * spec.multiplier
        maker_rates = self._rates(maker.user_id)
        maker_rate = maker_rates[1] if (maker.hidden or maker.iceberg) else maker_rates[0]
        taker_rate = self._rates(taker.user_id)[1]
        maker_fee = funds * maker_rate
        taker_fee = funds * taker_rate
        apply_fill(maker, qty, funds, maker_fee, now)
        apply_fill(taker, qty, funds, taker_fee, now)
        if taker.funds:
            taker.remain_funds -= funds + taker_fee if taker.side == BUY else funds
        trade_id = self._ids()
        book.trade_sequence += 1
        trade = Trade(
            spec.symbol,
            trade_id,
            book.trade_sequence,
            price,
            qty,
            taker.side,
            maker.id,
            taker.id,
            now,
        )
        book.trades.append(trade)
        book.last_price = price
        self._listener.on_trade(trade)
        maker_fill = self._record_fill(maker, taker, trade, "maker", maker_fee, maker_rate)
        taker_fill = self._record_fill(taker, maker, trade, "taker", taker_fee, taker_rate)
        self._emit(maker, "match", now, maker_fill)
        self._emit(taker, "match", now, taker_fill)
        changed = side_book.fill_maker(maker, qty)
        if changed is not None:
            self._l2(book, maker.side, maker.price, changed, now)
        if taker.side == BUY:
            fees = (taker_fee, maker_fee)
            self._settlement.settle(spec, taker, maker, qty, price, funds, fees, trade_id, now)
        else:
            fees = (maker_fee, taker_fee)
            self._settlement.settle(spec, maker, taker, qty, price, funds, fees, trade_id, now)
        if not maker.remain_size:
            self._finish(maker, "filled", now)

    def _record_fill(
        self,
        order: Order,
        counter: Order,
        trade: Trade,
        liquidity: str,
        fee: Decimal,
        rate: Decimal,
    ) -> Fill:
        fill = make_fill(order, counter, trade, liquidity, fee, rate)
        fills = self._fills.get(order.user_id)
        if fills is None:
            fills = self._fills[order.user_id] = []
        fills.append(fill)
        return fill
