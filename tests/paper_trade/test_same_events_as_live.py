"""The same script on the live connector and on paper gives the same order events, in the
same order (two simulators with one seed and no activity: identical books)."""

from __future__ import annotations

from decimal import Decimal

from kucoin_connector.core.events import BalanceUpdatedEvent, ConnectorEvent
from kucoin_connector.core.types import OrderType, TradeType
from kucoin_connector.kucoin.exchange import KucoinExchange
from kucoin_connector.paper_trade import LatencyModel, PaperExchange, PaperTradeSettings
from kucoin_connector.paper_trade.config import FeeSchedule
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator

from .sim import FAST_WS, PAIR, wait_for

D = Decimal
BALANCES = {"USDT": D(2000), "BTC": D(1)}


async def script(exchange: KucoinExchange | PaperExchange) -> list[str]:
    """Resting limit then cancel, market buy, post-only that would take, a refused order."""
    book = exchange.get_order_book(PAIR)
    bid, ask = book.best_bid, book.best_ask
    assert bid is not None and ask is not None
    ids = []
    resting = await exchange.place_order(TradeType.BUY, PAIR, D("0.01"), OrderType.LIMIT, bid)
    await exchange.cancel_order(PAIR, resting.client_order_id)
    ids.append(resting.client_order_id)
    market = await exchange.place_order(TradeType.BUY, PAIR, D("0.03"), OrderType.MARKET)
    ids.append(market.client_order_id)
    await wait_for(lambda: market.is_done, "market order done")
    maker = await exchange.place_order(TradeType.SELL, PAIR, D("0.01"), OrderType.LIMIT_MAKER, bid)
    ids.append(maker.client_order_id)
    await wait_for(lambda: maker.is_done, "post-only done")
    ids.append(exchange.buy(PAIR, D("0.5"), OrderType.LIMIT, bid))  # more than 2000 USDT
    poor = exchange.order_tracker.fetch_order(client_order_id=ids[-1])
    assert poor is not None
    await wait_for(lambda: poor.is_done, "unaffordable order done")
    return ids


def order_events(events: list[ConnectorEvent], ids: list[str]) -> list[list[str]]:
    return [
        [type(e).__name__ for e in events if getattr(e, "client_order_id", None) == cid]
        for cid in ids
    ]


def simulator() -> KucoinSimulator:
    return KucoinSimulator(
        port=0,
        seed=4,
        pairs=[PAIR],
        balances={k: str(v) for k, v in BALANCES.items()},
        activity=False,
        ws_settings=FAST_WS,
    )


async def run_live() -> tuple[list[ConnectorEvent], list[str]]:
    events: list[ConnectorEvent] = []
    async with simulator() as sim:
        creds = sim.credentials
        live = KucoinExchange(
            creds.api_key,
            creds.api_secret,
            creds.passphrase,
            trading_pairs=[PAIR],
            base_url=sim.rest_url,
        )
        live.add_listener(events.append)
        async with live:
            await live.wait_ready()
            ids = await script(live)
            await live.reconcile_once()
    return events, ids


async def run_paper() -> tuple[list[ConnectorEvent], list[str]]:
    events: list[ConnectorEvent] = []
    async with simulator() as sim:
        settings = PaperTradeSettings(
            balances=BALANCES, fees=FeeSchedule(D("0.001"), D("0.001")), latency=LatencyModel.zero()
        )
        paper = PaperExchange(KucoinExchange(trading_pairs=[PAIR], base_url=sim.rest_url), settings)
        paper.add_listener(events.append)
        async with paper:
            await paper.wait_ready()
            ids = await script(paper)
            await paper.drain()
    return events, ids


async def test_paper_publishes_the_live_order_events_in_the_live_order() -> None:
    live_events, live_ids = await run_live()
    paper_events, paper_ids = await run_paper()
    live_orders = order_events(live_events, live_ids)
    assert live_orders == order_events(paper_events, paper_ids)
    assert live_orders[1][0] == "OrderCreatedEvent" and live_orders[1][-1] == "OrderCompletedEvent"

    def final_balances(events: list[ConnectorEvent]) -> dict[str, tuple[Decimal, Decimal]]:
        return {
            e.asset: (e.total, e.available) for e in events if isinstance(e, BalanceUpdatedEvent)
        }

    assert final_balances(live_events) == final_balances(paper_events)
