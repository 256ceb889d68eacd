"""PerpetualLedger: one paper futures account in one settlement currency.

- A fill opens, increases, reduces or (one-way mode) flips a position. Opening posts
  isolated margin ``value / leverage`` from the available balance; closing realises
  ``± value(closed, exit - entry)`` and releases the closed share of the margin.
- Funding at the venue's funding times: a long pays ``value(qty, mark) * rate`` when the
  rate is positive (a short receives it), and the reverse when it is negative.
- A position whose margin plus unrealised PnL at the mark falls to its maintenance margin
  is liquidated: it is closed and its margin is lost (the venue keeps what remains).

``wallet`` counts posted margins; ``available`` is what new margin and fees can use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from kucoin_connector.core.errors import InsufficientFundsError, OrderValidationError
from kucoin_connector.core.types import PositionMode, PositionSide, TradeType

from .positions import ZERO, ContractTerms, PerpPosition

_LONG, _SHORT = PositionSide.LONG, PositionSide.SHORT


@dataclass(frozen=True, slots=True)
class FillResult:
    opened: Decimal
    closed: Decimal
    realised_pnl: Decimal  # gross, before the fee


class PerpetualLedger:
    def __init__(
        self,
        contracts: Mapping[str, ContractTerms],
        wallet: Decimal,
        *,
        mode: PositionMode = PositionMode.ONEWAY,
    ) -> None:
        self.contracts = dict(contracts)
        self.wallet = wallet
        self.mode = mode
        self._positions: dict[tuple[str, PositionSide], PerpPosition] = {}
        self._leverage: dict[str, Decimal] = {}

    # ------------------------------------------------------------------ queries
    def position(self, trading_pair: str, side: PositionSide) -> PerpPosition:
        key = (trading_pair, side)
        found = self._positions.get(key)
        if found is None:
            leverage = self._leverage.get(trading_pair, Decimal(1))
            found = self._positions[key] = PerpPosition(trading_pair, side, leverage=leverage)
        return found

    def open_positions(self) -> list[PerpPosition]:
        return [p for p in self._positions.values() if p.qty > 0]

    @property
    def posted_margin(self) -> Decimal:
        return sum((p.margin for p in self._positions.values()), ZERO)

    @property
    def available(self) -> Decimal:
        return self.wallet - self.posted_margin

    def equity(self, marks: Mapping[str, Decimal]) -> Decimal:
        """Wallet plus unrealised PnL at the marks (positions without a mark count 0)."""
        upnl = sum(
            (
                p.unrealised_pnl(self.contracts[p.trading_pair], marks[p.trading_pair])
                for p in self.open_positions()
                if p.trading_pair in marks
            ),
            ZERO,
        )
        return self.wallet + upnl

    # ------------------------------------------------------------------ settings
    def set_leverage(self, trading_pair: str, leverage: Decimal) -> None:
        terms = self.contracts[trading_pair]
        if not leverage.is_finite() or leverage < 1 or leverage > terms.max_leverage:
            raise OrderValidationError(
                f"{trading_pair}: leverage must be in [1, {terms.max_leverage}]", rule="leverage"
            )
        self._leverage[trading_pair] = leverage

    # ------------------------------------------------------------------ fills
    def apply_fill(
        self,
        trading_pair: str,
        trade_type: TradeType,
        lots: Decimal,
        price: Decimal,
        fee: Decimal,
        position_side: PositionSide = PositionSide.BOTH,
    ) -> FillResult:
        """Book one fill; ``position_side`` LONG/SHORT in hedge mode, BOTH in one-way."""
        terms = self.contracts[trading_pair]
        is_buy = trade_type is TradeType.BUY
        if self.mode is PositionMode.HEDGE:
            if position_side is PositionSide.BOTH:
                raise OrderValidationError(
                    "hedge mode needs a LONG or SHORT position side", rule="position_side"
                )
            closes = (position_side is _SHORT) == is_buy  # buy SHORT / sell LONG close
            to_close = lots if closes else ZERO
        else:
            position_side = _SHORT if is_buy else _LONG  # what a fill would close first
            to_close = min(lots, self.position(trading_pair, position_side).qty)
        closed_pnl = ZERO
        if to_close > 0:
            position = self.position(trading_pair, position_side)
            if to_close > position.qty:
                raise OrderValidationError(
                    f"{trading_pair}: cannot close more than the position", rule="reduce_only"
                )
            closed_pnl = self._close(terms, position, to_close, price)
        opened = lots - to_close
        if opened > 0:
            side = _LONG if is_buy else _SHORT
            self._open(terms, self.position(trading_pair, side), opened, price, fee)
        elif fee > self.available + closed_pnl and fee > 0:
            raise InsufficientFundsError(f"fee {fee} above the available balance")
        self.wallet -= fee
        return FillResult(opened, to_close, closed_pnl)

    def _open(
        self,
        terms: ContractTerms,
        position: PerpPosition,
        lots: Decimal,
        price: Decimal,
        fee: Decimal,
    ) -> None:
        leverage = self._leverage.get(terms.trading_pair, position.leverage)
        margin = terms.value(lots, price) / leverage
        if margin + fee > self.available:
            raise InsufficientFundsError(
                f"margin {margin} + fee {fee} above the available balance {self.available}"
            )
        total = position.qty + lots
        position.entry_price = (position.entry_price * position.qty + price * lots) / total
        position.qty = total
        position.leverage = leverage
        position.margin += margin

    def _close(
        self, terms: ContractTerms, position: PerpPosition, lots: Decimal, price: Decimal
    ) -> Decimal:
        pnl = position.sign * terms.value(lots, price - position.entry_price)
        position.margin -= position.margin * lots / position.qty
        position.qty -= lots
        position.realised_pnl += pnl
        self.wallet += pnl
        if position.qty == 0:
            position.entry_price = ZERO
            position.margin = ZERO
        return pnl

    # ------------------------------------------------------------------ funding, marks
    def settle_funding(self, trading_pair: str, rate: Decimal, mark_price: Decimal) -> Decimal:
        """Pay or receive funding on the pair's open positions; return the net paid."""
        terms = self.contracts[trading_pair]
        paid = ZERO
        for position in self.open_positions():
            if position.trading_pair != trading_pair:
                continue
            payment = position.sign * terms.value(position.qty, mark_price) * rate
            position.realised_pnl -= payment
            self.wallet -= payment
            paid += payment
        return paid

    def liquidate_at(self, trading_pair: str, mark_price: Decimal) -> list[PerpPosition]:
        """Liquidate the pair's positions that the mark puts under maintenance margin."""
        terms = self.contracts[trading_pair]
        liquidated: list[PerpPosition] = []
        for position in self.open_positions():
            if position.trading_pair == trading_pair and position.is_liquidatable(
                terms, mark_price
            ):
                liquidated.append(
                    PerpPosition(
                        trading_pair,
                        position.side,
                        position.qty,
                        position.entry_price,
                        position.leverage,
                        position.margin,
                        position.realised_pnl,
                    )
                )
                self.wallet -= position.margin
                position.realised_pnl -= position.margin
                position.qty = ZERO
                position.entry_price = ZERO
                position.margin = ZERO
        return liquidated
