"""CandlesFactory: connector id -> that venue's candles feed; CSV, DataFrame and chart.

Both of Hummingbot's call forms work::

    CandlesFactory.get_candle(connector="kucoin", trading_pair="ETH-USDT",
                              interval="1m", max_records=50)
    CandlesFactory.get_candle(CandlesConfig(connector="kucoin_perpetual",
                                            trading_pair="BTC-USDT", interval="3m"))

The DataFrame view needs pandas and the chart needs matplotlib (the ``charts`` extra:
``pip install kucoin-connector[charts]``); neither is a hard dependency.
"""

from __future__ import annotations

import csv
import importlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, TextIO

import aiohttp

from kucoin_connector.core.candles import Candle, CandlesFeed, CandleSource
from kucoin_connector.core.errors import ConfigurationError
from kucoin_connector.core.ws import DEFAULT_WS_TRANSPORT
from kucoin_connector.core.ws_transport import WsTransportName
from kucoin_connector.kraken.candles import KrakenCandleSource
from kucoin_connector.kraken.config import KRAKEN_BASE_URL, KRAKEN_WS_PUBLIC_URL
from kucoin_connector.kucoin.candles import KucoinSpotCandleSource
from kucoin_connector.kucoin_perpetual.candles import KucoinPerpetualCandleSource

__all__ = [
    "CSV_COLUMNS",
    "CandlesConfig",
    "CandlesFactory",
    "candles_to_csv",
    "candles_to_dataframe",
    "plot_candles",
]

CSV_COLUMNS = ("open_time", "open", "high", "low", "close", "volume", "quote_volume", "flat")


@dataclass(frozen=True, slots=True)
class CandlesConfig:
    """Hummingbot's ``CandlesConfig``: which venue, pair, interval and buffer length."""

    connector: str
    trading_pair: str
    interval: str = "1m"
    max_records: int = 150


@dataclass(frozen=True, slots=True)
class SourceOptions:
    """How to reach the venue (defaults: production; a simulator's URL for tests)."""

    base_url: str | None = None
    ws_url: str | None = None  # Kraken only: KuCoin's WebSocket comes from its bullet token
    session: aiohttp.ClientSession | None = None
    ws_transport: WsTransportName = DEFAULT_WS_TRANSPORT


def _kucoin(pair: str, options: SourceOptions) -> CandleSource:
    extra = {"base_url": options.base_url} if options.base_url else {}
    return KucoinSpotCandleSource(
        pair, session=options.session, ws_transport=options.ws_transport, **extra
    )


def _kucoin_perpetual(pair: str, options: SourceOptions) -> CandleSource:
    extra = {"base_url": options.base_url} if options.base_url else {}
    return KucoinPerpetualCandleSource(
        pair, session=options.session, ws_transport=options.ws_transport, **extra
    )


def _kraken(pair: str, options: SourceOptions) -> CandleSource:
    return KrakenCandleSource(
        pair,
        base_url=options.base_url or KRAKEN_BASE_URL,
        ws_url=options.ws_url or KRAKEN_WS_PUBLIC_URL,
    )


SOURCES: Mapping[str, Callable[[str, SourceOptions], CandleSource]] = MappingProxyType(
    {"kucoin": _kucoin, "kucoin_perpetual": _kucoin_perpetual, "kraken": _kraken}
)


class CandlesFactory:
    """Builds the feed of a connector id (``kucoin``, ``kucoin_perpetual``, ``kraken``);
    no I/O until ``await feed.start()``."""

    @classmethod
    def get_candle(
        cls,
        candles_config: CandlesConfig | None = None,
        *,
        connector: str | None = None,
        trading_pair: str | None = None,
        interval: str = "1m",
        max_records: int = 150,
        base_url: str | None = None,
        ws_url: str | None = None,
        session: aiohttp.ClientSession | None = None,
        ws_transport: WsTransportName = DEFAULT_WS_TRANSPORT,
        mark_flat: bool = True,
        clock_s: Callable[[], float] = time.time,
        poll_s: float = 1.0,
    ) -> CandlesFeed:
        """The feed of ``candles_config`` (Hummingbot's current form) or of the keyword
        arguments (the seed's form). ``base_url`` / ``ws_url`` point at another API (a
        simulator); ``mark_flat``, ``clock_s`` and ``poll_s`` go to ``CandlesFeed``."""
        config = candles_config or _keyword_config(connector, trading_pair, interval, max_records)
        build = SOURCES.get(config.connector)
        if build is None:
            raise ConfigurationError(
                f"no candles feed for connector {config.connector!r}; one of {sorted(SOURCES)}"
            )
        options = SourceOptions(base_url, ws_url, session, ws_transport)
        return CandlesFeed(
            build(config.trading_pair, options),
            trading_pair=config.trading_pair,
            interval=config.interval,
            max_records=config.max_records,
            mark_flat=mark_flat,
            clock_s=clock_s,
            poll_s=poll_s,
        )


