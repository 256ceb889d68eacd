"""Hummingbot's habits on KrakenExchange (the same core mixin): the documented book
snapshot over the fake WebSocket, the recorded pair rules, orders on the fake REST."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from fakes import FakeWsTransport
from kraken.documented import BALANCE_EX_TEXT, WS_TOKEN
from kraken.fake_kraken import API_KEY, API_SECRET, FakeKraken, ok
from kraken.test_book_checksum import DOC_SNAPSHOT
from kraken.test_streams import STATUS, ack_subscriptions, eventually
from kucoin_connector import AmountTypeError, ConfigurationError, ConnectorError
from kucoin_connector.core.hummingbot_compat import DEFAULT_FEE_RATE
from kucoin_connector.core.types import OrderType, TradeType
from kucoin_connector.kraken.exchange import KrakenExchange

PAIR = "BTC-USD"


@pytest.fixture
async def public_exchange() -> AsyncIterator[tuple[KrakenExchange, FakeWsTransport]]:
    kraken = FakeKraken()
    kraken.default("BalanceEx", BALANCE_EX_TEXT)
    kraken.default("GetWebSocketsToken", WS_TOKEN)
    ws = FakeWsTransport()
    exchange = KrakenExchange(trading_pairs=[PAIR], transport=kraken.transport, ws_transport=ws)
    start = asyncio.create_task(exchange.start())
    conn = await ws.next_connection()
    conn.deliver(STATUS)
    answered: set[int] = set()
    await eventually(lambda: ack_subscriptions(conn, answered))
    await start
    conn.deliver(DOC_SNAPSHOT)
    await eventually(lambda: exchange.order_book(PAIR) is not None)
    yield exchange, ws
    await exchange.stop()


async def test_prices_from_the_verified_book(
    public_exchange: tuple[KrakenExchange, FakeWsTransport],
) -> None:
    exchange, _ = public_exchange
    assert exchange.get_price(PAIR, True) == Decimal("45285.2")  # the documented best ask
    assert exchange.get_price(PAIR, False) == Decimal("45283.5")
    assert exchange.get_mid_price(PAIR) == Decimal("45284.35")
    assert exchange.order_books == {PAIR: exchange.get_order_book(PAIR)}


async def test_quantize_fee_and_unsupported_calls(
    public_exchange: tuple[KrakenExchange, FakeWsTransport],
) -> None:
    exchange, _ = public_exchange
    rule = exchange.trading_rules[PAIR]
    assert exchange.quantize_order_price(PAIR, Decimal("30010.07")) == Decimal("30010.0")
    assert exchange.quantize_order_amount(PAIR, rule.min_order_size / 2) == 0
    sized = exchange.quantize_order_amount(PAIR, Decimal("0.123456789123"))
    assert sized == Decimal("0.123456789123").quantize(rule.min_base_amount_increment, "ROUND_DOWN")
    fee = exchange.get_fee("BTC", "USD", OrderType.LIMIT, TradeType.BUY, Decimal(1), Decimal(10))
    assert (fee.percent, fee.amount, fee.is_default) == (DEFAULT_FEE_RATE, Decimal("0.010"), True)
    with pytest.raises(ConfigurationError, match="last traded prices"):
        await exchange.get_last_traded_prices([PAIR])
    with pytest.raises(ConnectorError, match="no order book yet"):
        exchange.get_order_book("ETH-USD")


async def test_limit_orders_and_float_refused_on_kraken() -> None:
    kraken = FakeKraken()
    kraken.default("BalanceEx", BALANCE_EX_TEXT)
    kraken.default("GetWebSocketsToken", WS_TOKEN)
    kraken.script("AddOrder", ok({"descr": {"order": "buy"}, "txid": ["OQCLML-BW3P3-BUCMWZ"]}))
    exchange = KrakenExchange(
        API_KEY,
        API_SECRET,
        trading_pairs=[PAIR],
        transport=kraken.transport,
        ws_transport=FakeWsTransport(),
    )
    await exchange.load_trading_rules()
    order = await exchange.place_order(TradeType.BUY, PAIR, "1.25", OrderType.LIMIT, 30010)
    assert kraken.calls["AddOrder"][0]["volume"] == "1.25"
    assert kraken.calls["AddOrder"][0]["price"] == "30010"
    assert exchange.limit_orders == [order]
    with pytest.raises(AmountTypeError):
        exchange.buy(PAIR, 1.25, OrderType.LIMIT, Decimal(30000))  # type: ignore[arg-type]
    assert len(kraken.calls["AddOrder"]) == 1
    await exchange.stop()
