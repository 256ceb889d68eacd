"""The `kucoin-connector` command: `demo`, `simulator` and `connect`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kucoin-connector",
        description="KuCoin connector library: demo, local KuCoin-compatible simulator, "
        "and `connect` to verify and store exchange keys.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo", help="run the connector against the embedded simulator (no keys, no network)"
    )
    demo.add_argument("--pair", default="BTC-USDT", help="trading pair (default BTC-USDT)")
    demo.add_argument("--seconds", type=float, default=6.0, help="how long to watch the book")
    demo.add_argument("--seed", type=int, default=7, help="seed of the simulated market")

    from .simulator.cli import add_simulator_command

    add_simulator_command(commands)
    from .connect import add_connect_command

    add_connect_command(commands)
    from .candles_cli import add_candles_command

    add_candles_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.command == "demo":
        from .demo import DemoSettings, run_demo

        settings = DemoSettings(pair=args.pair, seconds=args.seconds, seed=args.seed)
        return asyncio.run(run_demo(settings, sys.stdout))
    if args.command == "simulator":
        from .simulator.cli import run_simulator

        return run_simulator(args)
    if args.command == "connect":
        from .connect import Console, run_connect

        return asyncio.run(run_connect(args, Console.system()))
    if args.command == "candles":
        from .candles_cli import run_candles

        return asyncio.run(run_candles(args, sys.stdout))
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
