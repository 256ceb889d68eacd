"""Settings of perpetual paper trading beyond the spot ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kucoin_connector.core.types import PositionMode

from .funding import FundingSchedule


@dataclass(frozen=True, slots=True)
class PerpetualPaperSettings:
    """``maintenance_margin_rate``: KuCoin's first risk-limit level for the large
    contracts (0.4%); the public contract list gives no per-contract figure we parse."""

    position_mode: PositionMode = PositionMode.ONEWAY
    funding: FundingSchedule = field(default_factory=FundingSchedule)
    maintenance_margin_rate: Decimal = Decimal("0.004")
    default_leverage: Decimal = Decimal(1)  # as the live connector's
