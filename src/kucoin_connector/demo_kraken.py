"""The Kraken demo: ``kraken`` against an embedded Kraken simulator, the KuCoin demo's story.

:func:`run_kraken_demo` starts the Kraken simulator on a free loopback port, connects a
:class:`KrakenExchange` to it over real HTTP and WebSocket v2, waits for a book whose
CRC32 checksum verified, shows the top of it, places a resting LIMIT buy below the market,
takes liquidity with a MARKET buy, cancels the resting order and prints every event and
the balances. Intended for ``kucoin-connector demo --connector kraken``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TextIO

from .core.events import ConnectorEvent
from .core.types import OrderState, OrderType, TradeType
from .demo import describe_event, plain
from .kraken.book import KrakenBook
from .kraken.exchange import KrakenExchange
from .simulator.kraken.server import KrakenSimulator

__all__ = ["KrakenDemoSettings", "run_kraken_demo"]


@dataclass(frozen=True)
class KrakenDemoSettings:
    """What the Kraken demo trades: the pair, each order's amount, the market's seed."""

    pair: str = "BTC-USD"
    amount: Decimal = Decimal("0.002")
    seed: int = 7


async def run_kraken_demo(settings: KrakenDemoSettings, out: TextIO) -> int:
    """Run the story; 0 when every order ended as it should."""

    def say(text: str) -> None:
        print(text, file=out, flush=True)

    async with KrakenSimulator(pairs=[settings.pair], seed=settings.seed) as sim:
        say(f"Kraken simulator at {sim.rest_url} (WebSocket v2 {sim.ws_url})")
        creds = sim.credentials
        exchange = KrakenExchange(
            creds.api_key,
            creds.api_secret,
            trading_pairs=[settings.pair],
            base_url=sim.rest_url,
            ws_public_url=sim.ws_url,
            ws_private_url=sim.ws_url,
        )

        def narrate(event: ConnectorEvent) -> None:
            line = describe_event(event)
            if line is not None:
                say(f"  event: {line}")

        exchange.events.add_listener(narrate)
        async with exchange:
            book = await _verified_book(exchange, settings.pair)
            say(f"book {settings.pair} verified (CRC32 {book.checksum()}):")
            for price, size in reversed(book.asks()[:3]):
                say(f"    ask {price:>12} x {size}")
            for price, size in book.bids()[:3]:
                say(f"    bid {price:>12} x {size}")
            return await _trade(exchange, book, settings, say)


async def _trade(
    exchange: KrakenExchange,
    book: KrakenBook,
    settings: KrakenDemoSettings,
    say: Callable[[str], None],
) -> int:
    bid = book.best_bid()
    assert bid is not None
    pair, amount = settings.pair, settings.amount
    resting = await exchange.place_order(
        TradeType.BUY, pair, amount, OrderType.LIMIT, bid * Decimal("0.98")
    )
    say(f"LIMIT buy {amount} @ {resting.price}: {resting.current_state.value}")
    taker = await exchange.place_order(TradeType.BUY, pair, amount, OrderType.MARKET)
    for _ in range(250):
        if taker.current_state is OrderState.FILLED:
            break
        await asyncio.sleep(0.02)
    say(f"MARKET buy {amount}: {taker.current_state.value}")
    cancelled = await exchange.cancel_order(pair, resting.client_order_id)
    say(f"cancel LIMIT buy: {cancelled.current_state.value}")
    await exchange.refresh_balances()
    for asset in ("USD", "BTC"):
        say(f"balance {asset}: {plain(exchange.get_balance(asset))}")
    ok = taker.current_state is OrderState.FILLED and cancelled.current_state is (
        OrderState.CANCELED
    )
    return 0 if ok else 1


async def _verified_book(exchange: KrakenExchange, pair: str) -> KrakenBook:
    for _ in range(500):
        book = exchange.order_book(pair)
        if book is not None and book.best_bid() is not None and book.best_ask() is not None:
            return book
        await asyncio.sleep(0.02)
    raise TimeoutError(f"no verified {pair} book")
