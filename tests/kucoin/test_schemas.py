"""Typed models of KuCoin payloads: real recorded data, documented examples, bad input."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any, cast

import pytest

from kucoin_connector.core.errors import ParseError
from kucoin_connector.kucoin.schemas import (
    Account,
    AccountType,
    BulletResponse,
    CancelledOrders,
    Fill,
    HfFillsPage,
    HfOrderDetail,
    Liquidity,
    OrderDetail,
    OrderKind,
    Page,
    PlaceOrderResponse,
    Side,
    SymbolInfo,
    TradeFeeRate,
    parse_list,
    parse_model,
    parse_server_time_ms,
)

# ----------------------------------------------------------------------------- symbols


def test_every_recorded_symbol_parses(recorded_symbols_metadata: list[dict[str, Any]]) -> None:
    symbols = parse_list(SymbolInfo, recorded_symbols_metadata)
    assert len(symbols) == len(recorded_symbols_metadata) > 500
    by_name = {s.symbol: s for s in symbols}
    assert len(by_name) == len(symbols)
    for raw, parsed in zip(recorded_symbols_metadata, symbols, strict=True):
        assert parsed.price_increment == Decimal(raw["priceIncrement"])
        assert parsed.base_increment == Decimal(raw["baseIncrement"])
        assert parsed.base_min_size == Decimal(raw["baseMinSize"])
        assert parsed.quote_min_size == Decimal(raw["quoteMinSize"])
        assert parsed.enable_trading is raw["enableTrading"]
        assert parsed.name == f"{parsed.base_currency}-{parsed.quote_currency}"
        assert parsed.min_funds is None  # v1 has no minFunds
    # The symbol code never changes after a rename, the name and currencies do: map
    # trading pairs from baseCurrency/quoteCurrency, never by splitting the symbol.
    renamed = {s.symbol: s.name for s in symbols if s.symbol != s.name}
    assert renamed["BCHSV-USDT"] == "BSV-USDT"
    assert renamed["WAX-USDT"] == "WAXP-USDT"
    assert len(renamed) == 15


def test_first_recorded_symbol_values(recorded_symbols_metadata: list[dict[str, Any]]) -> None:
    first = parse_model(SymbolInfo, recorded_symbols_metadata[0])
    assert first.symbol == "REQ-ETH"
    assert first.base_currency == "REQ"
    assert first.quote_currency == "ETH"
    assert first.fee_currency == "ETH"
    assert first.price_increment == Decimal("0.0000001")
    assert first.base_min_size == Decimal("1")
    assert first.is_margin_enabled is False


V2_SYMBOL = {
    "symbol": "BTC-USDT",
    "name": "BTC-USDT",
    "baseCurrency": "BTC",
    "quoteCurrency": "USDT",
    "feeCurrency": "USDT",
    "market": "USDS",
    "baseMinSize": "0.00001",
    "quoteMinSize": "0.1",
    "baseMaxSize": "10000000000",
    "quoteMaxSize": "99999999",
    "baseIncrement": "0.00000001",
    "quoteIncrement": "0.000001",
    "priceIncrement": "0.1",
    "priceLimitRate": "0.1",
    "minFunds": "0.1",
    "isMarginEnabled": True,
    "enableTrading": True,
    "feeCategory": 1,
    "makerFeeCoefficient": "1.00",
    "takerFeeCoefficient": "1.00",
    "st": False,
}


def test_v2_symbol_with_min_funds_and_extra_fields() -> None:
    parsed = parse_model(SymbolInfo, V2_SYMBOL)
    assert parsed.min_funds == Decimal("0.1")
    assert parsed.price_increment == Decimal("0.1")


def test_null_min_funds() -> None:
    assert parse_model(SymbolInfo, {**V2_SYMBOL, "minFunds": None}).min_funds is None


@pytest.mark.parametrize(
    "change",
    [
        {"priceIncrement": 0.1},  # float: precision would be lost
        {"priceIncrement": "abc"},
        {"priceIncrement": "NaN"},
        {"priceIncrement": None},
        {"enableTrading": "true"},
        {"symbol": None},
        {"baseMinSize": True},
    ],
)
def test_bad_symbol_fields_are_parse_errors(change: dict[str, Any]) -> None:
    with pytest.raises(ParseError):
        parse_model(SymbolInfo, {**V2_SYMBOL, **change})


def test_missing_required_field_is_parse_error_naming_the_field() -> None:
    raw = dict(V2_SYMBOL)
    del raw["baseIncrement"]
    with pytest.raises(ParseError, match="baseIncrement"):
        parse_model(SymbolInfo, raw)


@pytest.mark.parametrize("raw", [None, [], "x", 5])
def test_non_object_is_parse_error(raw: Any) -> None:
    with pytest.raises(ParseError):
        parse_model(SymbolInfo, raw)


def test_parse_list_names_the_bad_index() -> None:
    with pytest.raises(ParseError, match="index 1"):
        parse_list(SymbolInfo, [V2_SYMBOL, {"symbol": "X"}])
    with pytest.raises(ParseError):
        parse_list(SymbolInfo, {"not": "a list"})


def test_parse_error_never_chains_validation_error() -> None:
    with pytest.raises(ParseError) as info:
        parse_model(SymbolInfo, {})
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__ is True


def test_models_are_frozen() -> None:
    parsed = parse_model(SymbolInfo, V2_SYMBOL)
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error type
        cast(Any, parsed).symbol = "ETH-USDT"  # frozen: assignment must raise


# ----------------------------------------------------------------------------- accounts

SEED_ACCOUNTS = [
    {
        "id": "5bd6e9286d99522a52e458de",
        "currency": "BTC",
        "type": "main",
        "balance": "237582.04299",
        "available": "237582.032",
        "holds": "0.01099",
    },
    {
        "id": "5bd6e9216d99522a52e458d6",
        "currency": "BTC",
        "type": "trade",
        "balance": "1234356",
        "available": "1234356",
        "holds": "0",
    },
]


def test_seed_accounts() -> None:
    main, trade = parse_list(Account, SEED_ACCOUNTS)
    assert trade.account_type == "trade"  # a StrEnum: compares equal to the wire string
    assert main.account_type is AccountType.MAIN
    assert trade.account_type is AccountType.TRADE
    assert main.balance == Decimal("237582.04299")
    assert main.available == Decimal("237582.032")
    assert main.holds == Decimal("0.01099")


def test_hf_and_unknown_account_types() -> None:
    hf = {
        "balance": "3027.25165335",
        "available": "3027.25165335",
        "holds": "0",
        "currency": "USDT",
        "id": "2560047104",
        "type": "trade_hf",
    }
    assert parse_model(Account, hf).account_type is AccountType.TRADE_HF
    assert parse_model(Account, {**hf, "type": "pool"}).account_type is AccountType.UNKNOWN


# ----------------------------------------------------------------------------- server time


def test_server_time() -> None:
    assert parse_server_time_ms(1546837113087) == 1546837113087
    for bad in (None, "x", 1.5, True):
        with pytest.raises(ParseError):
            parse_server_time_ms(bad)


# ----------------------------------------------------------------------------- bullet

SEED_TOKEN = (
    "vYNlCtbz4XNJ1QncwWilJnBtmmfe4geLQDUA62kKJsDChc6I4bRDQc73JfIrlFaVYIAE0Gv2--MROnLAgjVsWkcDq"
    "_MuG7qV7EktfCEIphiqnlfpQn4Ybg==.IoORVxR2LmKV7_maOR9xOg=="
)
SEED_BULLET: dict[str, Any] = {
    "instanceServers": [
        {
            "pingInterval": 50000,
            "endpoint": "wss://push1-v2.kucoin.com/endpoint",
            "protocol": "websocket",
            "encrypt": True,
            "pingTimeout": 10000,
        }
    ],
    "token": SEED_TOKEN,
}


def test_seed_bullet_response() -> None:
    bullet = parse_model(BulletResponse, SEED_BULLET)
    assert bullet.token == SEED_TOKEN
    (server,) = bullet.instance_servers
    assert server.endpoint == "wss://push1-v2.kucoin.com/endpoint"
    assert server.ping_interval_ms == 50000
    assert server.ping_timeout_ms == 10000
    assert server.encrypt is True
    assert SEED_TOKEN not in repr(bullet)
    assert SEED_TOKEN not in str(bullet)


@pytest.mark.parametrize("change", [{"instanceServers": []}, {"token": ""}, {"token": None}])
def test_bad_bullet_is_parse_error_without_token(change: dict[str, Any]) -> None:
    with pytest.raises(ParseError) as info:
        parse_model(BulletResponse, {**SEED_BULLET, **change})
    assert SEED_TOKEN not in str(info.value)


def test_bullet_error_message_does_not_leak_token() -> None:
    raw = copy.deepcopy(SEED_BULLET)
    raw["instanceServers"][0]["pingInterval"] = SEED_TOKEN  # wrong type, echoes input
    with pytest.raises(ParseError) as info:
        parse_model(BulletResponse, raw)
    assert "pingInterval" in str(info.value)
    assert SEED_TOKEN not in str(info.value)


# ----------------------------------------------------------------------------- orders

SEED_ORDER = {
    "id": "5c35c02703aa673ceec2a168",
    "symbol": "BTC-USDT",
    "opType": "DEAL",
    "type": "limit",
    "side": "buy",
    "price": "10",
    "size": "2",
    "funds": "0",
    "dealFunds": "0.166",
    "dealSize": "2",
    "fee": "0",
    "feeCurrency": "USDT",
    "stp": "",
    "stop": "",
    "stopTriggered": False,
    "stopPrice": "0",
    "timeInForce": "GTC",
    "postOnly": False,
    "hidden": False,
    "iceberg": False,
    "visibleSize": "0",
    "cancelAfter": 0,
    "channel": "IOS",
    "clientOid": "",
    "remark": "",
    "tags": "",
    "isActive": False,
    "cancelExist": False,
    "createdAt": 1547026471000,
}


def test_seed_order_detail() -> None:
    order = parse_model(OrderDetail, SEED_ORDER)
    assert order.id == "5c35c02703aa673ceec2a168"
    assert order.order_type is OrderKind.LIMIT
    assert order.side is Side.BUY
    assert order.price == Decimal("10")
    assert order.deal_funds == Decimal("0.166")
    assert order.deal_size == Decimal("2")
    assert order.client_oid is None  # "" means none
    assert order.stop is None
    assert order.stp is None
    assert order.is_active is False
    assert order.is_open is False
    assert order.created_at_ms == 1547026471000


def test_seed_order_list_page() -> None:
    page = parse_model(
        Page[OrderDetail],
        {
            "currentPage": 1,
            "pageSize": 1,
            "totalNum": 153408,
            "totalPage": 153408,
            "items": [SEED_ORDER],
        },
    )
    assert page.total_num == 153408
    assert page.items[0].id == SEED_ORDER["id"]


def test_order_with_unknown_type_and_bad_side() -> None:
    order = parse_model(OrderDetail, {**SEED_ORDER, "type": "twap"})
    assert order.order_type is OrderKind.UNKNOWN
    with pytest.raises(ParseError, match="side"):
        parse_model(OrderDetail, {**SEED_ORDER, "side": "hold"})
    with pytest.raises(ParseError, match="isActive"):
        parse_model(OrderDetail, {k: v for k, v in SEED_ORDER.items() if k != "isActive"})


HF_ORDER = {
    "id": "5f3113a1c9b6d539dc614dc6",
    "symbol": "KCS-BTC",
    "opType": "DEAL",
    "type": "limit",
    "side": "buy",
    "price": "0.00001",
    "size": "1",
    "funds": "0",
    "dealFunds": "0",
    "dealSize": "0",
    "fee": "0",
    "feeCurrency": "BTC",
    "stp": None,  # KuCoin's HF orders: null without STP
    "timeInForce": "GTC",
    "postOnly": False,
    "hidden": False,
    "iceberg": False,
    "visibleSize": "0",
    "cancelAfter": 0,
    "channel": "API",
    "clientOid": "6d539dc614db312",
    "remark": "",
    "tags": "",
    "active": True,
    "inOrderBook": False,
    "cancelExist": False,
    "createdAt": 1547026471000,
    "lastUpdatedAt": 1547026471001,
    "tradeType": "TRADE",
}


def test_hf_order_detail() -> None:
    order = parse_model(HfOrderDetail, HF_ORDER)
    assert order.client_oid == "6d539dc614db312"
    assert order.active is True
    assert order.is_open is True
    assert order.in_order_book is False
    assert order.last_updated_at_ms == 1547026471001
    assert order.cancelled_size is None
    assert order.stp is None
    done = parse_model(
        HfOrderDetail, {**HF_ORDER, "active": False, "cancelledSize": "1", "remainSize": "0"}
    )
    assert done.is_open is False
    assert done.cancelled_size == Decimal("1")


def test_hf_order_is_not_a_classic_order() -> None:
    with pytest.raises(ParseError, match="isActive"):
        parse_model(OrderDetail, HF_ORDER)


def test_place_and_cancel_responses() -> None:
    placed = parse_model(PlaceOrderResponse, {"orderId": "5bd6e9286d99522a52e458de"})
    assert placed.order_id == "5bd6e9286d99522a52e458de"
    assert placed.client_oid is None
    cancelled = parse_model(CancelledOrders, {"cancelledOrderIds": ["a", "b"]})
    assert cancelled.order_ids == ("a", "b")
    by_oid = parse_model(CancelledOrders, {"cancelledOrderId": "c", "clientOid": "x"})
    assert by_oid.order_ids == ("c",)
    with pytest.raises(ParseError):
        parse_model(PlaceOrderResponse, {"orderId": None})


# ----------------------------------------------------------------------------- fills

SEED_FILL = {
    "symbol": "BTC-USDT",
    "tradeId": "5c35c02709e4f67d5266954e",
    "orderId": "5c35c02703aa673ceec2a168",
    "counterOrderId": "5c1ab46003aa676e487fa8e3",
    "side": "buy",
    "liquidity": "taker",
    "forceTaker": True,
    "price": "0.083",
    "size": "0.8424304",
    "funds": "0.0699217232",
    "fee": "0",
    "feeRate": "0",
    "feeCurrency": "USDT",
    "stop": "",
    "type": "limit",
    "createdAt": 1547026472000,
}


def test_seed_fills_page() -> None:
    page = parse_model(
        Page[Fill],
        {
            "currentPage": 1,
            "pageSize": 1,
            "totalNum": 251915,
            "totalPage": 251915,
            "items": [SEED_FILL],
        },
    )
    (fill,) = page.items
    assert fill.trade_id == "5c35c02709e4f67d5266954e"
    assert fill.liquidity is Liquidity.TAKER
    assert fill.price == Decimal("0.083")
    assert fill.size == Decimal("0.8424304")
    assert fill.funds == Decimal("0.0699217232")
    assert fill.fee_currency == "USDT"
    assert fill.created_at_ms == 1547026472000
    assert fill.order_type is OrderKind.LIMIT


def test_hf_fills_with_integer_ids() -> None:
    hf_fill = {**SEED_FILL, "id": 2682265600, "tradeId": 609522034689, "tradeType": "TRADE"}
    page = parse_model(HfFillsPage, {"lastId": 2682265600, "items": [hf_fill]})
    assert page.last_id == 2682265600
    assert page.items[0].trade_id == "609522034689"
    assert page.items[0].id == "2682265600"


@pytest.mark.parametrize("missing", ["tradeId", "orderId", "price", "size", "fee", "liquidity"])
def test_fill_missing_what_we_rely_on(missing: str) -> None:
    with pytest.raises(ParseError, match=missing):
        parse_model(Fill, {k: v for k, v in SEED_FILL.items() if k != missing})


def test_trade_fee_rate() -> None:
    rate = parse_model(
        TradeFeeRate, {"symbol": "BTC-USDT", "takerFeeRate": "0.001", "makerFeeRate": "0.0008"}
    )
    assert (rate.taker_fee_rate, rate.maker_fee_rate) == (Decimal("0.001"), Decimal("0.0008"))
