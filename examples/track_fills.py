"""Track fills and balances from the exchange's own events while a MARKET order executes.

    python examples/track_fills.py                       # against an embedded simulator
    python examples/track_fills.py --url http://127.0.0.1:8080 \\
        --key sim-api-key --secret sim-api-secret --passphrase sim-passphrase

Against a running ``kucoin-connector simulator`` (or, with care, KuCoin itself) the keys
come from ``--key/--secret/--passphrase`` or ``KUCOIN_API_KEY`` / ``KUCOIN_API_SECRET`` /
``KUCOIN_API_PASSPHRASE``. Consumes the connector's events as an async iterator: one
`OrderFilledEvent` per trade, then `OrderCompletedEvent`, with balance updates as the
private stream reports them; a failed order ends the script with its reason.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from contextlib import AsyncExitStack
from decimal import Decimal

from kucoin_connector import (
    BalanceUpdatedEvent,
    KucoinExchange,
    OrderCompletedEvent,
    OrderFailedEvent,
    OrderFilledEvent,
    OrderType,
)
from kucoin_connector.simulator import KucoinSimulator

WAIT_S = 15


async def main(
    url: str | None = None,
    pair: str = "BTC-USDT",
    amount: str = "0.05",
    keys: tuple[str, str, str] | None = None,
) -> int:
    async with AsyncExitStack() as stack:
        if url is None:
            sim = await stack.enter_async_context(KucoinSimulator(pairs=[pair], seed=11))
            url = sim.rest_url
            creds = sim.credentials
            keys = (creds.api_key, creds.api_secret, creds.passphrase)
        if keys is None:
            print("error: --url needs API keys: --key/--secret/--passphrase or KUCOIN_API_*")
            return 2
        exchange = KucoinExchange(*keys, trading_pairs=[pair], base_url=url)
        await stack.enter_async_context(exchange)
        await exchange.wait_ready()
        return await buy_and_track(exchange, pair, Decimal(amount))
    return 1  # unreachable: keeps type checkers sure of the return


async def buy_and_track(exchange: KucoinExchange, pair: str, amount: Decimal) -> int:
    events = exchange.event_stream(
        OrderFilledEvent, OrderCompletedEvent, OrderFailedEvent, BalanceUpdatedEvent
    )
    async with events:
        client_order_id = exchange.buy(pair, amount, OrderType.MARKET)
        print(f"market buy {amount} {pair} sent as {client_order_id}")
        filled = Decimal(0)
        try:
            async with asyncio.timeout(WAIT_S):
                async for event in events:
                    if isinstance(event, OrderFilledEvent):
                        filled += event.amount
                        print(
                            f"fill {event.trade_id}: {event.amount} @ {event.price} "
                            f"fee {event.fee.amount} {event.fee.asset}"
                        )
                    elif isinstance(event, BalanceUpdatedEvent):
                        print(f"balance {event.asset}: {event.total} ({event.available} free)")
                    elif event.client_order_id != client_order_id:
                        continue
                    elif isinstance(event, OrderFailedEvent):
                        print(f"the order failed: {event.reason}")
                        return 1
                    else:
                        print(
                            f"completed: {event.base_asset_amount} "
                            f"for {event.quote_asset_amount} avg {event.average_price}"
                        )
                        break
        except TimeoutError:
            print(
                f"no completion within {WAIT_S} s (filled {filled} of {amount}): the market "
                "may be too thin, or the private stream is not reaching this connector"
            )
            return 1
    return 0 if filled == amount else 1


def keys_from(args: argparse.Namespace) -> tuple[str, str, str] | None:
    """The three key parts from the options, else the environment; None if incomplete."""
    key = args.key or os.environ.get("KUCOIN_API_KEY")
    secret = args.secret or os.environ.get("KUCOIN_API_SECRET")
    passphrase = args.passphrase or os.environ.get("KUCOIN_API_PASSPHRASE")
    return (key, secret, passphrase) if key and secret and passphrase else None


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="REST base URL (default: an embedded simulator)")
    parser.add_argument("--pair", default="BTC-USDT", help="trading pair (default BTC-USDT)")
    parser.add_argument("--amount", default="0.05", help="base amount to buy (default 0.05)")
    parser.add_argument("--key", help="API key (else KUCOIN_API_KEY)")
    parser.add_argument("--secret", help="API secret (else KUCOIN_API_SECRET)")
    parser.add_argument("--passphrase", help="API passphrase (else KUCOIN_API_PASSPHRASE)")
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.url, args.pair, args.amount, keys_from(args))))
