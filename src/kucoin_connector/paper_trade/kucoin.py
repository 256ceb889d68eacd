"""The ``kucoin_paper_trade`` registry entry: paper trading on KuCoin spot's public data."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from kucoin_connector.kucoin.config import KUCOIN_BASE_URL
from kucoin_connector.kucoin.exchange import KucoinExchange
from kucoin_connector.registry import ConnectorSpec, KeyCheck

from .config import FeeSchedule
from .exchange import PaperExchange
from .spec_config import PaperTradeConfig

__all__ = [
    "KUCOIN_SPOT_FEES",
    "KucoinPaperTradeConfig",
    "build_kucoin_paper_trade",
    "connector_spec",
]

KUCOIN_SPOT_FEES = FeeSchedule(Decimal("0.001"), Decimal("0.001"))  # KuCoin spot, base tier


class KucoinPaperTradeConfig(PaperTradeConfig):
    base_url: str = KUCOIN_BASE_URL


def build_kucoin_paper_trade(
    config: KucoinPaperTradeConfig,
    *,
    trading_pairs: Sequence[str] = (),
    base_url: str | None = None,
    **kwargs: Any,
) -> PaperExchange:
    """A not-started paper exchange over a key-less KucoinExchange (public data only);
    ``kwargs`` go to the KucoinExchange (session, ws_transport, ...)."""
    source = KucoinExchange(
        trading_pairs=trading_pairs, base_url=base_url or config.base_url, **kwargs
    )
    return PaperExchange(
        source,
        config.settings(KUCOIN_SPOT_FEES),
        name="kucoin_paper_trade",
        round_trip_probe=source.api.server_time_ms,
    )


async def verify_kucoin_paper_trade(config: KucoinPaperTradeConfig, **options: Any) -> KeyCheck:
    """No keys to check: one public call proves the venue's public data is reachable."""
    source = KucoinExchange(base_url=config.base_url, session=options.get("session"))
    try:
        await source.api.server_time_ms()
    finally:
        await source.stop()
    return KeyCheck("kucoin_paper_trade", permissions=None)


def explain_paper_error(exc: BaseException) -> str:
    return f"the venue's public data is not reachable ({type(exc).__name__}: {exc})"


def connector_spec() -> ConnectorSpec[KucoinPaperTradeConfig, PaperExchange]:
    return ConnectorSpec(
        connector_id="kucoin_paper_trade",
        description="KuCoin spot paper trading (public data, no keys)",
        exchange_class=PaperExchange,
        config_model=KucoinPaperTradeConfig,
        key_prompts=(),
        default_base_url=KUCOIN_BASE_URL,
        builder=build_kucoin_paper_trade,
        verifier=verify_kucoin_paper_trade,
        explainer=explain_paper_error,
    )
