"""One tracked order (InFlightOrder) and the updates applied to it.

Rules enforced here (the tracker relies on them):

* the state changes only through :meth:`InFlightOrder._transition`, which consults the
  transition table (``core/order_states.py``: ``TRANSITIONS``) and raises
  InvalidOrderTransitionError on a move it does not list. Exchange updates go through
  :meth:`InFlightOrder.update_with_order_update`, which tolerates the stale and reordered
  updates the wire brings (OPEN after FILLED, ...): it ignores them (debug log) and returns
  False. An update repeating the current state is a no-op. OPEN reported for an order with
  fills is recorded as PARTIALLY_FILLED;
* fills are de-duplicated by ``trade_id``; executed amounts only grow. A fill must be
  finite with price > 0, base > 0, quote >= 0 and fee >= 0, else it is rejected and *not*
  recorded under its trade id (a hostile or garbled copy never shadows the true fill);
* the executed base never exceeds ``amount`` (a fill that would exceed it is rejected as
  an inconsistency). Market orders by funds (``quote_amount`` set, ``amount`` 0 = unknown)
  are capped on the executed quote instead;
* fills are accepted in any state (a CANCELED order may still receive fills that happened
  before the cancel); a fill proves the order exists, so PENDING_CREATE,
  PLACEMENT_UNKNOWN, OPEN and WRITTEN_OFF become PARTIALLY_FILLED;
* FILLED, CANCELED and FAILED are final. WRITTEN_OFF (:meth:`InFlightOrder.write_off`: the
  placement outcome was unknown and the exchange kept answering "not found") is done but
  revivable: if the exchange shows the order after all (OPEN, PARTIALLY_FILLED, FILLED,
  CANCELED, or a fill) it takes that state and ``written_off_ms`` is cleared;
* the exchange order id is learnt once; a conflicting one is logged and ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from kucoin_connector.core.errors import (
    InvalidOrderTransitionError,
    OrderValidationError,
    ParseError,
)
from kucoin_connector.core.order_states import (
    DONE_STATES,
    FILL_MOVES_STATES,
    OPEN_STATES,
    check_transition,
)
from kucoin_connector.core.types import OrderState, OrderType, TradeType

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TradeFee:
    """A fee actually charged: ``amount`` of ``asset``."""

    asset: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    """A state change of an order as reported by the exchange (stream or REST); fed to the order
    tracker.
    """

    trading_pair: str
    update_timestamp_ms: int
    new_state: OrderState
    client_order_id: str | None = None
    exchange_order_id: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class TradeUpdate:
    """One fill of an order as reported by the exchange; fed to the order tracker (deduplicated
    by ``trade_id``).
    """

    trade_id: str
    client_order_id: str
    exchange_order_id: str | None
    trading_pair: str
    fill_timestamp_ms: int
    fill_price: Decimal
    fill_base_amount: Decimal
    fill_quote_amount: Decimal
    fee: TradeFee
    is_maker: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (Decimals as strings)."""
        return {
            "trade_id": self.trade_id,
            "client_order_id": self.client_order_id,
            "exchange_order_id": self.exchange_order_id,
            "trading_pair": self.trading_pair,
            "fill_timestamp_ms": self.fill_timestamp_ms,
            "fill_price": str(self.fill_price),
            "fill_base_amount": str(self.fill_base_amount),
            "fill_quote_amount": str(self.fill_quote_amount),
            "fee_asset": self.fee.asset,
            "fee_amount": str(self.fee.amount),
            "is_maker": self.is_maker,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TradeUpdate:
        """Inverse of :meth:`to_dict`; ParseError on a malformed record."""
        try:
            return cls(
                trade_id=str(data["trade_id"]),
                client_order_id=str(data["client_order_id"]),
                exchange_order_id=_opt_str(data.get("exchange_order_id")),
                trading_pair=str(data["trading_pair"]),
                fill_timestamp_ms=int(data["fill_timestamp_ms"]),
                fill_price=Decimal(str(data["fill_price"])),
                fill_base_amount=Decimal(str(data["fill_base_amount"])),
                fill_quote_amount=Decimal(str(data["fill_quote_amount"])),
                fee=TradeFee(str(data["fee_asset"]), Decimal(str(data["fee_amount"]))),
                is_maker=_opt_bool(data.get("is_maker")),
            )
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise ParseError(f"invalid persisted trade record: {exc!r}") from exc


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _opt_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _opt_decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _fill_problem(update: TradeUpdate) -> str | None:
    """Why a fill's own numbers cannot be true (None: they can). A price of 0 (or -0) is
    refused too: recorded under its trade id, it would shadow the true fill."""
    price, base = update.fill_price, update.fill_base_amount
    quote, fee = update.fill_quote_amount, update.fee.amount
    if not (price.is_finite() and base.is_finite() and quote.is_finite() and fee.is_finite()):
        return "non-finite number"
    if price <= 0:
        return "non-positive price"
    if base <= 0:
        return "non-positive fill amount"
    if quote < 0 or fee < 0:
        return "negative quote amount or fee"
    return None


class InFlightOrder:
    """The local view of one order, fed with OrderUpdate and TradeUpdate records."""

    def __init__(
        self,
        client_order_id: str,
        trading_pair: str,
        order_type: OrderType,
        trade_type: TradeType,
        amount: Decimal,
        creation_timestamp_ms: int,
        price: Decimal | None = None,
        exchange_order_id: str | None = None,
        initial_state: OrderState = OrderState.PENDING_CREATE,
        quote_amount: Decimal | None = None,
    ) -> None:
        if amount < 0 or (quote_amount is not None and quote_amount <= 0):
            raise OrderValidationError("order amounts must be positive", rule="amount")
        if amount == 0 and quote_amount is None:
            raise OrderValidationError(
                "an order needs an amount (or a quote amount for market orders by funds)",
                rule="amount",
            )
        self.client_order_id = client_order_id
        self.trading_pair = trading_pair
        self.order_type = order_type
        self.trade_type = trade_type
        self.amount = amount
        self.price = price
        self.quote_amount = quote_amount
        self.exchange_order_id = exchange_order_id
        self.current_state = initial_state
        self.creation_timestamp_ms = creation_timestamp_ms
        self.last_update_timestamp_ms = creation_timestamp_ms
        self.reason: str | None = None  # reason of the last state update that carried one
        # Clock (ms) when the order was written off; set exactly while it is WRITTEN_OFF.
        self.written_off_ms: int | None = (
            creation_timestamp_ms if initial_state is OrderState.WRITTEN_OFF else None
        )
        self.executed_amount_base = Decimal(0)
        self.executed_amount_quote = Decimal(0)
        self.cumulative_fees: dict[str, Decimal] = {}
        self.order_fills: dict[str, TradeUpdate] = {}

    def __repr__(self) -> str:
        return (
            f"InFlightOrder(client_order_id={self.client_order_id!r}, "
            f"exchange_order_id={self.exchange_order_id!r}, "
            f"trading_pair={self.trading_pair!r}, {self.trade_type.name} "
            f"{self.order_type.name} amount={self.amount} price={self.price} "
            f"quote_amount={self.quote_amount} state={self.current_state.name} "
            f"executed={self.executed_amount_base})"
        )

    # ----- state predicates -------------------------------------------------------------

    @property
    def is_by_funds(self) -> bool:
        """Market order sized in quote (``amount`` 0): capped on the executed quote."""
        return self.quote_amount is not None and self.amount == 0

    @property
    def is_done(self) -> bool:
        """FILLED, CANCELED, FAILED or WRITTEN_OFF."""
        return self.current_state in DONE_STATES

    @property
    def is_open(self) -> bool:
        """True while the order can still trade (open, partially filled, pending cancel)."""
        return self.current_state in OPEN_STATES

    @property
    def is_filled(self) -> bool:
        """True once the order is completely filled."""
        return self.current_state is OrderState.FILLED

    @property
    def is_cancelled(self) -> bool:
        """True once the order is cancelled."""
        return self.current_state is OrderState.CANCELED

    @property
    def is_failure(self) -> bool:
        """FAILED: rejected by the exchange or the rules (final). Not WRITTEN_OFF."""
        return self.current_state is OrderState.FAILED

    @property
    def is_written_off(self) -> bool:
        """WRITTEN_OFF: an unknown placement never found (reported failed, revivable)."""
        return self.current_state is OrderState.WRITTEN_OFF

    @property
    def is_pending_create(self) -> bool:
        """True while the placement has not been answered."""
        return self.current_state is OrderState.PENDING_CREATE

    @property
    def is_placement_unknown(self) -> bool:
        """True while the placement's outcome is unknown (being resolved by look-up; never
        placed twice).
        """
        return self.current_state is OrderState.PLACEMENT_UNKNOWN

    @property
    def is_pending_cancel_confirmation(self) -> bool:
        """True after a cancel was sent and before the exchange confirmed it."""
        return self.current_state is OrderState.PENDING_CANCEL

    @property
    def is_fully_executed(self) -> bool:
        """All of ``amount`` executed (orders by funds: all of ``quote_amount``)."""
        if self.is_by_funds:
            assert self.quote_amount is not None
            return self.executed_amount_quote >= self.quote_amount
        return self.executed_amount_base >= self.amount

    @property
    def remaining_amount_base(self) -> Decimal:
        """Base still to execute (0 for orders by funds, whose base amount is unknown)."""
        return max(self.amount - self.executed_amount_base, Decimal(0))

    @property
    def average_executed_price(self) -> Decimal | None:
        """Quote spent or received per unit of base over every fill (None before the first
        fill).
        """
        if self.executed_amount_base == 0:
            return None
        return self.executed_amount_quote / self.executed_amount_base

    # ----- updates ----------------------------------------------------------------------

    def update_exchange_order_id(self, exchange_order_id: str | None) -> bool:
        """Learn the exchange order id once. True if it was newly set."""
        if exchange_order_id is None or exchange_order_id == self.exchange_order_id:
            return False
        if self.exchange_order_id is not None:
            logger.warning(
                "order %s: conflicting exchange order id %r ignored (known: %r)",
                self.client_order_id,
                exchange_order_id,
                self.exchange_order_id,
            )
            return False
        self.exchange_order_id = exchange_order_id
        return True

    def update_with_order_update(self, update: OrderUpdate) -> bool:
        """Apply a state update. True if the state or the exchange order id changed.

        A move the transition table does not list (a stale or reordered update) is
        ignored with a debug log: the wire brings those, they are not errors."""
        if update.client_order_id is not None and update.client_order_id != self.client_order_id:
            logger.warning(
                "order %s: update for %s ignored", self.client_order_id, update.client_order_id
            )
            return False
        id_learnt = self.update_exchange_order_id(update.exchange_order_id)
        new_state = update.new_state
        if new_state is OrderState.OPEN and self.executed_amount_base > 0:
            new_state = OrderState.PARTIALLY_FILLED
        state_changed = False
        if new_state is not self.current_state:
            try:
                self._transition(new_state, update.update_timestamp_ms, update.reason)
                state_changed = True
            except InvalidOrderTransitionError:
                logger.debug(
                    "order %s: %s after %s ignored (not a legal transition)",
                    self.client_order_id,
                    new_state.name,
                    self.current_state.name,
                )
        if id_learnt:
            self._touch(update.update_timestamp_ms)
        return state_changed or id_learnt

    def update_with_trade_update(self, update: TradeUpdate) -> bool:
        """Record a fill. True if it was new and consistent (then it changed the order)."""
        if update.client_order_id and update.client_order_id != self.client_order_id:
            logger.warning(
                "order %s: fill %s for %s ignored",
                self.client_order_id,
                update.trade_id,
                update.client_order_id,
            )
            return False
        if update.trade_id in self.order_fills:
            return False
        if not self._fill_fits(update):
            return False
        self.update_exchange_order_id(update.exchange_order_id)
        self._record_fill(update)
        if self.current_state in FILL_MOVES_STATES:
            self._transition(OrderState.PARTIALLY_FILLED, update.fill_timestamp_ms)
        self._touch(update.fill_timestamp_ms)
        return True

    def write_off(self, timestamp_ms: int, reason: str) -> bool:
        """Give up on a PLACEMENT_UNKNOWN order: WRITTEN_OFF, revivable (module docstring).
        True if it was written off (False in any other state: nothing changes)."""
        if self.current_state is not OrderState.PLACEMENT_UNKNOWN:
            return False
        self._transition(OrderState.WRITTEN_OFF, timestamp_ms, reason)
        return True

    def _transition(
        self, new_state: OrderState, timestamp_ms: int, reason: str | None = None
    ) -> None:
        """The one place the state changes. Raises InvalidOrderTransitionError (state
        unchanged) unless the transition table lists the move.

        Entering WRITTEN_OFF records ``written_off_ms``; leaving it (a revival) clears it and
        the write-off reason. ``reason``, if given, becomes the order's reason."""
        current = self.current_state
        check_transition(current, new_state)
        if current is OrderState.WRITTEN_OFF:
            self.written_off_ms = None
            self.reason = None
        elif new_state is OrderState.WRITTEN_OFF:
            self.written_off_ms = timestamp_ms
        self.current_state = new_state
        if reason is not None:
            self.reason = reason
        self._touch(timestamp_ms)

    def _fill_fits(self, update: TradeUpdate) -> bool:
        problem = _fill_problem(update) or self._cap_problem(update)
        if problem is not None:
            logger.error(
                "order %s: inconsistent fill %s rejected (%s): price=%s base=%s quote=%s "
                "fee=%s, executed base=%s quote=%s",
                self.client_order_id,
                update.trade_id,
                problem,
                update.fill_price,
                update.fill_base_amount,
                update.fill_quote_amount,
                update.fee.amount,
                self.executed_amount_base,
                self.executed_amount_quote,
            )
            return False
        return True

    def _cap_problem(self, update: TradeUpdate) -> str | None:
        if self.is_by_funds:
            assert self.quote_amount is not None
            if self.executed_amount_quote + update.fill_quote_amount > self.quote_amount:
                return f"executed quote would exceed {self.quote_amount}"
        elif self.executed_amount_base + update.fill_base_amount > self.amount:
            return f"executed base would exceed {self.amount}"
        return None

    def _record_fill(self, update: TradeUpdate) -> None:
        self.order_fills[update.trade_id] = update
        self.executed_amount_base += update.fill_base_amount
        self.executed_amount_quote += update.fill_quote_amount
        fee = update.fee
        self.cumulative_fees[fee.asset] = self.cumulative_fees.get(fee.asset, Decimal(0)) + (
            fee.amount
        )

    def _touch(self, timestamp_ms: int) -> None:
        self.last_update_timestamp_ms = max(self.last_update_timestamp_ms, timestamp_ms)

    # ----- persistence ------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe snapshot (Decimals as strings, enums by value) for persistence."""
        return {
            "client_order_id": self.client_order_id,
            "exchange_order_id": self.exchange_order_id,
            "trading_pair": self.trading_pair,
            "order_type": self.order_type.value,
            "trade_type": self.trade_type.value,
            "amount": str(self.amount),
            "price": None if self.price is None else str(self.price),
            "quote_amount": None if self.quote_amount is None else str(self.quote_amount),
            "current_state": self.current_state.value,
            "creation_timestamp_ms": self.creation_timestamp_ms,
            "last_update_timestamp_ms": self.last_update_timestamp_ms,
            "reason": self.reason,
            "written_off_ms": self.written_off_ms,
            "order_fills": [fill.to_dict() for fill in self.order_fills.values()],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InFlightOrder:
        """Rebuild an order saved by :meth:`to_dict`; executed amounts and fees are
        recomputed from the fills. ParseError on a malformed record."""
        try:
            order = cls(
                client_order_id=str(data["client_order_id"]),
                trading_pair=str(data["trading_pair"]),
                order_type=OrderType(data["order_type"]),
                trade_type=TradeType(data["trade_type"]),
                amount=Decimal(str(data["amount"])),
                creation_timestamp_ms=int(data["creation_timestamp_ms"]),
                price=_opt_decimal(data.get("price")),
                exchange_order_id=_opt_str(data.get("exchange_order_id")),
                initial_state=_persisted_state(data),
                quote_amount=_opt_decimal(data.get("quote_amount")),
            )
            order.last_update_timestamp_ms = int(data["last_update_timestamp_ms"])
            order.reason = _opt_str(data.get("reason"))
            _restore_written_off(order, data.get("written_off_ms"))
            fills = [TradeUpdate.from_dict(item) for item in data.get("order_fills", [])]
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise ParseError(f"invalid persisted order record: {exc!r}") from exc
        except OrderValidationError as exc:
            raise ParseError(f"invalid persisted order record: {exc}") from exc
        for fill in fills:
            if fill.trade_id not in order.order_fills:
                order._record_fill(fill)
        return order


def _persisted_state(data: Mapping[str, Any]) -> OrderState:
    state = OrderState(data["current_state"])
    if state is OrderState.FAILED and data.get("written_off_ms") is not None:
        return OrderState.WRITTEN_OFF  # a record from before WRITTEN_OFF was a state
    return state


def _restore_written_off(order: InFlightOrder, written_off_ms: Any) -> None:
    """``written_off_ms`` means something only for a WRITTEN_OFF order (a record without
    it falls back on the last update, which the write-off made)."""
    if order.is_written_off:
        order.written_off_ms = (
            order.last_update_timestamp_ms if written_off_ms is None else int(written_off_ms)
        )
