"""The same order flow, live on the simulator's matching engine and on paper from its feed.

Market activity is driven tick by tick from one seed (the simulator's own loop is off), so
both runs see the same random actions in the same order; our quotes are priced from the
simulator's mid (the same in both runs), every ``requote_every`` ticks, and cancelled
before the next pair. Live, our orders sit in the simulator's book and the truth is its
engine; on paper, the feed never contains them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from kucoin_connector.core.public_trades import PublicTrade
from kucoin_connector.core.types import OrderType, TradeType
from kucoin_connector.kucoin.exchange import KucoinExchange
from kucoin_connector.paper_trade import LatencyModel, PaperExchange, PaperTradeSettings
from kucoin_connector.paper_trade.config import FeeSchedule
from kucoin_connector.paper_trade.market_data import MarketDataFeed
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator

from .sim import FAST_WS, PAIR, wait_for

ZERO = Decimal(0)
BALANCES = {"USDT": "1000000", "BTC": "50"}
FEES = (Decimal("0.001"), Decimal("0.002"))


@dataclass(frozen=True)
class FlowSettings:
    seed: int = 3
    ticks: int = 240
    requote_every: int = 8
    levels_out: int = 1  # our quotes stand this many of the bot's level steps from the mid
    size: Decimal = Decimal("0.01")


@dataclass(frozen=True)
class OrderResult:
    client_order_id: str
    amount: Decimal
    filled: Decimal
    quote: Decimal  # filled value, fees excluded

    @property
    def average_price(self) -> Decimal | None:
        return self.quote / self.filled if self.filled else None


class _Ids:
    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def __call__(self) -> str:
        return f"proof{next(self._counter):05d}"


class _Tape:
    """Counts the public trades a connector has received."""

    def __init__(self, feed: MarketDataFeed) -> None:
        self.count = 0
        feed.add_trade_listener(self._on_trade)

    def _on_trade(self, _trade: PublicTrade) -> None:
        self.count += 1


async def _run(
    sim: KucoinSimulator, exchange: KucoinExchange | PaperExchange, flow: FlowSettings
) -> list[str]:
    """Drive the market and quote around the mid; return our client order ids."""
    spec = sim.engine.symbol_spec(PAIR)
    placed: list[str] = []
    open_ids: list[str] = []
    feed: MarketDataFeed = (
        exchange.source.order_book_source
        if isinstance(exchange, PaperExchange)
        else exchange.order_book_source
    )
    tape = _Tape(feed)
    trades_before = len(sim.engine.trades(PAIR))
    for tick in range(flow.ticks):
        if tick % flow.requote_every == 0:
            for cid in open_ids:
                order = exchange.order_tracker.fetch_order(client_order_id=cid)
                if order is not None and not order.is_done:
                    await exchange.cancel_order(PAIR, cid)
            mid = sim.market.mids[PAIR]
            step = spec.price_increment * max(1, int(mid / spec.price_increment / 5000))
            offset = step * flow.levels_out
            bid = await exchange.place_order(
                TradeType.BUY, PAIR, flow.size, OrderType.LIMIT, mid - offset
            )
            ask = await exchange.place_order(
                TradeType.SELL, PAIR, flow.size, OrderType.LIMIT, mid + offset
            )
            open_ids = [bid.client_order_id, ask.client_order_id]
            placed.extend(open_ids)
        sim.market.tick()
        await _settle(
            sim, exchange, lambda: tape.count == len(sim.engine.trades(PAIR)) - trades_before
        )
    assert len(sim.engine.trades(PAIR)) - trades_before < 1000  # the tape kept them all
    return placed


async def _settle(
    sim: KucoinSimulator,
    exchange: KucoinExchange | PaperExchange,
    tape_complete: Callable[[], bool],
) -> None:
    """Let the published book updates and trades reach the connector before the next
    action (both runs then see every message between the same two actions)."""
    _, bids, asks = sim.engine.level2_snapshot(PAIR)
    book_of = exchange.get_order_book  # both connectors have it

    def synced() -> bool:
        book = book_of(PAIR)
        return bool(book.bids() == bids and book.asks() == asks)

    await wait_for(lambda: synced() and tape_complete(), "book and trades received")


def _simulator(seed: int) -> KucoinSimulator:
    return KucoinSimulator(
        port=0,
        seed=seed,
        pairs=[PAIR],
        balances=BALANCES,
        activity=False,
        ws_settings=FAST_WS,
        maker_fee_rate=FEES[0],
        taker_fee_rate=FEES[1],
    )


async def run_live(flow: FlowSettings) -> list[OrderResult]:
    async with _simulator(flow.seed) as sim:
        creds = sim.credentials
        exchange = KucoinExchange(
            creds.api_key,
            creds.api_secret,
            creds.passphrase,
            trading_pairs=[PAIR],
            base_url=sim.rest_url,
            client_order_id_factory=_Ids(),
        )
        async with exchange:
            await exchange.wait_ready()
            placed = await _run(sim, exchange, flow)
        results = []
        for cid in placed:
            order = sim.engine.get_order_by_client_oid(sim.user_id, cid)
            results.append(OrderResult(cid, order.size or ZERO, order.deal_size, order.deal_funds))
        return results


async def run_paper(flow: FlowSettings) -> list[OrderResult]:
    async with _simulator(flow.seed) as sim:
        source = KucoinExchange(trading_pairs=[PAIR], base_url=sim.rest_url)
        settings = PaperTradeSettings(
            balances={k: Decimal(v) for k, v in BALANCES.items()},
            fees=FeeSchedule(*FEES),
            latency=LatencyModel.zero(),
            seed=flow.seed,
        )
        paper = PaperExchange(source, settings, client_order_id_factory=_Ids())
        async with paper:
            await paper.wait_ready()
            placed = await _run(sim, paper, flow)
            await paper.drain()
        results = []
        for cid in placed:
            order = paper.order_tracker.fetch_order(client_order_id=cid)
            assert order is not None
            quote = sum((f.fill_quote_amount for f in order.order_fills.values()), ZERO)
            results.append(OrderResult(cid, order.amount, order.executed_amount_base, quote))
        return results
