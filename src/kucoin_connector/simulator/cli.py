"""``kucoin-connector simulator``: serve a local exchange of one venue until Ctrl-C.

    kucoin-connector simulator                          # KuCoin spot on :8080
    kucoin-connector simulator --venue kucoin_futures   # KuCoin Futures on :8081
    kucoin-connector simulator --venue kraken           # Kraken spot on :8082

A venue is one entry of :data:`VENUES` (its builder lives beside its server). Every venue
takes the same options. Keys: the default one (``--api-key/--api-secret/--passphrase``,
version 2, default user) plus any number of ``--key KEY:SECRET:PASSPHRASE[:VERSION[:USER]]``
(Kraken: ``--key KEY:SECRET[:USER]``, the secret base64, no passphrase).
VERSION is 1, 2 or 3 (2 when left out or empty); USER names the key's owner (the default
user when left out); a new user gets the ``--balances`` deposit too. A ':' or a '\\' inside
a field is written '\\:' or '\\\\'. At start every accepted key is printed, secret and
passphrase included: this is a local test exchange.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import TracebackType
from typing import Protocol, TextIO

from kucoin_connector.core.errors import ConfigurationError

from .kraken import cli as kraken_cli
from .kraken.cli import KRAKEN_DEFAULT_PORT, KRAKEN_DEFAULT_SECRET
from .kucoin_futures import cli as futures_cli
from .kucoin_futures.cli import FUTURES_DEFAULT_PORT
from .kucoin_spot import cli as spot_cli
from .kucoin_spot.auth import KEY_VERSIONS, SimCredentials

KEY_FORMAT = "KEY:SECRET:PASSPHRASE[:VERSION[:USER]]"  # KuCoin's (spot and futures)
KRAKEN_KEY_FORMAT = "KEY:SECRET[:USER]"  # Kraken's: no passphrase, the secret base64


@dataclass(frozen=True)
class KeySpec:
    """One ``--key`` value (secret and passphrase hidden from repr); ``user_id`` None is
    the venue's default user."""

    key: str
    secret: str
    passphrase: str
    version: int = 2
    user_id: str | None = None

    def __repr__(self) -> str:
        return f"KeySpec(key={self.key!r}, version={self.version}, user_id={self.user_id!r})"


@dataclass(frozen=True)
class SimulatorSettings:
    """What the command line asks of a venue's simulator (parsed, venue defaults applied)."""

    host: str
    port: int
    seed: int
    pairs: list[str]
    balances: dict[str, Decimal]
    default_key: KeySpec
    keys: list[KeySpec] = field(default_factory=list)
    activity: bool = True
    activity_rate_hz: float = 3.0
    nonce_window: int = 0  # Kraken only
    rate_tier: str | None = None  # Kraken only: its decaying rate counters, off when None


class AcceptedKey(Protocol):
    """A key a simulator accepts, as its banner prints it."""

    @property
    def api_key(self) -> str: ...

    @property
    def api_secret(self) -> str: ...

    @property
    def user_id(self) -> str: ...


class ServedSimulator(Protocol):
    """What the command needs of any venue's simulator."""

    rest_url: str
    ws_url: str

    @property
    def api_keys(self) -> Sequence[AcceptedKey]: ...

    async def __aenter__(self) -> ServedSimulator: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


@dataclass(frozen=True)
class Venue:
    """One venue the command serves: its defaults and how to build its simulator."""

    name: str
    title: str
    port: int
    pairs: str
    balances: str
    default_key: tuple[str, str, str]
    build: Callable[[SimulatorSettings], ServedSimulator]
    parse_key: Callable[[str], KeySpec]


VENUES: dict[str, Venue] = {
    venue.name: venue
    for venue in (
        Venue(
            "kucoin",
            "KuCoin",
            8080,
            "BTC-USDT,ETH-USDT",
            "USDT=100000,BTC=5,ETH=50",
            ("sim-api-key", "sim-api-secret", "sim-passphrase"),
            spot_cli.build_spot_simulator,
            lambda text: parse_key_spec(text),
        ),
        Venue(
            "kucoin_futures",
            "KuCoin Futures",
            FUTURES_DEFAULT_PORT,
            "XBTUSDTM,ETHUSDTM",
            "USDT=100000",
            ("sim-futures-key", "sim-futures-secret", "sim-futures-passphrase"),
            futures_cli.build_futures_simulator,
            lambda text: parse_key_spec(text),
        ),
        Venue(
            "kraken",
            "Kraken",
            KRAKEN_DEFAULT_PORT,
            "BTC-USD,ETH-USD",
            "USD=100000,BTC=5,ETH=50",
            ("kraken-sim-key", KRAKEN_DEFAULT_SECRET, ""),
            kraken_cli.build_kraken_simulator,
            lambda text: parse_kraken_key(text),
        ),
    )
}
DEFAULT_VENUE = "kucoin"


