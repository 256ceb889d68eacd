"""KrakenExchange through the core's flows, on a fake transport answering with Kraken's
documented payloads and the recorded AssetPairs."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from fakes import FakeWsTransport, timed_out
from kraken.documented import BALANCE_EX_TEXT, OPEN_ORDERS, QUERY_TRADES, WS_TOKEN
from kraken.fake_kraken import API_KEY, API_SECRET, FakeKraken, error, ok
from kucoin_connector.core.errors import InsufficientFundsError
from kucoin_connector.core.exchange import ReconcileSettings
from kucoin_connector.core.transport import HttpRequest, HttpResponse
from kucoin_connector.core.types import OrderOptions, OrderState, OrderType, TimeInForce, TradeType
from kucoin_connector.kraken.config import KrakenTier
from kucoin_connector.kraken.endpoints import trading_limit_id
from kucoin_connector.kraken.exchange import KrakenExchange
from kucoin_connector.kraken.nonce import NonceSource

ADD_ORDER_OK = ok(
    {"descr": {"order": "buy 1.25000000 XBTUSD @ limit 30010.0"}, "txid": ["OQCLML-BW3P3-BUCMWZ"]}
)


@pytest.fixture
def kraken() -> FakeKraken:
    fake = FakeKraken()
    fake.default("BalanceEx", BALANCE_EX_TEXT)
    fake.default("GetWebSocketsToken", WS_TOKEN)
    return fake


@pytest.fixture
async def exchange(kraken: FakeKraken) -> AsyncIterator[KrakenExchange]:
    ex = KrakenExchange(
        API_KEY,
        API_SECRET,
        trading_pairs=["BTC-USD"],
        tier=KrakenTier.PRO,
        transport=kraken.transport,
        reconcile=ReconcileSettings(unknown_placement_retry_s=0.001),
        ws_transport=FakeWsTransport(),  # the streams connect to nothing in these tests
    )
    await ex.start()
    yield ex
    await ex.stop()


def open_order_with_client_id(client_order_id: str) -> dict[str, object]:
    """The documented OpenOrders answer, first order only, tagged with the cl_ord_id the
    request filtered by (order info carries ``cl_ord_id`` when one was given)."""
    payload = copy.deepcopy(OPEN_ORDERS)
    orders = payload["result"]["open"]
    first = orders["OQCLML-BW3P3-BUCMWZ"]
    first["cl_ord_id"] = client_order_id
    payload["result"]["open"] = {"OQCLML-BW3P3-BUCMWZ": first}
    return payload


async def test_start_loads_rules_and_balances(exchange: KrakenExchange) -> None:
    rule = exchange.trading_rules["BTC-USD"]
    assert rule.min_price_increment == Decimal("0.1")
    assert exchange.get_balance("USD") == Decimal("25435.21")
    assert exchange.get_available_balance("USD") == Decimal("25435.21") - Decimal("8249.76")
    assert exchange.get_available_balance("BTC") == Decimal("1.2435") - Decimal("0.8423")


async def test_limit_maker_ioc_golden_request(exchange: KrakenExchange, kraken: FakeKraken) -> None:
    kraken.script("AddOrder", ADD_ORDER_OK)
    order = await exchange.place_order(
        TradeType.BUY, "BTC-USD", Decimal("1.25"), OrderType.LIMIT_MAKER, Decimal("30010.04")
    )
    sent = kraken.calls["AddOrder"][0]
    assert sent == {
        "nonce": sent["nonce"],
        "pair": "XXBTZUSD",
        "type": "buy",
        "ordertype": "limit",
        "volume": "1.25",
        "price": "30010.0",  # quantized to the tick
        "oflags": "post",
        "cl_ord_id": order.client_order_id,
    }
    assert order.exchange_order_id == "OQCLML-BW3P3-BUCMWZ"
    assert order.current_state is OrderState.OPEN
    assert exchange.throttler.current_level(trading_limit_id("BTC-USD")) == pytest.approx(
        1, abs=0.1
    )


async def test_market_ioc_request(exchange: KrakenExchange, kraken: FakeKraken) -> None:
    kraken.script("AddOrder", ADD_ORDER_OK)
    await exchange.place_order(
        TradeType.SELL,
        "BTC-USD",
        Decimal("0.5"),
        OrderType.MARKET,
        options=OrderOptions(time_in_force=TimeInForce.IOC),
    )
    sent = kraken.calls["AddOrder"][0]
    assert sent["ordertype"] == "market" and sent["type"] == "sell"
    assert sent["timeinforce"] == "IOC"
    assert "price" not in sent


async def test_rejection_maps_to_the_exception_tree(
    exchange: KrakenExchange, kraken: FakeKraken
) -> None:
    kraken.script("AddOrder", error("EOrder:Insufficient funds"))
    with pytest.raises(InsufficientFundsError):
        await exchange.place_order(TradeType.BUY, "BTC-USD", Decimal("1"), price=Decimal("100"))
    assert len(kraken.calls["AddOrder"]) == 1


async def test_invalid_nonce_is_sent_again_with_a_fresh_nonce(
    exchange: KrakenExchange, kraken: FakeKraken
) -> None:
    kraken.script("AddOrder", error("EAPI:Invalid nonce"), ADD_ORDER_OK)
    order = await exchange.place_order(TradeType.BUY, "BTC-USD", Decimal("1"), price=Decimal("100"))
    first, second = kraken.calls["AddOrder"]
    assert int(second["nonce"]) > int(first["nonce"])
    assert first["cl_ord_id"] == second["cl_ord_id"] == order.client_order_id
    assert order.current_state is OrderState.OPEN


async def test_lost_placement_is_resolved_by_cl_ord_id_never_placed_twice(
    exchange: KrakenExchange, kraken: FakeKraken
) -> None:
    def lost(request_form: dict[str, str]) -> HttpResponse:
        raise timed_out(HttpRequest("POST", "https://api.kraken.com/0/private/AddOrder"))

    kraken.script("AddOrder", lost)
    not_yet = ok({"open": {}})
    kraken.script("OpenOrders", not_yet)
    kraken.script("ClosedOrders", ok({"closed": {}, "count": 0}))
    kraken.default("OpenOrders", lambda form: open_order_with_client_id(form["cl_ord_id"]))
    kraken.default("QueryOrders", lambda form: ok({}))
    kraken.default("QueryTrades", QUERY_TRADES)

    order = await exchange.place_order(
        TradeType.BUY, "BTC-USD", Decimal("1.25"), price=Decimal("30010")
    )
    assert order.current_state is OrderState.PLACEMENT_UNKNOWN
    async with asyncio.timeout(5):
        while order.current_state is OrderState.PLACEMENT_UNKNOWN:  # noqa: ASYNC110 - resolver runs in the background
            await asyncio.sleep(0.001)
    assert len(kraken.calls["AddOrder"]) == 1
    assert [c["cl_ord_id"] for c in kraken.calls["OpenOrders"][:2]] == [order.client_order_id] * 2
    assert order.exchange_order_id == "OQCLML-BW3P3-BUCMWZ"
    assert order.current_state is OrderState.PARTIALLY_FILLED


async def test_fills_of_an_order_from_query_trades(
    exchange: KrakenExchange, kraken: FakeKraken
) -> None:
    kraken.script("AddOrder", ADD_ORDER_OK)
    order = await exchange.place_order(
        TradeType.BUY, "BTC-USD", Decimal("1.25"), price=Decimal("30010")
    )
    info = copy.deepcopy(OPEN_ORDERS["result"]["open"]["OQCLML-BW3P3-BUCMWZ"])
    info["trades"] = ["THVRQM-33VKH-UCI7BS", "TTEUX3-HDAAA-RC2RUO"]
    kraken.default("QueryOrders", ok({"OQCLML-BW3P3-BUCMWZ": info}))
    kraken.default("QueryTrades", QUERY_TRADES)
    trades = await exchange._fetch_trade_updates(order)
    assert len(trades) == 1  # the other trade belongs to another order
    fill = trades[0]
    assert fill.trade_id == "THVRQM-33VKH-UCI7BS"
    assert fill.fill_price == Decimal("30010.00000")
    assert fill.fill_base_amount == Decimal("0.02000000")
    assert fill.fill_quote_amount == Decimal("600.20000")
    assert fill.fee.asset == "USD" and fill.fee.amount == 0
    assert fill.is_maker is True
    assert fill.fill_timestamp_ms == 1688667796880


async def test_cancel_of_a_young_order_charges_the_penalty(
    exchange: KrakenExchange, kraken: FakeKraken
) -> None:
    kraken.script("AddOrder", ADD_ORDER_OK)
    order = await exchange.place_order(
        TradeType.BUY, "BTC-USD", Decimal("1.25"), price=Decimal("30010")
    )
    cancelled = copy.deepcopy(OPEN_ORDERS["result"]["open"]["OQCLML-BW3P3-BUCMWZ"])
    cancelled["status"] = "canceled"
    kraken.script("CancelOrder", ok({"count": 1}))
    kraken.default("QueryOrders", ok({"OQCLML-BW3P3-BUCMWZ": cancelled}))
    kraken.default("QueryTrades", QUERY_TRADES)
    level_before = exchange.throttler.current_level(trading_limit_id("BTC-USD"))
    await exchange.cancel_order("BTC-USD", order.client_order_id)
    assert kraken.calls["CancelOrder"][0]["txid"] == "OQCLML-BW3P3-BUCMWZ"
    level_after = exchange.throttler.current_level(trading_limit_id("BTC-USD"))
    assert level_after == pytest.approx(level_before + 8, abs=0.5)  # younger than 5 s: +8
    assert order.current_state is OrderState.CANCELED


async def test_open_orders_list_for_reconciliation(
    exchange: KrakenExchange, kraken: FakeKraken
) -> None:
    kraken.default("OpenOrders", OPEN_ORDERS)
    listed = await exchange._fetch_open_orders("BTC-USD")
    by_id = {o.exchange_order_id: o for o in listed}
    first = by_id["OQCLML-BW3P3-BUCMWZ"]
    assert first.state is OrderState.PARTIALLY_FILLED
    assert first.filled_base == Decimal("0.37500000")
    assert first.price == Decimal("30010.0")
    assert first.created_ms == 1688666559897
    assert by_id["OB5VMB-B4U2U-DK2WRW"].state is OrderState.OPEN
    assert await exchange._fetch_open_orders("ETH-USD") == []


async def test_nonces_shared_by_two_exchanges_on_one_key(kraken: FakeKraken) -> None:
    shared = NonceSource(clock_ms=lambda: 1_700_000_000_000)
    exchanges = [
        KrakenExchange(
            API_KEY,
            API_SECRET,
            transport=kraken.transport,
            nonces=shared,
            ws_transport=FakeWsTransport(),
        )
        for _ in range(2)
    ]
    for ex in exchanges:
        await ex.load_trading_rules()
    await asyncio.gather(*(ex.refresh_balances() for ex in exchanges for _ in range(3)))
    assert len(kraken.nonces) == 6 and len(set(kraken.nonces)) == 6
    for ex in exchanges:
        await ex.stop()
