"""Derivative positions: what a fill opens, closes and realises, per user and contract.

Exchange-agnostic. A contract is linear: one lot is ``multiplier`` units of the base asset
and is valued ``lots * multiplier * price`` in the settlement currency. Quantities here are
lots (``Decimal`` whole numbers in practice; the engine validates the lot size).

Position modes:
- one-way: one position per (user, symbol), side ``BOTH``, signed ``qty`` (long > 0);
  a fill against it first closes, then opens the other way with the rest;
- hedge: a ``LONG`` and a ``SHORT`` position per (user, symbol), each ``qty >= 0``; a buy
  opens LONG or closes SHORT, as the order's position side says.

``PositionBook.apply_fill`` returns a :class:`FillEffect` (lots opened, lots closed, the
gross PnL realised and the share of margin released); the margin ledger (``margin.py``)
moves the money. Nothing here touches balances.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum

from kucoin_connector.simulator.engine.models import BUY, ZERO, EngineError, Reject


class PositionSide(StrEnum):
    BOTH = "BOTH"
    LONG = "LONG"
    SHORT = "SHORT"


class PositionMode(StrEnum):
    ONE_WAY = "one_way"
    HEDGE = "hedge"


class MarginMode(StrEnum):
    ISOLATED = "ISOLATED"
    CROSS = "CROSS"


@dataclass(slots=True, frozen=True)
class ContractTerms:
    """A linear perpetual contract's economic terms."""

    symbol: str
    settle_currency: str
    multiplier: Decimal
    maintenance_margin_rate: Decimal
    max_leverage: Decimal
    money_quantum: Decimal = Decimal("0.00000001")  # the settlement currency's precision

    def value(self, lots: Decimal, price: Decimal) -> Decimal:
        return lots * self.multiplier * price

    def money(self, amount: Decimal) -> Decimal:
        """``amount`` booked to a wallet: to the currency's precision, half-even (so a
        gain and the mirrored loss stay exact opposites)."""
        return amount.quantize(self.money_quantum, rounding=ROUND_HALF_EVEN)


@dataclass(slots=True)
class Position:
    """One position. ``qty`` is signed in one-way mode; LONG/SHORT hold ``qty >= 0``.

    ``margin`` is the margin posted for it (isolated), ``realised_pnl`` the gross PnL of
    closed lots, ``fees`` and ``funding`` what fills and funding cost it (funding received
    is negative cost), since it was opened.
    """

    user_id: str
    symbol: str
    side: PositionSide
    leverage: Decimal
    margin_mode: MarginMode
    qty: Decimal = ZERO
    entry_price: Decimal = ZERO
    margin: Decimal = ZERO
    realised_pnl: Decimal = ZERO
    fees: Decimal = ZERO
    funding: Decimal = ZERO
    opened_at_ms: int = 0
    updated_at_ms: int = 0

    @property
    def direction(self) -> int:
        """+1 long, -1 short, 0 flat."""
        if self.side is PositionSide.LONG:
            return 1 if self.qty else 0
        if self.side is PositionSide.SHORT:
            return -1 if self.qty else 0
        return (self.qty > 0) - (self.qty < 0)

    @property
    def size(self) -> Decimal:
        """Lots held, unsigned."""
        return abs(self.qty)

    def unrealised_pnl(self, terms: ContractTerms, mark_price: Decimal) -> Decimal:
        return terms.value(self.size, mark_price - self.entry_price) * self.direction

    def liquidation_price(self, terms: ContractTerms) -> Decimal:
        """Mark price at which margin + unrealised PnL equals the maintenance margin
        (isolated; linear contract). Zero when flat."""
        if not self.qty:
            return ZERO
        unit = self.size * terms.multiplier
        mmr = terms.maintenance_margin_rate
        if self.direction > 0:
            return (self.entry_price * unit - self.margin) / (unit * (1 - mmr))
        return (self.entry_price * unit + self.margin) / (unit * (1 + mmr))


@dataclass(slots=True, frozen=True)
class FillEffect:
    """What one fill did to a position: lots ``closed`` (realising ``pnl`` and releasing
    ``margin_released``), then lots ``opened``."""

    position: Position
    closed: Decimal
    opened: Decimal
    pnl: Decimal
    margin_released: Decimal


