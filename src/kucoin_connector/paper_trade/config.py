"""Paper trading settings: starting balances, fees, latency, queue model, seed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from .latency import LatencyModel
from .queue import QueueSettings

DEFAULT_BALANCES: Mapping[str, Decimal] = {"USDT": Decimal(10000), "BTC": Decimal(1)}


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """Maker and taker rates, charged in the quote currency."""

    maker: Decimal
    taker: Decimal

    def rate(self, is_maker: bool) -> Decimal:
        """The maker or taker fee rate."""
        return self.maker if is_maker else self.taker


@dataclass(frozen=True, slots=True)
class PaperTradeSettings:
    """``fees`` None: the venue's base schedule (given by the connector spec); ``latency``
    None: measured from the venue's round trip at start."""

    balances: Mapping[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_BALANCES))
    fees: FeeSchedule | None = None
    latency: LatencyModel | None = None
    queue: QueueSettings = field(default_factory=QueueSettings)
    seed: int = 0
    settle_interval_s: float = 0.25  # how often quiet levels let waiting decreases settle


def parse_balances(text: str) -> dict[str, Decimal]:
    """'USDT=10000,BTC=1' -> {'USDT': Decimal('10000'), 'BTC': Decimal('1')} (CLI form)."""
    balances: dict[str, Decimal] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        asset, sep, amount = part.partition("=")
        if not sep or not asset.strip():
            raise ValueError(f"balance must look like ASSET=AMOUNT, got {part!r}")
        value = Decimal(amount.strip())
        if not value.is_finite() or value < 0:
            raise ValueError(f"balance of {asset.strip()} must be a non-negative number")
        balances[asset.strip().upper()] = value
    return balances
