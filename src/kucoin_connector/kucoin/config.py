"""KucoinConfig: everything needed to build a ``kucoin`` connector (pydantic v2).

The three credentials are ``SecretStr``: their repr and str are ``'**********'`` and
validation errors never echo the input (``hide_input_in_errors``). ``base_url`` must be
``https://`` unless it points at a loopback host (the local simulator).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from kucoin_connector.core.config_fields import BaseUrl, Credential

__all__ = ["KUCOIN_BASE_URL", "KucoinConfig"]

KUCOIN_BASE_URL = "https://api.kucoin.com"


class KucoinConfig(BaseModel):
    """Settings of one ``kucoin`` connector; secrets stay hidden in reprs and errors."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    api_key: Credential
    api_secret: Credential
    passphrase: Credential
    key_version: Annotated[int, Field(ge=1, le=3)] = 2  # KuCoin API key version
    account_type: Literal["trade", "trade_hf"] = "trade"
    base_url: BaseUrl = KUCOIN_BASE_URL
