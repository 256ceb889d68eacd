"""Independent proof: the same order flow live on the simulator's matching engine and on
paper from its public feed (see proof.py and docs/paper-trading.md).

Our orders are small beside the market's (0.0002 BTC against the bots' 50-2000 USDT
quotes) so that live they barely change the market the paper run sees; with large orders
the two markets drift apart and per-order comparisons lose their meaning (documented).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from .proof import FlowSettings, OrderResult, run_live, run_paper

FILL_RATIO_TOLERANCE = Decimal("0.10")  # paper may fill up to 10 points less than live
PRICE_TOLERANCE_BPS = Decimal(1)  # and price an order at most 1 bp better (path drift)


def fill_ratio(results: list[OrderResult]) -> Decimal:
    filled = sum((r.filled for r in results), Decimal(0))
    return filled / sum((r.amount for r in results), Decimal(0))


def price_advantage_bps(live: OrderResult, paper: OrderResult, is_buy: bool) -> Decimal:
    """How much better the paper average price is than live's (positive: better)."""
    assert live.average_price is not None and paper.average_price is not None
    gain = live.average_price - paper.average_price
    return (gain if is_buy else -gain) / live.average_price * 10_000


@pytest.mark.parametrize(("seed", "levels_out"), [(1, 0), (3, 1)])
async def test_paper_fills_are_never_better_than_live_and_close_to_them(
    seed: int, levels_out: int
) -> None:
    flow = FlowSettings(seed=seed, ticks=160, levels_out=levels_out, size=Decimal("0.0002"))
    live = await run_live(flow)
    paper = await run_paper(flow)
    assert [r.client_order_id for r in live] == [r.client_order_id for r in paper]
    assert fill_ratio(live) > Decimal("0.3")  # a market with steady flow: most quotes trade
    for index, (live_order, paper_order) in enumerate(zip(live, paper, strict=True)):
        assert paper_order.filled <= live_order.filled, live_order.client_order_id
        if live_order.filled and paper_order.filled:
            is_buy = index % 2 == 0  # the flow places a bid, then an ask
            advantage = price_advantage_bps(live_order, paper_order, is_buy)
            assert advantage <= PRICE_TOLERANCE_BPS, live_order.client_order_id
    assert fill_ratio(live) - FILL_RATIO_TOLERANCE <= fill_ratio(paper) <= fill_ratio(live)
