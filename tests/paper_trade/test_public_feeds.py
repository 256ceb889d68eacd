"""The public feeds the paper connectors read, parsed from documented payloads (the
official KuCoin SDK's model tests and KuCoin's / Kraken's WebSocket docs), not from our
simulator's output."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from kucoin_connector.core.errors import ParseError, UnknownTradingPairError
from kucoin_connector.core.public_trades import PublicTrade
from kucoin_connector.core.types import TradeType
from kucoin_connector.kraken.book_messages import decode_keeping_numbers
from kucoin_connector.kraken.public_trades import KrakenTrade, parse_v2_trades
from kucoin_connector.kucoin_perpetual.public_feeds import (
    FundingRateUpdate,
    FuturesPublicFeeds,
    MarkPriceUpdate,
    execution_topic,
    instrument_topic,
)

D = Decimal
# kucoin_universal_sdk futures_public model tests (test_execution / test_instrument)
SDK_EXECUTION = (
    '{"topic":"/contractMarket/execution:XBTUSDTM","type":"message","subject":"match",'
    '"sn":1794100537695,"data":{"symbol":"XBTUSDTM","sequence":1794100537695,"side":"buy",'
    '"size":2,"price":"90503.9","takerOrderId":"247822202957807616",'
    '"makerOrderId":"247822167163555840","tradeId":"1794100537695","ts":1731898619520000000}}'
)
SDK_MARK = (
    '{"topic":"/contract/instrument:XBTUSDTM","type":"message","subject":"mark.index.price",'
    '"data":{"markPrice":90445.02,"indexPrice":90445.02,"granularity":1000,'
    '"timestamp":1731899129000}}'
)
# KuCoin Futures docs, "Funding Rate" on /contract/instrument
DOC_FUNDING = (
    '{"topic":"/contract/instrument:XBTUSDTM","subject":"funding.rate",'
    '"data":{"granularity":60000,"fundingRate":-0.002966,"timestamp":1551770400000}}'
)
# Kraken WS v2 docs, trade channel update example
KRAKEN_DOC_TRADE = (
    '{"channel":"trade","type":"update","data":[{"symbol":"MATIC/USD","side":"sell",'
    '"price":0.5117,"qty":40.0,"ord_type":"market","trade_id":4665906,'
    '"timestamp":"2023-09-25T07:49:37.708706Z"}]}'
)


def _pair_for_symbol(symbol: str) -> str:
    if symbol != "XBTUSDTM":
        raise UnknownTradingPairError(symbol)
    return "BTC-USDT"


def _feeds() -> tuple[FuturesPublicFeeds, list[object]]:
    feeds = FuturesPublicFeeds(
        pair_for_symbol=_pair_for_symbol,
        contract_size_for=lambda _symbol: D("0.001"),
        clock_ms=lambda: 42,
    )
    seen: list[object] = []
    feeds.add_trade_listener(seen.append)
    feeds.add_mark_listener(seen.append)
    feeds.add_funding_listener(seen.append)
    feeds.add_book_listener(seen.append)
    return feeds, seen


def test_futures_trades_marks_and_funding_rates_parse_from_documented_messages() -> None:
    feeds, seen = _feeds()
    for text in (SDK_EXECUTION, SDK_MARK, DOC_FUNDING):
        feeds.on_message(json.loads(text))
    assert seen == [
        PublicTrade("BTC-USDT", D("90503.9"), D("0.002"), TradeType.BUY, 42),  # 2 lots
        MarkPriceUpdate("BTC-USDT", D("90445.02"), D("90445.02"), 1731899129000),
        FundingRateUpdate("BTC-USDT", D("-0.002966"), 1551770400000),
    ]
    assert feeds.topics(["XBTUSDTM"]) == [
        execution_topic("XBTUSDTM"),
        instrument_topic("XBTUSDTM"),
    ]


def test_malformed_or_unknown_futures_messages_are_counted_not_raised() -> None:
    feeds, seen = _feeds()
    bad_trade = json.loads(SDK_EXECUTION)
    bad_trade["data"]["size"] = "two"
    unknown = json.loads(SDK_MARK)
    unknown["topic"] = "/contract/instrument:NOPEUSDTM"
    for message in (bad_trade, unknown, {"subject": "match"}, "text", None):
        feeds.on_message(message)
    assert seen == [] and feeds.malformed == 2


def test_no_listener_means_no_extra_topic() -> None:
    feeds = FuturesPublicFeeds(
        pair_for_symbol=str, contract_size_for=lambda _s: D(1), clock_ms=lambda: 0
    )
    assert feeds.topics(["XBTUSDTM"]) == []


def test_kraken_trades_parse_from_the_documented_update_keeping_exact_numbers() -> None:
    trades = parse_v2_trades(decode_keeping_numbers(KRAKEN_DOC_TRADE))
    assert trades == [KrakenTrade("MATIC/USD", D("0.5117"), D("40.0"), TradeType.SELL)]


def test_kraken_trade_snapshots_are_history_and_other_channels_are_not_trades() -> None:
    snapshot = json.loads(KRAKEN_DOC_TRADE) | {"type": "snapshot"}
    assert parse_v2_trades(snapshot) == []
    assert parse_v2_trades({"channel": "book", "type": "update"}) is None
    with pytest.raises(ParseError):
        parse_v2_trades(json.loads(KRAKEN_DOC_TRADE.replace("0.5117", "-1")))
