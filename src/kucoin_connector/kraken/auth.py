"""Kraken's ``API-Sign``: HMAC-SHA512 over the exact bytes sent.

``API-Sign = base64(HMAC-SHA512(key=base64decode(secret),
msg = URI path + SHA256(nonce + POST body)))``, where the POST body is the exact byte
string put on the wire (form-encoded here; JSON bodies are signed the same way) and the
nonce is the one inside that body (docs: guides/spot-rest-auth; the documented test vector
is reproduced in tests/kraken/test_auth.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from kucoin_connector.core.errors import ConfigurationError

__all__ = ["KrakenSigner", "kraken_signature"]


def _decode_secret(secret_b64: str) -> bytes:
    try:
        return base64.b64decode(secret_b64, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigurationError("the Kraken API secret is not valid base64") from None


def _sign(secret: bytes, uri_path: str, nonce: int | str, body: bytes) -> str:
    digest = hashlib.sha256(str(nonce).encode("ascii") + body).digest()
    mac = hmac.new(secret, uri_path.encode("ascii") + digest, hashlib.sha512)
    return base64.b64encode(mac.digest()).decode("ascii")


def kraken_signature(secret_b64: str, uri_path: str, nonce: int | str, body: bytes) -> str:
    """The ``API-Sign`` header for ``body`` (which must carry ``nonce``) sent to ``uri_path``."""
    return _sign(_decode_secret(secret_b64), uri_path, nonce, body)


class KrakenSigner:
    """Builds the two auth headers for one key; the secret never appears in a repr."""

    __slots__ = ("_api_key", "_secret")

    def __init__(self, api_key: str, api_secret_b64: str) -> None:
        if not api_key:
            raise ConfigurationError("the Kraken API key is empty")
        self._api_key = api_key
        self._secret = _decode_secret(api_secret_b64)

    @property
    def api_key(self) -> str:
        return self._api_key

    def headers(self, uri_path: str, nonce: int, body: bytes) -> dict[str, str]:
        return {"API-Key": self._api_key, "API-Sign": _sign(self._secret, uri_path, nonce, body)}

    def __repr__(self) -> str:
        return "KrakenSigner(<hidden>)"
