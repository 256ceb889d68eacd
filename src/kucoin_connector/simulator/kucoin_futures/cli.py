"""The futures venue of ``kucoin-connector simulator`` (``--venue kucoin_futures``):
builds a :class:`KucoinFuturesSimulator` from the command's settings. ``--pairs`` takes
contract symbols (``XBTUSDTM``) or pairs (``BTC-USDT`` -> ``XBTUSDTM``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...core.errors import ConfigurationError
from .contracts import DEFAULT_CONTRACTS
from .server import DEFAULT_USER, KucoinFuturesSimulator

if TYPE_CHECKING:
    from ..cli import SimulatorSettings

# Spot's simulator listens on 8080 by default; the futures one has its own port, the one
# the ``kucoin_perpetual_testnet`` connector points at.
FUTURES_DEFAULT_PORT = 8081

# KuCoin Futures calls bitcoin XBT in its contract symbols.
_FUTURES_BASE_NAMES = {"BTC": "XBT"}


def contract_symbol(name: str) -> str:
    """``XBTUSDTM`` as is; ``BTC-USDT`` -> ``XBTUSDTM`` (a linear perpetual); anything the
    simulator does not serve is a ConfigurationError naming what it serves."""
    symbol = name.strip().upper()
    base, dash, quote = symbol.partition("-")
    if dash:
        symbol = f"{_FUTURES_BASE_NAMES.get(base, base)}{quote}M"
    if symbol not in DEFAULT_CONTRACTS:
        raise ConfigurationError(
            f"unknown contract or pair {name!r}; the futures simulator serves "
            f"{sorted(DEFAULT_CONTRACTS)}"
        )
    return symbol


def build_futures_simulator(settings: SimulatorSettings) -> KucoinFuturesSimulator:
    """The futures simulator the settings describe (ConfigurationError on a bad key or
    contract); a user first named by a ``--key`` gets the ``--balances`` deposit."""
    from ..cli import keys_to_add

    default = settings.default_key
    sim = KucoinFuturesSimulator(
        host=settings.host,
        port=settings.port,
        seed=settings.seed,
        contracts=list(dict.fromkeys(contract_symbol(p) for p in settings.pairs)),
        balances=settings.balances,
        api_key=default.key,
        api_secret=default.secret,
        passphrase=default.passphrase,
        activity=settings.activity,
        activity_rate_hz=settings.activity_rate_hz,
    )
    for spec, user, new_user in keys_to_add(settings.keys, sim.user_ids(), DEFAULT_USER):
        sim.add_api_key(
            spec.key, spec.secret, spec.passphrase, key_version=spec.version, user_id=user
        )
        if new_user:
            sim.fund_user(user, settings.balances)
    return sim
