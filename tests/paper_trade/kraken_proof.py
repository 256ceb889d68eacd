"""The live-vs-paper flow on the Kraken simulator (see venue_proof.py)."""

from __future__ import annotations

from decimal import Decimal

from kucoin_connector.core.throttler import AsyncThrottler, DecayingLimit
from kucoin_connector.kraken.endpoints import PUBLIC_LIMIT_ID, REST_LIMIT_ID, trading_limit_id
from kucoin_connector.kraken.exchange import KrakenExchange
from kucoin_connector.kraken.public_trades import trade_topic
from kucoin_connector.paper_trade import LatencyModel, PaperExchange, PaperTradeSettings
from kucoin_connector.paper_trade.config import FeeSchedule
from kucoin_connector.paper_trade.kraken_market_data import KrakenMarketData
from kucoin_connector.simulator.kraken.server import KrakenSimulator

from .proof import FlowSettings, OrderResult, _Ids
from .sim import wait_for
from .venue_proof import Levels, ProofMarket, Tape, paper_results, run_flow

PAIR = "BTC-USD"
DEPTH = 10  # the connector's book depth; the engine's top is compared at it
FEES = (Decimal("0.0016"), Decimal("0.0026"))
BALANCES = {"USD": "1000000", "BTC": "50"}


def _simulator(seed: int) -> KrakenSimulator:
    return KrakenSimulator(
        port=0,
        seed=seed,
        pairs=[PAIR],
        balances=BALANCES,
        activity=False,
        maker_fee_rate=FEES[0],
        taker_fee_rate=FEES[1],
    )


def _market(sim: KrakenSimulator) -> ProofMarket:
    tick_size = sim.engine.symbol_spec(PAIR).price_increment

    def book() -> tuple[Levels, Levels]:
        _, bids, asks = sim.engine.level2_snapshot(PAIR, DEPTH)
        return bids, asks

    def level_step() -> Decimal:
        return tick_size * max(1, int(sim.market.mids[PAIR] / tick_size / 5000))

    return ProofMarket(
        pair=PAIR,
        tick=sim.market.tick,
        mid=lambda: sim.market.mids[PAIR],
        level_step=level_step,
        trade_count=lambda: len(sim.engine.trades(PAIR)),
        book=book,
    )


def _unpaced() -> AsyncThrottler:
    """Kraken's pacing is not what the proof compares (the simulator does not limit)."""
    ids = (PUBLIC_LIMIT_ID, REST_LIMIT_ID, trading_limit_id(PAIR))
    return AsyncThrottler([DecayingLimit(i, capacity=10**9, decay_per_s=1e9) for i in ids])


def _exchange(sim: KrakenSimulator, *, with_keys: bool) -> KrakenExchange:
    creds = sim.credentials
    return KrakenExchange(
        creds.api_key if with_keys else None,
        creds.api_secret if with_keys else None,
        trading_pairs=[PAIR],
        base_url=sim.rest_url,
        ws_public_url=sim.ws_url,
        ws_private_url=sim.ws_url,
        book_depth=DEPTH,
        throttler=_unpaced(),
        client_order_id_factory=_Ids(),
    )


async def run_live(flow: FlowSettings) -> list[OrderResult]:
    async with _simulator(flow.seed) as sim:
        exchange = _exchange(sim, with_keys=True)
        tape = Tape()
        exchange.book_stream.add_trade_listener(tape.on_trade)

        def book() -> tuple[Levels, Levels]:
            found = exchange.order_book(PAIR)
            return (found.bids(), found.asks()) if found is not None else ([], [])

        topic = trade_topic("BTC/USD")

        async with exchange:
            await wait_for(
                lambda: (
                    exchange.order_book(PAIR) is not None
                    and topic in exchange.book_stream.client.active_topics
                ),
                "the book and the trade channel",
            )
            placed = await run_flow(_market(sim), exchange, book, tape, flow)
        results = []
        for cid in placed:
            order = sim.engine.get_order_by_client_oid(sim.user_id, cid)
            amount = order.size or Decimal(0)
            results.append(OrderResult(cid, amount, order.deal_size, order.deal_funds))
        return results


async def run_paper(flow: FlowSettings) -> list[OrderResult]:
    async with _simulator(flow.seed) as sim:
        source = KrakenMarketData(_exchange(sim, with_keys=False))
        settings = PaperTradeSettings(
            balances={k: Decimal(v) for k, v in BALANCES.items()},
            fees=FeeSchedule(*FEES),
            latency=LatencyModel.zero(),
            seed=flow.seed,
        )
        paper = PaperExchange(source, settings, client_order_id_factory=_Ids())
        tape = Tape()
        source.add_trade_listener(tape.on_trade)
        async with paper:
            await paper.wait_ready()
            book = paper.get_order_book(PAIR)
            placed = await run_flow(
                _market(sim), paper, lambda: (book.bids(), book.asks()), tape, flow
            )
            await paper.drain()
            return paper_results(paper, placed)
