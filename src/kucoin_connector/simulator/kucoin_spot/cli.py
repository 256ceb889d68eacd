"""``kucoin-connector simulator``: serve the local KuCoin-compatible exchange until Ctrl-C.

Keys: the default one (``--api-key/--api-secret/--passphrase``, version 2, default user)
plus any number of ``--key KEY:SECRET:PASSPHRASE[:VERSION[:USER]]``. VERSION is 1, 2 or 3
(2 when left out or empty); USER names the key's owner (the default user when left out);
a new user's trade and trade_hf accounts get the ``--balances`` deposit too. A ':' or a
'\\' inside a field is written '\\:' or '\\\\'. At start every accepted key is printed,
secret and passphrase included: this is a local test exchange.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TextIO

from kucoin_connector.core.errors import ConfigurationError

from .auth import KEY_VERSIONS
from .server import DEFAULT_USER, KucoinSimulator, SimCredentials

KEY_FORMAT = "KEY:SECRET:PASSPHRASE[:VERSION[:USER]]"


@dataclass(frozen=True)
class KeySpec:
    """One ``--key`` value (secret and passphrase hidden from repr)."""

    key: str
    secret: str
    passphrase: str
    version: int = 2
    user_id: str = DEFAULT_USER

    def __repr__(self) -> str:
        return f"KeySpec(key={self.key!r}, version={self.version}, user_id={self.user_id!r})"


def add_simulator_command(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "simulator", help="serve a local KuCoin-compatible exchange (REST + WebSocket)"
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    parser.add_argument(
        "--seed", type=int, default=1, help="seed of the simulated market (default 1)"
    )
    parser.add_argument(
        "--pairs",
        default="BTC-USDT,ETH-USDT",
        help="comma separated symbols, e.g. BTC-USDT,ETH-USDT",
    )
    parser.add_argument(
        "--balances",
        default="USDT=100000,BTC=5,ETH=50",
        help="CUR=AMOUNT,... credited to the trade and trade_hf accounts of every user",
    )
    parser.add_argument("--api-key", default="sim-api-key", help="the default key (version 2)")
    parser.add_argument("--api-secret", default="sim-api-secret", help="the default key's secret")
    parser.add_argument(
        "--passphrase", default="sim-passphrase", help="the default key's passphrase"
    )
    parser.add_argument(
        "--key",
        dest="keys",
        action="append",
        default=[],
        type=parse_key_spec,
        metavar=KEY_FORMAT,
        help="accept another API key (repeatable); VERSION 1, 2 (default) or 3; USER the "
        "owner (default: the default user); write ':' inside a field as '\\:'",
    )
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


def split_escaped(text: str, separator: str = ":") -> list[str]:
    """Split on ``separator``; a backslash makes the next character literal."""
    fields, current, chars = [], [], iter(text)
    for char in chars:
        if char == "\\":
            escaped = next(chars, None)
            if escaped is None:
                raise argparse.ArgumentTypeError(f"{KEY_FORMAT}: a lone '\\' at the end")
            current.append(escaped)
        elif char == separator:
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
    fields.append("".join(current))
    return fields


def parse_key_spec(text: str) -> KeySpec:
    """argparse ``type`` for ``--key``: a clear error message, never a traceback."""
    fields = split_escaped(text)
    if not 3 <= len(fields) <= 5:
        raise argparse.ArgumentTypeError(
            f"expected {KEY_FORMAT} (got {len(fields)} ':'-separated fields; "
            "write a ':' inside a field as '\\:')"
        )
    key, secret, passphrase = fields[:3]
    for name, value in (("KEY", key), ("SECRET", secret), ("PASSPHRASE", passphrase)):
        if not value:
            raise argparse.ArgumentTypeError(f"{KEY_FORMAT}: {name} is empty")
    raw_version = fields[3] if len(fields) > 3 else ""
    if raw_version and raw_version not in {str(v) for v in KEY_VERSIONS}:
        raise argparse.ArgumentTypeError(
            f"{KEY_FORMAT}: VERSION must be 1, 2 or 3, not {raw_version!r}"
        )
    user = fields[4] if len(fields) > 4 else ""
    if len(fields) > 4 and not user:
        raise argparse.ArgumentTypeError(f"{KEY_FORMAT}: USER is empty")
    return KeySpec(key, secret, passphrase, int(raw_version or 2), user or DEFAULT_USER)


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


def add_keys(sim: KucoinSimulator, specs: Iterable[KeySpec], balances: dict[str, Decimal]) -> None:
    """Accept each ``--key``; a user first seen here gets the ``--balances`` deposit."""
    for spec in specs:
        new_user = spec.user_id not in sim.user_ids()
        sim.add_api_key(
            spec.key, spec.secret, spec.passphrase, key_version=spec.version, user_id=spec.user_id
        )
        if new_user:
            sim.fund_user(spec.user_id, balances)


def build_simulator(args: argparse.Namespace) -> KucoinSimulator:
    """The simulator the arguments describe (raises ConfigurationError on a bad key)."""
    pairs = [p.strip().upper() for p in str(args.pairs).split(",") if p.strip()]
    balances = parse_balances(args.balances)
    sim = KucoinSimulator(
        host=args.host,
        port=args.port,
        seed=args.seed,
        pairs=pairs,
        balances=balances,
        api_key=args.api_key,
        api_secret=args.api_secret,
        passphrase=args.passphrase,
        activity=args.activity,
        activity_rate_hz=args.activity_rate,
    )
    add_keys(sim, args.keys, balances)
    return sim


def run_simulator(args: argparse.Namespace) -> int:
    try:
        sim = build_simulator(args)
    except ConfigurationError as exc:
        print(f"kucoin-connector simulator: error: {exc}", file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(sim))
    return 0


def print_banner(sim: KucoinSimulator, out: TextIO) -> None:
    """The URLs and every accepted key, secrets included (a local test exchange)."""
    print(f"KuCoin simulator serving REST at {sim.rest_url} (WebSocket {sim.ws_url})", file=out)
    print("API keys accepted (key  secret  passphrase  version  user):", file=out)
    for creds in sim.api_keys:
        print(f"  {format_key(creds)}", file=out)


def format_key(creds: SimCredentials) -> str:
    return (
        f"key={creds.api_key}  secret={creds.api_secret}  passphrase={creds.passphrase}  "
        f"version={creds.key_version}  user={creds.user_id}"
    )


async def _serve(sim: KucoinSimulator) -> None:
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
