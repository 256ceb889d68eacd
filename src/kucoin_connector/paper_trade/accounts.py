"""Paper balances: totals, holds placed at order entry, fills settled in Decimal.

Fees are paid in the quote currency (as KuCoin spot charges them by default): a buy pays
``price * amount + fee`` of quote, a sell receives ``price * amount - fee``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from kucoin_connector.core.errors import InsufficientFundsError
from kucoin_connector.core.types import Balance, TradeType

from .models import ZERO


@dataclass(slots=True)
class _Hold:
    asset: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class FillSettlement:
    """One fill as the account sees it."""

    order_id: str
    side: TradeType
    base: str
    quote: str
    price: Decimal
    amount: Decimal
    fee: Decimal  # in quote


class PaperAccounts:
    """Paper balances and holds per asset: ``available = total - held``."""

    def __init__(self, balances: Mapping[str, Decimal] | None = None) -> None:
        self._totals: dict[str, Decimal] = {a: Decimal(v) for a, v in (balances or {}).items()}
        self._holds: dict[str, _Hold] = {}

    def total(self, asset: str) -> Decimal:
        """The asset's total balance."""
        return self._totals.get(asset, ZERO)

    def held(self, asset: str) -> Decimal:
        """What open paper orders hold of the asset."""
        return sum((h.amount for h in self._holds.values() if h.asset == asset), ZERO)

    def available(self, asset: str) -> Decimal:
        """Total minus held."""
        return self.total(asset) - self.held(asset)

    def balance(self, asset: str) -> Balance:
        """The asset's balance as the live connector reports one."""
        return Balance(asset, self.total(asset), self.available(asset))

    def balances(self) -> dict[str, Balance]:
        """Every asset's balance, by asset name."""
        return {asset: self.balance(asset) for asset in sorted(self._totals)}

    def deposit(self, asset: str, amount: Decimal) -> None:
        """Credit (or, negative, debit) the asset."""
        self._totals[asset] = self.total(asset) + amount

    def hold(self, order_id: str, asset: str, amount: Decimal) -> None:
        """Reserve ``amount`` of ``asset`` for an order; InsufficientFundsError if short."""
        if amount > self.available(asset):
            raise InsufficientFundsError(
                f"balance insufficient: {asset} needed {amount}, available {self.available(asset)}"
            )
        self._holds[order_id] = _Hold(asset, amount)

    def release(self, order_id: str) -> str | None:
        """Free what is left of an order's hold; the asset it was in (None: no hold)."""
        hold = self._holds.pop(order_id, None)
        return hold.asset if hold is not None else None

    def settle(self, fill: FillSettlement) -> tuple[str, str]:
        """Move the fill's amounts; the order's hold shrinks by what was paid from it."""
        notional = fill.price * fill.amount
        if fill.side is TradeType.BUY:
            paid_asset, paid = fill.quote, notional + fill.fee
            self._totals[fill.base] = self.total(fill.base) + fill.amount
        else:
            paid_asset, paid = fill.base, fill.amount
            self._totals[fill.quote] = self.total(fill.quote) + notional - fill.fee
        self._totals[paid_asset] = self.total(paid_asset) - paid
        hold = self._holds.get(fill.order_id)
        if hold is not None and hold.asset == paid_asset:
            hold.amount = max(ZERO, hold.amount - paid)
        return fill.base, fill.quote
