"""The simulator's matching engine: pure, synchronous, deterministic.

API CHANGES after the first published stub (all additive): ``MatchingEngine.accounts``,
``active_orders(user_id)``, ``is_crossed(symbol)``; ``Order.hold_unit``; Trade, BalanceChange,
LedgerEntry, HoldEntry, Level3Entry, Stats24h are no longer frozen (faster to build; do
not hash them). Listener/NullListener live in ``listener.py`` (re-exported here). Internals:
``matching.py`` (EngineCore), ``execution.py``, ``book.py``, ``validation.py``.

Behaviour choices (from the seed docs; server authors rely on these):

- Every accepted order gets ``received`` first. Untriggered stop orders get ``stop`` instead
  and, when triggered, ``triggered`` then ``received`` and the normal lifecycle.
- Post-only that would take liquidity, and FOK that cannot fill completely: the order is
  accepted (``place_order`` returns it, it has an id, REST answers 200000) and immediately
  ``canceled`` with no fill, no hold, no book change (KuCoin's behaviour: received ->
  canceled). ``place_order`` raises ``EngineError`` only for invalid requests / funds.
- Holds: limit buy holds ``price*size*(1+taker_fee_rate)`` quote (the seed: fees are
  pre-frozen at the taker rate and the unused part returned); sell holds ``size`` base;
  market buy by funds holds ``funds`` (fees included: funds is all it may spend); market
  buy by size holds the whole available quote balance for the duration of the order, and
  market sell by funds the whole available base balance (as the seed says). The rest of a
  hold is released when the order is done. Stop orders hold at placement the same way,
  except market-buy-by-size / market-sell-by-funds stops, which hold when triggered.
- Fees are charged in the quote currency on both sides: ``fee = price*size*rate`` exactly
  (no rounding). Maker rate for the resting side, taker rate for the incoming side;
  hidden and iceberg orders pay the taker rate even as makers (seed).
- Market orders are always takers; whatever cannot execute is canceled. Market-by-funds
  buy spends at most ``funds`` including fees; market-by-funds sell receives at most
  ``funds`` (gross). Sizes are floored to baseIncrement.
- STP uses the taker's flag when the maker is the same user. CN cancels the taker, CO the
  maker (taker continues), CB both, DC decreases the larger by the smaller and cancels the
  smaller (both when equal; size decrease emits ``update``). FOK forces CN when stp is set.
  DC is refused for market orders. Without STP a user may trade with himself.
- Stop orders trigger on the last trade price (seed, side independent): ``loss`` when it
  is <= stopPrice, ``entry`` when >= stopPrice; checked after every order that trades,
  not at placement.
- Iceberg: shows ``min(visible_size, remaining)``; a slice that is fully taken is refilled
  and the order goes to the back of its price level (loses time priority).
- Level2: per symbol, every change of a price level's visible size gets its own sequence
  (contiguous, starting at ``initial_sequence`` + 1) and reports the absolute visible size
  (0 = level removed). Public trades have their own per-symbol sequence.
- Duplicate clientOid (any earlier order of the same user, active or done) -> 400100.
- Amend (``amend``) is cancel + new order, as KuCoin documents its alter: a new id, queue
  priority lost, ``size`` is the new total size (filled part included). Partial cancel
  (``reduce_size``) is a size decrease in place: queue priority kept, ``update`` event.
  Test orders (``check_order``) run every placement check and place nothing.
- GTT: ``expire_due_orders(now_ms)`` cancels due orders; ``place_order`` first expires what
  is due at ``clock_ms()``.

Event order for an incoming order: (hold balance change) received, then per fill: trade,
maker match, taker match, level2 change, balance changes (settlement), maker filled (+ its
hold release) when done; then for the taker open (+ level2 change) / filled / canceled.
A fill that triggers stop orders runs them right after the order that traded.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from kucoin_connector.simulator.engine.accounts import Accounts
from kucoin_connector.simulator.engine.book import SymbolBook
from kucoin_connector.simulator.engine.execution import check_rates
from kucoin_connector.simulator.engine.listener import EngineListener, NullListener
from kucoin_connector.simulator.engine.matching import EngineCore
from kucoin_connector.simulator.engine.models import (
    LIMIT,
    ZERO,
    ClockMs,
    EngineError,
    Fill,
    IdFactory,
    Level3Entry,
    Order,
    OrderRequest,
    Reject,
    Stats24h,
    SymbolSpec,
    Trade,
)
from kucoin_connector.simulator.engine.settlement import Settlement
from kucoin_connector.simulator.engine.validation import check_increment

__all__ = ["EngineListener", "MatchingEngine", "NullListener"]

DAY_MS = 86_400_000


class MatchingEngine(EngineCore):
    """Price-time-priority matching for many symbols, settling through ``Accounts``.

    ``listener`` also becomes ``accounts.listener`` when that one is unset, so balance
    changes reach the same object. ``id_factory`` makes order and trade ids (share it
    with Accounts for globally unique ids). ``max_active_orders_per_symbol``: KuCoin's
    limit is 50 per user, symbol and account type (stop orders included); None = no limit.
    Fee rates must satisfy 0 <= maker <= taker < 1 (ConfigurationError otherwise).
    """

    def __init__(
        self,
        symbols: Iterable[SymbolSpec],
        accounts: Accounts,
        *,
        clock_ms: ClockMs,
        listener: EngineListener | None = None,
        maker_fee_rate: Decimal = Decimal("0.001"),
        taker_fee_rate: Decimal = Decimal("0.001"),
        id_factory: IdFactory | None = None,
        max_active_orders_per_symbol: int | None = None,
        recent_trades: int = 1000,
        initial_sequence: int = 0,
        settlement: Settlement | None = None,
    ) -> None:
        super().__init__(
            accounts,
            clock_ms=clock_ms,
            listener=listener,
            maker_fee_rate=maker_fee_rate,
            taker_fee_rate=taker_fee_rate,
            id_factory=id_factory,
            max_active_orders_per_symbol=max_active_orders_per_symbol,
            recent_trades=recent_trades,
            initial_sequence=initial_sequence,
            settlement=settlement,
        )
        for spec in symbols:
            self.add_symbol(spec)

    @property
    def accounts(self) -> Accounts:
        return self._accounts

    # ---- symbols -------------------------------------------------------------------
    def add_symbol(self, spec: SymbolSpec) -> None:
        """Add (or replace the rules of) a symbol; an existing book is kept."""
        book = self._books.get(spec.symbol)
        if book is None:
            self._books[spec.symbol] = SymbolBook(spec, self._initial_sequence, self._recent_trades)
        else:
            book.spec = spec

    def symbol_spec(self, symbol: str) -> SymbolSpec:
        """The spec; EngineError 900001 when unknown."""
        return self._book(symbol).spec

    def symbols(self) -> list[SymbolSpec]:
        return [book.spec for book in self._books.values()]

    def set_trading_enabled(self, symbol: str, enabled: bool) -> None:
        self._book(symbol).spec.enable_trading = enabled

    def set_fee_rates(self, user_id: str, maker: Decimal, taker: Decimal) -> None:
        """Per-user fee rates (default: the engine's)."""
        check_rates(maker, taker)
        self._fee_overrides[user_id] = (maker, taker)

    def fee_rates(self, user_id: str) -> tuple[Decimal, Decimal]:
        """(maker, taker) for that user."""
        return self._rates(user_id)

    # ---- orders --------------------------------------------------------------------
    def place_order(self, user_id: str, req: OrderRequest) -> Order:
        """Validate, hold funds, match, rest. Returns the order after processing (may be
        done already). EngineError on invalid request (400100 / 900001) or funds (200004):
        then nothing changed and no event was emitted."""
        return self._place(user_id, req)

    def check_order(self, user_id: str, req: OrderRequest) -> str:
        """A test order: every check ``place_order`` makes (rules, clientOid, active-order
        limit, funds), the same EngineError when one fails, and nothing placed: no hold,
        no event, no book change, no order to look up (GTT orders already due still expire
        first, as before any placement). Returns a fresh id for the answer (KuCoin's test
        endpoints answer an orderId that no query ever finds)."""
        now = self._clock_ms()
        if self._gtt:
            self._expire(now)
        self._admit(user_id, req, now, probe=True)
        return self._ids()

    def reduce_size(self, user_id: str, order_id: str, amount: Decimal) -> Decimal:
        """Partial cancel: take ``amount`` off an active order's open size. The order keeps
        its place in the queue (size, remaining size and hold shrink; ``update`` event;
        level2 change of its level). ``amount`` >= the remaining size cancels the order.
        Returns the size actually removed. EngineError 400100 for an unknown/done order or
        an amount that is not a positive multiple of the symbol's base increment."""
        order = self._active_order(user_id, order_id)
        book = self._book(order.symbol)
        check_increment(book.spec, amount, "cancelSize")
        now = self._clock_ms()
        if amount >= order.remain_size:
            removed = order.remain_size
            self._cancel_active(order, now)
            return removed
        self._shrink(book, order, amount, now)
        return amount

    def amend(
        self,
        user_id: str,
        order_id: str,
        *,
        price: Decimal | None = None,
        size: Decimal | None = None,
    ) -> Order | None:
        """Modify a resting limit order the way KuCoin's alter does: cancel it and place a
        new order (new id, the same clientOid, side and options) at the new price and/or
        size. Queue priority is therefore LOST even for a pure size decrease (the new
        order joins the back of its level, and may trade at once if its price crosses):
        KuCoin documents alter as cancel + new order and answers a new orderId.
        ``size`` is the new total size, filled part included: the new order is for
        ``size - dealSize``; when that is <= 0 the order is only canceled (None returned).
        The replacement is checked first (rules, funds counting the old order's hold as
        available): on EngineError the old order is untouched. A GTT replacement starts a
        new ``cancelAfter`` period."""
        old = self._active_order(user_id, order_id)
        if old.status != "open":
            raise EngineError(Reject.INVALID_PARAMETER, "only resting orders can be modified")
        if price is None and size is None:
            raise EngineError(Reject.INVALID_PARAMETER, "newPrice or newSize is required")
        now = self._clock_ms()
        remaining = (size if size is not None else old.size) - old.deal_size
        if remaining <= 0:
            self._cancel_active(old, now)
            return None
        req = _replacement(old, price if price is not None else old.price, remaining)
        book, new, acc, amount = self._admit(user_id, req, now, replacing=old)
        self._cancel_active(old, now)
        self._enter(book, new, now, acc, amount)
        return new

    def cancel_order(self, user_id: str, order_id: str) -> Order:
        """Cancel an active (or untriggered stop) order. EngineError 400100 if it does not
        exist for that user or is already done."""
        order = self._orders.get(order_id)
        if order is None or order.user_id != user_id or not order.is_active:
            raise EngineError(Reject.ORDER_NOT_FOUND, "order_not_exist_or_not_allow_to_cancel")
        self._cancel_active(order, self._clock_ms())
        return order

    def cancel_by_client_oid(self, user_id: str, client_oid: str) -> Order:
        order = self._client_oids.get((user_id, client_oid))
        if order is None or not order.is_active:
            raise EngineError(Reject.ORDER_NOT_FOUND, "order_not_exist_or_not_allow_to_cancel")
        self._cancel_active(order, self._clock_ms())
        return order

    def cancel_all(
        self, user_id: str, symbol: str | None = None, account_type: str | None = None
    ) -> list[str]:
        """Cancel all active orders (stops included), oldest first; returns their ids."""
        if symbol is not None:
            self._book(symbol)
        now = self._clock_ms()
        targets = [
            o
            for o in self._active.get(user_id, {}).values()
            if (symbol is None or o.symbol == symbol)
            and (account_type is None or o.account_type == account_type)
        ]
        for order in targets:
            self._cancel_active(order, now)
        return [o.id for o in targets]

    def expire_due_orders(self, now_ms: int) -> list[str]:
        """Cancel GTT orders whose deadline is <= now_ms; returns their ids."""
        return self._expire(now_ms)

    # ---- queries -------------------------------------------------------------------
    def get_order(self, user_id: str, order_id: str) -> Order:
        """EngineError 400100 "order not exist." when unknown for that user."""
        order = self._orders.get(order_id)
        if order is None or order.user_id != user_id:
            raise EngineError(Reject.ORDER_NOT_FOUND, "order not exist.")
        return order

    def get_order_by_client_oid(self, user_id: str, client_oid: str) -> Order:
        order = self._client_oids.get((user_id, client_oid))
        if order is None:
            raise EngineError(Reject.ORDER_NOT_FOUND, "order not exist.")
        return order

    def _active_order(self, user_id: str, order_id: str) -> Order:
        order = self._orders.get(order_id)
        if order is None or order.user_id != user_id or not order.is_active:
            raise EngineError(Reject.ORDER_NOT_FOUND, "order_not_exist_or_not_allow_to_cancel")
        return order

    def active_orders(self, user_id: str) -> list[Order]:
        """The user's active orders (resting and untriggered stops), oldest first."""
        return list(self._active.get(user_id, {}).values())

    def list_orders(
        self,
        user_id: str,
        *,
        status: str | None = None,  # "active" | "done" | None (both)
        symbol: str | None = None,
        side: str | None = None,
        type: str | None = None,  # "limit" | "market" | "limit_stop" | "market_stop"
        start_ms: int | None = None,
        end_ms: int | None = None,
        account_type: str | None = None,
    ) -> list[Order]:
        """Newest first."""
        want_active = None if status is None else status == "active"
        return [
            o
            for o in reversed(self._user_orders.get(user_id, ()))
            if (want_active is None or o.is_active == want_active)
            and (symbol is None or o.symbol == symbol)
            and (side is None or o.side == side)
            and (type is None or _type_matches(o.type, o.stop, type))
            and (start_ms is None or o.created_at_ms >= start_ms)
            and (end_ms is None or o.created_at_ms <= end_ms)
            and (account_type is None or o.account_type == account_type)
        ]

    def list_fills(
        self,
        user_id: str,
        *,
        order_id: str | None = None,
        symbol: str | None = None,
        side: str | None = None,
        type: str | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        account_type: str | None = None,
    ) -> list[Fill]:
        """Newest first. ``order_id`` given: every other filter is ignored (as KuCoin)."""
        fills = reversed(self._fills.get(user_id, ()))
        if order_id is not None:
            return [f for f in fills if f.order_id == order_id]
        return [
            f
            for f in fills
            if (symbol is None or f.symbol == symbol)
            and (side is None or f.side == side)
            and (type is None or _type_matches(f.type, f.stop, type))
            and (start_ms is None or f.created_at_ms >= start_ms)
            and (end_ms is None or f.created_at_ms <= end_ms)
            and (account_type is None or f.account_type == account_type)
        ]

    def level2_snapshot(
        self, symbol: str, depth: int | None = None
    ) -> tuple[int, list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        """(sequence, bids best first, asks best first) of visible sizes per price."""
        book = self._book(symbol)
        return book.sequence, book.bids.depth(depth), book.asks.depth(depth)

    def level3_snapshot(self, symbol: str) -> tuple[int, list[Level3Entry], list[Level3Entry]]:
        """(sequence, bids, asks) per visible order in priority order (no hidden orders;
        icebergs with their visible slice)."""
        book = self._book(symbol)
        return book.sequence, _level3(book.bids.orders()), _level3(book.asks.orders())

    def sequence(self, symbol: str) -> int:
        """The last level2 sequence of the symbol."""
        return self._book(symbol).sequence

    def is_crossed(self, symbol: str) -> bool:
        """True if the best bid >= the best ask (hidden orders included): never expected."""
        return self._book(symbol).is_crossed()

    def best_bid_ask(
        self, symbol: str
    ) -> tuple[tuple[Decimal, Decimal] | None, tuple[Decimal, Decimal] | None]:
        """((bid price, visible size) | None, (ask price, visible size) | None), visible
        levels only."""
        book = self._book(symbol)
        bids = book.bids.depth(1)
        asks = book.asks.depth(1)
        return (bids[0] if bids else None), (asks[0] if asks else None)

    def last_price(self, symbol: str) -> Decimal | None:
        return self._book(symbol).last_price

    def last_trade(self, symbol: str) -> Trade | None:
        trades = self._book(symbol).trades
        return trades[-1] if trades else None

    def trades(self, symbol: str, limit: int | None = None) -> list[Trade]:
        """Recent public trades, newest first."""
        out = list(reversed(self._book(symbol).trades))
        return out if limit is None else out[:limit]

    def stats_24h(self, symbol: str, now_ms: int) -> Stats24h:
        """Over the recent-trade window only (``recent_trades`` newest trades)."""
        window = [t for t in self._book(symbol).trades if t.time_ms > now_ms - DAY_MS]
        if not window:
            last = self._book(symbol).last_price
            return Stats24h(symbol, None, None, None, last, ZERO, ZERO, ZERO, ZERO, now_ms)
        prices = [t.price for t in window]
        first, last_p = prices[0], prices[-1]
        change = last_p - first
        return Stats24h(
            symbol,
            first,
            max(prices),
            min(prices),
            last_p,
            sum((t.size for t in window), ZERO),
            sum((t.price * t.size for t in window), ZERO),
            change,
            (change / first).quantize(Decimal("0.0001")),
            now_ms,
        )


def _replacement(old: Order, price: Decimal, size: Decimal) -> OrderRequest:
    """The order that replaces ``old`` in an amend."""
    return OrderRequest(
        symbol=old.symbol,
        side=old.side,
        type=LIMIT,
        client_oid=old.client_oid,
        price=price,
        size=size,
        time_in_force=old.time_in_force,
        cancel_after_s=old.cancel_after_s,
        post_only=old.post_only,
        hidden=old.hidden,
        iceberg=old.iceberg,
        visible_size=min(old.visible_size, size) if old.iceberg else None,
        stp=old.stp,
        remark=old.remark,
        tags=old.tags,
        account_type=old.account_type,
    )


def _type_matches(order_type: str, stop: str, wanted: str) -> bool:
    if wanted.endswith("_stop"):
        return bool(stop) and order_type == wanted[:-5]
    return order_type == wanted


def _level3(orders: list[Order]) -> list[Level3Entry]:
    return [Level3Entry(o.id, o.price, o.visible, o.created_at_ms) for o in orders if o.visible]
