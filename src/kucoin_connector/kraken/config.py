"""Kraken connection settings: URLs, account tier, credentials (secrets as SecretStr)."""

from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from kucoin_connector.core.config_fields import BaseUrl, Credential, SecureUrl

__all__ = [
    "KRAKEN_BASE_URL",
    "KRAKEN_WS_PRIVATE_URL",
    "KRAKEN_WS_PUBLIC_URL",
    "KrakenConfig",
    "KrakenTier",
]

KRAKEN_BASE_URL = "https://api.kraken.com"
KRAKEN_WS_PUBLIC_URL = "wss://ws.kraken.com/v2"
KRAKEN_WS_PRIVATE_URL = "wss://ws-auth.kraken.com/v2"


class KrakenTier(Enum):
    """The account verification tier: it sets the size and decay of the rate counters."""

    STARTER = "starter"
    INTERMEDIATE = "intermediate"
    PRO = "pro"


class KrakenConfig(BaseModel):
    """What ``connect kraken`` stores: the key, its secret (base64, as Kraken issues it)."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    api_key: Credential
    api_secret: Credential
    base_url: BaseUrl = KRAKEN_BASE_URL
    ws_public_url: SecureUrl = KRAKEN_WS_PUBLIC_URL
    ws_private_url: SecureUrl = KRAKEN_WS_PRIVATE_URL
    tier: Literal["starter", "intermediate", "pro"] = "starter"  # a KrakenTier value

    @property
    def kraken_tier(self) -> KrakenTier:
        """The account's verification tier, which sets Kraken's rate-limit budgets."""
        return KrakenTier(self.tier)
