"""WebSocket connection tokens handed out by the bullet endpoints."""

from __future__ import annotations

import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class TokenInfo:
    user_id: str | None  # None: a public token

    @property
    def private(self) -> bool:
        return self.user_id is not None


class TokenStore:
    """Issues opaque tokens; expiring them (a fault) invalidates every token issued so far."""

    def __init__(self) -> None:
        self._tokens: dict[str, TokenInfo] = {}

    def issue(self, user_id: str | None) -> str:
        token = secrets.token_urlsafe(48)
        self._tokens[token] = TokenInfo(user_id)
        return token

    def resolve(self, token: str) -> TokenInfo | None:
        return self._tokens.get(token)

    def expire_all(self) -> int:
        count = len(self._tokens)
        self._tokens.clear()
        return count
