"""Many pairs: topics split across connections, pairs added and removed while running."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kucoin_connector import (
    ConnectorEvent,
    KucoinExchange,
    OrderBookResyncedEvent,
    UnknownTradingPairError,
)
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator

from .harness import FAST_WS, wait_for

PAIRS = ["BTC-USDT", "ETH-USDT", "ETH-BTC", "XRP-USDT", "LTC-USDT"]


def books_equal(sim: KucoinSimulator, exchange: KucoinExchange, pair: str) -> bool:
    sequence, bids, asks = sim.engine.level2_snapshot(pair)
    book = exchange.get_order_book(pair)
    return (book.bids(), book.asks(), book.last_update_id) == (bids, asks, sequence)


async def test_topics_split_across_connections_and_pairs_come_and_go() -> None:
    async with KucoinSimulator(
        pairs=PAIRS, seed=4, activity=True, activity_rate_hz=40, ws_settings=FAST_WS
    ) as sim:
        # Two topics per pair (level2 + match), four topics per connection: two pairs each.
        exchange = KucoinExchange(
            trading_pairs=PAIRS[:3], base_url=sim.rest_url, max_topics_per_connection=4
        )
        synced: list[str] = []

        def on_resynced(event: ConnectorEvent) -> None:
            assert isinstance(event, OrderBookResyncedEvent)  # the listener's type filter
            synced.append(event.trading_pair)

        exchange.add_listener(on_resynced, OrderBookResyncedEvent)
        async with exchange:
            await exchange.wait_ready()
            source = exchange.order_book_source
            assert source.connection_count == 2
            assert sorted(synced) == sorted(PAIRS[:3])

            await exchange.add_trading_pair("XRP-USDT")
            await exchange.add_trading_pair("LTC-USDT")
            assert source.connection_count == 3
            await exchange.wait_ready()
            assert exchange.trading_pairs == PAIRS

            await exchange.remove_trading_pair("ETH-BTC")
            with pytest.raises(UnknownTradingPairError):
                exchange.get_order_book("ETH-BTC")
            assert "ETH-BTC" not in exchange.trading_pairs

            sim.market.paused = True  # a quiet market: every book must equal the simulator's
            for pair in exchange.trading_pairs:
                await wait_for(
                    lambda p=pair: books_equal(sim, exchange, p),  # type: ignore[misc]
                    f"{pair} book equals the simulator's",
                )
                assert not exchange.get_order_book(pair).is_crossed()
            assert exchange.get_order_book("BTC-USDT").best_bid is not None
            assert exchange.get_order_book("LTC-USDT").best_ask is not None
            assert Decimal(0) < exchange.get_order_book("XRP-USDT").mid_price  # type: ignore[operator]
