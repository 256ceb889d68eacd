"""A small market-making strategy on paper, from the simulator's public feed.

    python examples/paper_market_making.py                     # a minute on the simulator
    python examples/paper_market_making.py --seconds 10 --chart pnl.svg --balances USDT=5000
    python examples/paper_market_making.py --url https://api.kucoin.com   # KuCoin's feed

The strategy quotes a bid and an ask around the mid every ``--refresh`` seconds (cancelling
the previous pair) on ``kucoin_paper_trade``: the live connector's surface over KuCoin's
public data, no keys. Resting quotes fill by queue position from the public trades; at the
end it prints the session report (fills, fees, inventory, PnL) and can save a PnL chart.
"""

from __future__ import annotations

import argparse
import asyncio
from contextlib import AsyncExitStack
from decimal import Decimal
from pathlib import Path

from kucoin_connector import OrderFilledEvent
from kucoin_connector.core.types import OrderType
from kucoin_connector.paper_trade import PaperExchange
from kucoin_connector.registry import get_connector
from kucoin_connector.simulator import KucoinSimulator


async def quote_once(
    paper: PaperExchange, pair: str, size: Decimal, spread_bps: Decimal, open_ids: list[str]
) -> list[str]:
    """Cancel the previous quotes, place a bid and an ask ``spread_bps`` around the mid."""
    for client_order_id in open_ids:
        order = paper.in_flight_orders.get(client_order_id)
        if order is not None and not order.is_done:
            await paper.cancel_order(pair, client_order_id)
    mid = paper.get_order_book(pair).mid_price
    if mid is None:
        return []
    half = mid * spread_bps / Decimal(20_000)
    bid = paper.buy(pair, size, OrderType.LIMIT, mid - half)
    ask = paper.sell(pair, size, OrderType.LIMIT, mid + half)
    return [bid, ask]


async def main(
    url: str | None = None,
    pair: str = "BTC-USDT",
    seconds: float = 60.0,
    refresh: float = 2.0,
    size: str = "0.002",
    spread_bps: str = "6",
    chart: str | None = None,
    balances: str = "USDT=10000,BTC=0.5",
) -> int:
    async with AsyncExitStack() as stack:
        if url is None:
            sim = await stack.enter_async_context(
                KucoinSimulator(pairs=[pair], seed=11, activity_rate_hz=20.0)
            )
            url = sim.rest_url
        spec = get_connector("kucoin_paper_trade")
        config = spec.make_config({"base_url": url, "balances": balances})
        paper: PaperExchange = spec.build(config, trading_pairs=[pair])
        paper.add_listener(
            lambda e: print(
                f"filled {e.trade_type.value} {e.amount} @ {e.price} "
                f"({'maker' if e.is_maker else 'taker'})"
            ),
            OrderFilledEvent,
        )
        await stack.enter_async_context(paper)
        await paper.wait_ready()
        print(f"paper trading {pair} on {url}; latency {paper.latency}")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        open_ids: list[str] = []
        while loop.time() < deadline:
            open_ids = await quote_once(paper, pair, Decimal(size), Decimal(spread_bps), open_ids)
            await asyncio.sleep(min(refresh, max(0.0, deadline - loop.time())))
        await paper.cancel_all()
        await paper.drain()
        report = paper.session_report(pair)
        print(report.table())
        if chart:
            await asyncio.to_thread(Path(chart).write_text, report.svg_chart(), "utf-8")
            print(f"PnL chart written to {chart}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="KuCoin REST base URL (default: an embedded simulator)")
    parser.add_argument("--pair", default="BTC-USDT")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--refresh", type=float, default=2.0, help="seconds between requotes")
    parser.add_argument("--size", default="0.002")
    parser.add_argument("--spread-bps", default="6")
    parser.add_argument("--chart", help="write the PnL chart (SVG) to this file")
    parser.add_argument("--balances", default="USDT=10000,BTC=0.5", help="starting balances")
    args = parser.parse_args()
    raise SystemExit(
        asyncio.run(
            main(
                args.url,
                args.pair,
                args.seconds,
                args.refresh,
                args.size,
                args.spread_bps,
                args.chart,
                args.balances,
            )
        )
    )
