"""Helpers for paper trading against the simulator: its public feed drives the paper venue."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kucoin_connector.core.events import ConnectorEvent
from kucoin_connector.paper_trade.exchange import PaperExchange
from kucoin_connector.registry import get_connector
from kucoin_connector.simulator.engine.models import OrderRequest
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator
from kucoin_connector.simulator.kucoin_spot.ws import WsSettings

PAIR = "BTC-USDT"
FAST_WS = WsSettings(ping_interval_ms=400, ping_timeout_ms=400, idle_timeout_s=5.0)
OTHER = "other-trader"  # a simulator user that is not us: it makes the public tape


async def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.01)


@dataclass
class PaperRig:
    sim: KucoinSimulator
    paper: PaperExchange
    events: list[ConnectorEvent] = field(default_factory=list)

    def best(self) -> tuple[Decimal, Decimal]:
        bid, ask = self.sim.engine.best_bid_ask(PAIR)
        assert bid is not None and ask is not None
        return bid[0], ask[0]

    def other_trades(self, side: str, size: Decimal) -> None:
        """Another user takes ``size`` with a market order on the simulator."""
        req = OrderRequest(symbol=PAIR, side=side, type="market", size=size)
        self.sim.engine.place_order(OTHER, req)

    def other_quotes(self, side: str, price: Decimal, size: Decimal) -> None:
        req = OrderRequest(symbol=PAIR, side=side, type="limit", price=price, size=size)
        self.sim.engine.place_order(OTHER, req)

    def paper_book_synced(self) -> bool:
        _, bids, asks = self.sim.engine.level2_snapshot(PAIR)
        book = self.paper.get_order_book(PAIR)
        return book.bids() == bids and book.asks() == asks

    async def synced(self) -> None:
        await wait_for(self.paper_book_synced, "paper book == simulator book")


def fund_other(sim: KucoinSimulator) -> None:
    sim.accounts.deposit(OTHER, "BTC", Decimal(1000), "trade")
    sim.accounts.deposit(OTHER, "USDT", Decimal(100_000_000), "trade")


@asynccontextmanager
async def paper_rig(
    *, balances: str = "USDT=100000,BTC=5", seed: int = 1, **config: Any
) -> AsyncIterator[PaperRig]:
    async with KucoinSimulator(
        port=0, seed=seed, pairs=[PAIR], activity=False, ws_settings=FAST_WS
    ) as sim:
        fund_other(sim)
        spec = get_connector("kucoin_paper_trade")
        values = {"base_url": sim.rest_url, "balances": balances, **config}
        paper = spec.build(spec.make_config(values), trading_pairs=[PAIR])
        rig = PaperRig(sim, paper)
        paper.add_listener(rig.events.append)
        async with paper:
            await paper.wait_ready()
            await rig.synced()
            yield rig
