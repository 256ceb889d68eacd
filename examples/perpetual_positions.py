"""Open a perpetual position, watch it and its funding, then close it.

    python examples/perpetual_positions.py          # against an embedded futures simulator
    python examples/perpetual_positions.py --url URL --key K --secret S --passphrase P

Amounts are in base units (0.01 BTC) and must be whole lots of the contract; the position
and the funding payment come from the exchange's own records.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from contextlib import AsyncExitStack
from decimal import Decimal

from kucoin_connector.core.events import FundingPaymentEvent, PositionChangedEvent
from kucoin_connector.core.positions import Position
from kucoin_connector.core.types import OrderType, PositionAction, PositionSide, TradeType
from kucoin_connector.kucoin_perpetual import KucoinPerpetualExchange, PerpetualOrderOptions
from kucoin_connector.simulator.kucoin_futures import KucoinFuturesSimulator

PAIR = "BTC-USDT"


async def main(
    url: str | None = None,
    key: str | None = None,
    secret: str | None = None,
    passphrase: str | None = None,
    amount: Decimal = Decimal("0.01"),
) -> int:
    async with AsyncExitStack() as stack:
        sim: KucoinFuturesSimulator | None = None
        if url is None:
            sim = await stack.enter_async_context(KucoinFuturesSimulator(seed=5))
            url = sim.rest_url
            creds = sim.credentials
            key, secret, passphrase = creds.api_key, creds.api_secret, creds.passphrase
        exchange = KucoinPerpetualExchange(
            key, secret, passphrase, trading_pairs=[PAIR], base_url=url
        )
        positions: list[PositionChangedEvent] = []
        funding: list[FundingPaymentEvent] = []
        exchange.events.add_listener(
            lambda e: positions.append(e) if isinstance(e, PositionChangedEvent) else None,
            PositionChangedEvent,
        )
        exchange.events.add_listener(
            lambda e: funding.append(e) if isinstance(e, FundingPaymentEvent) else None,
            FundingPaymentEvent,
        )
        await stack.enter_async_context(exchange)
        await exchange.wait_ready()
        print(f"position mode: {(await exchange.position_mode()).value}")

        opened = await exchange.place_order(TradeType.BUY, PAIR, amount, OrderType.MARKET)
        print(f"MARKET buy {opened.amount} BTC: {opened.current_state.value}")
        position = await _wait_for(exchange, lambda p: p is not None and p.amount == amount)
        assert position is not None
        print(f"long {position.amount} @ {position.entry_price}, margin {position.margin}")

        if sim is not None:  # the simulator settles funding on demand
            sim.settle_funding()
            await _until(lambda: bool(funding))
            paid = funding[-1]
            print(f"funding {paid.amount} {paid.settlement_currency} at rate {paid.funding_rate}")

        close = PerpetualOrderOptions(position_action=PositionAction.CLOSE)
        closed = await exchange.place_order(
            TradeType.SELL, PAIR, amount, OrderType.MARKET, options=close
        )
        print(f"MARKET sell (reduce-only) {closed.amount} BTC: {closed.current_state.value}")
        flat = await _wait_for(exchange, lambda p: p is None or p.amount == 0)
        print(f"position closed: {flat is None or flat.amount == 0}; {len(positions)} updates")
        return 0


async def _wait_for(
    exchange: KucoinPerpetualExchange, ok: Callable[[Position | None], bool]
) -> Position | None:
    """The tracked one-way position once ``ok`` holds for it."""
    for _ in range(200):
        pos = exchange.positions.get(PAIR, PositionSide.BOTH)
        if ok(pos):
            return pos
        await asyncio.sleep(0.025)
    raise TimeoutError("the position did not reach the expected state")


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.025)
    raise TimeoutError("condition not met")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url")
    parser.add_argument("--key")
    parser.add_argument("--secret")
    parser.add_argument("--passphrase")
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.url, args.key, args.secret, args.passphrase)))
