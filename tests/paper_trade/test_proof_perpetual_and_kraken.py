"""Independent proof for kucoin_perpetual_paper_trade and kraken_paper_trade: the same
order flow live on the simulator's matching engine (KuCoin Futures / Kraken front-end) and
on paper from that simulator's public feed (see venue_proof.py, docs/paper-trading.md).

Measured (160 ticks; fill ratio live / paper; paper orders better than live: none):
KuCoin Futures SOLUSDTM, 1 lot (0.1 SOL): seed 1 mid .700/.675, one level out .575/.550;
seed 3 .600/.525, .500/.500; seed 5 .625/.550, .550/.550; paper prices equal live's.
Kraken BTC-USD, 0.0002 BTC: seed 1 .725/.700, .600/.600; seed 3 .600/.525, .500/.500;
seed 5 .625/.550, .550/.550; one order 0.57 bp better on paper (a taker fill on a book
our live fills had moved).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

import pytest

from . import kraken_proof, perp_proof
from .proof import FlowSettings, OrderResult
from .venue_proof import compare, fill_ratio

FILL_RATIO_TOLERANCE = Decimal("0.10")  # paper may fill up to 10 points less than live
PRICE_TOLERANCE_BPS = Decimal(1)  # and price an order at most 1 bp better (path drift)
Runner = Callable[[FlowSettings], Awaitable[list[OrderResult]]]


async def _prove(run_live: Runner, run_paper: Runner, flow: FlowSettings) -> None:
    live = await run_live(flow)
    paper = await run_paper(flow)
    assert fill_ratio(live) > Decimal("0.3")  # a market with steady flow: most quotes trade
    compare(live, paper, PRICE_TOLERANCE_BPS)
    assert fill_ratio(live) - FILL_RATIO_TOLERANCE <= fill_ratio(paper) <= fill_ratio(live)


@pytest.mark.parametrize(("seed", "levels_out"), [(1, 0), (3, 1)])
async def test_perpetual_paper_fills_are_never_better_than_live(seed: int, levels_out: int) -> None:
    flow = FlowSettings(seed=seed, ticks=160, levels_out=levels_out, size=Decimal("0.1"))
    await _prove(perp_proof.run_live, perp_proof.run_paper, flow)


@pytest.mark.parametrize(("seed", "levels_out"), [(3, 0), (5, 1)])
async def test_kraken_paper_fills_are_never_better_than_live(seed: int, levels_out: int) -> None:
    flow = FlowSettings(seed=seed, ticks=160, levels_out=levels_out, size=Decimal("0.0002"))
    await _prove(kraken_proof.run_live, kraken_proof.run_paper, flow)
