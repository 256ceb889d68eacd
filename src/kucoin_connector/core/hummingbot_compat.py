"""Hummingbot's habits on every connector: the names a Hummingbot user reaches for.

``HummingbotCompatMixin`` gives every ``ExchangeBase`` connector, with Hummingbot's
meanings (``ExchangeBase`` / ``ExchangePyBase`` / ``ConnectorBase``):

- ``supported_order_types()``: the order types the connector places.
- ``quantize_order_amount(pair, amount, price=0)``: the amount rounded *down* to the base
  increment; ``0`` when that is below the minimum order size, or when its value (at
  ``price``, else at the mid price) is below the minimum notional. Hummingbot adds a 1 %
  margin to the notional check; this library checks the exchange's own minimum exactly.
- ``quantize_order_price(pair, price)``: the price rounded *down* to the tick. (Orders
  themselves round a sell's price *up*, so it never sells below the price asked.)
- ``get_price(pair, is_buy)``: what a taker would pay: the best ask to buy, the best bid to
  sell. ``get_mid_price(pair)``: the midpoint of the two.
- ``get_fee(base, quote, order_type, order_side, amount, price, is_maker)``: the expected
  fee of an order, from the account's maker/taker rates where the connector knows them.
- ``order_books``: trading pair -> the connector's live order book.
- ``limit_orders``: the open limit (and post-only) orders being tracked.
- ``get_last_traded_prices(pairs)``: the exchange's last trade price per pair (REST).

Amounts are ``Decimal`` (Hummingbot mixes in floats). A connector provides the hooks
``_best_bid_ask``, ``get_order_book``, ``_fee_rates_for`` and
``_fetch_last_traded_prices`` (each has a default here).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .errors import ConfigurationError, ConnectorError, UnknownTradingPairError
from .in_flight_order import InFlightOrder
from .order_rules import AmountLike, as_decimal, quantize_down
from .types import OrderType, TradeType, TradingRule

__all__ = ["DEFAULT_FEE_RATE", "FeeEstimate", "HummingbotCompatMixin"]

DEFAULT_FEE_RATE = Decimal("0.001")
"""The fee rate assumed where the connector does not know the account's own (0.1 %)."""

_LIMIT_TYPES = (OrderType.LIMIT, OrderType.LIMIT_MAKER)


@dataclass(frozen=True, slots=True)
class FeeEstimate:
    """The expected fee of an order (Hummingbot's ``TradeFeeBase`` with a percent fee).

    ``percent`` is a fraction (``0.001`` is 0.1 %); ``amount`` is the fee in ``asset`` for
    the given amount and price (``None`` without a price); ``is_default`` is True when the
    account's rate was unknown and ``DEFAULT_FEE_RATE`` was assumed.
    """

    percent: Decimal
    asset: str
    amount: Decimal | None
    is_default: bool


