"""Pair names both ways and trading rules, from the recorded AssetPairs response."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from kucoin_connector.core.errors import ParseError, UnknownTradingPairError
from kucoin_connector.kraken.pairs import PairMap, parse_asset_pairs, trading_rule


@pytest.fixture
def pair_map(recorded_asset_pairs: dict[str, Any]) -> PairMap:
    return PairMap(parse_asset_pairs(recorded_asset_pairs["result"]))


@pytest.mark.parametrize("spelling", ["XXBTZUSD", "XBTUSD", "XBT/USD", "BTC/USD"])
def test_every_spelling_of_btc_usd(pair_map: PairMap, spelling: str) -> None:
    assert pair_map.trading_pair(spelling) == "BTC-USD"


def test_names_back(pair_map: PairMap) -> None:
    assert pair_map.rest_name("BTC-USD") == "XXBTZUSD"
    assert pair_map.ws_symbol("BTC-USD") == "BTC/USD"
    assert pair_map.rest_name("DOGE-USD") == "XDGUSD"
    assert pair_map.ws_symbol("DOGE-USD") == "DOGE/USD"
    assert pair_map.trading_pair("XDG/USD") == "DOGE-USD"


def test_assets(pair_map: PairMap) -> None:
    assert pair_map.asset("XXBT") == "BTC"
    assert pair_map.asset("ZUSD") == "USD"
    assert pair_map.asset("XXDG") == "DOGE"
    assert pair_map.asset("DOT") == "DOT"


def test_unmapped_names_fail_loudly(pair_map: PairMap) -> None:
    with pytest.raises(UnknownTradingPairError):
        pair_map.trading_pair("NOPE/USD")
    with pytest.raises(UnknownTradingPairError):
        pair_map.rest_name("NOPE-USD")


def test_trading_rule_from_recorded_pair(pair_map: PairMap) -> None:
    rule = trading_rule(pair_map.pair("BTC-USD"))
    # the 2021 recording predates tick_size and costmin: pair_decimals gives the tick
    assert rule.min_price_increment == Decimal("0.1")
    assert rule.min_base_amount_increment == Decimal("1E-8")
    assert rule.min_order_size == Decimal("0.0002")
    assert rule.min_notional_size == Decimal(0)


def test_tick_size_and_costmin_win_when_given() -> None:
    raw = {
        "XXBTZUSD": {
            "altname": "XBTUSD",
            "wsname": "XBT/USD",
            "base": "XXBT",
            "quote": "ZUSD",
            "pair_decimals": 1,
            "lot_decimals": 8,
            "cost_decimals": 5,
            "ordermin": "0.0001",
            "costmin": "0.5",
            "tick_size": "0.5",
            "status": "reduce_only",
        }
    }
    pair = parse_asset_pairs(raw)[0]
    rule = trading_rule(pair)
    assert rule.min_price_increment == Decimal("0.5")
    assert rule.min_notional_size == Decimal("0.5")
    assert not pair.is_online


def test_malformed_pairs_are_parse_errors() -> None:
    with pytest.raises(ParseError):
        parse_asset_pairs({"X": {"altname": "X"}})
    with pytest.raises(ParseError):
        parse_asset_pairs([])
