"""The ``kucoin_perpetual_paper_trade`` registry entry: perpetual paper trading on KuCoin
Futures' public data (level2, trades, mark price, funding rate; no keys)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field

from kucoin_connector.core.types import PositionMode
from kucoin_connector.kucoin_perpetual.config import KUCOIN_FUTURES_BASE_URL
from kucoin_connector.kucoin_perpetual.exchange import KucoinPerpetualExchange
from kucoin_connector.registry import ConnectorSpec, KeyCheck

from .config import FeeSchedule
from .kucoin import explain_paper_error
from .perpetual.funding import FundingSchedule
from .perpetual.settings import PerpetualPaperSettings
from .perpetual_exchange import PerpetualPaperExchange
from .spec_config import PaperTradeConfig

__all__ = [
    "KUCOIN_FUTURES_FEES",
    "KucoinPerpetualPaperTradeConfig",
    "build_kucoin_perpetual_paper_trade",
    "connector_spec",
]

KUCOIN_FUTURES_FEES = FeeSchedule(Decimal("0.0002"), Decimal("0.0006"))  # base tier


class KucoinPerpetualPaperTradeConfig(PaperTradeConfig):
    base_url: str = KUCOIN_FUTURES_BASE_URL
    position_mode: Literal["ONEWAY", "HEDGE"] = "ONEWAY"
    # None: KuCoin's funding times (04:00, 12:00, 20:00 UTC); else every multiple of this
    # interval since the epoch (a simulator settling every few seconds)
    funding_interval_ms: Annotated[int, Field(gt=0)] | None = None

    def perpetual_settings(self) -> PerpetualPaperSettings:
        schedule = FundingSchedule()
        if self.funding_interval_ms is not None:
            schedule = FundingSchedule.every(self.funding_interval_ms)
        return PerpetualPaperSettings(
            position_mode=PositionMode(self.position_mode), funding=schedule
        )


def build_kucoin_perpetual_paper_trade(
    config: KucoinPerpetualPaperTradeConfig,
    *,
    trading_pairs: Sequence[str] = (),
    base_url: str | None = None,
    **kwargs: Any,
) -> PerpetualPaperExchange:
    """A not-started paper exchange over a key-less KucoinPerpetualExchange; ``kwargs`` go
    to the KucoinPerpetualExchange (transport, ws_transport, ...)."""
    source = KucoinPerpetualExchange(
        trading_pairs=trading_pairs, base_url=base_url or config.base_url, **kwargs
    )
    return PerpetualPaperExchange(
        source,
        config.settings(KUCOIN_FUTURES_FEES),
        config.perpetual_settings(),
        round_trip_probe=source.api.server_time_ms,
    )


async def verify_kucoin_perpetual_paper_trade(
    config: KucoinPerpetualPaperTradeConfig, **options: Any
) -> KeyCheck:
    """No keys to check: one public call proves the venue's public data is reachable."""
    source = KucoinPerpetualExchange(base_url=config.base_url, transport=options.get("transport"))
    try:
        await source.api.server_time_ms()
    finally:
        await source.stop()
    return KeyCheck("kucoin_perpetual_paper_trade", permissions=None)


def connector_spec() -> ConnectorSpec[KucoinPerpetualPaperTradeConfig, PerpetualPaperExchange]:
    return ConnectorSpec(
        connector_id="kucoin_perpetual_paper_trade",
        description="KuCoin perpetual futures paper trading (public data, no keys)",
        exchange_class=PerpetualPaperExchange,
        config_model=KucoinPerpetualPaperTradeConfig,
        key_prompts=(),
        default_base_url=KUCOIN_FUTURES_BASE_URL,
        builder=build_kucoin_perpetual_paper_trade,
        verifier=verify_kucoin_perpetual_paper_trade,
        explainer=explain_paper_error,
    )
