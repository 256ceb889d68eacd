"""A linear perpetual contract's terms and one paper position.

One lot is ``multiplier`` units of the base asset, valued ``lots * multiplier * price`` in
the settlement currency. A position holds lots (``qty >= 0``) on one side, an average
entry price, its leverage and its isolated margin.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kucoin_connector.core.types import PositionSide

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class ContractTerms:
    trading_pair: str
    settle_currency: str
    multiplier: Decimal
    maintenance_margin_rate: Decimal
    max_leverage: Decimal

    def value(self, lots: Decimal, price: Decimal) -> Decimal:
        return lots * self.multiplier * price


@dataclass(slots=True)
class PerpPosition:
    """``side`` LONG or SHORT (in one-way mode the ledger keeps at most one non-empty)."""

    trading_pair: str
    side: PositionSide
    qty: Decimal = ZERO
    entry_price: Decimal = ZERO
    leverage: Decimal = Decimal(1)
    margin: Decimal = ZERO  # isolated margin posted, in the settlement currency
    realised_pnl: Decimal = ZERO  # gross of fees, funding included

    @property
    def sign(self) -> int:
        return 1 if self.side is PositionSide.LONG else -1

    def unrealised_pnl(self, terms: ContractTerms, mark_price: Decimal) -> Decimal:
        return self.sign * terms.value(self.qty, mark_price - self.entry_price)

    def maintenance_margin(self, terms: ContractTerms, mark_price: Decimal) -> Decimal:
        return terms.value(self.qty, mark_price) * terms.maintenance_margin_rate

    def is_liquidatable(self, terms: ContractTerms, mark_price: Decimal) -> bool:
        if self.qty == 0:
            return False
        equity = self.margin + self.unrealised_pnl(terms, mark_price)
        return equity <= self.maintenance_margin(terms, mark_price)

    def liquidation_price(self, terms: ContractTerms) -> Decimal | None:
        """The mark price at which equity meets the maintenance margin (isolated)."""
        if self.qty == 0:
            return None
        size = self.qty * terms.multiplier
        mmr = terms.maintenance_margin_rate
        # long:  margin + size*(p - entry) = size*p*mmr -> p = (size*entry - margin)/(size*(1-mmr))
        # short: margin + size*(entry - p) = size*p*mmr -> p = (margin + size*entry)/(size*(1+mmr))
        if self.side is PositionSide.LONG:
            price = (size * self.entry_price - self.margin) / (size * (1 - mmr))
        else:
            price = (self.margin + size * self.entry_price) / (size * (1 + mmr))
        return max(price, ZERO)