def add_simulator_command(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "simulator", help="serve a local exchange (REST + WebSocket) of one venue"
    )
    parser.add_argument(
        "--venue",
        choices=sorted(VENUES),
        default=DEFAULT_VENUE,
        help=f"which exchange to serve (default {DEFAULT_VENUE})",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    ports = ", ".join(f"{v.name} {v.port}" for v in VENUES.values())
    parser.add_argument("--port", type=int, default=None, help=f"default: {ports}")
    parser.add_argument(
        "--seed", type=int, default=1, help="seed of the simulated market (default 1)"
    )
    parser.add_argument(
        "--pairs",
        default=None,
        help="comma separated pairs or venue symbols, e.g. BTC-USDT,ETH-USDT (spot) or "
        "XBTUSDTM,ETH-USDT (futures); default: the venue's",
    )
    parser.add_argument(
        "--balances",
        default=None,
        help="CUR=AMOUNT,... credited to every user (default: the venue's)",
    )
    parser.add_argument("--api-key", default=None, help="the default key (KuCoin: version 2)")
    parser.add_argument("--api-secret", default=None, help="its secret (Kraken: base64)")
    parser.add_argument("--passphrase", default=None, help="its passphrase (KuCoin only)")
    parser.add_argument(
        "--key",
        dest="keys",
        action="append",
        default=[],
        metavar="KEY",
        help=f"accept another API key (repeatable): {KEY_FORMAT} on KuCoin (VERSION 1, 2 "
        f"(default) or 3), {KRAKEN_KEY_FORMAT} on Kraken; USER the owner (default: the "
        "default user); write ':' inside a field as '\\:'",
    )
    parser.add_argument(
        "--nonce-window", type=int, default=0, help="Kraken only: the nonce window per key"
    )
    parser.add_argument(
        "--rate-tier",
        choices=("starter", "intermediate", "pro"),
        default=None,
        help="Kraken only: enable its decaying rate counters for this tier (default off)",
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
    return KeySpec(key, secret, passphrase, int(raw_version or 2), user or None)


def parse_kraken_key(text: str) -> KeySpec:
    """A Kraken ``--key``: KEY:SECRET[:USER] (no passphrase; the secret base64)."""
    fields = split_escaped(text)
    if len(fields) not in (2, 3) or not all(fields):
        raise argparse.ArgumentTypeError(
            f"expected {KRAKEN_KEY_FORMAT} (got {len(fields)} ':'-separated fields)"
        )
    return KeySpec(fields[0], fields[1], "", 0, fields[2] if len(fields) == 3 else None)


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


def settings_from(args: argparse.Namespace, venue: Venue) -> SimulatorSettings:
    """The arguments with the venue's defaults filled in."""
    pairs_text = args.pairs if args.pairs is not None else venue.pairs
    key, secret, phrase = venue.default_key
    return SimulatorSettings(
        host=args.host,
        port=venue.port if args.port is None else args.port,
        seed=args.seed,
        pairs=[p.strip().upper() for p in str(pairs_text).split(",") if p.strip()],
        balances=parse_balances(args.balances if args.balances is not None else venue.balances),
        default_key=KeySpec(
            args.api_key or key, args.api_secret or secret, args.passphrase or phrase
        ),
        keys=[_parse_key(venue, text) for text in args.keys],
        activity=args.activity,
        activity_rate_hz=args.activity_rate,
        nonce_window=getattr(args, "nonce_window", 0),
        rate_tier=getattr(args, "rate_tier", None),
    )


def _parse_key(venue: Venue, text: str | KeySpec) -> KeySpec:
    if isinstance(text, KeySpec):
        return text
    try:
        return venue.parse_key(text)
    except argparse.ArgumentTypeError as exc:
        raise ConfigurationError(f"--key for {venue.name}: {exc}") from None


def venue_of(args: argparse.Namespace) -> Venue:
    return VENUES[getattr(args, "venue", DEFAULT_VENUE)]


def build_simulator(args: argparse.Namespace) -> ServedSimulator:
    """The simulator the arguments describe (raises ConfigurationError on a bad key)."""
    venue = venue_of(args)
    return venue.build(settings_from(args, venue))


def run_simulator(args: argparse.Namespace) -> int:
    try:
        sim = build_simulator(args)
    except ConfigurationError as exc:
        print(f"kucoin-connector simulator: error: {exc}", file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(sim, venue_of(args).title))
    return 0


def print_banner(sim: ServedSimulator, out: TextIO, title: str = "KuCoin") -> None:
    """The URLs and every accepted key, secrets included (a local test exchange)."""
    print(f"{title} simulator serving REST at {sim.rest_url} (WebSocket {sim.ws_url})", file=out)
    kucoin = all(isinstance(c, SimCredentials) for c in sim.api_keys)
    columns = "key  secret  passphrase  version  user" if kucoin else "key  secret  user"
    print(f"API keys accepted ({columns}):", file=out)
    for creds in sim.api_keys:
        print(f"  {format_key(creds)}", file=out)


def format_key(creds: AcceptedKey) -> str:
    if isinstance(creds, SimCredentials):
        return (
            f"key={creds.api_key}  secret={creds.api_secret}  passphrase={creds.passphrase}  "
            f"version={creds.key_version}  user={creds.user_id}"
        )
    return f"key={creds.api_key}  secret={creds.api_secret}  user={creds.user_id}"


def keys_to_add(
    specs: Iterable[KeySpec], known_users: set[str], default_user: str
) -> list[tuple[KeySpec, str, bool]]:
    """Each ``--key`` with its owner and whether that owner is new (to be funded)."""
    plan: list[tuple[KeySpec, str, bool]] = []
    users = set(known_users)
    for spec in specs:
        user = spec.user_id or default_user
        plan.append((spec, user, user not in users))
        users.add(user)
    return plan


async def _serve(sim: ServedSimulator, title: str = "KuCoin") -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with sim:
        print_banner(sim, sys.stdout, title)
        print("Press Ctrl-C to stop.", flush=True)
        await stop.wait()
    print("simulator stopped")
