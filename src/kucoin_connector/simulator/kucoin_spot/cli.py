"""``kucoin-connector simulator``: serve the local KuCoin-compatible exchange until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from decimal import Decimal, InvalidOperation

from .server import KucoinSimulator


def add_simulator_command(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "simulator", help="serve a local KuCoin-compatible exchange (REST + WebSocket)"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--pairs",
        default="BTC-USDT,ETH-USDT",
        help="comma separated symbols, e.g. BTC-USDT,ETH-USDT",
    )
    parser.add_argument(
        "--balances",
        default="USDT=100000,BTC=5,ETH=50",
        help="CUR=AMOUNT,... credited to the trade and trade_hf accounts",
    )
    parser.add_argument("--api-key", default="sim-api-key")
    parser.add_argument("--api-secret", default="sim-api-secret")
    parser.add_argument("--passphrase", default="sim-passphrase")
    parser.add_argument(
        "--activity",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="bot market activity (default on)",
    )
    parser.add_argument(
        "--activity-rate", type=float, default=3.0, help="market actions per second"
    )
    parser.set_defaults(func=run_simulator)


def parse_balances(text: str) -> dict[str, Decimal]:
    balances: dict[str, Decimal] = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        currency, sep, amount = item.partition("=")
        try:
            if not sep or not currency:
                raise InvalidOperation
            balances[currency.strip().upper()] = Decimal(amount)
        except InvalidOperation as exc:
            raise SystemExit(f"bad --balances item {item!r}: expected CUR=AMOUNT") from exc
    return balances


def run_simulator(args: argparse.Namespace) -> int:
    pairs = [p.strip().upper() for p in str(args.pairs).split(",") if p.strip()]
    sim = KucoinSimulator(
        host=args.host,
        port=args.port,
        seed=args.seed,
        pairs=pairs,
        balances=parse_balances(args.balances),
        api_key=args.api_key,
        api_secret=args.api_secret,
        passphrase=args.passphrase,
        activity=args.activity,
        activity_rate_hz=args.activity_rate,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(sim))
    return 0


async def _serve(sim: KucoinSimulator) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with sim:
        creds = sim.credentials
        print(f"KuCoin simulator serving REST at {sim.rest_url} (WebSocket {sim.ws_url})")
        print(f"  api key:    {creds.api_key}")
        print(f"  api secret: {creds.api_secret}")
        print(f"  passphrase: {creds.passphrase}  (key version {creds.key_version})")
        print("Press Ctrl-C to stop.", flush=True)
        await stop.wait()
    print("simulator stopped")
