"""PositionTracker: derivative positions per (trading pair, side), beside ExchangeBase.

Venue-agnostic: a connector parses its exchange's position records and funding records
into :class:`Position` and :class:`FundingPayment` and hands them here; the tracker keeps
the latest position per ``(trading_pair, position_side)`` and publishes
:class:`~kucoin_connector.core.events.PositionChangedEvent` when a position changes (a
zero amount closes it) and :class:`~kucoin_connector.core.events.FundingPaymentEvent`
once per funding settlement.

A REST read of every position (:meth:`PositionTracker.replace_all`) is the truth: a
tracked position missing from it is closed. Updates older than the one held are ignored
(a stream message can overtake a REST read).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from .events import EventBus, FundingPaymentEvent, PositionChangedEvent
from .types import PositionSide

__all__ = ["FundingPayment", "Position", "PositionKey", "PositionTracker"]

PositionKey = tuple[str, PositionSide]


@dataclass(frozen=True, slots=True)
class Position:
    """One position as the exchange reports it. ``amount`` in base units, signed (< 0
    short); money fields in ``settlement_currency``."""

    trading_pair: str
    position_side: PositionSide
    amount: Decimal
    entry_price: Decimal
    leverage: Decimal
    margin: Decimal
    unrealized_pnl: Decimal
    realized_pnl: Decimal
    liquidation_price: Decimal | None
    settlement_currency: str
    timestamp_ms: int

    @property
    def key(self) -> PositionKey:
        return (self.trading_pair, self.position_side)

    @property
    def is_open(self) -> bool:
        return self.amount != 0

    def same_state(self, other: Position) -> bool:
        """Equal in everything but the timestamp."""
        return _state(self) == _state(other)


def _state(position: Position) -> tuple[object, ...]:
    return (
        position.amount,
        position.entry_price,
        position.leverage,
        position.margin,
        position.unrealized_pnl,
        position.realized_pnl,
        position.liquidation_price,
        position.settlement_currency,
    )


@dataclass(frozen=True, slots=True)
class FundingPayment:
    """One funding settlement; ``amount`` sign as the exchange gives it (< 0: paid)."""

    trading_pair: str
    position_side: PositionSide
    amount: Decimal
    funding_rate: Decimal
    settlement_currency: str
    timestamp_ms: int


class PositionTracker:
    """Open positions by (pair, side), and the events of their changes and funding."""

    def __init__(self, events: EventBus) -> None:
        self._events = events
        self._positions: dict[PositionKey, Position] = {}
        self._funding_seen: set[tuple[str, PositionSide, int]] = set()

    @property
    def positions(self) -> Mapping[PositionKey, Position]:
        """Open positions (read-only view)."""
        return MappingProxyType(self._positions)

    def get(self, trading_pair: str, side: PositionSide) -> Position | None:
        return self._positions.get((trading_pair, side))

    def for_pair(self, trading_pair: str) -> list[Position]:
        return [p for key, p in self._positions.items() if key[0] == trading_pair]

    def apply(self, position: Position) -> bool:
        """Take one update; True when it changed the tracked state (an event was sent)."""
        held = self._positions.get(position.key)
        if held is not None and position.timestamp_ms < held.timestamp_ms:
            return False  # older than what we hold
        if held is None and not position.is_open:
            return False  # closing a position we do not hold: nothing changes
        if held is not None and held.same_state(position):
            self._positions[position.key] = position  # fresher timestamp, same state
            return False
        if position.is_open:
            self._positions[position.key] = position
        else:
            del self._positions[position.key]
        self._publish_change(position)
        return True

    def replace_all(self, positions: Iterable[Position], timestamp_ms: int) -> None:
        """A complete read of every open position: apply each, close the missing ones."""
        seen: set[PositionKey] = set()
        for position in positions:
            seen.add(position.key)
            self.apply(position)
        for key in [k for k in self._positions if k not in seen]:
            held = self._positions[key]
            if held.timestamp_ms > timestamp_ms:
                continue  # changed after the read started: the stream knows better
            self.apply(_closed(held, timestamp_ms))

    def apply_funding(self, payment: FundingPayment) -> bool:
        """Publish one funding payment; a repeat of the same settlement is ignored."""
        key = (payment.trading_pair, payment.position_side, payment.timestamp_ms)
        if key in self._funding_seen:
            return False
        self._funding_seen.add(key)
        self._events.publish(
            FundingPaymentEvent(
                timestamp_ms=payment.timestamp_ms,
                trading_pair=payment.trading_pair,
                position_side=payment.position_side,
                amount=payment.amount,
                funding_rate=payment.funding_rate,
                settlement_currency=payment.settlement_currency,
            )
        )
        return True

    def _publish_change(self, position: Position) -> None:
        self._events.publish(
            PositionChangedEvent(
                timestamp_ms=position.timestamp_ms,
                trading_pair=position.trading_pair,
                position_side=position.position_side,
                amount=position.amount,
                entry_price=position.entry_price,
                leverage=position.leverage,
                margin=position.margin,
                unrealized_pnl=position.unrealized_pnl,
                realized_pnl=position.realized_pnl,
                liquidation_price=position.liquidation_price,
                settlement_currency=position.settlement_currency,
            )
        )


def _closed(position: Position, timestamp_ms: int) -> Position:
    return Position(
        trading_pair=position.trading_pair,
        position_side=position.position_side,
        amount=Decimal(0),
        entry_price=Decimal(0),
        leverage=position.leverage,
        margin=Decimal(0),
        unrealized_pnl=Decimal(0),
        realized_pnl=position.realized_pnl,
        liquidation_price=None,
        settlement_currency=position.settlement_currency,
        timestamp_ms=timestamp_ms,
    )
