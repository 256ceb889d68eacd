"""The live-vs-paper order flow of proof.py, for any venue's simulator (KuCoin Futures,
Kraken): the market is driven tick by tick from one seed, our bid and ask are quoted
around the simulator's mid every ``requote_every`` ticks and cancelled before the next
pair, and after each tick the connector's book and tape must have caught up with the
engine before the next action, so both runs see the same messages between actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from kucoin_connector.core.in_flight_order import InFlightOrder
from kucoin_connector.core.order_tracker import ClientOrderTracker
from kucoin_connector.core.types import OrderType, TradeType

from .proof import FlowSettings, OrderResult
from .sim import wait_for

ZERO = Decimal(0)
Levels = list[tuple[Decimal, Decimal]]


class Trader(Protocol):
    """What the flow needs of a connector (live or paper)."""

    @property
    def order_tracker(self) -> ClientOrderTracker: ...

    async def place_order(
        self,
        trade_type: TradeType,
        trading_pair: str,
        amount: Decimal,
        order_type: OrderType = ...,
        price: Decimal | None = ...,
    ) -> InFlightOrder: ...

    async def cancel_order(self, trading_pair: str, client_order_id: str) -> object: ...


@dataclass(frozen=True)
class ProofMarket:
    """What the flow needs of a simulator, in the connector's units (base amounts)."""

    pair: str
    tick: Callable[[], None]
    mid: Callable[[], Decimal]
    level_step: Callable[[], Decimal]  # the market makers' distance between levels
    trade_count: Callable[[], int]
    book: Callable[[], tuple[Levels, Levels]]  # the engine's bids and asks


class Tape:
    """Counts the public trades a connector received (add ``on_trade`` before start)."""

    def __init__(self) -> None:
        self.count = 0

    def on_trade(self, _trade: object) -> None:
        self.count += 1


async def run_flow(
    market: ProofMarket,
    trader: Trader,
    connector_book: Callable[[], tuple[Levels, Levels]],
    tape: Tape,
    flow: FlowSettings,
) -> list[str]:
    """Quote around the mid while the market ticks; return our client order ids."""
    placed: list[str] = []
    open_ids: list[str] = []
    trades_before = market.trade_count()
    for tick in range(flow.ticks):
        if tick % flow.requote_every == 0:
            for cid in open_ids:
                order = trader.order_tracker.fetch_order(client_order_id=cid)
                if order is not None and not order.is_done:
                    await trader.cancel_order(market.pair, cid)
            mid, offset = market.mid(), market.level_step() * flow.levels_out
            bid = await trader.place_order(
                TradeType.BUY, market.pair, flow.size, OrderType.LIMIT, mid - offset
            )
            ask = await trader.place_order(
                TradeType.SELL, market.pair, flow.size, OrderType.LIMIT, mid + offset
            )
            open_ids = [bid.client_order_id, ask.client_order_id]
            placed.extend(open_ids)
        market.tick()
        await _caught_up(market, connector_book, tape, market.trade_count() - trades_before)
    return placed


async def _caught_up(
    market: ProofMarket,
    connector_book: Callable[[], tuple[Levels, Levels]],
    tape: Tape,
    trades: int,
) -> None:
    await wait_for(
        lambda: connector_book() == market.book() and tape.count == trades,
        "book and trades received",
    )


def paper_results(trader: Trader, placed: list[str]) -> list[OrderResult]:
    results = []
    for cid in placed:
        order = trader.order_tracker.fetch_order(client_order_id=cid)
        assert order is not None
        quote = sum((f.fill_quote_amount for f in order.order_fills.values()), ZERO)
        results.append(OrderResult(cid, order.amount, order.executed_amount_base, quote))
    return results


def fill_ratio(results: list[OrderResult]) -> Decimal:
    filled = sum((r.filled for r in results), ZERO)
    return filled / sum((r.amount for r in results), ZERO)


def price_advantage_bps(live: OrderResult, paper: OrderResult, is_buy: bool) -> Decimal:
    """How much better the paper average price is than live's (positive: better)."""
    assert live.average_price is not None and paper.average_price is not None
    gain = live.average_price - paper.average_price
    return (gain if is_buy else -gain) / live.average_price * 10_000


def compare(
    live: list[OrderResult], paper: list[OrderResult], price_tolerance_bps: Decimal
) -> None:
    """Per order: paper never fills more, nor at a price better beyond the tolerance."""
    assert [r.client_order_id for r in live] == [r.client_order_id for r in paper]
    for index, (live_order, paper_order) in enumerate(zip(live, paper, strict=True)):
        assert paper_order.filled <= live_order.filled, live_order.client_order_id
        if live_order.filled and paper_order.filled:
            advantage = price_advantage_bps(live_order, paper_order, index % 2 == 0)
            assert advantage <= price_tolerance_bps, live_order.client_order_id
