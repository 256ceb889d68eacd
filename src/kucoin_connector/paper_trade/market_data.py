"""What the paper engine needs of a live connector: its public data only (no keys)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from kucoin_connector.core.order_book import OrderBook
from kucoin_connector.core.public_trades import PublicTrade
from kucoin_connector.core.types import TradingRule


class MarketDataFeed(Protocol):
    def add_book_listener(self, callback: Callable[[str], None]) -> None: ...

    def add_trade_listener(self, callback: Callable[[PublicTrade], None]) -> None: ...


class MarketDataConnector(Protocol):
    """A live connector started without keys: rules, books, and a feed of changes."""

    name: str

    @property
    def trading_rules(self) -> Mapping[str, TradingRule]: ...

    @property
    def trading_pairs(self) -> list[str]: ...

    @property
    def ready(self) -> bool: ...

    @property
    def order_book_source(self) -> MarketDataFeed: ...

    def get_order_book(self, trading_pair: str) -> OrderBook: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
