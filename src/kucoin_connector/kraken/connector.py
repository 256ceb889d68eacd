"""The ``kraken`` entry of the connector registry (entry point ``connector_spec``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kucoin_connector.registry import ConnectorSpec, KeyPrompt

from .config import KRAKEN_BASE_URL, KrakenConfig
from .exchange import KrakenExchange
from .key_check import explain_kraken_error, verify_kraken_keys

__all__ = ["KRAKEN_KEY_PROMPTS", "build_kraken_exchange", "connector_spec"]

# the seed's two prompts: "Enter your kraken API key >>>", "Enter your kraken secret key >>>"
KRAKEN_KEY_PROMPTS = (
    KeyPrompt("api_key", "API key", "KRAKEN_API_KEY", secret=False),
    KeyPrompt("api_secret", "secret key", "KRAKEN_API_SECRET"),
)


def build_kraken_exchange(
    config: KrakenConfig,
    *,
    trading_pairs: Sequence[str] = (),
    base_url: str | None = None,
    **kwargs: Any,
) -> KrakenExchange:
    """A not-started KrakenExchange; ``base_url`` overrides the config's, ``kwargs`` go to
    the constructor (transport, nonces, clock_ms, reconcile, ...)."""
    return KrakenExchange(
        config.api_key.get_secret_value(),
        config.api_secret.get_secret_value(),
        trading_pairs=trading_pairs,
        base_url=base_url or config.base_url,
        tier=config.kraken_tier,
        ws_public_url=config.ws_public_url,
        ws_private_url=config.ws_private_url,
        **kwargs,
    )


def connector_spec() -> ConnectorSpec[KrakenConfig, KrakenExchange]:
    """The registry entry of ``kraken`` (found through the ``kucoin_connector.connectors`` entry
    point).
    """
    return ConnectorSpec(
        connector_id="kraken",
        description="Kraken spot (REST + WebSocket v2)",
        exchange_class=KrakenExchange,
        config_model=KrakenConfig,
        key_prompts=KRAKEN_KEY_PROMPTS,
        default_base_url=KRAKEN_BASE_URL,
        builder=build_kraken_exchange,
        verifier=verify_kraken_keys,
        explainer=explain_kraken_error,
    )
