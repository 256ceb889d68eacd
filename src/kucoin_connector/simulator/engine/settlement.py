"""How the matching engine pays for orders: the seam between matching and money.

The matching core (``matching.py``) decides who trades with whom; a ``Settlement`` decides
what an order must hold before it may rest or take, what a fill moves, and how much a
taker can still afford. Two exist:

- :class:`SpotSettlement` (here): balances per currency in ``Accounts``; a buy holds
  quote, a sell holds base; a fill swaps them and charges fees in the quote currency.
- ``MarginSettlement`` (``derivatives.py``): lots of a linear contract; an order holds the
  margin of the lots it would open; a fill opens or closes positions and books PnL.

Holds are recorded on the order by the core (``hold_currency``, ``hold_remaining``; the
settlement may set ``hold_unit``), so it can release what is left when an order is done,
whatever the settlement; a settlement's ``hold``/``release`` only move the money.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from kucoin_connector.simulator.engine.accounts import Accounts
from kucoin_connector.simulator.engine.book import BookSide
from kucoin_connector.simulator.engine.execution import ONE, settle_fill, taker_capacity
from kucoin_connector.simulator.engine.models import (
    BUY,
    LIMIT,
    MARKET,
    ZERO,
    EngineError,
    Order,
    Reject,
    SymbolSpec,
)


class Settlement(Protocol):
    def plan_hold(
        self,
        order: Order,
        spec: SymbolSpec,
        taker_rate: Decimal,
        opposite: BookSide,
        extra_available: Decimal = ZERO,
    ) -> tuple[str, Decimal]:
        """The currency and amount ``order`` must hold; raises ``EngineError``
        (INSUFFICIENT_FUNDS, INVALID_PARAMETER, ...) when it may not be placed. May set
        ``order.hold_unit`` (what one unit of size holds). ``extra_available``: a hold about
        to be released (an amended order's) that counts as available."""

    def defers_hold(self, order: Order) -> bool:
        """True when a stop order computes its hold only once triggered."""

    def hold(self, order: Order, currency: str, amount: Decimal) -> None:
        """Put ``amount`` of ``currency`` on hold for ``order`` (the core has recorded it
        on the order)."""

    def release(self, order: Order, amount: Decimal) -> None:
        """Give back ``amount`` of the order's hold (already trimmed by the core to what
        it still holds, and taken off ``order.hold_remaining``)."""

    def capacity(
        self, spec: SymbolSpec, taker: Order, price: Decimal, taker_rate: Decimal
    ) -> Decimal:
        """How much size the taker can still execute at ``price``."""

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
        """Move one fill's money; ``fees`` = (buyer's fee, seller's fee)."""


class SpotSettlement:
    """Spot balances: see ``engine.py``'s docstring for the hold rules."""

    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts

    def defers_hold(self, order: Order) -> bool:
        """Market buy by size / market sell by funds hold the whole available balance."""
        if order.type != MARKET:
            return False
        return not order.funds if order.side == BUY else not order.size

    def plan_hold(
        self,
        order: Order,
        spec: SymbolSpec,
        taker_rate: Decimal,
        opposite: BookSide,
        extra_available: Decimal = ZERO,
    ) -> tuple[str, Decimal]:
        buy = order.side == BUY
        currency = spec.quote_currency if buy else spec.base_currency
        acc = self.accounts.account(order.user_id, currency, order.account_type)
        available = acc.balance - acc.holds + extra_available
        if self.defers_hold(order):
            if available <= 0:
                raise EngineError(Reject.INSUFFICIENT_FUNDS, "Balance insufficient!")
            return currency, available
        if not buy:
            amount = order.size
        elif order.type == LIMIT:
            order.hold_unit = order.price * (ONE + taker_rate)
            amount = order.size * order.hold_unit
        else:
            amount = order.funds
        if amount > available:
            raise EngineError(Reject.INSUFFICIENT_FUNDS, "Balance insufficient!")
        return currency, amount

    def hold(self, order: Order, currency: str, amount: Decimal) -> None:
        acc = self.accounts.account(order.user_id, currency, order.account_type)
        self.accounts.hold(acc, amount, order.id)

    def release(self, order: Order, amount: Decimal) -> None:
        acc = self.accounts.account(order.user_id, order.hold_currency, order.account_type)
        self.accounts.release(acc, amount, order.id)

    def capacity(
        self, spec: SymbolSpec, taker: Order, price: Decimal, taker_rate: Decimal
    ) -> Decimal:
        return taker_capacity(spec, taker, price, taker_rate)

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
        settle_fill(self.accounts, spec, buyer, seller, qty, funds, fees[0], fees[1], trade_id)
