"""One tracked order (InFlightOrder) and the updates applied to it.

Rules enforced here (the tracker relies on them):

* fills are de-duplicated by ``trade_id``; executed amounts only grow;
* the executed base never exceeds ``amount`` (a fill that would exceed it is rejected as
  an inconsistency). Market orders by funds (``quote_amount`` set, ``amount`` 0 = unknown)
  are capped on the executed quote instead;
* fills are accepted in any state (a CANCELED order may still receive fills that happened
  before the cancel); a fill proves the order exists, so PENDING_CREATE,
  PLACEMENT_UNKNOWN and OPEN become PARTIALLY_FILLED;
* done states (FILLED, CANCELED, FAILED) are final: any other state is ignored;
  OPEN reported for an order with fills is recorded as PARTIALLY_FILLED;
* one exception: a placement *written off* (:meth:`InFlightOrder.write_off`: the outcome
  was unknown and the exchange kept answering "not found") is FAILED with
  ``written_off_ms`` set, and revivable: if the exchange shows it after all (OPEN,
  PARTIALLY_FILLED, FILLED, CANCELED, or a fill) it takes that state and the mark is
  cleared. Any other FAILED order (rejected by the exchange or the rules) stays final;
* the exchange order id is learnt once; a conflicting one is logged and ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from kucoin_connector.core.errors import OrderValidationError, ParseError
from kucoin_connector.core.types import OrderState, OrderType, TradeType

logger = logging.getLogger(__name__)

# Tuples, not sets: membership is then an identity test (Enum.__hash__ runs in Python).
_EXISTENCE_STATES = (OrderState.PENDING_CREATE, OrderState.PLACEMENT_UNKNOWN, OrderState.OPEN)
_DONE_STATES = (OrderState.CANCELED, OrderState.FILLED, OrderState.FAILED)
_OPEN_STATES = (OrderState.OPEN, OrderState.PARTIALLY_FILLED, OrderState.PENDING_CANCEL)
_UNPLACED_STATES = (OrderState.PENDING_CREATE, OrderState.PLACEMENT_UNKNOWN)
_REVIVAL_STATES = (
    OrderState.OPEN, OrderState.PARTIALLY_FILLED, OrderState.FILLED, OrderState.CANCELED
)


@dataclass(frozen=True, slots=True)
class TradeFee:
    asset: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    trading_pair: str
    update_timestamp_ms: int
    new_state: OrderState
    client_order_id: str | None = None
    exchange_order_id: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class TradeUpdate:
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
        # Clock (ms) when an unknown placement was written off as FAILED; None otherwise.
        self.written_off_ms: int | None = None
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
        return self.current_state in _DONE_STATES

    @property
    def is_open(self) -> bool:
        return self.current_state in _OPEN_STATES

    @property
    def is_filled(self) -> bool:
        return self.current_state is OrderState.FILLED

    @property
    def is_cancelled(self) -> bool:
        return self.current_state is OrderState.CANCELED

    @property
    def is_failure(self) -> bool:
        return self.current_state is OrderState.FAILED

    @property
    def is_written_off(self) -> bool:
        """FAILED because an unknown placement was never found: may still be revived."""
        return self.written_off_ms is not None

    @property
    def is_pending_create(self) -> bool:
        return self.current_state is OrderState.PENDING_CREATE

    @property
    def is_placement_unknown(self) -> bool:
        return self.current_state is OrderState.PLACEMENT_UNKNOWN

    @property
    def is_pending_cancel_confirmation(self) -> bool:
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
        """Apply a state update. True if the state or the exchange order id changed."""
        if update.client_order_id is not None and update.client_order_id != self.client_order_id:
            logger.warning(
                "order %s: update for %s ignored", self.client_order_id, update.client_order_id
            )
            return False
        id_learnt = self.update_exchange_order_id(update.exchange_order_id)
        new_state = update.new_state
        if new_state is OrderState.OPEN and self.executed_amount_base > 0:
            new_state = OrderState.PARTIALLY_FILLED
        state_changed = new_state is not self.current_state and self._may_move_to(new_state)
        if state_changed:
            if self.written_off_ms is not None:
                self._revive()
            self.current_state = new_state
            if update.reason is not None:
                self.reason = update.reason
        if state_changed or id_learnt:
            self._touch(update.update_timestamp_ms)
        return state_changed or id_learnt

    def _may_move_to(self, new_state: OrderState) -> bool:
        current = self.current_state
        if current in _DONE_STATES:
            if self.written_off_ms is not None and new_state in _REVIVAL_STATES:
                return True
            logger.debug(
                "order %s: %s after %s ignored (done states are final)",
                self.client_order_id,
                new_state.name,
                current.name,
            )
            return False
        if current in _UNPLACED_STATES:
            return True
        # The order is known to exist: it cannot go back to an unplaced state.
        return new_state not in _UNPLACED_STATES

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
        if self.written_off_ms is not None:
            self._revive()
            self.current_state = OrderState.PARTIALLY_FILLED
        elif self.current_state in _EXISTENCE_STATES:
            self.current_state = OrderState.PARTIALLY_FILLED
        self._touch(update.fill_timestamp_ms)
        return True

    def write_off(self, timestamp_ms: int, reason: str) -> bool:
        """Give up on a PLACEMENT_UNKNOWN order: FAILED, but revivable (module docstring).
        True if it was written off (False in any other state: nothing changes)."""
        if self.current_state is not OrderState.PLACEMENT_UNKNOWN:
            return False
        self.current_state = OrderState.FAILED
        self.reason = reason
        self.written_off_ms = timestamp_ms
        self._touch(timestamp_ms)
        return True

    def _revive(self) -> None:
        """A written-off order exists after all: the caller sets its state."""
        self.written_off_ms = None
        self.reason = None

    def _fill_fits(self, update: TradeUpdate) -> bool:
        problem: str | None = None
        if update.fill_base_amount <= 0 or update.fill_quote_amount < 0:
            problem = "non-positive fill amount"
        elif update.fill_price < 0 or update.fee.amount < 0:
            problem = "negative price or fee"
        elif self.is_by_funds:
            assert self.quote_amount is not None
            if self.executed_amount_quote + update.fill_quote_amount > self.quote_amount:
                problem = f"executed quote would exceed {self.quote_amount}"
        elif self.executed_amount_base + update.fill_base_amount > self.amount:
            problem = f"executed base would exceed {self.amount}"
        if problem is not None:
            logger.error(
                "order %s: inconsistent fill %s rejected (%s): base=%s quote=%s, "
                "executed base=%s quote=%s",
                self.client_order_id,
                update.trade_id,
                problem,
                update.fill_base_amount,
                update.fill_quote_amount,
                self.executed_amount_base,
                self.executed_amount_quote,
            )
            return False
        return True

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
                initial_state=OrderState(data["current_state"]),
                quote_amount=_opt_decimal(data.get("quote_amount")),
            )
            order.last_update_timestamp_ms = int(data["last_update_timestamp_ms"])
            order.reason = _opt_str(data.get("reason"))
            written_off = data.get("written_off_ms")
            if written_off is not None and order.is_failure:  # the mark only means that
                order.written_off_ms = int(written_off)
            fills = [TradeUpdate.from_dict(item) for item in data.get("order_fills", [])]
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise ParseError(f"invalid persisted order record: {exc!r}") from exc
        except OrderValidationError as exc:
            raise ParseError(f"invalid persisted order record: {exc}") from exc
        for fill in fills:
            if fill.trade_id not in order.order_fills:
                order._record_fill(fill)
        return order
