"""Kraken spot: read the checksummed book, place a LIMIT and a post-only LIMIT_MAKER order,
take liquidity with a MARKET order, cancel what rests.

    python examples/kraken_place_and_cancel.py          # against an embedded Kraken simulator
    python examples/kraken_place_and_cancel.py --url URL --ws-url WS --key K --secret S
"""

from __future__ import annotations

import argparse
import asyncio
from contextlib import AsyncExitStack
from decimal import Decimal

from kucoin_connector.core.types import OrderState, OrderType, TradeType
from kucoin_connector.kraken.book import KrakenBook
from kucoin_connector.kraken.exchange import KrakenExchange
from kucoin_connector.simulator.kraken.server import KrakenSimulator

PAIR = "BTC-USD"


async def main(
    url: str | None = None,
    ws_url: str | None = None,
    key: str | None = None,
    secret: str | None = None,
) -> int:
    async with AsyncExitStack() as stack:
        if url is None:
            sim = await stack.enter_async_context(KrakenSimulator(pairs=[PAIR], seed=5))
            url, ws_url = sim.rest_url, sim.ws_url
            key, secret = sim.credentials.api_key, sim.credentials.api_secret
        assert ws_url is not None
        exchange = KrakenExchange(
            key, secret, trading_pairs=[PAIR], base_url=url, ws_public_url=ws_url,
            ws_private_url=ws_url,
        )  # fmt: skip
        await stack.enter_async_context(exchange)
        book = await wait_for_book(exchange)
        bid, ask = book.best_bid(), book.best_ask()
        assert bid is not None and ask is not None
        print(f"book checksum {book.checksum()}: bid {bid} / ask {ask}")
        rule = exchange.trading_rules[PAIR]
        amount = max(rule.min_order_size, Decimal("0.001"))
        limit = await exchange.place_order(
            TradeType.BUY, PAIR, amount, OrderType.LIMIT, bid * Decimal("0.95")
        )
        maker = await exchange.place_order(
            TradeType.SELL, PAIR, amount, OrderType.LIMIT_MAKER, ask * Decimal("1.05")
        )
        taker = await exchange.place_order(TradeType.BUY, PAIR, amount, OrderType.MARKET)
        for order in (limit, maker, taker):
            print(f"{order.order_type.value} {order.trade_type.value} {order.amount}: "
                  f"{order.current_state.value}")  # fmt: skip
        for order in (limit, maker):
            done = await exchange.cancel_order(PAIR, order.client_order_id)
            print(f"cancel {order.client_order_id}: {done.current_state.value}")
        for _ in range(200):
            if taker.current_state is OrderState.FILLED:
                break
            await asyncio.sleep(0.025)
        print(f"market buy: {taker.current_state.value}, filled {taker.executed_amount_base}")
        states = {limit.current_state, maker.current_state}
        return 0 if states == {OrderState.CANCELED} and taker.is_done else 1


async def wait_for_book(exchange: KrakenExchange) -> KrakenBook:
    for _ in range(400):
        book = exchange.order_book(PAIR)
        if book is not None and book.best_bid() is not None:
            return book
        await asyncio.sleep(0.025)
    raise TimeoutError("no verified book")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url")
    parser.add_argument("--ws-url")
    parser.add_argument("--key")
    parser.add_argument("--secret")
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.url, args.ws_url, args.key, args.secret)))
