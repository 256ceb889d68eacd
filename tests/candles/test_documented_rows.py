"""Each venue's row order and units, from the venues' own documented examples (KuCoin's as
the official SDK's tests hold them; Kraken's from its API reference), never from our
simulator's payloads."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kucoin_connector.core.errors import ParseError
from kucoin_connector.kraken.candles import (
    KrakenOhlcWsAdapter,
    ohlc_topic,
    parse_ohlc_result,
    parse_ws_ohlc,
)
from kucoin_connector.kucoin.candles import parse_spot_row, parse_spot_ws_candle
from kucoin_connector.kucoin_perpetual.candles import parse_kline_row, parse_limit_candle
from oracles.sdk_oracle import documented_example

D = Decimal
XBTUSDTM_MULTIPLIER = D("0.001")


def test_spot_rest_rows_are_time_open_close_high_low_volume_turnover() -> None:
    rows = documented_example("spot.market", "api_market_test", "test_get_klines_resp_model")
    candles = [parse_spot_row(raw) for raw in rows["data"]]
    assert [c.open_time_s for c in candles] == [1566789720, 1566789660, 1566789600]  # newest first
    first = candles[0]  # ["1566789720","10411.5","10401.9","10411.5","10396.3",...]
    assert (first.open, first.high, first.low, first.close) == (
        D("10411.5"),
        D("10411.5"),
        D("10396.3"),
        D("10401.9"),
    )
    assert first.volume == D("29.11357276")
    assert first.quote_volume == D("302889.301529914")
    for candle in candles:  # the documented values only make sense in this order
        assert candle.low <= min(candle.open, candle.close) <= max(candle.open, candle.close)
        assert max(candle.open, candle.close) <= candle.high


def test_spot_ws_candle_is_seconds_and_same_order() -> None:
    message = documented_example(
        "spot.spot_public", "api_spot_public_test", "test_klines_resp_model"
    )
    assert message["data"]["time"] == 1729842192785164840  # nanoseconds: not the open time
    candle = parse_spot_ws_candle(message["data"])
    assert candle.open_time_s == 1729839600
    assert (candle.open, candle.high, candle.low, candle.close) == (
        D("67644.9"),
        D("67724.8"),
        D("67243.8"),
        D("67437.6"),
    )
    assert candle.volume == D("44.88321441")
    assert candle.quote_volume == D("3027558.991928447")


def test_futures_rest_rows_are_ms_open_high_low_close_lots() -> None:
    rows = documented_example("futures.market", "api_market_test", "test_get_klines_resp_model")
    candles = [parse_kline_row(raw, XBTUSDTM_MULTIPLIER) for raw in rows["data"]]
    assert [c.open_time_s for c in candles] == [1728576000, 1728604800, 1728633600]  # ms -> s
    first = candles[0]  # [1728576000000, 60791.1, 61035, 58940, 60300, 5501167]
    assert (first.open, first.high, first.low, first.close) == (
        D("60791.1"),
        D("61035"),
        D("58940"),
        D("60300"),
    )
    assert first.volume == D("5501167") * XBTUSDTM_MULTIPLIER  # lots -> BTC
    assert first.quote_volume is None  # the documented rows carry no turnover


def test_futures_rest_row_with_turnover() -> None:
    row = [1728576000000, 60791.1, 61035, 58940, 60300, 5501167, 331722.5]
    assert parse_kline_row(row, XBTUSDTM_MULTIPLIER).quote_volume == D("331722.5")


def test_futures_ws_candle_skips_the_documented_wrong_volume() -> None:
    message = documented_example(
        "futures.futures_public", "api_futures_public_test", "test_klines_resp_model"
    )
    data = message["data"]
    assert message["topic"] == "/contractMarket/limitCandle:XBTUSDTM_1min"
    candle = parse_limit_candle(data, XBTUSDTM_MULTIPLIER)
    assert candle.open_time_s == 1731898200  # seconds, while data.time is ms
    assert candle.close == D("90638.6")
    assert candle.volume == D("21") * XBTUSDTM_MULTIPLIER  # the amount field, in lots
    altered = {**data, "candles": [*data["candles"][:5], "999999", data["candles"][6]]}
    assert parse_limit_candle(altered, XBTUSDTM_MULTIPLIER) == candle  # volume field unused


def test_futures_ws_candle_order_is_open_close_high_low() -> None:
    data = {"candles": ["1731898200", "1", "2", "3", "0.5", "0", "7"], "time": 1731898208357}
    candle = parse_limit_candle(data, D(1))
    assert (candle.open, candle.close, candle.high, candle.low) == (D(1), D(2), D(3), D("0.5"))


# Kraken, "Get OHLC Data" (docs.kraken.com/api-reference/market-data/get-ohlc-data)
KRAKEN_OHLC = {
    "error": [],
    "result": {
        "XXBTZUSD": [
            [1688671200, "30306.1", "30306.2", "30305.7", "30305.7", "30306.1", "3.39243896", 23],
            [1688671260, "30304.5", "30304.5", "30300.0", "30300.0", "30300.0", "4.42996871", 18],
        ],
        "last": 1688672160,
    },
}
# Kraken, WebSocket v2 "Candles (OHLC)" snapshot example
KRAKEN_WS_SNAPSHOT = {
    "channel": "ohlc",
    "type": "snapshot",
    "timestamp": "2023-10-04T16:26:01.806315597Z",
    "data": [
        {
            "symbol": "ALGO/USD",
            "open": "0.09875",
            "high": "0.0988",
            "low": "0.09875",
            "close": "0.09875",
            "trades": "13",
            "volume": "16255.46368",
            "vwap": "0.09879",
            "interval_begin": "2023-10-04T15:30:00.000000000Z",
            "interval": "5",
            "timestamp": "2023-10-04T15:35:00.000000Z",
        }
    ],
}


def test_kraken_rest_rows_are_time_open_high_low_close_vwap_volume() -> None:
    candles = parse_ohlc_result(KRAKEN_OHLC["result"])
    first = candles[0]
    assert first.open_time_s == 1688671200
    assert (first.open, first.high, first.low, first.close) == (
        D("30306.1"),
        D("30306.2"),
        D("30305.7"),
        D("30305.7"),
    )
    assert first.volume == D("3.39243896")
    assert first.quote_volume == D("30306.1") * D("3.39243896")  # vwap * volume


def test_kraken_ws_candle() -> None:
    # numbers arrive as their literal strings (the stream decodes them so)
    [(symbol, minutes, candle)] = parse_ws_ohlc(KRAKEN_WS_SNAPSHOT)
    assert (symbol, minutes) == ("ALGO/USD", 5)
    assert candle.open_time_s == 1696433400  # 2023-10-04T15:30:00Z
    assert (candle.high, candle.volume) == (D("0.0988"), D("16255.46368"))
    assert candle.quote_volume == D("0.09879") * D("16255.46368")


def test_kraken_ohlc_subscribe_frame() -> None:
    adapter = KrakenOhlcWsAdapter("wss://ws.kraken.com/v2")
    frame = adapter.subscribe_frame(ohlc_topic("BTC/USD", 5), "7")
    assert frame == (
        '{"method": "subscribe", "params": {"channel": "ohlc", "symbol": ["BTC/USD"], '
        '"interval": 5, "snapshot": true}, "req_id": 7}'
    )


@pytest.mark.parametrize(
    "row",
    [
        ["1566789720", "10411.5", "10401.9"],  # too short
        ["x", "1", "1", "1", "1", "1", "1"],
        ["1566789720", "NaN", "1", "1", "1", "1", "1"],
        ["1566789720.5", "1", "1", "1", "1", "1", "1"],
        "not a row",
    ],
)
def test_malformed_rows_are_parse_errors(row: object) -> None:
    with pytest.raises(ParseError):
        parse_spot_row(row)
