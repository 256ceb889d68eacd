"""What a perpetual paper order reserves at placement: the initial margin of what it may
open (``value / leverage``) plus its taker fee, in the settlement currency.

A closing (reduce-only) order opens nothing and reserves nothing. The reservation shrinks
with each fill (the ledger then posts the real margin) and is freed when the order ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kucoin_connector.core.types import OrderType

from ..fill_model import PaperMatcher
from ..models import ZERO, PaperOrderRequest
from ..walk import WalkLimits, walk_book


def order_value(request: PaperOrderRequest, matcher: PaperMatcher) -> Decimal:
    """The order's value at its price (a limit) or walking the visible book (market)."""
    if request.order_type is not OrderType.MARKET:
        assert request.price is not None
        return request.price * request.amount
    limits = WalkLimits(
        amount=request.amount,
        funds=None,
        is_buy=request.side.name == "BUY",
        base_increment=request.base_increment,
        taker_fee_rate=request.taker_fee_rate,
    )
    executions = walk_book(matcher.visible_for_taker(request.side), limits)
    return sum((price * amount for price, amount in executions), ZERO)


@dataclass(slots=True)
class MarginHold:
    per_unit: Decimal  # reserved per base unit still to fill
    remaining: Decimal  # base units

    @property
    def amount(self) -> Decimal:
        return self.per_unit * self.remaining


@dataclass(slots=True)
class OrderMargins:
    """The open orders' reservations, by client order id."""

    holds: dict[str, MarginHold] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum((h.amount for h in self.holds.values()), ZERO)

    def hold(self, order_id: str, amount: Decimal, reserved: Decimal) -> None:
        if amount > 0 and reserved > 0:
            self.holds[order_id] = MarginHold(reserved / amount, amount)

    def filled(self, order_id: str, amount: Decimal) -> None:
        found = self.holds.get(order_id)
        if found is not None:
            found.remaining = max(ZERO, found.remaining - amount)

    def release(self, order_id: str) -> bool:
        return self.holds.pop(order_id, None) is not None
