"""Field types every venue's settings model shares (pydantic): a credential that is never
blank and never echoed, and a URL that obeys the URL policy (TLS except on loopback)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, SecretStr

from .errors import ConfigurationError
from .urls import require_base_url, require_secure_url

__all__ = ["BaseUrl", "Credential", "SecureUrl"]


def _not_blank(value: SecretStr) -> SecretStr:
    if not value.get_secret_value().strip():
        raise ValueError("must not be empty")
    return value


def _secure(value: str) -> str:
    try:
        require_secure_url(value)
    except ConfigurationError as exc:
        raise ValueError(str(exc)) from None
    return value.rstrip("/")


def _base(value: str) -> str:
    try:
        require_base_url(value)
    except ConfigurationError as exc:
        raise ValueError(str(exc)) from None
    return value.rstrip("/")


Credential = Annotated[SecretStr, AfterValidator(_not_blank)]
"""An API key, secret or passphrase: not blank; hidden in reprs (``SecretStr``)."""

SecureUrl = Annotated[str, AfterValidator(_secure)]
"""An https:// or wss:// URL, or a plain one on a loopback host; no trailing slash."""

BaseUrl = Annotated[str, AfterValidator(_base)]
"""A REST base URL: a ``SecureUrl`` that is the API's root (no ``/api/v1`` path)."""
