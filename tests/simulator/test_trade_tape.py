"""Spot candles from the trade tape: a candle is in a range when its interval meets it."""

from __future__ import annotations

from decimal import Decimal

from kucoin_connector.simulator.kucoin_spot.candles import TradeTape

D = Decimal


def _tape() -> TradeTape:
    tape = TradeTape()
    for time_s, price in ((60, "10"), (90, "12"), (119, "11"), (120, "13"), (185, "9")):
        tape.record("BTC-USDT", time_s * 1000, D(price), D(1))
    return tape


def test_end_inside_a_candle_includes_that_candle() -> None:
    candles = _tape().candles("BTC-USDT", "1min", start_s=60, end_s=150)
    assert [c.start_s for c in candles] == [120, 60]  # newest first; 120's candle is open
    one = candles[1]
    ohlcv = (one.open, one.high, one.low, one.close, one.volume)
    assert ohlcv == (D(10), D(12), D(10), D(11), D(3))


def test_start_inside_a_candle_includes_that_candle_whole() -> None:
    candles = _tape().candles("BTC-USDT", "1min", start_s=100, end_s=200)
    assert [c.start_s for c in candles] == [180, 120, 60]
    assert candles[-1].volume == 3  # the 60 s candle with all its trades, not a part of it
