"""Watch a live, calibrated KuCoin order book.

    python examples/watch_order_book.py                 # against an embedded simulator
    python examples/watch_order_book.py --url URL --pair ETH-USDT --seconds 10

Without keys the connector uses the public bullet token and the level2_100 snapshot; the
book is calibrated against the level2 stream exactly as with keys.
"""

from __future__ import annotations

import argparse
import asyncio
from contextlib import AsyncExitStack

from kucoin_connector import KucoinExchange, OrderBookResyncedEvent
from kucoin_connector.simulator import KucoinSimulator


async def main(url: str | None = None, pair: str = "BTC-USDT", seconds: float = 5.0) -> int:
    async with AsyncExitStack() as stack:
        if url is None:
            sim = await stack.enter_async_context(KucoinSimulator(pairs=[pair], seed=3))
            url = sim.rest_url
        exchange = KucoinExchange(trading_pairs=[pair], base_url=url)
        exchange.add_listener(
            lambda e: print(f"book {e.trading_pair} synced: {e.reason}"), OrderBookResyncedEvent
        )
        await stack.enter_async_context(exchange)
        await exchange.wait_ready()
        book = exchange.get_order_book(pair)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            bids = ", ".join(f"{size}@{price}" for price, size in book.bids(3))
            asks = ", ".join(f"{size}@{price}" for price, size in book.asks(3))
            print(f"sequence {book.last_update_id}: bids [{bids}]  asks [{asks}]")
            if book.is_crossed():
                print("crossed book!")
                return 1
            await asyncio.sleep(1.0)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="KuCoin REST base URL (default: an embedded simulator)")
    parser.add_argument("--pair", default="BTC-USDT")
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.url, args.pair, args.seconds)))
