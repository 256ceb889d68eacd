"""KuCoin request signing (API key versions 1, 2 and 3).

prehash = str(timestamp_ms) + METHOD + path-with-query + body (the exact bytes sent);
``KC-API-SIGN`` = base64(HMAC-SHA256(secret, prehash)). Key version 1 sends the passphrase
as is; versions 2 and 3 send base64(HMAC-SHA256(secret, passphrase)) and
``KC-API-KEY-VERSION``.

The secret is kept only as a ready HMAC state (key schedule computed once), and the
passphrase header value is computed once. Neither, nor any signature, appears in a repr.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable

from kucoin_connector.core.errors import ConfigurationError

__all__ = ["SUPPORTED_KEY_VERSIONS", "KucoinAuth"]

SUPPORTED_KEY_VERSIONS = frozenset({1, 2, 3})


class KucoinAuth:
    """Signs KuCoin REST requests; implements ``core.rest.RequestSigner``."""

    __slots__ = ("_api_key", "_hmac", "_key_version", "_passphrase_header", "_time_ms")

    def __init__(
        self,
        api_key: str,
        api_secret: str,
        passphrase: str,
        *,
        key_version: int = 2,
        time_ms: Callable[[], int],
    ) -> None:
        if type(key_version) is not int or key_version not in SUPPORTED_KEY_VERSIONS:
            raise ConfigurationError(
                f"KuCoin API key version must be 1, 2 or 3, got {key_version!r}"
            )
        for field, value in (
            ("api_key", api_key),
            ("api_secret", api_secret),
            ("passphrase", passphrase),
        ):
            if not isinstance(value, str) or not value:
                raise ConfigurationError(f"KuCoin {field} must be a non-empty string")
        self._api_key = api_key
        self._key_version = key_version
        self._time_ms = time_ms
        self._hmac = hmac.new(api_secret.encode("utf-8"), digestmod=hashlib.sha256)
        if key_version == 1:
            self._passphrase_header = passphrase
        else:
            self._passphrase_header = self._b64_hmac(passphrase.encode("utf-8"))

    @property
    def api_key(self) -> str:
        return self._api_key

    @property
    def key_version(self) -> int:
        return self._key_version

    def sign(self, method: str, path_with_query: str, body: bytes) -> dict[str, str]:
        """Headers for a request sent now (timestamp from the injected clock)."""
        return self.headers_at(self._time_ms(), method, path_with_query, body)

    def headers_at(
        self, timestamp_ms: int, method: str, path_with_query: str, body: bytes
    ) -> dict[str, str]:
        """Headers for a request with an explicit timestamp (deterministic, for tests)."""
        timestamp = str(int(timestamp_ms))
        prehash = (timestamp + method.upper() + path_with_query).encode("utf-8") + body
        headers = {
            "KC-API-KEY": self._api_key,
            "KC-API-SIGN": self._b64_hmac(prehash),
            "KC-API-TIMESTAMP": timestamp,
            "KC-API-PASSPHRASE": self._passphrase_header,
            "Content-Type": "application/json",
        }
        if self._key_version != 1:
            headers["KC-API-KEY-VERSION"] = str(self._key_version)
        return headers

    def _b64_hmac(self, message: bytes) -> str:
        mac = self._hmac.copy()
        mac.update(message)
        return base64.b64encode(mac.digest()).decode("ascii")

    def __repr__(self) -> str:
        return f"KucoinAuth(api_key='{self._api_key[:4]}...', key_version={self._key_version})"

    __str__ = __repr__
