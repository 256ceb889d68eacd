"""Open, add to, partially close and close a long and a short in Hedge mode, then the
same in One-way mode; every fill, position change and funding payment is printed.

    python examples/perpetual_hedge_and_oneway.py      # an embedded futures simulator
    kucoin-connector simulator --venue kucoin_futures  # or a running one (port 8081):
    python examples/perpetual_hedge_and_oneway.py --url http://127.0.0.1:8081 \\
        --key sim-futures-key --secret sim-futures-secret --passphrase sim-futures-passphrase

Amounts are base units (0.001 BTC is one XBTUSDTM lot). Switching the position mode needs
no open position and no open order, as on KuCoin.
"""

from __future__ import annotations

import argparse
import asyncio
from contextlib import AsyncExitStack

from kucoin_connector.core.events import (
    ConnectorEvent,
    FundingPaymentEvent,
    OrderFilledEvent,
    PositionChangedEvent,
)
from kucoin_connector.demo_perpetual import describe_perpetual_event, trade_both_position_modes
from kucoin_connector.kucoin_perpetual import KucoinPerpetualExchange
from kucoin_connector.simulator.kucoin_futures import KucoinFuturesSimulator

PAIR = "BTC-USDT"


def print_event(event: ConnectorEvent) -> None:
    line = describe_perpetual_event(event)
    if line is not None:
        print(line)


async def main(
    url: str | None = None,
    key: str | None = None,
    secret: str | None = None,
    passphrase: str | None = None,
) -> int:
    async with AsyncExitStack() as stack:
        if url is None:
            sim = await stack.enter_async_context(KucoinFuturesSimulator(seed=9, activity=False))
            url, creds = sim.rest_url, sim.credentials
            key, secret, passphrase = creds.api_key, creds.api_secret, creds.passphrase
            print(f"embedded futures simulator at {url}")
        exchange = KucoinPerpetualExchange(
            key, secret, passphrase, trading_pairs=[PAIR], base_url=url
        )
        exchange.events.add_listener(
            print_event, OrderFilledEvent, PositionChangedEvent, FundingPaymentEvent
        )
        await stack.enter_async_context(exchange)
        await exchange.wait_ready()
        await trade_both_position_modes(exchange, print, pair=PAIR)
        for position in exchange.positions.for_pair(PAIR):
            print(f"final {position.position_side.value} position: {position.amount}")
        return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url")
    parser.add_argument("--key")
    parser.add_argument("--secret")
    parser.add_argument("--passphrase")
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.url, args.key, args.secret, args.passphrase)))
