"""Margin settlement: the matching engine trading lots of linear perpetual contracts.

Plug a :class:`MarginSettlement` into ``MatchingEngine(settlement=...)`` and the same
matching core trades contracts: sizes are lots (the spec's ``base_increment`` is the lot
size and ``multiplier`` the base units per lot), an order holds the margin of the lots it
would open (``value / leverage`` plus the taker fee on the value, in the settlement
currency), and a fill opens or closes positions (``positions.py``) and books PnL and fees
in the margin ledger (``margin.py``).

Rules (exchange-agnostic; a front-end words the refusals):
- the position an order acts on comes from the user's position mode (``BOTH`` one-way,
  ``LONG``/``SHORT`` hedge, as the order asks);
- an order whose margin mode differs from the user's setting for the symbol is refused;
- reduce-only: refused when larger than what it would close; close-order: its size becomes
  the whole position (refused when flat); neither holds margin;
- a market order's margin is planned at the worst price its size would reach in the book
  at placement (no liquidity: nothing to hold, it cancels unfilled);
- mark prices drive liquidation: an isolated position whose equity falls to its
  maintenance margin is closed at the mark price and its margin is lost;
- funding: ``settle_funding`` charges longs and pays shorts ``value * rate`` (the reverse
  when the rate is negative) at the mark price.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from kucoin_connector.simulator.engine.book import BookSide
from kucoin_connector.simulator.engine.margin import FundingPayment, MarginLedger
from kucoin_connector.simulator.engine.models import (
    LIMIT,
    ZERO,
    EngineError,
    Order,
    Reject,
    SymbolSpec,
)
from kucoin_connector.simulator.engine.positions import (
    ContractTerms,
    FillEffect,
    MarginMode,
    Position,
    PositionBook,
    PositionSide,
)


class PositionListener(Protocol):
    def on_position_change(self, position: Position, reason: str, time_ms: int) -> None:
        """``reason``: "fill", "liquidation" or "funding"."""

    def on_funding(self, payment: FundingPayment) -> None: ...


class MarginSettlement:
    """The ``Settlement`` of derivatives (see ``settlement.py``)."""

    def __init__(
        self,
        positions: PositionBook,
        ledger: MarginLedger,
        listener: PositionListener | None = None,
    ) -> None:
        self.positions = positions
        self.ledger = ledger
        self.listener = listener
        self._terms: dict[str, ContractTerms] = {}
        # (order id, trade id) -> what that fill did to the order's position
        self.effects: dict[tuple[str, str], FillEffect] = {}

    def add_contract(self, terms: ContractTerms) -> None:
        self._terms[terms.symbol] = terms

    def terms(self, symbol: str) -> ContractTerms:
        terms = self._terms.get(symbol)
        if terms is None:
            raise EngineError(Reject.UNKNOWN_SYMBOL, f"contract {symbol} not exists")
        return terms

    # ---- Settlement ----------------------------------------------------------------
    def defers_hold(self, order: Order) -> bool:
        return False

    def plan_hold(
        self,
        order: Order,
        spec: SymbolSpec,
        taker_rate: Decimal,
        opposite: BookSide,
        extra_available: Decimal = ZERO,
    ) -> tuple[str, Decimal]:
        terms = self.terms(spec.symbol)
        book = self.positions
        side = book.resolve_side(order.user_id, order.position_side)
        order.position_side = side.value
        mode = book.margin_mode(order.user_id, spec.symbol)
        if order.margin_mode and order.margin_mode != mode.value:
            raise EngineError(
                Reject.MARGIN_MODE_MISMATCH,
                f"the order's margin mode {order.margin_mode} differs from the symbol's {mode}",
            )
        order.margin_mode = mode.value
        leverage = order.leverage or book.leverage(order.user_id, spec.symbol)
        if leverage < 1 or leverage > terms.max_leverage:
            raise EngineError(
                Reject.INVALID_PARAMETER, f"leverage must be within 1..{terms.max_leverage}"
            )
        order.leverage = leverage
        closable = book.closable(order.user_id, spec.symbol, side, order.side)
        if order.close_order or order.reduce_only:
            self._check_reducing(order, closable)
            return terms.settle_currency, ZERO
        opening = order.size - closable if order.size > closable else ZERO
        price = order.price if order.type == LIMIT else _worst_price(opposite, order.size)
        if not opening or price is None:
            return terms.settle_currency, ZERO
        order.hold_unit = self.ledger.order_cost(terms, Decimal(1), price, leverage, taker_rate)
        amount = opening * order.hold_unit
        wallet = self.ledger.wallet(order.user_id, terms.settle_currency)
        if amount > wallet.available + extra_available:
            raise EngineError(Reject.INSUFFICIENT_FUNDS, "Balance insufficient!")
        return terms.settle_currency, amount

    @staticmethod
    def _check_reducing(order: Order, closable: Decimal) -> None:
        if order.close_order:
            if not closable:
                raise EngineError(Reject.INVALID_PARAMETER, "no position to close")
            order.size = order.remain_size = closable
        elif order.size > closable:
            raise EngineError(
                Reject.INVALID_PARAMETER, "a reduce-only order cannot exceed the position"
            )

    def hold(self, order: Order, currency: str, amount: Decimal) -> None:
        now = order.updated_at_ms
        self.ledger.reserve(self.ledger.wallet(order.user_id, currency), amount, now)

    def release(self, order: Order, amount: Decimal) -> None:
        wallet = self.ledger.wallet(order.user_id, order.hold_currency)
        self.ledger.release(wallet, amount, order.updated_at_ms)

    def capacity(
        self, spec: SymbolSpec, taker: Order, price: Decimal, taker_rate: Decimal
    ) -> Decimal:
        return taker.remain_size

    def settle(
        self,
        spec: SymbolSpec,
        buyer: Order,
        seller: Order,
        qty: Decimal,
        price: Decimal,
        funds: Decimal,
        fees: tuple[Decimal, Decimal],
        trade_id: str,
        now_ms: int,
    ) -> None:
        terms = self.terms(spec.symbol)
        for order, fee in ((buyer, fees[0]), (seller, fees[1])):
            side = PositionSide(order.position_side or PositionSide.BOTH)
            effect = self.positions.apply_fill(
                terms, order.user_id, side, order.side, qty, price, now_ms
            )
            reserved = min(effect.opened * order.hold_unit, order.hold_remaining)
            order.hold_remaining -= reserved
            wallet = self.ledger.wallet(order.user_id, terms.settle_currency)
            self.ledger.settle_fill(wallet, terms, effect, price, fee, reserved, now_ms)
            self.effects[(order.id, trade_id)] = effect
            if self.listener is not None:
                self.listener.on_position_change(effect.position, "fill", now_ms)

    # ---- mark price and funding ----------------------------------------------------
    def mark(self, symbol: str, mark_price: Decimal, now_ms: int) -> list[Position]:
        """Liquidate the isolated positions of ``symbol`` that the mark price breaks."""
        terms = self.terms(symbol)
        liquidated = []
        for pos in self.positions.positions():
            if pos.symbol != symbol or pos.margin_mode is not MarginMode.ISOLATED:
                continue
            if self.ledger.below_maintenance(terms, pos, mark_price):
                self.ledger.liquidate(terms, pos, mark_price, now_ms)
                liquidated.append(pos)
                if self.listener is not None:
                    self.listener.on_position_change(pos, "liquidation", now_ms)
        return liquidated

    def settle_funding(
        self, symbol: str, rate: Decimal, mark_price: Decimal, now_ms: int
    ) -> list[FundingPayment]:
        terms = self.terms(symbol)
        payments = self.ledger.settle_funding(
            terms, self.positions.positions(), rate, mark_price, now_ms
        )
        if self.listener is not None:
            for payment in payments:
                self.listener.on_funding(payment)
                self.listener.on_position_change(payment.position, "funding", now_ms)
        return payments


def _worst_price(opposite: BookSide, size: Decimal) -> Decimal | None:
    """The last price a market order of ``size`` would reach (None: empty book)."""
    worst = None
    left = size
    for price in opposite.prices():
        worst = price
        left -= opposite.visible.get(price, ZERO)
        if left <= 0:
            break
    return worst
