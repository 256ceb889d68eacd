"""Verify Kraken keys with one signed call, and explain a failure to a human.

Kraken has no call that reports a key's permissions, so the check proves the key with
``BalanceEx`` (needs "Query Funds") and says the permissions are unknown.
"""

from __future__ import annotations

from typing import Any

from kucoin_connector.core.aiohttp_transport import AiohttpTransport
from kucoin_connector.core.failure_advice import explain_key_check_failure
from kucoin_connector.core.throttler import AsyncThrottler
from kucoin_connector.core.transport import HttpTransport
from kucoin_connector.core.urls import require_secure_url
from kucoin_connector.registry import KeyCheck

from .api import KrakenApi
from .auth import KrakenSigner
from .config import KrakenConfig
from .endpoints import rest_limits
from .nonce import NonceSource
from .rest import KrakenRestClient

__all__ = ["AUTH_FAILURE_REASONS", "explain_kraken_error", "verify_kraken_keys"]

AUTH_FAILURE_REASONS = {
    "EAPI:Invalid key": "the API key is wrong, deleted, or belongs to another environment",
    "EAPI:Invalid signature": "the private key (secret) is wrong: paste it exactly as Kraken "
    "showed it (base64)",
    "EAPI:Invalid nonce": "Kraken refused the nonce: another program using this key sent a "
    "higher one (raise the key's nonce window, or give each program its own key)",
    "EGeneral:Permission denied": "the key lacks a permission: enable Query Funds (and the "
    "order permissions to trade)",
    "EGeneral:Temporary lockout": "Kraken locked the key out after repeated failures: wait "
    "a few minutes before trying again",
}

_NO_PERMISSIONS_WARNING = (
    "Kraken does not report a key's permissions: a trading bot needs Query Funds, Query "
    "Open/Closed Orders & Trades, Create & Modify Orders, Cancel & Close Orders and "
    "Access WebSockets API; leave Withdraw Funds off"
)


def explain_kraken_error(exc: BaseException) -> str:
    """One human sentence for a failed key check (codes and classes, never str matching)."""
    return explain_key_check_failure(exc, "Kraken", AUTH_FAILURE_REASONS)


async def verify_kraken_keys(
    config: KrakenConfig,
    *,
    transport: HttpTransport | None = None,
    nonces: NonceSource | None = None,
    timeout_s: float = 10.0,
    **_options: Any,  # the host's generic options (e.g. clock_correction): no use here
) -> KeyCheck:
    """Prove the keys with a signed call; raise the library's typed errors on failure."""
    require_secure_url(config.base_url)
    rest = KrakenRestClient(
        config.base_url,
        transport=transport or AiohttpTransport(),
        throttler=AsyncThrottler(rest_limits(config.kraken_tier)),
        signer=KrakenSigner(
            config.api_key.get_secret_value(), config.api_secret.get_secret_value()
        ),
        nonces=nonces,
        timeout_s=timeout_s,
    )
    try:
        await KrakenApi(rest).balances()
    finally:
        await rest.close()
    return KeyCheck("kraken", None, (_NO_PERMISSIONS_WARNING,))