def _keyword_config(
    connector: str | None, trading_pair: str | None, interval: str, max_records: int
) -> CandlesConfig:
    if connector is None or trading_pair is None:
        raise ConfigurationError("give a CandlesConfig, or connector= and trading_pair=")
    return CandlesConfig(connector, trading_pair, interval, max_records)


# ---------------------------------------------------------------------- output
def utc_iso(time_s: int) -> str:
    return datetime.fromtimestamp(time_s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _csv_row(candle: Candle) -> list[str]:
    quote = "" if candle.quote_volume is None else str(candle.quote_volume)
    return [
        str(candle.open_time_s),
        str(candle.open),
        str(candle.high),
        str(candle.low),
        str(candle.close),
        str(candle.volume),
        quote,
        "1" if candle.flat else "0",
    ]


def candles_to_csv(candles: Sequence[Candle], target: str | Path | TextIO) -> None:
    """Write ``CSV_COLUMNS`` (open time in UTC seconds, exact decimal strings)."""
    if isinstance(target, str | Path):
        with Path(target).open("w", newline="", encoding="utf-8") as handle:
            candles_to_csv(candles, handle)
        return
    writer = csv.writer(target)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_row(c) for c in candles)


def candles_to_dataframe(candles: Sequence[Candle]) -> Any:
    """A ``pandas.DataFrame`` indexed by open time (UTC), Decimal values kept exact."""
    pandas = importlib.import_module("pandas")  # optional extra ("charts")

    rows: list[dict[str, Any]] = [
        {
            "open_time": pandas.Timestamp(c.open_time_s, unit="s", tz="UTC"),
            "open": c.open,
            "high": c.high,
            "low": c.low,
            "close": c.close,
            "volume": c.volume,
            "quote_volume": c.quote_volume,
            "flat": c.flat,
        }
        for c in candles
    ]
    frame = pandas.DataFrame(rows, columns=list(CSV_COLUMNS))
    return frame.set_index("open_time")


def plot_candles(candles: Sequence[Candle], path: str | Path, *, title: str = "") -> Path:
    """A candlestick chart (prices above, base volume below) as a PNG; flat candles grey."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    if not candles:
        raise ConfigurationError("no candles to plot")
    figure, (prices, volumes) = pyplot.subplots(
        2, 1, sharex=True, figsize=(10, 6), gridspec_kw={"height_ratios": [3, 1]}
    )
    width = 0.7
    for index, candle in enumerate(candles):
        colour = _colour(candle)
        prices.vlines(index, float(candle.low), float(candle.high), color=colour, linewidth=1)
        bottom, top = sorted((float(candle.open), float(candle.close)))
        prices.bar(index, max(top - bottom, 1e-12), width, bottom=bottom, color=colour)
        volumes.bar(index, float(candle.volume), width, color=colour)
    step = max(1, len(candles) // 8)
    ticks = list(range(0, len(candles), step))
    volumes.set_xticks(ticks, [utc_iso(candles[i].open_time_s)[5:16] for i in ticks])
    prices.set_title(title)
    prices.set_ylabel("price")
    volumes.set_ylabel("volume")
    figure.autofmt_xdate()
    target = Path(path)
    figure.savefig(target, format="png", dpi=90)
    pyplot.close(figure)
    return target


def _colour(candle: Candle) -> str:
    if candle.flat:
        return "grey"
    return "tab:green" if candle.close >= candle.open else "tab:red"
