"""``kucoin-connector simulator --venue kraken``: the Kraken venue's builder.

Keys: the default one (``--api-key``/``--api-secret``, the secret base64 as Kraken issues
them) plus ``--key KEY:SECRET[:USER]`` (repeatable; a new USER's wallet gets the
``--balances`` deposit too); ``--nonce-window`` and ``--rate-tier`` are Kraken's own.
The command itself (argument parsing, banner, serving) is ``simulator/cli.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .ratelimit import KrakenRateLimits
from .server import DEFAULT_SECRET, DEFAULT_USER, KrakenSettings, KrakenSimulator

if TYPE_CHECKING:
    from ..cli import SimulatorSettings

KRAKEN_DEFAULT_PORT = 8082  # spot KuCoin 8080, KuCoin Futures 8081
KRAKEN_DEFAULT_SECRET = DEFAULT_SECRET


def build_kraken_simulator(settings: SimulatorSettings) -> KrakenSimulator:
    """The Kraken simulator the settings describe; a user first named by a ``--key`` gets
    the ``--balances`` deposit."""
    from ..cli import keys_to_add

    tier = settings.rate_tier
    window = settings.nonce_window
    sim = KrakenSimulator(
        host=settings.host,
        port=settings.port,
        seed=settings.seed,
        pairs=settings.pairs,
        balances=settings.balances,
        api_key=settings.default_key.key,
        api_secret=settings.default_key.secret,
        activity=settings.activity,
        rate_limits=KrakenRateLimits.tier(tier) if tier else None,
        settings=KrakenSettings(nonce_window=window),
    )
    for spec, user, new_user in keys_to_add(settings.keys, {DEFAULT_USER}, DEFAULT_USER):
        sim.add_api_key(spec.key, spec.secret, user_id=user, nonce_window=window)
        if new_user:
            sim.fund_user(user, settings.balances)
    return sim
