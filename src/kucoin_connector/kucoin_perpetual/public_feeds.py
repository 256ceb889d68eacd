"""The perpetual connector's public feeds beyond level2: trades, mark price, funding rate.

Topics (KuCoin Futures docs, public channels): ``/contractMarket/execution:{symbol}``
(subject ``match``: ``price``, ``size`` in lots, ``side`` the taker's) and
``/contract/instrument:{symbol}`` (subjects ``mark.index.price``: ``markPrice``,
``indexPrice``, ``timestamp``; ``funding.rate``: ``fundingRate``, ``timestamp``).

Parsed at the edge into typed values and handed to listeners (e.g. the paper trading
engine); a topic is subscribed only when a listener for it was added before ``start``.
Book listeners are called with the trading pair after each level2 message was handled.
Sizes are converted from lots to base units with the contract size, as the books do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from kucoin_connector.core.errors import ParseError, UnknownTradingPairError
from kucoin_connector.core.public_trades import PublicTrade
from kucoin_connector.core.types import TradeType

__all__ = [
    "FundingRateUpdate",
    "FuturesPublicFeeds",
    "MarkPriceUpdate",
    "execution_topic",
    "instrument_topic",
]

log = logging.getLogger(__name__)
_SIDES = {"buy": TradeType.BUY, "sell": TradeType.SELL}


def execution_topic(symbol: str) -> str:
    return f"/contractMarket/execution:{symbol}"


def instrument_topic(symbol: str) -> str:
    return f"/contract/instrument:{symbol}"


@dataclass(frozen=True, slots=True)
class MarkPriceUpdate:
    trading_pair: str
    mark_price: Decimal
    index_price: Decimal | None
    ts_ms: int  # the venue's timestamp


@dataclass(frozen=True, slots=True)
class FundingRateUpdate:
    trading_pair: str
    funding_rate: Decimal
    ts_ms: int  # the venue's timestamp


def _decimal(raw: Any, what: str) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise ParseError(f"{what} {str(raw)[:40]!r} is not a number")
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise ParseError(f"{what} {str(raw)[:40]!r} is not a number") from None
    if not value.is_finite():
        raise ParseError(f"{what} {str(raw)[:40]!r} is not finite")
    return value


def _int(raw: Any, what: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise ParseError(f"{what} {str(raw)[:40]!r} is not an integer")
    try:
        return int(raw)
    except ValueError:
        raise ParseError(f"{what} {str(raw)[:40]!r} is not an integer") from None


class FuturesPublicFeeds:
    def __init__(
        self,
        *,
        pair_for_symbol: Callable[[str], str],
        contract_size_for: Callable[[str], Decimal],
        clock_ms: Callable[[], int],
    ) -> None:
        self._pair_for_symbol = pair_for_symbol
        self._contract_size_for = contract_size_for
        self._clock_ms = clock_ms
        self._book_listeners: list[Callable[[str], None]] = []
        self._trade_listeners: list[Callable[[PublicTrade], None]] = []
        self._mark_listeners: list[Callable[[MarkPriceUpdate], None]] = []
        self._funding_listeners: list[Callable[[FundingRateUpdate], None]] = []
        self.malformed = 0

    def add_book_listener(self, callback: Callable[[str], None]) -> None:
        self._book_listeners.append(callback)

    def add_trade_listener(self, callback: Callable[[PublicTrade], None]) -> None:
        self._trade_listeners.append(callback)

    def add_mark_listener(self, callback: Callable[[MarkPriceUpdate], None]) -> None:
        self._mark_listeners.append(callback)

    def add_funding_listener(self, callback: Callable[[FundingRateUpdate], None]) -> None:
        self._funding_listeners.append(callback)

    def topics(self, symbols: list[str]) -> list[str]:
        """The extra public topics the listeners need."""
        topics: list[str] = []
        if self._trade_listeners:
            topics += [execution_topic(s) for s in symbols]
        if self._mark_listeners or self._funding_listeners:
            topics += [instrument_topic(s) for s in symbols]
        return topics

    def on_message(self, message: Any) -> None:
        """A decoded public message (after the books have taken their level2 part)."""
        if not isinstance(message, dict):
            return
        subject, data = message.get("subject"), message.get("data")
        symbol = str(message.get("topic", "")).partition(":")[2]
        handler = self._handlers.get(str(subject))
        if handler is None or not symbol:
            return
        try:
            pair = self._pair_for_symbol(symbol)
            handler(self, pair, symbol, data if isinstance(data, Mapping) else {})
        except (ParseError, UnknownTradingPairError) as exc:
            self.malformed += 1
            log.warning("public %s message refused: %s", subject, exc)

    def _on_level2(self, pair: str, _symbol: str, _data: Mapping[str, Any]) -> None:
        for callback in self._book_listeners:
            callback(pair)

    def _on_match(self, pair: str, symbol: str, data: Mapping[str, Any]) -> None:
        if not self._trade_listeners:
            return
        price = _decimal(data.get("price"), "trade price")
        lots = _decimal(data.get("size"), "trade size")
        if price <= 0 or lots <= 0:
            raise ParseError(f"trade of price {price} and size {lots}")
        size = lots * self._contract_size_for(symbol)
        side = _SIDES.get(str(data.get("side")))
        trade = PublicTrade(pair, price, size, side, self._clock_ms())
        for callback in self._trade_listeners:
            callback(trade)

    def _on_mark(self, pair: str, _symbol: str, data: Mapping[str, Any]) -> None:
        index = data.get("indexPrice")
        update = MarkPriceUpdate(
            pair,
            _decimal(data.get("markPrice"), "mark price"),
            _decimal(index, "index price") if index is not None else None,
            _int(data.get("timestamp"), "timestamp"),
        )
        for callback in self._mark_listeners:
            callback(update)

    def _on_funding(self, pair: str, _symbol: str, data: Mapping[str, Any]) -> None:
        update = FundingRateUpdate(
            pair,
            _decimal(data.get("fundingRate"), "funding rate"),
            _int(data.get("timestamp"), "timestamp"),
        )
        for callback in self._funding_listeners:
            callback(update)

    _handlers: Mapping[str, Callable[[FuturesPublicFeeds, str, str, Mapping[str, Any]], None]] = {
        "level2": _on_level2,
        "match": _on_match,
        "mark.index.price": _on_mark,
        "funding.rate": _on_funding,
    }
