"""One-cancels-the-other pairs: a resting limit order and a stop-limit order, funds held once.

Exchange-agnostic. A pair has two legs of the same side and size:

- the *limit* leg is a normal engine limit order placed at once (it holds its own funds);
- the *stop* leg waits here, not in the engine, until the last trade price reaches its stop
  price (sell: at or below, buy: at or above); then the limit leg is canceled and the stop
  leg is placed as a limit order at its limit price.

Funds are held once: the limit leg's hold, plus (when the stop leg would need more, e.g. a
buy whose limit price is above the limit leg's price) a reserve held under the pair's id.
When the limit leg trades (even partly) the stop leg is dropped and the reserve released;
when the limit leg is canceled by anything but the pair itself, the pair is canceled.

``LinkedOrders`` is an ``EngineListener`` that forwards every event to ``inner`` first.
It never calls back into the engine from inside a callback: it notes what is due and asks
``schedule`` to run :meth:`LinkedOrders.settle` soon (the server's event loop does).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from kucoin_connector.simulator.engine.accounts import Accounts
from kucoin_connector.simulator.engine.engine import MatchingEngine
from kucoin_connector.simulator.engine.listener import EngineListener
from kucoin_connector.simulator.engine.models import (
    BUY,
    LIMIT,
    SELL,
    ZERO,
    BalanceChange,
    ClockMs,
    EngineError,
    Fill,
    IdFactory,
    Order,
    OrderRequest,
    Reject,
    Trade,
)

# Pair and leg states.
NEW = "new"
TRIGGERED = "triggered"
DONE = "done"
CANCELED = "canceled"

# Runs an action soon (outside the engine call); False when it cannot (then settle() is
# run by the next successful schedule or by the caller).
Scheduler = Callable[[Callable[[], None]], bool]


@dataclass(slots=True)
class Leg:
    """One leg: ``order_id`` is the engine order behind it (the limit leg's at once, the
    stop leg's once triggered, else "")."""

    id: str
    price: Decimal
    stop_price: Decimal
    order_id: str = ""
    status: str = NEW


@dataclass(slots=True, eq=False)
class LinkedPair:
    id: str
    user_id: str
    symbol: str
    side: str
    size: Decimal
    client_oid: str
    remark: str
    account_type: str
    created_at_ms: int
    limit_leg: Leg
    stop_leg: Leg
    status: str = NEW
    reserve: Decimal = ZERO
    reserve_currency: str = ""
    updated_at_ms: int = 0

    @property
    def legs(self) -> tuple[Leg, Leg]:
        return self.limit_leg, self.stop_leg


@dataclass(frozen=True, slots=True)
class PairRequest:
    symbol: str
    side: str
    size: Decimal
    price: Decimal  # the limit leg's price
    stop_price: Decimal  # the stop leg's trigger
    limit_price: Decimal  # the stop leg's price once triggered
    client_oid: str = ""
    remark: str = ""
    account_type: str = "trade"


@dataclass
class _Due:
    fills: list[str] = field(default_factory=list)  # pair ids whose limit leg traded
    cancels: list[str] = field(default_factory=list)  # pair ids whose limit leg was canceled
    triggers: list[str] = field(default_factory=list)  # pair ids whose stop price was hit


class LinkedOrders:
    """All pairs of all users (see the module docstring)."""

    def __init__(
        self,
        accounts: Accounts,
        inner: EngineListener,
        *,
        clock_ms: ClockMs,
        id_factory: IdFactory,
        schedule: Scheduler | None = None,
    ) -> None:
        self.engine: MatchingEngine | None = None  # set once the engine exists
        self._accounts = accounts
        self._inner = inner
        self._clock_ms = clock_ms
        self._ids = id_factory
        self.schedule = schedule
        self._pairs: dict[str, LinkedPair] = {}
        self._by_order: dict[str, LinkedPair] = {}
        self._client_oids: dict[tuple[str, str], LinkedPair] = {}
        self._due = _Due()
        self._settle_pending = False

    # ---- placing and canceling -----------------------------------------------------
    def place(self, user_id: str, req: PairRequest) -> LinkedPair:
        """Validate, hold once, place the limit leg. EngineError as the engine's."""
        engine = self._engine()
        self._validate(user_id, req)
        reserve, currency = self._reserve_for(user_id, req)
        acc = self._accounts.account(user_id, currency, req.account_type)
        if reserve > 0 and acc.available < reserve + self._limit_hold(user_id, req):
            raise EngineError(Reject.INSUFFICIENT_FUNDS, "Balance insufficient!")
        order = engine.place_order(user_id, self._limit_request(req))
        now = self._clock_ms()
        pair = LinkedPair(
            self._ids(),
            user_id,
            req.symbol,
            req.side,
            req.size,
            req.client_oid,
            req.remark,
            req.account_type,
            now,
            Leg(order.id, req.price, ZERO, order_id=order.id),
            Leg(self._ids(), req.limit_price, req.stop_price),
            reserve_currency=currency,
            updated_at_ms=now,
        )
        self._register(pair, order.id)
        if order.deal_size > 0 or not order.is_active:
            self._on_limit_done(pair, order)
        elif reserve > 0:
            pair.reserve = reserve
            self._accounts.hold(acc, reserve, pair.id)
        return pair

    def cancel(self, user_id: str, pair_id: str) -> LinkedPair:
        """Cancel both legs of a pair that is still waiting (EngineError otherwise)."""
        pair = self.get(user_id, pair_id)
        if pair.status != NEW:
            raise EngineError(Reject.ORDER_NOT_FOUND, "order_not_exist_or_not_allow_to_cancel")
        pair.status = CANCELED
        for leg in pair.legs:
            leg.status = CANCELED
        self._cancel_engine_order(pair.limit_leg.order_id)
        self._release_reserve(pair)
        return pair

    # ---- queries -------------------------------------------------------------------
    def get(self, user_id: str, pair_id: str) -> LinkedPair:
        pair = self._pairs.get(pair_id)
        if pair is None or pair.user_id != user_id:
            raise EngineError(Reject.ORDER_NOT_FOUND, "order not exist.")
        return pair

    def get_by_client_oid(self, user_id: str, client_oid: str) -> LinkedPair:
        pair = self._client_oids.get((user_id, client_oid))
        if pair is None:
            raise EngineError(Reject.ORDER_NOT_FOUND, "order not exist.")
        return pair

    def list_pairs(self, user_id: str, symbol: str | None = None) -> list[LinkedPair]:
        """Newest first."""
        return [
            p
            for p in reversed(self._pairs.values())
            if p.user_id == user_id and (symbol is None or p.symbol == symbol)
        ]

    # ---- EngineListener (forwarding) ------------------------------------------------
    def on_level2_change(
        self, symbol: str, side: str, price: Decimal, size: Decimal, sequence: int, time_ms: int
    ) -> None:
        self._inner.on_level2_change(symbol, side, price, size, sequence, time_ms)

    def on_trade(self, trade: Trade) -> None:
        self._inner.on_trade(trade)
        for pair in self._pairs.values():
            if pair.status == NEW and pair.symbol == trade.symbol and _hit(pair, trade.price):
                self._note(self._due.triggers, pair.id)

    def on_order_event(
        self,
        order: Order,
        event_type: str,
        fill: Fill | None,
        old_size: Decimal | None,
        time_ms: int,
    ) -> None:
        self._inner.on_order_event(order, event_type, fill, old_size, time_ms)
        pair = self._by_order.get(order.id)
        if pair is None or pair.status != NEW or order.id != pair.limit_leg.order_id:
            return
        if event_type == "match":
            self._note(self._due.fills, pair.id)
        elif event_type == "canceled":
            self._note(self._due.cancels, pair.id)

    def on_balance_change(self, change: BalanceChange) -> None:
        self._inner.on_balance_change(change)

    # ---- deferred work ---------------------------------------------------------------
    def settle(self) -> None:
        """Run what the last engine calls made due (fills first, then cancels, triggers)."""
        self._settle_pending = False
        due, self._due = self._due, _Due()
        for pair_id in due.fills:
            pair = self._pairs[pair_id]
            if pair.status == NEW:
                order = self._engine().get_order(pair.user_id, pair.limit_leg.order_id)
                self._on_limit_done(pair, order)
        for pair_id in due.cancels:
            self._on_limit_canceled(self._pairs[pair_id])
        for pair_id in due.triggers:
            self._trigger(self._pairs[pair_id])

    def _note(self, bucket: list[str], pair_id: str) -> None:
        if pair_id not in bucket:
            bucket.append(pair_id)
        if not self._settle_pending and self.schedule is not None:
            self._settle_pending = self.schedule(self.settle)

    # ---- transitions -----------------------------------------------------------------
    def _on_limit_done(self, pair: LinkedPair, order: Order) -> None:
        """The limit leg traded (or ended at placement): the stop leg is dropped."""
        traded = order.deal_size > 0
        pair.status = DONE if traded else CANCELED
        pair.limit_leg.status = DONE if traded else CANCELED
        pair.stop_leg.status = CANCELED
        pair.updated_at_ms = self._clock_ms()
        self._release_reserve(pair)

    def _on_limit_canceled(self, pair: LinkedPair) -> None:
        if pair.status != NEW:
            return
        pair.status = CANCELED
        for leg in pair.legs:
            leg.status = CANCELED
        pair.updated_at_ms = self._clock_ms()
        self._release_reserve(pair)

    def _trigger(self, pair: LinkedPair) -> None:
        if pair.status != NEW:
            return
        pair.status = TRIGGERED
        pair.limit_leg.status = CANCELED
        pair.updated_at_ms = self._clock_ms()
        self._cancel_engine_order(pair.limit_leg.order_id)
        self._release_reserve(pair)
        request = OrderRequest(
            symbol=pair.symbol,
            side=pair.side,
            type=LIMIT,
            price=pair.stop_leg.price,
            size=pair.size,
            remark=pair.remark,
            account_type=pair.account_type,
        )
        try:
            order = self._engine().place_order(pair.user_id, request)
        except EngineError:
            pair.stop_leg.status = CANCELED
            pair.status = CANCELED
            return
        pair.stop_leg.status = TRIGGERED
        pair.stop_leg.order_id = order.id
        self._by_order[order.id] = pair

    # ---- helpers ---------------------------------------------------------------------
    def _engine(self) -> MatchingEngine:
        if self.engine is None:
            raise RuntimeError("LinkedOrders.engine is not set")
        return self.engine

    def _validate(self, user_id: str, req: PairRequest) -> None:
        spec = self._engine().symbol_spec(req.symbol)
        if req.side not in (BUY, SELL):
            raise EngineError(Reject.INVALID_PARAMETER, "side is invalid")
        for name, value in (("stopPrice", req.stop_price), ("limitPrice", req.limit_price)):
            if value <= 0 or value % spec.price_increment != 0:
                raise EngineError(Reject.INVALID_PARAMETER, f"{name} is invalid")
        below = req.stop_price < req.price
        if (req.side == SELL) != below or req.stop_price == req.price:
            raise EngineError(
                Reject.INVALID_PARAMETER,
                "sell: stopPrice must be below price; buy: stopPrice must be above price",
            )
        if req.client_oid and (user_id, req.client_oid) in self._client_oids:
            raise EngineError(Reject.DUPLICATE_CLIENT_ID, "The clientOid already exists")

    def _limit_request(self, req: PairRequest) -> OrderRequest:
        return OrderRequest(
            symbol=req.symbol,
            side=req.side,
            type=LIMIT,
            price=req.price,
            size=req.size,
            remark=req.remark,
            account_type=req.account_type,
        )

    def _limit_hold(self, user_id: str, req: PairRequest) -> Decimal:
        if req.side == SELL:
            return req.size
        return req.price * req.size * (1 + self._engine().fee_rates(user_id)[1])

    def _reserve_for(self, user_id: str, req: PairRequest) -> tuple[Decimal, str]:
        """What the stop leg needs beyond the limit leg's hold, and in which currency."""
        spec = self._engine().symbol_spec(req.symbol)
        if req.side == SELL:
            return ZERO, spec.base_currency
        taker = self._engine().fee_rates(user_id)[1]
        extra = (req.limit_price - req.price) * req.size * (1 + taker)
        return max(extra, ZERO), spec.quote_currency

    def _register(self, pair: LinkedPair, order_id: str) -> None:
        self._pairs[pair.id] = pair
        self._by_order[order_id] = pair
        if pair.client_oid:
            self._client_oids[(pair.user_id, pair.client_oid)] = pair

    def _cancel_engine_order(self, order_id: str) -> None:
        engine = self._engine()
        pair = self._by_order[order_id]
        if engine.get_order(pair.user_id, order_id).is_active:
            engine.cancel_order(pair.user_id, order_id)

    def _release_reserve(self, pair: LinkedPair) -> None:
        if pair.reserve <= 0:
            return
        acc = self._accounts.account(pair.user_id, pair.reserve_currency, pair.account_type)
        self._accounts.release(acc, pair.reserve, pair.id)
        pair.reserve = ZERO


def _hit(pair: LinkedPair, last_price: Decimal) -> bool:
    stop = pair.stop_leg.stop_price
    return last_price <= stop if pair.side == SELL else last_price >= stop
