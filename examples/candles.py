"""Live candles from KuCoin spot and KuCoin perpetual, and a candlestick chart of each.

    python examples/candles.py                      # against embedded simulators
    python examples/candles.py --spot-url URL --futures-url URL --updates 10

``CandlesFactory.get_candle`` takes Hummingbot's keyword form (as here) or a
``CandlesConfig``. The perpetual feed's 3-minute candles are built from KuCoin futures'
1-minute ones (KuCoin futures has no 3-minute candles). The chart needs the ``charts``
extra (pandas, matplotlib).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from contextlib import AsyncExitStack
from pathlib import Path

from kucoin_connector.candles import CandlesFactory, plot_candles
from kucoin_connector.core.candles import CandlesFeed
from kucoin_connector.simulator import KucoinSimulator
from kucoin_connector.simulator.kucoin_futures.server import KucoinFuturesSimulator


async def show(feed: CandlesFeed, updates: int, chart: Path) -> None:
    for _ in range(updates):
        await feed.wait_for_update(60.0)
        candle = feed.candles[-1]
        print(
            f"{feed.name}: open time {candle.open_time_s} O {candle.open} H {candle.high} "
            f"L {candle.low} C {candle.close} V {candle.volume}"
        )
    plot_candles(feed.candles, chart, title=feed.name)
    print(f"{feed.name}: chart written to {chart}")


async def main(
    spot_url: str | None = None,
    futures_url: str | None = None,
    updates: int = 3,
    chart_dir: str | None = None,
) -> int:
    charts = Path(chart_dir or tempfile.gettempdir())
    async with AsyncExitStack() as stack:
        if spot_url is None:
            spot_sim = KucoinSimulator(pairs=["BTC-USDT"], activity_rate_hz=20, seed=5)
            spot_url = (await stack.enter_async_context(spot_sim)).rest_url
        if futures_url is None:
            futures_sim = KucoinFuturesSimulator(contracts=["XBTUSDTM"], activity_rate_hz=20)
            futures_url = (await stack.enter_async_context(futures_sim)).rest_url
        spot = CandlesFactory.get_candle(
            connector="kucoin",
            trading_pair="BTC-USDT",
            interval="1m",
            max_records=50,
            base_url=spot_url,
        )
        perpetual = CandlesFactory.get_candle(
            connector="kucoin_perpetual",
            trading_pair="BTC-USDT",
            interval="3m",
            max_records=50,
            base_url=futures_url,
        )
        for feed in (spot, perpetual):
            await stack.enter_async_context(feed)
        await asyncio.gather(
            show(spot, updates, charts / "kucoin_btc_usdt_1m.png"),
            show(perpetual, updates, charts / "kucoin_perpetual_btc_usdt_3m.png"),
        )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spot-url", help="a KuCoin spot API (default: embedded simulator)")
    parser.add_argument("--futures-url", help="a KuCoin futures API (default: simulator)")
    parser.add_argument("--updates", type=int, default=5, help="live updates to print")
    parser.add_argument("--chart-dir", help="where to write the charts (default: temp dir)")
    cli = parser.parse_args()
    raise SystemExit(asyncio.run(main(cli.spot_url, cli.futures_url, cli.updates, cli.chart_dir)))
