"""KucoinConfig: everything needed to build a ``kucoin`` connector (pydantic v2).

The three credentials are ``SecretStr``: their repr and str are ``'**********'`` and
validation errors never echo the input (``hide_input_in_errors``). ``base_url`` must be
``https://`` unless it points at a loopback host (the local simulator).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from kucoin_connector.core.errors import ConfigurationError
from kucoin_connector.core.urls import require_base_url

__all__ = ["KUCOIN_BASE_URL", "KucoinConfig"]

KUCOIN_BASE_URL = "https://api.kucoin.com"


class KucoinConfig(BaseModel):
    """Settings of one ``kucoin`` connector; secrets stay hidden in reprs and errors."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    api_key: SecretStr
    api_secret: SecretStr
    passphrase: SecretStr
    key_version: Annotated[int, Field(ge=1, le=3)] = 2  # KuCoin API key version
    account_type: Literal["trade", "trade_hf"] = "trade"
    base_url: str = KUCOIN_BASE_URL

    @field_validator("api_key", "api_secret", "passphrase")
    @classmethod
    def _not_blank(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("base_url")
    @classmethod
    def _secure_url(cls, value: str) -> str:
        try:
            require_base_url(value)
        except ConfigurationError as exc:
            raise ValueError(str(exc)) from None
        return value.rstrip("/")
