"""KrakenMarketData: a key-less KrakenExchange seen as a ``MarketDataConnector``.

The Kraken connector keeps checksummed ``KrakenBook``s; the paper engine reads the core's
``OrderBook``. After each applied book message the pair's ``OrderBook`` is rebuilt from
the verified Kraken book (a few levels: the subscribed depth), then the book listeners are
called; public trades come from the ``trade`` channel, subscribed because a listener is
added before the connector starts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from decimal import Decimal

from kucoin_connector.core.errors import UnknownTradingPairError
from kucoin_connector.core.order_book import OrderBook
from kucoin_connector.core.public_trades import PublicTrade
from kucoin_connector.core.types import TradingRule
from kucoin_connector.kraken.exchange import KrakenExchange
from kucoin_connector.kraken.public_trades import KrakenTrade, trade_topic

__all__ = ["KrakenMarketData"]


def _levels(levels: list[tuple[Decimal, Decimal]]) -> list[tuple[str, str]]:
    return [(format(price, "f"), format(size, "f")) for price, size in levels]


class KrakenMarketData:
    name = "kraken"

    def __init__(self, exchange: KrakenExchange, clock_ms: Callable[[], int] | None = None) -> None:
        self.exchange = exchange
        self._clock = clock_ms or (lambda: time.time_ns() // 1_000_000)
        self._books: dict[str, OrderBook] = {p: OrderBook() for p in exchange.trading_pairs}
        self._book_listeners: list[Callable[[str], None]] = []
        self._trade_listeners: list[Callable[[PublicTrade], None]] = []
        self._updates = 0
        exchange.book_stream.add_book_listener(self._on_book)
        exchange.book_stream.add_trade_listener(self._on_trade)

    # ------------------------------------------------------------------ MarketDataConnector
    @property
    def trading_rules(self) -> Mapping[str, TradingRule]:
        return self.exchange.trading_rules

    @property
    def trading_pairs(self) -> list[str]:
        return self.exchange.trading_pairs

    @property
    def ready(self) -> bool:
        """Rules loaded, every book verified, every trade topic acknowledged (a trade
        printed before would be missed by the queue model)."""
        active = self.exchange.book_stream.client.active_topics
        return bool(self.exchange.trading_rules) and all(
            self.exchange.order_book(p) is not None
            and trade_topic(self.exchange.api.pairs.ws_symbol(p)) in active
            for p in self.trading_pairs
        )

    @property
    def order_book_source(self) -> KrakenMarketData:
        return self

    def get_order_book(self, trading_pair: str) -> OrderBook:
        book = self._books.get(trading_pair)
        if book is None:
            raise UnknownTradingPairError(trading_pair)
        return book

    async def start(self) -> None:
        await self.exchange.start()

    async def stop(self) -> None:
        await self.exchange.stop()

    def add_book_listener(self, callback: Callable[[str], None]) -> None:
        self._book_listeners.append(callback)

    def add_trade_listener(self, callback: Callable[[PublicTrade], None]) -> None:
        self._trade_listeners.append(callback)

    # ------------------------------------------------------------------ from the connector
    def _on_book(self, ws_symbol: str) -> None:
        pair = self.exchange.api.pairs.trading_pair(ws_symbol)
        kraken_book = self.exchange.order_book(pair)
        book = self._books.get(pair)
        if kraken_book is None or book is None:
            return
        self._updates += 1
        book.apply_snapshot(_levels(kraken_book.bids()), _levels(kraken_book.asks()), self._updates)
        for callback in self._book_listeners:
            callback(pair)

    def _on_trade(self, trade: KrakenTrade) -> None:
        pair = self.exchange.api.pairs.trading_pair(trade.ws_symbol)
        public = PublicTrade(pair, trade.price, trade.qty, trade.taker_side, self._clock())
        for callback in self._trade_listeners:
            callback(public)
