"""PaperTradeConfig: the registry's (pydantic) settings of a ``*_paper_trade`` connector.

No keys: a paper connector reads the venue's public data only. Balances, fee rates and
latency are plain fields, so ``connect --set balances=USDT=5000,BTC=0.2`` and a config file
give them as well as code does.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kucoin_connector.core.errors import ConfigurationError
from kucoin_connector.core.urls import require_secure_url

from .config import DEFAULT_BALANCES, FeeSchedule, PaperTradeSettings, parse_balances
from .latency import LatencyModel
from .queue import CancelAdvance, QueueSettings

NonNegative = Annotated[Decimal, Field(ge=0)]


class PaperTradeConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str
    balances: dict[str, NonNegative] = Field(default_factory=lambda: dict(DEFAULT_BALANCES))
    maker_fee_rate: NonNegative | None = None  # None: the venue's base schedule
    taker_fee_rate: NonNegative | None = None
    latency_ms: Annotated[float, Field(ge=0)] | None = None  # None: measured round trip
    cancel_advance: Literal["none", "proportional"] = "none"
    seed: int = 0

    @field_validator("balances", mode="before")
    @classmethod
    def _balances_text(cls, value: object) -> object:
        return parse_balances(value) if isinstance(value, str) else value

    @field_validator("base_url")
    @classmethod
    def _secure_url(cls, value: str) -> str:
        try:
            require_secure_url(value)
        except ConfigurationError as exc:
            raise ValueError(str(exc)) from None
        return value.rstrip("/")

    def settings(self, venue_fees: FeeSchedule) -> PaperTradeSettings:
        fees = FeeSchedule(
            self.maker_fee_rate if self.maker_fee_rate is not None else venue_fees.maker,
            self.taker_fee_rate if self.taker_fee_rate is not None else venue_fees.taker,
        )
        latency = None
        if self.latency_ms is not None:
            latency = LatencyModel.from_round_trip(self.latency_ms)
        return PaperTradeSettings(
            balances=dict(self.balances),
            fees=fees,
            latency=latency,
            queue=QueueSettings(cancel_advance=CancelAdvance(self.cancel_advance)),
            seed=self.seed,
        )
