"""``kucoin-connector simulator-kraken``: serve the Kraken spot front-end until Ctrl-C.

Keys: the default one (``--api-key``/``--api-secret``, the secret base64 as Kraken issues
them) plus ``--key KEY:SECRET[:USER]`` (repeatable; a new USER's wallet gets the
``--balances`` deposit too). Every accepted key is printed at start, secrets included:
this is a local test exchange.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TextIO

from .ratelimit import KrakenRateLimits
from .server import DEFAULT_SECRET, DEFAULT_USER, KrakenSettings, KrakenSimulator

KEY_FORMAT = "KEY:SECRET[:USER]"


@dataclass(frozen=True)
class KrakenKeySpec:
    key: str
    secret: str = field(repr=False)
    user_id: str = DEFAULT_USER


def parse_key(text: str) -> KrakenKeySpec:
    fields = text.split(":")
    if len(fields) not in (2, 3) or not all(fields):
        raise argparse.ArgumentTypeError(f"expected {KEY_FORMAT}")
    return KrakenKeySpec(fields[0], fields[1], fields[2] if len(fields) == 3 else DEFAULT_USER)


def parse_balances(text: str) -> dict[str, Decimal]:
    balances: dict[str, Decimal] = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        currency, sep, amount = item.partition("=")
        try:
            if not sep or not currency:
                raise InvalidOperation
            balances[currency.strip().upper()] = Decimal(amount)
        except InvalidOperation as exc:
            raise argparse.ArgumentTypeError(f"bad balance {item!r}: expected CUR=AMOUNT") from exc
    return balances


def add_kraken_simulator_command(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "simulator-kraken", help="serve a local Kraken-compatible spot exchange (REST + WS v2)"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pairs", default="BTC-USD,ETH-USD", help="engine symbols BASE-QUOTE")
    parser.add_argument(
        "--balances", type=parse_balances, default=parse_balances("USD=100000,BTC=5,ETH=50")
    )
    parser.add_argument("--api-key", default="kraken-sim-key")
    parser.add_argument("--api-secret", default=DEFAULT_SECRET, help="base64")
    parser.add_argument(
        "--key",
        dest="keys",
        action="append",
        default=[],
        type=parse_key,
        metavar=KEY_FORMAT,
        help="accept another key (repeatable)",
    )
    parser.add_argument("--nonce-window", type=int, default=0)
    parser.add_argument(
        "--rate-tier",
        choices=("starter", "intermediate", "pro"),
        default=None,
        help="enable Kraken's rate counters for this tier (default: off)",
    )
    parser.add_argument("--activity", action=argparse.BooleanOptionalAction, default=True)
    parser.set_defaults(func=run_kraken_simulator)


def build_kraken_simulator(args: argparse.Namespace) -> KrakenSimulator:
    pairs = [p.strip().upper() for p in str(args.pairs).split(",") if p.strip()]
    sim = KrakenSimulator(
        host=args.host,
        port=args.port,
        seed=args.seed,
        pairs=pairs,
        balances=args.balances,
        api_key=args.api_key,
        api_secret=args.api_secret,
        activity=args.activity,
        rate_limits=KrakenRateLimits.tier(args.rate_tier) if args.rate_tier else None,
        settings=KrakenSettings(nonce_window=args.nonce_window),
    )
    users = {DEFAULT_USER}
    for spec in args.keys:
        sim.add_api_key(spec.key, spec.secret, user_id=spec.user_id, nonce_window=args.nonce_window)
        if spec.user_id not in users:
            users.add(spec.user_id)
            sim.fund_user(spec.user_id, args.balances)
    return sim


def run_kraken_simulator(args: argparse.Namespace) -> int:
    try:
        sim = build_kraken_simulator(args)
    except ValueError as exc:
        print(f"kucoin-connector simulator-kraken: error: {exc}", file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(sim))
    return 0


def print_banner(sim: KrakenSimulator, out: TextIO) -> None:
    print(f"Kraken simulator serving REST at {sim.rest_url} (WebSocket v2 {sim.ws_url})", file=out)
    print("API keys accepted (key  secret  user):", file=out)
    for creds in sim.api_keys:
        print(f"  key={creds.api_key}  secret={creds.api_secret}  user={creds.user_id}", file=out)


async def _serve(sim: KrakenSimulator) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with sim:
        print_banner(sim, sys.stdout)
        print("Press Ctrl-C to stop.", flush=True)
        await stop.wait()
    print("simulator stopped")
