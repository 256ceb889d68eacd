"""The spot venue of ``kucoin-connector simulator`` (``--venue kucoin``, the default):
builds a :class:`KucoinSimulator` from the command's settings. The command itself, and
what every venue shares, is :mod:`kucoin_connector.simulator.cli`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .server import DEFAULT_USER, KucoinSimulator

if TYPE_CHECKING:
    from ..cli import SimulatorSettings


def build_spot_simulator(settings: SimulatorSettings) -> KucoinSimulator:
    """The spot simulator the settings describe (ConfigurationError on a bad key); a user
    first named by a ``--key`` gets the ``--balances`` deposit in its trade accounts."""
    from ..cli import keys_to_add

    default = settings.default_key
    sim = KucoinSimulator(
        host=settings.host,
        port=settings.port,
        seed=settings.seed,
        pairs=settings.pairs,
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
