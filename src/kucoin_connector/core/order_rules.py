"""Quantizing and checking an order against its TradingRule before it is sent."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, ROUND_UP, Decimal, InvalidOperation

from .errors import AmountTypeError, OrderValidationError
from .types import OrderOptions, OrderType, TimeInForce, TradeType, TradingRule


@dataclass(frozen=True, slots=True)
class PreparedOrder:
    """Amounts exactly as they will be sent (already on the exchange's increments)."""

    amount: Decimal  # base amount; 0 for a MARKET order sized by quote_amount
    price: Decimal | None
    quote_amount: Decimal | None


AmountLike = Decimal | int | str
"""What the trading calls accept as an amount or price: converted exactly to Decimal."""


def as_decimal(value: object, what: str) -> Decimal:
    """``value`` as an exact Decimal: Decimal, int and numeric str are accepted.

    Raises AmountTypeError for a float or bool (inexact or not an amount) and for any
    other type, OrderValidationError for a string that is not a number.
    """
    if isinstance(value, bool | float):
        raise AmountTypeError(what, value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise OrderValidationError(f"{what} {value!r} is not a number", rule="type") from None
    raise AmountTypeError(what, value)


def coerce_order_inputs(
    amount: object, price: object | None, options: OrderOptions | None
) -> tuple[Decimal, Decimal | None, OrderOptions]:
    """Amount, price and the options' decimal fields as exact Decimals (see as_decimal)."""
    opts = options or OrderOptions()
    converted = [
        None if value is None else as_decimal(value, f"options.{name}")
        for name, value in (
            ("visible_size", opts.visible_size),
            ("stop_price", opts.stop_price),
            ("quote_amount", opts.quote_amount),
        )
    ]
    visible_size, stop_price, quote_amount = converted
    if any(value is not None for value in converted):
        opts = replace(
            opts, visible_size=visible_size, stop_price=stop_price, quote_amount=quote_amount
        )
    return (
        as_decimal(amount, "amount"),
        None if price is None else as_decimal(price, "price"),
        opts,
    )


def quantize_down(value: Decimal, increment: Decimal) -> Decimal:
    """``value`` rounded down to a multiple of ``increment`` (unchanged if it is <= 0)."""
    if increment <= 0:
        return value
    return (value / increment).to_integral_value(rounding=ROUND_DOWN) * increment


def quantize_up(value: Decimal, increment: Decimal) -> Decimal:
    """``value`` rounded up to a multiple of ``increment`` (unchanged if it is <= 0)."""
    if increment <= 0:
        return value
    return (value / increment).to_integral_value(rounding=ROUND_UP) * increment


def prepare_order(
    rule: TradingRule,
    trade_type: TradeType,
    order_type: OrderType,
    amount: Decimal,
    price: Decimal | None,
    options: OrderOptions,
) -> PreparedOrder:
    """Quantize amount, price and funds and enforce the rule; raise OrderValidationError."""
    pair = rule.trading_pair
    if order_type is OrderType.MARKET:
        if not rule.supports_market_orders:
            raise OrderValidationError(f"{pair}: market orders not supported", rule="order_type")
        if options.quote_amount is not None:
            return _prepare_market_by_funds(rule, amount, options.quote_amount)
        return PreparedOrder(_check_size(rule, amount), None, None)
    if options.quote_amount is not None:
        raise OrderValidationError("quote_amount is only for MARKET orders", rule="quote_amount")
    if order_type is OrderType.LIMIT_MAKER and options.time_in_force in (
        TimeInForce.IOC,
        TimeInForce.FOK,
    ):
        raise OrderValidationError(
            "LIMIT_MAKER (post-only) cannot be IOC or FOK", rule="time_in_force"
        )
    if options.cancel_after_s is not None and options.time_in_force is not TimeInForce.GTT:
        raise OrderValidationError(
            "cancel_after_s requires time in force GTT", rule="time_in_force"
        )
    if price is None or not price.is_finite() or price <= 0:
        raise OrderValidationError(f"{pair}: a limit order needs a positive price", rule="price")
    rounding = quantize_down if trade_type is TradeType.BUY else quantize_up
    q_price = rounding(price, rule.min_price_increment)
    if q_price <= 0:
        raise OrderValidationError(
            f"{pair}: price {price} is below the price increment {rule.min_price_increment}",
            rule="min_price_increment",
        )
    q_amount = _check_size(rule, amount)
    notional = q_price * q_amount
    if notional < rule.min_notional_size:
        raise OrderValidationError(
            f"{pair}: order value {notional} is below the minimum {rule.min_notional_size}",
            rule="min_notional_size",
        )
    if rule.max_notional_size is not None and notional > rule.max_notional_size:
        raise OrderValidationError(
            f"{pair}: order value {notional} is above the maximum {rule.max_notional_size}",
            rule="max_notional_size",
        )
    if options.visible_size is not None:
        visible = quantize_down(options.visible_size, rule.min_base_amount_increment)
        if visible <= 0 or visible > q_amount:
            raise OrderValidationError(
                f"{pair}: iceberg visible size must be in (0, amount]", rule="visible_size"
            )
    return PreparedOrder(q_amount, q_price, None)


def _check_size(rule: TradingRule, amount: Decimal) -> Decimal:
    pair = rule.trading_pair
    if not amount.is_finite() or amount <= 0:
        raise OrderValidationError(f"{pair}: amount must be positive, got {amount}", rule="amount")
    q_amount = quantize_down(amount, rule.min_base_amount_increment)
    if q_amount <= 0 or q_amount < rule.min_order_size:
        raise OrderValidationError(
            f"{pair}: amount {amount} is below the minimum order size {rule.min_order_size}",
            rule="min_order_size",
        )
    if rule.max_order_size is not None and q_amount > rule.max_order_size:
        raise OrderValidationError(
            f"{pair}: amount {amount} is above the maximum order size {rule.max_order_size}",
            rule="max_order_size",
        )
    return q_amount


def _prepare_market_by_funds(
    rule: TradingRule, amount: Decimal, quote_amount: Decimal
) -> PreparedOrder:
    pair = rule.trading_pair
    if amount != 0:
        raise OrderValidationError(
            "give either a base amount or a quote_amount for a MARKET order, not both",
            rule="quote_amount",
        )
    if not quote_amount.is_finite() or quote_amount <= 0:
        raise OrderValidationError(f"{pair}: quote_amount must be positive", rule="quote_amount")
    funds = quantize_down(quote_amount, rule.min_quote_amount_increment)
    if funds < rule.min_notional_size or funds <= 0:
        raise OrderValidationError(
            f"{pair}: funds {quote_amount} are below the minimum {rule.min_notional_size}",
            rule="min_notional_size",
        )
    if rule.max_notional_size is not None and funds > rule.max_notional_size:
        raise OrderValidationError(
            f"{pair}: funds {quote_amount} are above the maximum {rule.max_notional_size}",
            rule="max_notional_size",
        )
    return PreparedOrder(Decimal(0), None, funds)
