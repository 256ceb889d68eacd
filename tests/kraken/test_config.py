"""KrakenConfig: the same credential and URL rules as every venue's settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kucoin_connector.kraken.config import KrakenConfig


def test_blank_credentials_and_plain_remote_urls_are_refused_without_echo() -> None:
    with pytest.raises(ValidationError) as info:
        KrakenConfig(api_key="  ", api_secret="c2VjcmV0")  # type: ignore[arg-type]
    assert "must not be empty" in str(info.value)
    with pytest.raises(ValidationError) as info:
        KrakenConfig(
            api_key="k",  # type: ignore[arg-type]
            api_secret="very-secret-value",  # type: ignore[arg-type]
            ws_private_url="ws://example.com/v2",
        )
    text = str(info.value)
    assert "loopback" in text and "very-secret-value" not in text


def test_loopback_urls_are_accepted_and_trimmed() -> None:
    config = KrakenConfig(
        api_key="k",  # type: ignore[arg-type]
        api_secret="c2VjcmV0",  # type: ignore[arg-type]
        base_url="http://127.0.0.1:8082/",
        ws_public_url="ws://127.0.0.1:8082/v2",
    )
    assert config.base_url == "http://127.0.0.1:8082"
    assert config.api_secret.get_secret_value() == "c2VjcmV0"
