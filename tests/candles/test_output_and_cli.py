"""CandlesFactory's two call forms, CSV / DataFrame / chart output, and the ``candles``
command against the simulators on loopback."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from kucoin_connector.candles import (
    CSV_COLUMNS,
    CandlesConfig,
    CandlesFactory,
    candles_to_csv,
    candles_to_dataframe,
    plot_candles,
)
from kucoin_connector.candles_cli import run_candles
from kucoin_connector.cli import build_parser
from kucoin_connector.core.candles import Candle
from kucoin_connector.core.errors import ConfigurationError
from kucoin_connector.kraken.candles import KrakenCandleSource
from kucoin_connector.kucoin.candles import KucoinSpotCandleSource
from kucoin_connector.kucoin_perpetual.candles import KucoinPerpetualCandleSource
from kucoin_connector.simulator.kraken.server import KrakenSimulator
from kucoin_connector.simulator.kucoin_futures.server import KucoinFuturesSimulator
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator

D = Decimal
CANDLES = [
    Candle(1_753_920_000, D("10"), D("12.5"), D("9.75"), D("12"), D("1.5"), D("17.25")),
    Candle(1_753_920_060, D("12"), D("12"), D("12"), D("12"), D(0), D(0), flat=True),
    Candle(1_753_920_120, D("12"), D("13"), D("11"), D("11.5"), D("2"), None),
]


async def test_keyword_and_config_forms() -> None:
    keyword = CandlesFactory.get_candle(
        connector="kucoin", trading_pair="ETH-USDT", interval="1m", max_records=50
    )
    assert isinstance(keyword.source, KucoinSpotCandleSource)
    assert (keyword.interval, keyword.interval_s, keyword.max_records) == ("1min", 60, 50)
    config = CandlesFactory.get_candle(
        CandlesConfig(connector="kucoin_perpetual", trading_pair="BTC-USDT", interval="6h")
    )
    assert isinstance(config.source, KucoinPerpetualCandleSource)
    assert (config.interval_s, config.native_s) == (21600, 7200)  # never 8-hour rows
    kraken = CandlesFactory.get_candle(connector="kraken", trading_pair="BTC-USD")
    assert isinstance(kraken.source, KrakenCandleSource)
    for feed in (keyword, config, kraken):
        await feed.source.close()  # nothing was started: no I/O happened


def test_factory_refuses_what_it_cannot_build() -> None:
    with pytest.raises(ConfigurationError):
        CandlesFactory.get_candle(connector="binance", trading_pair="BTC-USDT")
    with pytest.raises(ConfigurationError):
        CandlesFactory.get_candle(connector="kucoin")
    with pytest.raises(ConfigurationError):
        CandlesFactory.get_candle(connector="kucoin", trading_pair="BTC-USDT", interval="2m")


def test_csv_keeps_exact_decimals_and_marks() -> None:
    out = io.StringIO()
    candles_to_csv(CANDLES, out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[1] == ["1753920000", "10", "12.5", "9.75", "12", "1.5", "17.25", "0"]
    assert rows[2][-1] == "1" and rows[3][6] == ""


def test_dataframe_view() -> None:
    frame = candles_to_dataframe(CANDLES)
    assert list(frame.columns) == list(CSV_COLUMNS[1:])
    assert str(frame.index[0]) == "2025-07-31 00:00:00+00:00"
    assert frame["high"].iloc[0] == D("12.5")
    assert list(frame["flat"]) == [False, True, False]


def test_chart_png(tmp_path: Path) -> None:
    path = plot_candles(CANDLES, tmp_path / "chart.png", title="test")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _simulator(connector: str) -> KucoinSimulator | KucoinFuturesSimulator | KrakenSimulator:
    if connector == "kucoin":
        return KucoinSimulator(pairs=["BTC-USDT"], activity_rate_hz=50, seed=3)
    if connector == "kraken":
        return KrakenSimulator(pairs=["BTC-USD"], activity_rate_hz=50, seed=3)
    return KucoinFuturesSimulator(contracts=["XBTUSDTM"], activity_rate_hz=50, seed=3)


@pytest.mark.parametrize("connector", ["kucoin", "kucoin_perpetual", "kraken"])
async def test_candles_command_prints_live_candles(connector: str, tmp_path: Path) -> None:
    pair = "BTC-USD" if connector == "kraken" else "BTC-USDT"
    async with _simulator(connector) as sim:
        args = build_parser().parse_args(
            [
                "candles", pair, "--connector", connector, "--interval", "3m",
                "--url", sim.rest_url, "--ws-url", sim.ws_url, "--count", "3",
                "--csv", str(tmp_path / "c.csv"), "--plot", str(tmp_path / "c.png"),
            ]
        )  # fmt: skip
        out = io.StringIO()
        assert await run_candles(args, out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == f"{connector} {pair} 3min: history, then live"
    live = [line for line in lines if line.endswith(" open")]
    assert len(live) == 3
    assert " O " in live[0] and " V " in live[0]
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
    rows = list(csv.reader(io.StringIO((tmp_path / "c.csv").read_text())))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) >= 2
