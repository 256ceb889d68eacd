"""Everything the simulator's handlers share (one instance per running simulator)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..engine.accounts import Accounts
from ..engine.clock import SimClock
from ..engine.engine import MatchingEngine
from ..engine.faults import FaultInjector
from .auth import KeyStore
from .candles import TradeTape
from .publisher import Publisher
from .ratelimit import RateLimiter
from .tokens import TokenStore
from .ws import WsSettings
from .ws_hub import WsHub


@dataclass
class SimState:
    clock: SimClock
    keys: KeyStore
    tokens: TokenStore
    faults: FaultInjector
    hub: WsHub
    accounts: Accounts
    engine: MatchingEngine
    publisher: Publisher
    tape: TradeTape
    limiter: RateLimiter
    ws_settings: WsSettings
    ws_url: str = ""
    currency_precision: dict[str, int] = field(default_factory=dict)
    hf_user_ids: set[str] = field(default_factory=set)
    base_fee: tuple[Decimal, Decimal] = (Decimal("0.001"), Decimal("0.001"))

    def currencies(self) -> list[str]:
        found: set[str] = set()
        for spec in self.engine.symbols():
            found.update((spec.base_currency, spec.quote_currency))
        return sorted(found)

    def precision(self, currency: str) -> int:
        return self.currency_precision.get(currency, 8)
