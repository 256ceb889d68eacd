"""The ``kraken_paper_trade`` registry entry: paper trading on Kraken spot's public data.

No keys: a ``KrakenExchange`` without keys gives the pairs' trading rules, its checksummed
books and the public ``trade`` channel (``KrakenMarketData``). Fees default to Kraken's
base tier (Kraken Pro, under $10k of 30-day volume: 0.25% maker, 0.40% taker).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from kucoin_connector.kraken.config import KRAKEN_BASE_URL, KRAKEN_WS_PUBLIC_URL
from kucoin_connector.kraken.exchange import KrakenExchange
from kucoin_connector.registry import ConnectorSpec, KeyCheck

from .config import FeeSchedule
from .exchange import PaperExchange
from .kraken_market_data import KrakenMarketData
from .kucoin import explain_paper_error
from .spec_config import PaperTradeConfig

__all__ = [
    "KRAKEN_SPOT_FEES",
    "KrakenPaperTradeConfig",
    "build_kraken_paper_trade",
    "connector_spec",
]

KRAKEN_SPOT_FEES = FeeSchedule(Decimal("0.0025"), Decimal("0.0040"))  # Kraken Pro, base tier
_WS_PATH = "/v2"


class KrakenPaperTradeConfig(PaperTradeConfig):
    base_url: str = KRAKEN_BASE_URL
    ws_public_url: str | None = None  # None: Kraken's for its base URL, else base URL + /v2

    def public_ws_url(self, base_url: str) -> str:
        if self.ws_public_url is not None:
            return self.ws_public_url
        if base_url.rstrip("/") == KRAKEN_BASE_URL:
            return KRAKEN_WS_PUBLIC_URL
        parts = urlsplit(base_url)  # a Kraken-compatible host serving both (the simulator)
        scheme = "wss" if parts.scheme == "https" else "ws"
        return urlunsplit((scheme, parts.netloc, _WS_PATH, "", ""))


def build_kraken_paper_trade(
    config: KrakenPaperTradeConfig,
    *,
    trading_pairs: Sequence[str] = (),
    base_url: str | None = None,
    **kwargs: Any,
) -> PaperExchange:
    """A not-started paper exchange over a key-less KrakenExchange (public data only);
    ``kwargs`` go to the KrakenExchange (transport, ws_transport, ...)."""
    url = base_url or config.base_url
    source = KrakenExchange(
        trading_pairs=trading_pairs, base_url=url, ws_public_url=config.public_ws_url(url), **kwargs
    )
    return PaperExchange(
        KrakenMarketData(source),
        config.settings(KRAKEN_SPOT_FEES),
        name="kraken_paper_trade",
        round_trip_probe=source.api.server_time_ms,
    )


async def verify_kraken_paper_trade(config: KrakenPaperTradeConfig, **options: Any) -> KeyCheck:
    """No keys to check: one public call proves the venue's public data is reachable."""
    source = KrakenExchange(base_url=config.base_url, transport=options.get("transport"))
    try:
        await source.api.server_time_ms()
    finally:
        await source.stop()
    return KeyCheck("kraken_paper_trade", permissions=None)


def connector_spec() -> ConnectorSpec[KrakenPaperTradeConfig, PaperExchange]:
    return ConnectorSpec(
        connector_id="kraken_paper_trade",
        description="Kraken spot paper trading (public data, no keys)",
        exchange_class=PaperExchange,
        config_model=KrakenPaperTradeConfig,
        key_prompts=(),
        default_base_url=KRAKEN_BASE_URL,
        builder=build_kraken_paper_trade,
        verifier=verify_kraken_paper_trade,
        explainer=explain_paper_error,
    )
