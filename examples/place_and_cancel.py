"""Place a resting LIMIT order, a post-only LIMIT_MAKER order, then cancel both.

    python examples/place_and_cancel.py                  # against an embedded simulator
    python examples/place_and_cancel.py --url URL --key K --secret S --passphrase P

Shows the awaitable twins (`place_order`, `cancel_order`) and the order states the
exchange confirms.
"""

from __future__ import annotations

import argparse
import asyncio
from contextlib import AsyncExitStack
from decimal import Decimal

from kucoin_connector import KucoinExchange, OrderState, OrderType, TradeType
from kucoin_connector.simulator import KucoinSimulator


async def main(
    url: str | None = None,
    key: str | None = None,
    secret: str | None = None,
    passphrase: str | None = None,
    pair: str = "BTC-USDT",
) -> int:
    async with AsyncExitStack() as stack:
        if url is None:
            sim = await stack.enter_async_context(KucoinSimulator(pairs=[pair], seed=5))
            url = sim.rest_url
            creds = sim.credentials
            key, secret, passphrase = creds.api_key, creds.api_secret, creds.passphrase
        exchange = KucoinExchange(key, secret, passphrase, trading_pairs=[pair], base_url=url)
        await stack.enter_async_context(exchange)
        await exchange.wait_ready()
        book = exchange.get_order_book(pair)
        assert book.best_bid is not None and book.best_ask is not None
        rule = exchange.trading_rules[pair]
        amount = max(rule.min_order_size, Decimal("0.001"))

        buy = await exchange.place_order(
            TradeType.BUY, pair, amount, OrderType.LIMIT, book.best_bid * Decimal("0.95")
        )
        print(f"LIMIT buy {buy.amount} @ {buy.price}: {buy.current_state.value}")
        sell = await exchange.place_order(
            TradeType.SELL, pair, amount, OrderType.LIMIT_MAKER, book.best_ask * Decimal("1.05")
        )
        print(f"LIMIT_MAKER sell {sell.amount} @ {sell.price}: {sell.current_state.value}")

        for order in (buy, sell):
            done = await exchange.cancel_order(pair, order.client_order_id)
            print(f"cancel {order.client_order_id}: {done.current_state.value}")
        states = {buy.current_state, sell.current_state}
        return 0 if states == {OrderState.CANCELED} else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url")
    parser.add_argument("--key")
    parser.add_argument("--secret")
    parser.add_argument("--passphrase")
    parser.add_argument("--pair", default="BTC-USDT")
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.url, args.key, args.secret, args.passphrase, args.pair)))
