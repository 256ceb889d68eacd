"""The `kucoin-connector` command: `demo`, `simulator` and `connect`.

Ordinary mistakes (a busy port, ``BTCUSDT`` for ``BTC-USDT``, an amount below a pair's
minimum, Ctrl-C) end with one line saying what happened and what to do, never a
traceback. A sub-command is added by one ``add_*_command(commands)`` call in
``build_parser`` and one entry in ``_RUNNERS``.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import sys
from collections.abc import Callable, Sequence

from .core.errors import ConnectorError, suggest_trading_pair

EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130


def trading_pair_argument(text: str) -> str:
    """argparse ``type`` for a trading pair: BASE-QUOTE, with a suggestion for BTCUSDT."""
    pair = text.strip().upper()
    base, sep, quote = pair.partition("-")
    if sep and base and quote and "-" not in quote:
        return pair
    suggestion = suggest_trading_pair(pair)
    hint = f": did you mean {suggestion}?" if suggestion else " (e.g. BTC-USDT)"
    raise argparse.ArgumentTypeError(f"{text!r}: trading pairs are written BASE-QUOTE{hint}")


def add_demo_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    demo = commands.add_parser(
        "demo",
        help="run the connector against the embedded simulator (no keys, no network)",
        description="Start a local KuCoin simulator, connect a KucoinExchange to it over "
        "loopback HTTP and WebSocket, place, fill and cancel orders, narrate every event.",
    )
    demo.add_argument(
        "--pair",
        default="BTC-USDT",
        type=trading_pair_argument,
        help="trading pair, BASE-QUOTE (default BTC-USDT)",
    )
    demo.add_argument(
        "--seconds", type=float, default=6.0, help="how long to watch the live book (default 6)"
    )
    demo.add_argument(
        "--seed", type=int, default=7, help="seed of the simulated market (default 7)"
    )
    demo.add_argument(
        "--connector",
        default="kucoin",
        choices=("kucoin", "kucoin_paper_trade", "kucoin_perpetual", "kraken"),
        help="which connector's story to run against its simulator (default kucoin)",
    )


def _add_verbose(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "-v", "--verbose", action="store_true", default=default, help="log at INFO level"
    )


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: global options, then one parser per sub-command."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="kucoin-connector",
        description="KuCoin connector library: demo, local KuCoin-compatible simulator, "
        "and `connect` to verify and store exchange keys.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_verbose(parser, False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_demo_command(commands)
    from .simulator.cli import add_simulator_command

    add_simulator_command(commands)
    from .connect import add_connect_command

    add_connect_command(commands)
    from .candles_cli import add_candles_command

    add_candles_command(commands)
    for sub in commands.choices.values():  # `demo -v` as well as `-v demo`
        _add_verbose(sub, argparse.SUPPRESS)
    return parser


def _run_demo(args: argparse.Namespace) -> int:
    if args.connector == "kucoin_perpetual":
        from .demo_perpetual import PerpetualDemoSettings, run_perpetual_demo

        return asyncio.run(run_perpetual_demo(PerpetualDemoSettings(seed=args.seed), sys.stdout))
    if args.connector == "kraken":
        from .demo_kraken import KrakenDemoSettings, run_kraken_demo

        return asyncio.run(run_kraken_demo(KrakenDemoSettings(seed=args.seed), sys.stdout))
    from .demo import DemoSettings, run_demo

    settings = DemoSettings(
        pair=args.pair, seconds=args.seconds, seed=args.seed, connector=args.connector
    )
    return asyncio.run(run_demo(settings, sys.stdout))


def _run_simulator(args: argparse.Namespace) -> int:
    from .simulator.cli import run_simulator

    if args.pairs and args.venue != "kucoin_futures":  # futures also take XBTUSDTM
        for pair in str(args.pairs).split(","):
            if pair.strip():
                trading_pair_argument(pair)
    return run_simulator(args)


def _run_connect(args: argparse.Namespace) -> int:
    from .connect import Console, run_connect

    return asyncio.run(run_connect(args, Console.system()))


def _run_candles(args: argparse.Namespace) -> int:
    from .candles_cli import run_candles

    return asyncio.run(run_candles(args, sys.stdout))


_RUNNERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "demo": _run_demo,
    "simulator": _run_simulator,
    "connect": _run_connect,
    "candles": _run_candles,
}


def _fail(args: argparse.Namespace, message: str) -> None:
    print(f"kucoin-connector {args.command}: error: {message}", file=sys.stderr)


def _os_error_message(args: argparse.Namespace, exc: OSError) -> str:
    port = getattr(args, "port", None)
    if exc.errno == errno.EADDRINUSE and port is not None:
        return (
            f"port {port} on {getattr(args, 'host', '127.0.0.1')} is already in use "
            f"(another simulator?): stop it or pick another port with --port"
        )
    if exc.errno == errno.EADDRNOTAVAIL and port is not None:
        return f"cannot listen on {getattr(args, 'host', '')}:{port}: {exc.strerror}"
    return f"{exc.strerror or exc}"


def run(args: argparse.Namespace) -> int:
    """Run the parsed sub-command; ordinary failures become one line on stderr."""
    try:
        return _RUNNERS[args.command](args)
    except KeyboardInterrupt:
        print(f"\nkucoin-connector {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except argparse.ArgumentTypeError as exc:
        _fail(args, str(exc))
        return EXIT_USAGE
    except ConnectorError as exc:
        _fail(args, f"{exc} ({type(exc).__name__})")
        return EXIT_ERROR
    except OSError as exc:
        _fail(args, _os_error_message(args, exc))
        return EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kucoin-connector`` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
