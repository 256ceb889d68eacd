from decimal import Decimal

import pytest

from kucoin_connector.core.errors import OrderValidationError
from kucoin_connector.core.order_rules import prepare_order, quantize_down, quantize_up
from kucoin_connector.core.types import OrderOptions, OrderType, TimeInForce, TradeType, TradingRule

D = Decimal
RULE = TradingRule(
    trading_pair="BTC-USDT",
    min_order_size=D("0.00001"),
    max_order_size=D("10000"),
    min_price_increment=D("0.1"),
    min_base_amount_increment=D("0.00000001"),
    min_quote_amount_increment=D("0.000001"),
    min_notional_size=D("0.1"),
    max_notional_size=D("99999999"),
)


def test_quantize_helpers_round_in_the_named_direction() -> None:
    assert quantize_down(D("1.2345"), D("0.01")) == D("1.23")
    assert quantize_up(D("1.2301"), D("0.01")) == D("1.24")
    assert quantize_down(D("1.23"), D("0.01")) == D("1.23")


def test_limit_buy_price_rounds_down_and_sell_price_rounds_up() -> None:
    buy = prepare_order(
        RULE, TradeType.BUY, OrderType.LIMIT, D("0.123456789"), D("100.07"), OrderOptions()
    )
    assert (buy.amount, buy.price) == (D("0.12345678"), D("100.0"))
    sell = prepare_order(
        RULE, TradeType.SELL, OrderType.LIMIT, D("0.5"), D("100.01"), OrderOptions()
    )
    assert sell.price == D("100.1")


@pytest.mark.parametrize(
    ("amount", "price", "rule"),
    [
        (D("0.000001"), D("100"), "min_order_size"),
        (D("20000"), D("100"), "max_order_size"),
        (D("0.0001"), D("100"), "min_notional_size"),
        (D("0"), D("100"), "amount"),
        (D("-1"), D("100"), "amount"),
        (D("1"), D("0"), "price"),
        (D("1"), D("0.01"), "min_price_increment"),
    ],
)
def test_rule_violations_name_the_rule(amount: Decimal, price: Decimal, rule: str) -> None:
    with pytest.raises(OrderValidationError) as info:
        prepare_order(RULE, TradeType.BUY, OrderType.LIMIT, amount, price, OrderOptions())
    assert info.value.rule == rule


def test_market_by_size_and_by_funds() -> None:
    by_size = prepare_order(RULE, TradeType.BUY, OrderType.MARKET, D("0.5"), None, OrderOptions())
    assert (by_size.amount, by_size.quote_amount, by_size.price) == (D("0.5"), None, None)
    by_funds = prepare_order(
        RULE,
        TradeType.BUY,
        OrderType.MARKET,
        D("0"),
        None,
        OrderOptions(quote_amount=D("150.1234567")),
    )
    assert (by_funds.amount, by_funds.quote_amount) == (D("0"), D("150.123456"))
    with pytest.raises(OrderValidationError):
        prepare_order(
            RULE, TradeType.BUY, OrderType.MARKET, D("1"), None, OrderOptions(quote_amount=D("150"))
        )
    with pytest.raises(OrderValidationError) as info:
        prepare_order(
            RULE,
            TradeType.BUY,
            OrderType.MARKET,
            D("0"),
            None,
            OrderOptions(quote_amount=D("0.01")),
        )
    assert info.value.rule == "min_notional_size"


def test_post_only_cannot_be_ioc_and_gtt_needs_cancel_after_pairing() -> None:
    with pytest.raises(OrderValidationError):
        prepare_order(
            RULE,
            TradeType.BUY,
            OrderType.LIMIT_MAKER,
            D("1"),
            D("100"),
            OrderOptions(time_in_force=TimeInForce.IOC),
        )
    with pytest.raises(OrderValidationError):
        prepare_order(
            RULE, TradeType.BUY, OrderType.LIMIT, D("1"), D("100"), OrderOptions(cancel_after_s=10)
        )
    ok = prepare_order(
        RULE,
        TradeType.BUY,
        OrderType.LIMIT,
        D("1"),
        D("100"),
        OrderOptions(time_in_force=TimeInForce.GTT, cancel_after_s=10),
    )
    assert ok.amount == D("1")


def test_iceberg_visible_size_must_fit_the_order() -> None:
    with pytest.raises(OrderValidationError) as info:
        prepare_order(
            RULE,
            TradeType.BUY,
            OrderType.LIMIT,
            D("1"),
            D("100"),
            OrderOptions(visible_size=D("2")),
        )
    assert info.value.rule == "visible_size"