class PositionBook:
    """Every user's positions, position mode, and per-symbol leverage and margin mode."""

    def __init__(self, default_leverage: Decimal = Decimal(5)) -> None:
        self._default_leverage = default_leverage
        self._positions: dict[tuple[str, str, PositionSide], Position] = {}
        self._modes: dict[str, PositionMode] = {}
        self._leverage: dict[tuple[str, str], Decimal] = {}
        self._margin_modes: dict[tuple[str, str], MarginMode] = {}

    # ---- settings ------------------------------------------------------------------
    def position_mode(self, user_id: str) -> PositionMode:
        return self._modes.get(user_id, PositionMode.ONE_WAY)

    def set_position_mode(self, user_id: str, mode: PositionMode, has_orders: bool) -> None:
        """Switch mode; refused while the user has open positions or active orders."""
        if mode is self.position_mode(user_id):
            return
        if has_orders or any(p.qty for p in self.positions(user_id)):
            raise EngineError(
                Reject.POSITION_MODE_LOCKED,
                "position mode cannot be changed with open positions or orders",
            )
        self._modes[user_id] = mode

    def leverage(self, user_id: str, symbol: str) -> Decimal:
        return self._leverage.get((user_id, symbol), self._default_leverage)

    def set_leverage(self, user_id: str, terms: ContractTerms, leverage: Decimal) -> None:
        if not leverage.is_finite() or leverage < 1 or leverage > terms.max_leverage:
            raise EngineError(
                Reject.INVALID_PARAMETER, f"leverage must be within 1..{terms.max_leverage}"
            )
        self._leverage[(user_id, terms.symbol)] = leverage

    def margin_mode(self, user_id: str, symbol: str) -> MarginMode:
        return self._margin_modes.get((user_id, symbol), MarginMode.ISOLATED)

    def set_margin_mode(self, user_id: str, symbol: str, mode: MarginMode) -> None:
        if mode is self.margin_mode(user_id, symbol):
            return
        if any(p.qty for p in self.positions(user_id) if p.symbol == symbol):
            raise EngineError(
                Reject.POSITION_MODE_LOCKED, "margin mode cannot be changed with an open position"
            )
        self._margin_modes[(user_id, symbol)] = mode

    # ---- queries -------------------------------------------------------------------
    def positions(self, user_id: str | None = None) -> list[Position]:
        return [p for p in self._positions.values() if user_id is None or p.user_id == user_id]

    def position(self, user_id: str, symbol: str, side: PositionSide) -> Position:
        key = (user_id, symbol, side)
        pos = self._positions.get(key)
        if pos is None:
            pos = Position(
                user_id,
                symbol,
                side,
                self.leverage(user_id, symbol),
                self.margin_mode(user_id, symbol),
            )
            self._positions[key] = pos
        return pos

    def resolve_side(self, user_id: str, requested: str) -> PositionSide:
        """The position an order acts on: BOTH in one-way mode; LONG/SHORT required in
        hedge mode."""
        mode = self.position_mode(user_id)
        if mode is PositionMode.ONE_WAY:
            if requested not in ("", PositionSide.BOTH):
                raise EngineError(
                    Reject.INVALID_PARAMETER, "positionSide must be BOTH in one-way mode"
                )
            return PositionSide.BOTH
        if requested not in (PositionSide.LONG, PositionSide.SHORT):
            raise EngineError(
                Reject.INVALID_PARAMETER, "positionSide LONG or SHORT is required in hedge mode"
            )
        return PositionSide(requested)

    def closable(self, user_id: str, symbol: str, side: PositionSide, order_side: str) -> Decimal:
        """Lots an order of ``order_side`` would close on that position (the rest opens)."""
        pos = self._positions.get((user_id, symbol, side))
        if pos is None or not pos.qty:
            return ZERO
        closes_long = order_side != BUY
        if side is PositionSide.BOTH:
            return pos.size if (pos.qty > 0) == closes_long else ZERO
        return pos.size if (side is PositionSide.LONG) == closes_long else ZERO

    # ---- fills ---------------------------------------------------------------------
    def apply_fill(
        self,
        terms: ContractTerms,
        user_id: str,
        side: PositionSide,
        order_side: str,
        lots: Decimal,
        price: Decimal,
        now_ms: int,
    ) -> FillEffect:
        """Close what the fill closes (FIFO-free: average entry), open the rest."""
        pos = self.position(user_id, terms.symbol, side)
        closing = min(lots, self.closable(user_id, terms.symbol, side, order_side))
        pnl = margin_released = ZERO
        if closing:
            direction = pos.direction
            pnl = terms.money(terms.value(closing, price - pos.entry_price) * direction)
            margin_released = pos.margin if closing == pos.size else pos.margin * closing / pos.size
            pos.margin -= margin_released
            pos.realised_pnl += pnl
            pos.qty -= closing * direction if side is PositionSide.BOTH else closing
            if not pos.qty:
                pos.entry_price = ZERO
        opening = lots - closing
        if opening:
            if side is PositionSide.SHORT and order_side == BUY:
                raise EngineError(Reject.INVALID_PARAMETER, "a buy cannot open a SHORT position")
            if side is PositionSide.LONG and order_side != BUY:
                raise EngineError(Reject.INVALID_PARAMETER, "a sell cannot open a LONG position")
            if not pos.qty:
                pos.opened_at_ms = now_ms
                pos.realised_pnl = pos.fees = pos.funding = ZERO
                pos.leverage = self.leverage(user_id, terms.symbol)
                pos.margin_mode = self.margin_mode(user_id, terms.symbol)
            new_size = pos.size + opening
            pos.entry_price = (pos.entry_price * pos.size + price * opening) / new_size
            signed = opening if (side is PositionSide.LONG or order_side == BUY) else -opening
            pos.qty = new_size if side is not PositionSide.BOTH else pos.qty + signed
        pos.updated_at_ms = now_ms
        return FillEffect(pos, closing, opening, pnl, margin_released)
