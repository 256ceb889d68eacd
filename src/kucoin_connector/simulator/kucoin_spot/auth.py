"""KuCoin request authentication, written from the API docs (no connector code).

prehash = KC-API-TIMESTAMP + METHOD + path-with-raw-query + raw body bytes;
KC-API-SIGN = base64(HMAC-SHA256(secret, prehash)).

Key versions, as on KuCoin: a version 1 key takes the passphrase in clear, with no
KC-API-KEY-VERSION header or the header "1"; a version 2 or 3 key takes
base64(HMAC-SHA256(secret, passphrase)) with the header "2" or "3". Any other combination
is 400004 "Invalid KC-API-PASSPHRASE" (HTTP 401).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from kucoin_connector.core.errors import ConfigurationError

KEY_VERSIONS = (1, 2, 3)
TIMESTAMP_WINDOW_MS = 5_000

PERMISSION_GENERAL = "General"
PERMISSION_TRADE = "Trade"
PERMISSION_TRANSFER = "Transfer"
ALL_PERMISSIONS = frozenset({PERMISSION_GENERAL, PERMISSION_TRADE, PERMISSION_TRANSFER})

_REQUIRED = ("KC-API-KEY", "KC-API-SIGN", "KC-API-TIMESTAMP", "KC-API-PASSPHRASE")


@dataclass(frozen=True)
class ApiKey:
    """One API key of one simulated user. The repr never shows the secret or passphrase."""

    key: str
    secret: str = field(repr=False)
    passphrase: str = field(repr=False)
    user_id: str
    key_version: int = 2
    permissions: frozenset[str] = ALL_PERMISSIONS
    ip_whitelist: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.key_version not in KEY_VERSIONS:
            raise ConfigurationError(
                f"API key version must be one of {KEY_VERSIONS}, not {self.key_version!r}"
            )
        if not self.key or not self.secret or not self.passphrase or not self.user_id:
            raise ConfigurationError("an API key needs a key, a secret, a passphrase, a user")


class AuthFailure(Exception):
    """A KuCoin authentication error: code 40000x with its HTTP status."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def b64_hmac(secret: str, message: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def expected_passphrase(key: ApiKey) -> str:
    """What KC-API-PASSPHRASE must carry for this key (signed from version 2 on)."""
    if key.key_version >= 2:
        return b64_hmac(key.secret, key.passphrase.encode("utf-8"))
    return key.passphrase


DEFAULT_USER = "sim-user-1"  # the KuCoin spot simulator's default user


@dataclass(frozen=True)
class SimCredentials:
    """An API key the simulator accepts, as a client uses it (secret and passphrase hidden
    from repr)."""

    api_key: str
    api_secret: str = field(repr=False)
    passphrase: str = field(repr=False)
    key_version: int = 2
    user_id: str = DEFAULT_USER


class KeyStore:
    """The API keys the simulator accepts, each key string at most once."""

    def __init__(self) -> None:
        self._keys: dict[str, ApiKey] = {}

    def add(self, key: ApiKey) -> None:
        if key.key in self._keys:
            raise ConfigurationError(f"API key {key.key!r} is already accepted")
        self._keys[key.key] = key

    def user_ids(self) -> set[str]:
        return {key.user_id for key in self._keys.values()}

    def get(self, key: str) -> ApiKey | None:
        return self._keys.get(key)

    def keys(self) -> list[ApiKey]:
        return list(self._keys.values())

    def credentials(self) -> list[SimCredentials]:
        """Every accepted key as a client uses it, in the order added."""
        return [
            SimCredentials(k.key, k.secret, k.passphrase, k.key_version, k.user_id)
            for k in self._keys.values()
        ]

    def __iter__(self) -> Iterator[ApiKey]:
        return iter(list(self._keys.values()))


def _parse_timestamp_ms(raw: str) -> Decimal | None:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def verify_request(
    store: KeyStore,
    headers: Mapping[str, str],
    method: str,
    path_with_query: str,
    body: bytes,
    *,
    now_ms: int,
    remote_ip: str | None = None,
    permission: str = PERMISSION_GENERAL,
) -> ApiKey:
    """Return the authenticated key or raise :class:`AuthFailure` with KuCoin's code."""
    if any(not headers.get(name) for name in _REQUIRED):
        raise AuthFailure(
            "400001",
            "Please check the header of your request for KC-API-KEY, "
            "KC-API-SIGN, KC-API-TIMESTAMP, KC-API-PASSPHRASE",
            401,
        )
    ts_raw = headers["KC-API-TIMESTAMP"]
    ts = _parse_timestamp_ms(ts_raw)
    if ts is None or abs(ts - now_ms) > TIMESTAMP_WINDOW_MS:
        raise AuthFailure("400002", "Invalid KC-API-TIMESTAMP", 401)
    key = store.get(headers["KC-API-KEY"])
    if key is None:
        raise AuthFailure("400003", "KC-API-KEY not exists", 401)
    if not _passphrase_accepted(key, headers):
        raise AuthFailure("400004", "Invalid KC-API-PASSPHRASE", 401)
    prehash = ts_raw.encode("utf-8") + method.upper().encode("ascii")
    prehash += path_with_query.encode("utf-8") + body
    if not hmac.compare_digest(headers["KC-API-SIGN"], b64_hmac(key.secret, prehash)):
        raise AuthFailure("400005", "Signature verification failed", 401)
    if key.ip_whitelist and remote_ip not in key.ip_whitelist:
        raise AuthFailure(
            "400006", f"Invalid request ip, the current clientIp is: {remote_ip}", 403
        )
    if permission not in key.permissions:
        raise AuthFailure("400007", "Access denied, require more permission.", 403)
    return key


def _passphrase_accepted(key: ApiKey, headers: Mapping[str, str]) -> bool:
    """The header version must be of the key's kind (1, or 2/3) and the passphrase its own."""
    version = _header_version(headers.get("KC-API-KEY-VERSION"))
    if version is None or (version == 1) != (key.key_version == 1):
        return False
    return hmac.compare_digest(
        headers["KC-API-PASSPHRASE"].encode("utf-8"), expected_passphrase(key).encode("utf-8")
    )


def _header_version(raw: str | None) -> int | None:
    """No header (or an empty one) means version 1; an unknown value, None."""
    if raw is None or not raw.strip():
        return 1
    text = raw.strip()
    return int(text) if text in ("1", "2", "3") else None
