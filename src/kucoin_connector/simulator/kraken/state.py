"""Everything the Kraken front-end's handlers share (one instance per simulator)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from ..engine.accounts import Accounts
from ..engine.clock import SimClock
from ..engine.engine import MatchingEngine
from ..engine.faults import FaultInjector
from .auth import KrakenKeyStore, Lockout
from .ids import IdMap
from .names import PairDirectory
from .ratelimit import KrakenRateLimiter

ACCOUNT_TYPE = "trade"  # Kraken spot has one wallet: the engine's trade account
TOKEN_LIFETIME_S = 900


@dataclass
class WsTokens:
    """WebSocket tokens from GetWebSocketsToken: token -> user id."""

    by_token: dict[str, str] = field(default_factory=dict)

    def issue(self, user_id: str) -> str:
        token = secrets.token_urlsafe(24)
        self.by_token[token] = user_id
        return token

    def user(self, token: str) -> str | None:
        return self.by_token.get(token)

    def expire_all(self) -> None:
        self.by_token.clear()


@dataclass
class KrakenState:
    clock: SimClock
    keys: KrakenKeyStore
    lockout: Lockout
    limiter: KrakenRateLimiter
    faults: FaultInjector
    accounts: Accounts
    engine: MatchingEngine
    directory: PairDirectory
    ids: IdMap
    tokens: WsTokens
    base_fee: tuple[Decimal, Decimal]
    order_placed_s: dict[str, float] = field(default_factory=dict)  # limiter clock, by order
