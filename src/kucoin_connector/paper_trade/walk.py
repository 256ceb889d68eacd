"""Marketable orders walking the book, and the liquidity they have already consumed.

A paper taker cannot remove liquidity from the venue's real book, so what it took is kept
in ``ConsumedLiquidity`` and subtracted from later reads of that level: the next order does
not take it again. The overlay only shrinks when the real level does (it is bounded by the
level's size) and is forgotten when the level disappears.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from .models import ZERO

Level = tuple[Decimal, Decimal]  # (price, size)


class ConsumedLiquidity:
    """Per price, the size paper takers took from one side of the book."""

    def __init__(self) -> None:
        self._taken: dict[Decimal, Decimal] = {}

    def available(self, levels: Iterable[Level]) -> list[Level]:
        """The levels as a paper taker sees them (consumed size removed, empty ones dropped)."""
        seen: list[Level] = []
        for price, size in levels:
            left = size - self._taken.get(price, ZERO)
            if left > 0:
                seen.append((price, left))
        return seen

    def record(self, price: Decimal, amount: Decimal) -> None:
        self._taken[price] = self._taken.get(price, ZERO) + amount

    def on_levels(self, sizes: dict[Decimal, Decimal]) -> None:
        """The real side now has ``sizes``: bound or forget each consumed level."""
        for price in list(self._taken):
            size = sizes.get(price, ZERO)
            if size <= 0:
                del self._taken[price]
            else:
                self._taken[price] = min(self._taken[price], size)

    def __len__(self) -> int:
        return len(self._taken)


@dataclass(frozen=True, slots=True)
class WalkLimits:
    """What stops a walk: base amount, quote funds (fee included) or a limit price."""

    amount: Decimal | None = None
    funds: Decimal | None = None
    limit_price: Decimal | None = None
    is_buy: bool = True
    base_increment: Decimal = Decimal("1e-8")
    taker_fee_rate: Decimal = ZERO


def _beyond_limit(price: Decimal, limits: WalkLimits) -> bool:
    if limits.limit_price is None:
        return False
    return price > limits.limit_price if limits.is_buy else price < limits.limit_price


def _floor(value: Decimal, increment: Decimal) -> Decimal:
    return (value / increment).to_integral_value(rounding=ROUND_DOWN) * increment


def walk_book(levels: Iterable[Level], limits: WalkLimits) -> list[Level]:
    """The (price, amount) executions of a taker walking ``levels`` (best first)."""
    executions: list[Level] = []
    amount_left = limits.amount
    funds_left = limits.funds
    for price, size in levels:
        if _beyond_limit(price, limits):
            break
        take = size
        if amount_left is not None:
            take = min(take, amount_left)
        if funds_left is not None:
            unit = price * (1 + limits.taker_fee_rate) if limits.is_buy else price
            take = min(take, _floor(funds_left / unit, limits.base_increment))
        if take <= 0:
            break
        executions.append((price, take))
        if amount_left is not None:
            amount_left -= take
        if funds_left is not None:
            funds_left -= (
                take * price * (1 + limits.taker_fee_rate) if limits.is_buy else (take * price)
            )
    return executions


def fillable(levels: Iterable[Level], limits: WalkLimits) -> Decimal:
    """How much base a walk would execute (for FOK)."""
    return sum((amount for _, amount in walk_book(levels, limits)), ZERO)
