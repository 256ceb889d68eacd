"""The ``kucoin`` entry of the connector registry (entry point ``connector_spec``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kucoin_connector.registry import ConnectorSpec, KeyPrompt

from .config import KUCOIN_BASE_URL, KucoinConfig
from .exchange import KucoinExchange
from .key_check import explain_kucoin_error, verify_kucoin_keys

__all__ = ["KUCOIN_KEY_PROMPTS", "build_kucoin_exchange", "connector_spec"]

KUCOIN_KEY_PROMPTS = (
    KeyPrompt("api_key", "API key", "KUCOIN_API_KEY", secret=False),
    KeyPrompt("api_secret", "secret key", "KUCOIN_API_SECRET"),
    KeyPrompt("passphrase", "passphrase", "KUCOIN_API_PASSPHRASE"),
)


def build_kucoin_exchange(
    config: KucoinConfig,
    *,
    trading_pairs: Sequence[str] = (),
    base_url: str | None = None,
    **kwargs: Any,
) -> KucoinExchange:
    """A not-started KucoinExchange; ``base_url`` overrides the config's, ``kwargs`` go to
    the constructor (session, clock_ms, reconcile, ...)."""
    return KucoinExchange(
        config.api_key.get_secret_value(),
        config.api_secret.get_secret_value(),
        config.passphrase.get_secret_value(),
        trading_pairs=trading_pairs,
        base_url=base_url or config.base_url,
        account_type=config.account_type,
        key_version=config.key_version,
        **kwargs,
    )


def connector_spec() -> ConnectorSpec[KucoinConfig, KucoinExchange]:
    """The registry entry of ``kucoin`` (found through the ``kucoin_connector.connectors`` entry
    point).
    """
    return ConnectorSpec(
        connector_id="kucoin",
        description="KuCoin spot (classic and high-frequency accounts)",
        exchange_class=KucoinExchange,
        config_model=KucoinConfig,
        key_prompts=KUCOIN_KEY_PROMPTS,
        default_base_url=KUCOIN_BASE_URL,
        builder=build_kucoin_exchange,
        verifier=verify_kucoin_keys,
        explainer=explain_kucoin_error,
    )
