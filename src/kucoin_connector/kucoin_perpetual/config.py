"""KucoinPerpetualConfig: everything needed to build a ``kucoin_perpetual`` connector.

Futures keys are separate from spot keys (KuCoin issues them per product). The three
credentials are ``SecretStr`` and validation errors never echo the input. ``base_url``
must be ``https://`` unless it points at a loopback host (the local futures simulator).
KuCoin discontinued its futures sandbox: the local simulator is the testnet, and
:class:`KucoinPerpetualTestnetConfig` (connector ``kucoin_perpetual_testnet``) points at
``kucoin-connector simulator --venue kucoin_futures`` on its default port.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from kucoin_connector.core.config_fields import BaseUrl, Credential

__all__ = [
    "KUCOIN_FUTURES_BASE_URL",
    "KUCOIN_FUTURES_TESTNET_URL",
    "KucoinPerpetualConfig",
    "KucoinPerpetualTestnetConfig",
]

KUCOIN_FUTURES_BASE_URL = "https://api-futures.kucoin.com"
# The local futures simulator's default address (spot's is port 8080).
KUCOIN_FUTURES_TESTNET_URL = "http://127.0.0.1:8081"


class KucoinPerpetualConfig(BaseModel):
    """Settings of one ``kucoin_perpetual`` connector; secrets hidden in reprs and errors."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    api_key: Credential
    api_secret: Credential
    passphrase: Credential
    key_version: Annotated[int, Field(ge=1, le=3)] = 2
    base_url: BaseUrl = KUCOIN_FUTURES_BASE_URL


class KucoinPerpetualTestnetConfig(KucoinPerpetualConfig):
    """``kucoin_perpetual_testnet``: the same connector pointed at the local futures
    simulator (KuCoin has no futures sandbox any more); ``base_url`` may name another
    loopback port."""

    base_url: BaseUrl = KUCOIN_FUTURES_TESTNET_URL