class HummingbotCompatMixin:
    """Hummingbot's names over a connector's rules, books and tracked orders."""

    SUPPORTED_ORDER_TYPES: tuple[OrderType, ...] = (
        OrderType.LIMIT,
        OrderType.LIMIT_MAKER,
        OrderType.MARKET,
    )

    # ------------------------------------------------------------------ hooks
    @property
    def trading_rules(self) -> Mapping[str, TradingRule]:
        """Trading pair -> its rule (provided by ExchangeBase)."""
        raise NotImplementedError

    @property
    def trading_pairs(self) -> list[str]:
        """The connector's trading pairs (provided by ExchangeBase)."""
        raise NotImplementedError

    @property
    def in_flight_orders(self) -> Mapping[str, InFlightOrder]:
        """The tracked orders (provided by ExchangeBase)."""
        raise NotImplementedError

    def get_order_book(self, trading_pair: str) -> Any:
        """The connector's live book of the pair (provided by the connector)."""
        raise ConfigurationError(f"{type(self).__name__} keeps no order books")

    def _best_bid_ask(self, trading_pair: str) -> tuple[Decimal | None, Decimal | None]:
        """Best bid and best ask of the pair's live book (None for an empty side); by
        default the ``best_bid`` / ``best_ask`` of ``get_order_book(pair)``."""
        book = self.get_order_book(trading_pair)
        return book.best_bid, book.best_ask

    def _fee_rates_for(self, trading_pair: str) -> tuple[Decimal, Decimal] | None:
        """The account's (maker, taker) fee rates for the pair, None when unknown."""
        return None

    async def _fetch_last_traded_prices(self, trading_pairs: Sequence[str]) -> dict[str, Decimal]:
        """The exchange's last trade price per pair (a connector's REST call)."""
        raise ConfigurationError(f"{type(self).__name__} cannot fetch last traded prices")

    # ------------------------------------------------------------------ Hummingbot names
    def supported_order_types(self) -> list[OrderType]:
        """The order types this connector places (Hummingbot's ``supported_order_types``)."""
        return list(self.SUPPORTED_ORDER_TYPES)

    def _rule(self, trading_pair: str) -> TradingRule:
        rule = self.trading_rules.get(trading_pair)
        if rule is None:
            raise UnknownTradingPairError(trading_pair)
        return rule

    def quantize_order_price(self, trading_pair: str, price: AmountLike) -> Decimal:
        """``price`` rounded down to the pair's price increment (the tick)."""
        exact = as_decimal(price, "price")
        return quantize_down(exact, self._rule(trading_pair).min_price_increment)

    def quantize_order_amount(
        self, trading_pair: str, amount: AmountLike, price: AmountLike = Decimal(0)
    ) -> Decimal:
        """``amount`` rounded down to the base increment; ``Decimal(0)`` when the result is
        below the minimum order size or its value (at ``price``, or at the mid price when
        ``price`` is 0) is below the minimum notional, as in Hummingbot."""
        rule = self._rule(trading_pair)
        quantized = quantize_down(as_decimal(amount, "amount"), rule.min_base_amount_increment)
        price = as_decimal(price, "price")
        if quantized <= 0 or quantized < rule.min_order_size:
            return Decimal(0)
        if rule.min_notional_size > 0:
            reference = price if price > 0 else self._mid_or_none(trading_pair)
            if reference is not None and reference * quantized < rule.min_notional_size:
                return Decimal(0)
        return quantized

    def get_price(self, trading_pair: str, is_buy: bool) -> Decimal:
        """The best ask when buying, the best bid when selling (what a taker gets first).

        Raises ConnectorError when that side of the book is empty or not live yet.
        """
        bid, ask = self._best_bid_ask(trading_pair)
        price = ask if is_buy else bid
        if price is None:
            side = "ask" if is_buy else "bid"
            raise ConnectorError(f"{trading_pair}: no {side} in the order book (not live yet?)")
        return price

    def get_mid_price(self, trading_pair: str) -> Decimal:
        """The midpoint of the best bid and the best ask."""
        return (self.get_price(trading_pair, True) + self.get_price(trading_pair, False)) / 2

    def _mid_or_none(self, trading_pair: str) -> Decimal | None:
        try:
            return self.get_mid_price(trading_pair)
        except ConnectorError:
            return None

    def get_fee(
        self,
        base_currency: str,
        quote_currency: str,
        order_type: OrderType,
        order_side: TradeType,
        amount: AmountLike,
        price: AmountLike | None = None,
        is_maker: bool | None = None,
    ) -> FeeEstimate:
        """The expected fee of an order, charged in the quote currency.

        ``is_maker`` None means: a LIMIT_MAKER order is a maker, every other order a taker
        (Hummingbot's rule). The account's rates come from the connector where it knows
        them (KuCoin loads them at start), else ``DEFAULT_FEE_RATE``.
        """
        maker = order_type is OrderType.LIMIT_MAKER if is_maker is None else is_maker
        rates = self._fee_rates_for(f"{base_currency}-{quote_currency}")
        if rates is None:
            percent, is_default = DEFAULT_FEE_RATE, True
        else:
            percent, is_default = (rates[0] if maker else rates[1]), False
        fee_amount = (
            None
            if price is None
            else as_decimal(amount, "amount") * as_decimal(price, "price") * percent
        )
        return FeeEstimate(percent, quote_currency, fee_amount, is_default)

    @property
    def order_books(self) -> dict[str, Any]:
        """Trading pair -> the connector's live order book, for every trading pair."""
        return {pair: self.get_order_book(pair) for pair in self.trading_pairs}

    @property
    def limit_orders(self) -> list[InFlightOrder]:
        """The tracked LIMIT and LIMIT_MAKER orders that are not done."""
        return [
            order
            for order in self.in_flight_orders.values()
            if order.order_type in _LIMIT_TYPES and not order.is_done
        ]

    async def get_last_traded_prices(self, trading_pairs: Sequence[str]) -> dict[str, Decimal]:
        """The exchange's last trade price of each pair (one REST read per call)."""
        return await self._fetch_last_traded_prices(list(trading_pairs))
