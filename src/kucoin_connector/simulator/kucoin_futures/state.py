"""Everything the futures front-end's handlers share (one instance per simulator)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..engine.clock import SimClock
from ..engine.derivatives import MarginSettlement
from ..engine.engine import MatchingEngine
from ..engine.faults import FaultInjector
from ..engine.margin import FundingPayment, MarginLedger
from ..engine.positions import PositionBook
from ..kucoin_spot.auth import KeyStore
from ..kucoin_spot.ratelimit import RateLimitConfig, RateLimiter
from ..kucoin_spot.tokens import TokenStore
from ..kucoin_spot.ws import WsSettings
from ..kucoin_spot.ws_hub import WsHub
from .contracts import FUNDING_INTERVAL_MS, ContractDef


@dataclass
class FuturesState:
    clock: SimClock
    keys: KeyStore
    tokens: TokenStore
    faults: FaultInjector
    hub: WsHub
    engine: MatchingEngine
    margin: MarginSettlement
    contracts: dict[str, ContractDef]
    ws_settings: WsSettings
    ws_url: str = ""
    base_fee: tuple[Decimal, Decimal] = (Decimal("0.0002"), Decimal("0.0006"))
    mark_prices: dict[str, Decimal] = field(default_factory=dict)
    funding_rates: dict[str, Decimal] = field(default_factory=dict)
    next_funding_ms: int = 0
    funding_interval_ms: int = FUNDING_INTERVAL_MS
    funding_history: list[FundingPayment] = field(default_factory=list)
    # KuCoin's 429 pools; disabled by default, as on spot (the futures pool is not modelled)
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(RateLimitConfig()))

    @property
    def positions(self) -> PositionBook:
        return self.margin.positions

    @property
    def ledger(self) -> MarginLedger:
        return self.margin.ledger

    def contract(self, symbol: str) -> ContractDef | None:
        return self.contracts.get(symbol)

    def mark_price(self, symbol: str) -> Decimal:
        """The mark price: set by the front-end's mark task, else the last trade, else the
        contract's initial price."""
        mark = self.mark_prices.get(symbol)
        if mark is not None:
            return mark
        last = self.engine.last_price(symbol)
        return last if last is not None else self.contracts[symbol].initial_price

    def index_price(self, symbol: str) -> Decimal:
        """The index price: the middle of the book's best bid and ask, else the mark."""
        bid, ask = self.engine.best_bid_ask(symbol)
        if bid is None or ask is None:
            return self.mark_price(symbol)
        tick = self.contracts[symbol].tick_size
        return ((bid[0] + ask[0]) / 2).quantize(tick)

    def funding_rate(self, symbol: str) -> Decimal:
        return self.funding_rates.get(symbol, self.contracts[symbol].funding_rate)

    def next_funding(self, now_ms: int) -> int:
        """The next funding time after ``now_ms``: a multiple of the funding interval."""
        if self.next_funding_ms <= now_ms:
            interval = self.funding_interval_ms
            self.next_funding_ms = (now_ms // interval + 1) * interval
        return self.next_funding_ms
