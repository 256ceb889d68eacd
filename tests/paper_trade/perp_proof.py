"""The live-vs-paper flow on the KuCoin Futures simulator (see venue_proof.py)."""

from __future__ import annotations

from decimal import Decimal

from kucoin_connector.kucoin_perpetual.exchange import KucoinPerpetualExchange
from kucoin_connector.paper_trade import LatencyModel, PaperTradeSettings
from kucoin_connector.paper_trade.config import FeeSchedule
from kucoin_connector.paper_trade.perpetual_exchange import PerpetualPaperExchange
from kucoin_connector.simulator.kucoin_futures.server import KucoinFuturesSimulator

from .proof import FlowSettings, OrderResult, _Ids
from .sim import FAST_WS
from .venue_proof import Levels, ProofMarket, Tape, paper_results, run_flow

PAIR, SYMBOL = "SOL-USDT", "SOLUSDTM"  # 1 lot: 0.1 SOL, ~15 USDT (small beside the bots)
FEES = (Decimal("0.0002"), Decimal("0.0006"))
WALLET = Decimal(1_000_000)


def _simulator(seed: int) -> KucoinFuturesSimulator:
    return KucoinFuturesSimulator(
        port=0,
        seed=seed,
        contracts=[SYMBOL],
        balances={"USDT": WALLET},
        activity=False,
        ws_settings=FAST_WS,
        maker_fee_rate=FEES[0],
        taker_fee_rate=FEES[1],
    )


def _market(sim: KucoinFuturesSimulator, contract_size: Decimal) -> ProofMarket:
    tick_size = sim.engine.symbol_spec(SYMBOL).price_increment

    def book() -> tuple[Levels, Levels]:
        _, bids, asks = sim.engine.level2_snapshot(SYMBOL)
        return (
            [(p, s * contract_size) for p, s in bids],
            [(p, s * contract_size) for p, s in asks],
        )

    def level_step() -> Decimal:
        mid = sim.market.mids[SYMBOL]
        return tick_size * max(1, int(mid / tick_size / 5000))

    return ProofMarket(
        pair=PAIR,
        tick=sim.market.tick,
        mid=lambda: sim.market.mids[SYMBOL],
        level_step=level_step,
        trade_count=lambda: len(sim.engine.trades(SYMBOL)),
        book=book,
    )


async def run_live(flow: FlowSettings) -> list[OrderResult]:
    async with _simulator(flow.seed) as sim:
        creds = sim.credentials
        exchange = KucoinPerpetualExchange(
            creds.api_key,
            creds.api_secret,
            creds.passphrase,
            trading_pairs=[PAIR],
            base_url=sim.rest_url,
            client_order_id_factory=_Ids(),
        )
        tape = Tape()
        exchange.public_feeds.add_trade_listener(tape.on_trade)
        async with exchange:
            await exchange.wait_ready()
            size = exchange.contracts.spec_for_pair(PAIR).contract_size
            book = exchange.get_order_book(PAIR)
            placed = await run_flow(
                _market(sim, size), exchange, lambda: (book.bids(), book.asks()), tape, flow
            )
        results = []
        for cid in placed:
            order = sim.engine.get_order_by_client_oid(sim.user_id, cid)
            amount = (order.size or Decimal(0)) * size
            results.append(OrderResult(cid, amount, order.deal_size * size, order.deal_funds))
        return results


async def run_paper(flow: FlowSettings) -> list[OrderResult]:
    async with _simulator(flow.seed) as sim:
        source = KucoinPerpetualExchange(trading_pairs=[PAIR], base_url=sim.rest_url)
        settings = PaperTradeSettings(
            balances={"USDT": WALLET},
            fees=FeeSchedule(*FEES),
            latency=LatencyModel.zero(),
            seed=flow.seed,
        )
        paper = PerpetualPaperExchange(source, settings, client_order_id_factory=_Ids())
        tape = Tape()
        source.public_feeds.add_trade_listener(tape.on_trade)
        async with paper:
            await paper.wait_ready()
            size = source.contracts.spec_for_pair(PAIR).contract_size
            book = paper.get_order_book(PAIR)
            placed = await run_flow(
                _market(sim, size), paper, lambda: (book.bids(), book.asks()), tape, flow
            )
            await paper.drain()
            return paper_results(paper, placed)
