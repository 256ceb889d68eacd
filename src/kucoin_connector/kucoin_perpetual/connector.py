"""The ``kucoin_perpetual`` entry of the connector registry (entry point ``connector_spec``)
and ``kucoin_perpetual_testnet`` (``testnet_connector_spec``: the same connector pointed at
the local futures simulator, KuCoin's futures sandbox being gone).

Same prompts as spot (key, secret, passphrase), but futures keys: KuCoin issues them for
the futures product separately. Keys are verified with a signed
``GET /api/v1/account-overview?currency=USDT`` on the futures host, with one clock
resync on a timestamp rejection.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kucoin_connector.core.aiohttp_transport import AiohttpTransport
from kucoin_connector.core.rest import RestClient
from kucoin_connector.core.throttler import AsyncThrottler
from kucoin_connector.core.time_sync import TimeSynchronizer
from kucoin_connector.core.transport import HttpTransport
from kucoin_connector.kucoin.auth import KucoinAuth
from kucoin_connector.kucoin.key_check import explain_kucoin_error
from kucoin_connector.registry import ConnectorSpec, KeyCheck, KeyPrompt

from .api import KucoinPerpetualApi
from .config import (
    KUCOIN_FUTURES_BASE_URL,
    KUCOIN_FUTURES_TESTNET_URL,
    KucoinPerpetualConfig,
    KucoinPerpetualTestnetConfig,
)
from .endpoints import rate_limits
from .errors import raise_for_kucoin_futures
from .exchange import KucoinPerpetualExchange

__all__ = [
    "KUCOIN_PERPETUAL_KEY_PROMPTS",
    "KUCOIN_PERPETUAL_TESTNET_KEY_PROMPTS",
    "build_kucoin_perpetual_exchange",
    "connector_spec",
    "testnet_connector_spec",
    "verify_kucoin_perpetual_keys",
]

KUCOIN_PERPETUAL_KEY_PROMPTS = (
    KeyPrompt("api_key", "API key", "KUCOIN_PERPETUAL_API_KEY", secret=False),
    KeyPrompt("api_secret", "secret key", "KUCOIN_PERPETUAL_API_SECRET"),
    KeyPrompt("passphrase", "passphrase", "KUCOIN_PERPETUAL_API_PASSPHRASE"),
)
KUCOIN_PERPETUAL_TESTNET_KEY_PROMPTS = (
    KeyPrompt("api_key", "API key", "KUCOIN_PERPETUAL_TESTNET_API_KEY", secret=False),
    KeyPrompt("api_secret", "secret key", "KUCOIN_PERPETUAL_TESTNET_API_SECRET"),
    KeyPrompt("passphrase", "passphrase", "KUCOIN_PERPETUAL_TESTNET_API_PASSPHRASE"),
)


def build_kucoin_perpetual_exchange(
    config: KucoinPerpetualConfig,
    *,
    trading_pairs: Sequence[str] = (),
    base_url: str | None = None,
    **kwargs: Any,
) -> KucoinPerpetualExchange:
    """A not-started connector; ``base_url`` overrides the config's."""
    return KucoinPerpetualExchange(
        config.api_key.get_secret_value(),
        config.api_secret.get_secret_value(),
        config.passphrase.get_secret_value(),
        trading_pairs=trading_pairs,
        base_url=base_url or config.base_url,
        key_version=config.key_version,
        **kwargs,
    )


async def verify_kucoin_perpetual_keys(
    config: KucoinPerpetualConfig,
    *,
    clock_correction: bool = True,
    transport: HttpTransport | None = None,
    timeout_s: float = 10.0,
) -> KeyCheck:
    """Prove the futures keys with a signed call; raise the library's typed errors.

    With ``clock_correction`` a timestamp rejection (400002) measures the server time and
    retries once; the check then carries the measured offset."""
    clock = TimeSynchronizer()
    auth = KucoinAuth(
        config.api_key.get_secret_value(),
        config.api_secret.get_secret_value(),
        config.passphrase.get_secret_value(),
        key_version=config.key_version,
        time_ms=clock.time_ms,
    )
    resynced = False

    async def resync() -> None:
        nonlocal resynced
        resynced = True
        clock.clear()
        await clock.update(api.server_time_ms)

    rest = RestClient(
        config.base_url,
        throttler=AsyncThrottler(rate_limits()),
        transport=transport or AiohttpTransport(None),
        response_handler=raise_for_kucoin_futures,
        signer=auth,
        timeout_s=timeout_s,
        time_resync=resync if clock_correction else None,
    )
    api = KucoinPerpetualApi(rest)
    try:
        await api.account_overview("USDT")
    finally:
        await rest.close()
    offset_ms = round(clock.offset_ms) if resynced else None
    connector_id = (
        "kucoin_perpetual_testnet"
        if isinstance(config, KucoinPerpetualTestnetConfig)
        else "kucoin_perpetual"
    )
    return KeyCheck(connector_id, None, (), offset_ms)


def connector_spec() -> ConnectorSpec[KucoinPerpetualConfig, KucoinPerpetualExchange]:
    return ConnectorSpec(
        connector_id="kucoin_perpetual",
        description="KuCoin perpetual futures (One-way and Hedge position modes)",
        exchange_class=KucoinPerpetualExchange,
        config_model=KucoinPerpetualConfig,
        key_prompts=KUCOIN_PERPETUAL_KEY_PROMPTS,
        default_base_url=KUCOIN_FUTURES_BASE_URL,
        builder=build_kucoin_perpetual_exchange,
        verifier=verify_kucoin_perpetual_keys,
        explainer=explain_kucoin_error,
    )


def testnet_connector_spec() -> ConnectorSpec[KucoinPerpetualConfig, KucoinPerpetualExchange]:
    """The connector against ``kucoin-connector simulator --venue kucoin_futures``."""
    return ConnectorSpec(
        connector_id="kucoin_perpetual_testnet",
        description="KuCoin perpetual futures on the local futures simulator (the testnet)",
        exchange_class=KucoinPerpetualExchange,
        config_model=KucoinPerpetualTestnetConfig,
        key_prompts=KUCOIN_PERPETUAL_TESTNET_KEY_PROMPTS,
        default_base_url=KUCOIN_FUTURES_TESTNET_URL,
        builder=build_kucoin_perpetual_exchange,
        verifier=verify_kucoin_perpetual_keys,
        explainer=explain_kucoin_error,
    )
