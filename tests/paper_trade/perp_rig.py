"""Perpetual paper trading against the KuCoin Futures simulator's public feed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kucoin_connector.core.events import ConnectorEvent
from kucoin_connector.paper_trade.perpetual_exchange import PerpetualPaperExchange
from kucoin_connector.registry import get_connector
from kucoin_connector.simulator.engine.models import OrderRequest
from kucoin_connector.simulator.kucoin_futures.server import KucoinFuturesSimulator

from .sim import FAST_WS, wait_for

PAIR, SYMBOL = "BTC-USDT", "XBTUSDTM"
OTHER = "other-futures-trader"


@dataclass
class PerpRig:
    sim: KucoinFuturesSimulator
    paper: PerpetualPaperExchange
    events: list[ConnectorEvent] = field(default_factory=list)

    def best(self) -> tuple[Decimal, Decimal]:
        bid, ask = self.sim.engine.best_bid_ask(SYMBOL)
        assert bid is not None and ask is not None
        return bid[0], ask[0]

    def other_trades(self, side: str, lots: int) -> None:
        """Another user takes ``lots`` contracts with a market order."""
        req = OrderRequest(symbol=SYMBOL, side=side, type="market", size=Decimal(lots))
        self.sim.engine.place_order(OTHER, req)

    def of_type(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    async def synced(self) -> None:
        def same() -> bool:
            _, bids, asks = self.sim.engine.level2_snapshot(SYMBOL)
            size = self.paper.contracts.spec_for_pair(PAIR).contract_size
            book = self.paper.get_order_book(PAIR)
            return book.bids() == [(p, s * size) for p, s in bids] and book.asks() == [
                (p, s * size) for p, s in asks
            ]

        await wait_for(same, "paper book == simulator book")


@asynccontextmanager
async def perp_rig(
    *,
    balances: str = "USDT=10000",
    seed: int = 3,
    **config: Any,
) -> AsyncIterator[PerpRig]:
    async with KucoinFuturesSimulator(
        port=0,
        seed=seed,
        contracts=[SYMBOL],
        activity=False,
        ws_settings=FAST_WS,
        mark_interval_s=0.05,
    ) as sim:
        sim.fund_user(OTHER, {"USDT": "100000000"})
        spec = get_connector("kucoin_perpetual_paper_trade")
        values = {"base_url": sim.rest_url, "balances": balances, "latency_ms": 0, **config}
        exchange = spec.build(spec.make_config(values), trading_pairs=[PAIR])
        rig = PerpRig(sim, exchange)
        exchange.add_listener(rig.events.append)
        async with exchange:
            await exchange.wait_ready()
            await rig.synced()
            yield rig
