"""Track fills and balances from the exchange's own events while a MARKET order executes.

    python examples/track_fills.py                       # against an embedded simulator

Consumes the connector's events as an async iterator: one `OrderFilledEvent` per trade,
then `OrderCompletedEvent`, with balance updates as the private stream reports them.
"""

from __future__ import annotations

import argparse
import asyncio
from contextlib import AsyncExitStack
from decimal import Decimal

from kucoin_connector import (
    BalanceUpdatedEvent,
    KucoinExchange,
    OrderCompletedEvent,
    OrderFilledEvent,
    OrderType,
)
from kucoin_connector.simulator import KucoinSimulator


async def main(url: str | None = None, pair: str = "BTC-USDT", amount: str = "0.05") -> int:
    async with AsyncExitStack() as stack:
        key = secret = passphrase = None
        if url is None:
            sim = await stack.enter_async_context(KucoinSimulator(pairs=[pair], seed=11))
            url = sim.rest_url
            creds = sim.credentials
            key, secret, passphrase = creds.api_key, creds.api_secret, creds.passphrase
        exchange = KucoinExchange(key, secret, passphrase, trading_pairs=[pair], base_url=url)
        await stack.enter_async_context(exchange)
        await exchange.wait_ready()
        events = exchange.event_stream(OrderFilledEvent, OrderCompletedEvent, BalanceUpdatedEvent)
        async with events:
            client_order_id = exchange.buy(pair, Decimal(amount), OrderType.MARKET)
            print(f"market buy {amount} {pair} sent as {client_order_id}")
            filled = Decimal(0)
            async with asyncio.timeout(15):
                async for event in events:
                    if isinstance(event, OrderFilledEvent):
                        filled += event.amount
                        print(
                            f"fill {event.trade_id}: {event.amount} @ {event.price} "
                            f"fee {event.fee.amount} {event.fee.asset}"
                        )
                    elif isinstance(event, BalanceUpdatedEvent):
                        print(f"balance {event.asset}: {event.total} ({event.available} free)")
                    elif event.client_order_id == client_order_id:
                        print(
                            f"completed: {event.base_asset_amount} "
                            f"for {event.quote_asset_amount} avg {event.average_price}"
                        )
                        break
        return 0 if filled == Decimal(amount) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url")
    parser.add_argument("--pair", default="BTC-USDT")
    parser.add_argument("--amount", default="0.05")
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.url, args.pair, args.amount)))
