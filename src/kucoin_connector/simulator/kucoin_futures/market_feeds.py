"""The futures front-end's periodic public feeds and its mark price.

- Mark price: follows the last trade (a new last trade moves it, and may liquidate);
  :meth:`KucoinFuturesSimulator.set_mark_price` pins it until the next trade.
- ``/contract/instrument:{symbol}``: ``mark.index.price`` at each mark tick and
  ``funding.rate`` at each tick and each settlement.
- ``/contractMarket/level2Depth5:{symbol}`` and ``level2Depth50``: the top of the book,
  pushed when it changed since the last push (snapshots, not changes).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..kucoin_spot.publisher import message
from ..kucoin_spot.wire import dec
from .state import FuturesState

INSTRUMENT = "/contract/instrument"
DEPTH_TOPICS = {"/contractMarket/level2Depth5": 5, "/contractMarket/level2Depth50": 50}
MARK_GRANULARITY_MS = 1000
FUNDING_GRANULARITY_MS = 60_000


class FuturesMarketFeeds:
    """Marks from trades, instrument and depth snapshots; one per simulator."""

    def __init__(self, state: FuturesState, set_mark: Callable[[str, Decimal], object]) -> None:
        self.state = state
        self.set_mark = set_mark
        self._seen_trade: dict[str, str] = {}
        self._pushed_sequence: dict[tuple[str, str], int] = {}

    def tick_marks(self) -> None:
        """Move each mark to a new last trade, then publish marks and funding rates."""
        engine = self.state.engine
        for symbol in self.state.contracts:
            trade = engine.last_trade(symbol)
            if trade is not None and self._seen_trade.get(symbol) != trade.trade_id:
                self._seen_trade[symbol] = trade.trade_id
                self.set_mark(symbol, trade.price)
            self.publish_mark(symbol)
            self.publish_funding_rate(symbol)

    def publish_mark(self, symbol: str) -> None:
        if not self.state.hub.has_subscribers(INSTRUMENT, symbol):
            return
        data = {
            "granularity": MARK_GRANULARITY_MS,
            "indexPrice": float(self.state.index_price(symbol)),
            "markPrice": float(self.state.mark_price(symbol)),
            "timestamp": self.state.clock.now_ms(),
        }
        self._publish(INSTRUMENT, symbol, "mark.index.price", data)

    def publish_funding_rate(self, symbol: str) -> None:
        if not self.state.hub.has_subscribers(INSTRUMENT, symbol):
            return
        data = {
            "granularity": FUNDING_GRANULARITY_MS,
            "fundingRate": float(self.state.funding_rate(symbol)),
            "timestamp": self.state.clock.now_ms(),
        }
        self._publish(INSTRUMENT, symbol, "funding.rate", data)

    def publish_depth(self) -> None:
        """Each subscribed depth topic whose book changed since its last push."""
        engine = self.state.engine
        for symbol in self.state.contracts:
            for base, depth in DEPTH_TOPICS.items():
                if not self.state.hub.has_subscribers(base, symbol):
                    continue
                sequence, bids, asks = engine.level2_snapshot(symbol, depth)
                if self._pushed_sequence.get((base, symbol)) == sequence:
                    continue
                self._pushed_sequence[(base, symbol)] = sequence
                now = self.state.clock.now_ms()
                data = {
                    "bids": [[dec(p), int(s)] for p, s in bids],
                    "asks": [[dec(p), int(s)] for p, s in asks],
                    "sequence": sequence,
                    "timestamp": now,
                    "ts": now,
                }
                self._publish(base, symbol, "level2", data)

    def _publish(self, base: str, symbol: str, subject: str, data: dict[str, Any]) -> None:
        self.state.hub.publish(base, symbol, message(f"{base}:{symbol}", subject, data))
