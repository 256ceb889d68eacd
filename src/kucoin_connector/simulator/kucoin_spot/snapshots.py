"""The periodic ``/market/snapshot`` feed (``trade.snapshot``, numbers as JSON numbers)."""

from __future__ import annotations

from typing import Any

from ..engine.models import SymbolSpec
from .publisher import message
from .state import SimState


class SnapshotFeed:
    def __init__(self, state: SimState) -> None:
        self.state = state

    def publish(self) -> None:
        hub = self.state.hub
        specs = self.state.engine.symbols()
        for spec in specs:
            if hub.has_subscribers("/market/snapshot", spec.symbol):
                data = {
                    "sequence": str(self.state.engine.sequence(spec.symbol)),
                    "data": self.item(spec),
                }
                hub.publish(
                    "/market/snapshot",
                    spec.symbol,
                    message(f"/market/snapshot:{spec.symbol}", "trade.snapshot", data),
                )
        for market in sorted({s.market for s in specs} | {s.quote_currency for s in specs}):
            if not hub.has_subscribers("/market/snapshot", market):
                continue
            for spec in specs:
                if market in (spec.market, spec.quote_currency):
                    data = {
                        "sequence": str(self.state.engine.sequence(spec.symbol)),
                        "data": self.item(spec),
                    }
                    hub.publish(
                        "/market/snapshot",
                        market,
                        message(f"/market/snapshot:{market}", "trade.snapshot", data),
                    )

    def item(self, spec: SymbolSpec) -> dict[str, Any]:
        engine = self.state.engine
        now = self.state.clock.now_ms()
        st = engine.stats_24h(spec.symbol, now)
        bid, ask = engine.best_bid_ask(spec.symbol)
        return {
            "trading": spec.enable_trading,
            "symbol": spec.symbol,
            "symbolCode": spec.symbol,
            "baseCurrency": spec.base_currency,
            "quoteCurrency": spec.quote_currency,
            "market": spec.market,
            "buy": float(bid[0]) if bid else None,
            "sell": float(ask[0]) if ask else None,
            "high": _f(st.high),
            "low": _f(st.low),
            "open": _f(st.open),
            "lastTradedPrice": _f(st.last),
            "close": _f(st.last),
            "vol": float(st.vol),
            "volValue": float(st.vol_value),
            "changePrice": float(st.change_price),
            "changeRate": float(st.change_rate),
            "datetime": now,
            "sort": 100,
            "board": 0,
            "mark": 0,
        }


def _f(value: Any) -> float | None:
    return None if value is None else float(value)
