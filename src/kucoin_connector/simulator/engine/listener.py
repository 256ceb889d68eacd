"""The engine's event sink: ``EngineListener`` (protocol) and ``NullListener``."""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from kucoin_connector.simulator.engine.models import BalanceChange, Fill, Order, Trade


class EngineListener(Protocol):
    """Receives everything the engine does, synchronously, in order. Must not raise and
    must not call back into the engine from inside a callback (queue the work instead)."""

    def on_level2_change(
        self, symbol: str, side: str, price: Decimal, size: Decimal, sequence: int, time_ms: int
    ) -> None:
        """One price level's visible size changed; ``size`` is absolute, 0 = removed.
        ``side`` is "buy" (bids) or "sell" (asks)."""

    def on_trade(self, trade: Trade) -> None:
        """A public match (taker side, maker/taker order ids, trade sequence)."""

    def on_order_event(
        self,
        order: Order,
        event_type: str,
        fill: Fill | None,
        old_size: Decimal | None,
        time_ms: int,
    ) -> None:
        """Private order change: ``event_type`` in received/open/match/update/filled/
        canceled/stop/triggered. ``fill`` set for match (that order's side of it).
        ``old_size`` set for update (STP DC decrease)."""

    def on_balance_change(self, change: BalanceChange) -> None:
        """An account's balance/hold changed (``account.balance``)."""


class NullListener:
    """A listener that ignores everything (benchmarks, tests)."""

    def on_level2_change(
        self, symbol: str, side: str, price: Decimal, size: Decimal, sequence: int, time_ms: int
    ) -> None:
        return None

    def on_trade(self, trade: Trade) -> None:
        return None

    def on_order_event(
        self,
        order: Order,
        event_type: str,
        fill: Fill | None,
        old_size: Decimal | None,
        time_ms: int,
    ) -> None:
        return None

    def on_balance_change(self, change: BalanceChange) -> None:
        return None
