"""Kraken's private-call authentication, written from docs.kraken.com (spot-rest-auth).

``API-Sign = base64(HMAC-SHA512(base64decode(secret), path + SHA256(nonce + body)))``
where ``body`` is the exact POST body bytes (form-encoded or JSON) and ``path`` starts at
``/0/private/``. The nonce must exceed the last nonce accepted for the key; a key's
optional nonce window also accepts a not-yet-seen nonce at most ``window`` below the
highest one (reordered requests).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass, field


class AuthFailure(Exception):
    """An authentication refusal worded as Kraken's error string."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


INVALID_KEY = "EAPI:Invalid key"
INVALID_SIGNATURE = "EAPI:Invalid signature"
INVALID_NONCE = "EAPI:Invalid nonce"
LOCKOUT = "EGeneral:Temporary lockout"


def expected_signature(secret_b64: str, path: str, nonce: str, body: bytes) -> str:
    digest = hashlib.sha256(nonce.encode() + body).digest()
    mac = hmac.new(base64.b64decode(secret_b64), path.encode() + digest, hashlib.sha512)
    return base64.b64encode(mac.digest()).decode()


@dataclass
class KrakenKey:
    key: str
    secret: str = field(repr=False)  # base64, as Kraken issues it
    user_id: str = ""
    nonce_window: int = 0
    highest_nonce: int = 0
    recent_nonces: set[int] = field(default_factory=set, repr=False)

    def accept_nonce(self, nonce: int) -> bool:
        """Record ``nonce`` if acceptable (strictly above the highest, or unseen within
        the window below it)."""
        if nonce > self.highest_nonce:
            self.highest_nonce = nonce
            self.recent_nonces.add(nonce)
            floor = nonce - self.nonce_window
            self.recent_nonces = {n for n in self.recent_nonces if n >= floor}
            return True
        in_window = self.nonce_window and nonce >= self.highest_nonce - self.nonce_window
        if in_window and nonce not in self.recent_nonces:
            self.recent_nonces.add(nonce)
            return True
        return False


class KrakenKeyStore:
    """The accepted keys; each belongs to one user."""

    def __init__(self) -> None:
        self._keys: dict[str, KrakenKey] = {}

    def add(self, key: KrakenKey) -> None:
        if not key.key or key.key in self._keys:
            raise ValueError("empty or duplicate API key")
        try:
            base64.b64decode(key.secret, validate=True)
        except binascii.Error as exc:
            raise ValueError("the API secret must be base64") from exc
        self._keys[key.key] = key

    def __iter__(self) -> Iterator[KrakenKey]:
        return iter(self._keys.values())

    def get(self, key: str) -> KrakenKey | None:
        return self._keys.get(key)


def authenticate(
    keys: KrakenKeyStore, api_key: str, api_sign: str, path: str, nonce: str, body: bytes
) -> KrakenKey:
    """The key of a correctly signed request with a fresh nonce, else AuthFailure."""
    key = keys.get(api_key)
    if key is None:
        raise AuthFailure(INVALID_KEY)
    if not nonce.isdigit():
        raise AuthFailure(INVALID_NONCE)
    try:
        wanted = expected_signature(key.secret, path, nonce, body)
    except binascii.Error:
        raise AuthFailure(INVALID_KEY) from None
    if not hmac.compare_digest(wanted, api_sign):
        raise AuthFailure(INVALID_SIGNATURE)
    if not key.accept_nonce(int(nonce)):
        raise AuthFailure(INVALID_NONCE)
    return key


class Lockout:
    """``EGeneral:Temporary lockout`` after repeated invalid keys from one client."""

    def __init__(self, max_failures: int, lockout_s: float) -> None:
        self.max_failures = max_failures
        self.lockout_s = lockout_s
        self._failures: dict[str, int] = {}
        self._until: dict[str, float] = {}

    def locked(self, client: str, now_s: float) -> bool:
        return self._until.get(client, 0.0) > now_s

    def record(self, client: str, error: str, now_s: float) -> None:
        if error != INVALID_KEY:
            return
        count = self._failures.get(client, 0) + 1
        self._failures[client] = count
        if self.max_failures and count >= self.max_failures:
            self._until[client] = now_s + self.lockout_s
            self._failures[client] = 0

    def clear(self, client: str) -> None:
        self._failures.pop(client, None)
