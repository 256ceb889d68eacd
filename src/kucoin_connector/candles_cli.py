"""``kucoin-connector candles PAIR``: live candles in the terminal, CSV and chart on exit.

    kucoin-connector candles BTC-USDT --interval 1m
    kucoin-connector candles BTC-USDT --connector kucoin_perpetual --interval 3m
    kucoin-connector candles BTC-USD --connector kraken --csv btc.csv --plot btc.png
    kucoin-connector candles BTC-USDT --url http://127.0.0.1:8000 --count 5

History first (``--max-records`` closed candles), then one line per live update; ``--count``
stops after that many updates (otherwise Ctrl-C).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

from .cli import trading_pair_argument
from .core.candles import INTERVAL_ALIASES, INTERVAL_SECONDS, Candle

if TYPE_CHECKING:
    from .core.candles import CandlesFeed

__all__ = ["add_candles_command", "format_candle", "run_candles"]

UPDATE_TIMEOUT_S = 120.0
CONNECTORS = ("kucoin", "kucoin_perpetual", "kraken")  # kucoin_connector.candles.SOURCES


def add_candles_command(commands: Any) -> None:
    """Register the sub-command on the CLI's subparsers."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "candles", help="print live candles of a pair (KuCoin spot, perpetual or Kraken)"
    )
    parser.add_argument("pair", type=trading_pair_argument, help="trading pair, e.g. BTC-USDT")
    parser.add_argument(
        "--interval",
        default="1m",
        choices=[*INTERVAL_SECONDS, *INTERVAL_ALIASES],
        metavar="INTERVAL",
        help="1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 1w (or 1min ... 1week); default 1m",
    )
    parser.add_argument(
        "--connector",
        default="kucoin",
        choices=CONNECTORS,
        help="kucoin (spot, default), kucoin_perpetual or kraken",
    )
    parser.add_argument("--url", help="REST base URL (default: the venue's production API)")
    parser.add_argument("--ws-url", help="Kraken only: WebSocket URL")
    parser.add_argument("--max-records", type=int, default=30, help="closed candles kept")
    parser.add_argument("--count", type=int, help="stop after this many live updates")
    parser.add_argument("--csv", help="write the candles to this CSV file on exit")
    parser.add_argument("--plot", help="write a candlestick chart PNG on exit (charts extra)")


def format_candle(candle: Candle, *, live: bool = False) -> str:
    """One line: UTC open time, OHLC, volumes, and ``open`` / ``flat`` marks."""
    quote = "-" if candle.quote_volume is None else str(candle.quote_volume)
    mark = " flat" if candle.flat else (" open" if live else "")
    opened = datetime.fromtimestamp(candle.open_time_s, UTC)
    return (
        f"{opened:%Y-%m-%dT%H:%M:%SZ} O {candle.open} H {candle.high} L {candle.low} "
        f"C {candle.close} V {candle.volume} Q {quote}{mark}"
    )


async def run_candles(args: argparse.Namespace, out: TextIO) -> int:
    """Print the history, then live updates (``args.count`` of them, or until cancelled);
    write ``args.csv`` / ``args.plot`` on the way out."""
    from .candles import CandlesFactory  # the venues load only to run

    feed = CandlesFactory.get_candle(
        connector=args.connector,
        trading_pair=args.pair,
        interval=args.interval,
        max_records=args.max_records,
        base_url=args.url,
        ws_url=args.ws_url,
    )
    print(f"{feed.name}: history, then live", file=out, flush=True)
    async with feed:
        for candle in feed.closed_candles:
            print(format_candle(candle), file=out)
        try:
            await _print_live(feed, args.count, out)
        finally:
            _write_outputs(feed, args, out)
    return 0


async def _print_live(feed: CandlesFeed, count: int | None, out: TextIO) -> None:
    printed = 0
    last: Candle | None = feed.candles[-1] if feed.candles else None
    while count is None or printed < count:
        await feed.wait_for_update(UPDATE_TIMEOUT_S)
        candle = feed.candles[-1] if feed.candles else None
        if candle is None or candle == last:
            continue
        last = candle
        printed += 1
        open_candle = feed.open_candle
        live = open_candle is not None and candle.open_time_s == open_candle.open_time_s
        print(format_candle(candle, live=live), file=out, flush=True)


def _write_outputs(feed: CandlesFeed, args: argparse.Namespace, out: TextIO) -> None:
    from .candles import candles_to_csv, plot_candles

    if args.csv:
        candles_to_csv(feed.candles, args.csv)
        print(f"wrote {len(feed.candles)} candles to {args.csv}", file=out)
    if args.plot and feed.candles:
        plot_candles(feed.candles, args.plot, title=feed.name)
        print(f"wrote the chart to {args.plot}", file=out)
