"""The perpetual demo: ``kucoin_perpetual`` against an embedded KuCoin Futures simulator.

:func:`run_perpetual_demo` starts the futures simulator on a free loopback port, connects
a :class:`KucoinPerpetualExchange` to it over real HTTP and WebSocket, and walks through
both position modes with :func:`trade_both_position_modes`: in Hedge mode it opens a long
and a short side by side, adds to both, partially closes and closes both; in One-way mode
the same for a long, then a short. Every event and position is printed; a funding
settlement closes the show. Intended for ``kucoin-connector demo --connector
kucoin_perpetual``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TextIO

from .core.events import (
    ConnectorEvent,
    FundingPaymentEvent,
    OrderFilledEvent,
    PositionChangedEvent,
)
from .core.types import OrderType, PositionAction, PositionMode, PositionSide, TradeType
from .kucoin_perpetual import KucoinPerpetualExchange, PerpetualOrderOptions
from .simulator.kucoin_futures import KucoinFuturesSimulator

__all__ = [
    "PerpetualDemoSettings",
    "Step",
    "describe_perpetual_event",
    "run_perpetual_demo",
    "steps_for",
    "trade_both_position_modes",
]

CLOSE = PerpetualOrderOptions(position_action=PositionAction.CLOSE)


@dataclass(frozen=True)
class PerpetualDemoSettings:
    """What the perpetual demo trades: the pair, one lot's amount, the market's seed."""

    pair: str = "BTC-USDT"
    lot_amount: Decimal = Decimal("0.001")  # one XBTUSDTM lot; every step is whole lots
    seed: int = 7


@dataclass(frozen=True)
class Step:
    """One market order of the walk-through and the position it leads to."""

    what: str
    trade_type: TradeType
    lots: int
    close: bool
    side: PositionSide
    lots_after: int  # the size of ``side`` once the order is filled, in lots


def steps_for(mode: PositionMode) -> list[Step]:
    """Open, add to, partially close and close a long and a short in ``mode``: side by
    side in Hedge mode, one after the other in One-way mode (where they net)."""
    buy, sell = TradeType.BUY, TradeType.SELL
    if mode is PositionMode.HEDGE:
        long_, short = PositionSide.LONG, PositionSide.SHORT
        return [
            Step("open a long", buy, 4, False, long_, 4),
            Step("open a short beside it", sell, 3, False, short, 3),
            Step("add to the long", buy, 2, False, long_, 6),
            Step("add to the short", sell, 3, False, short, 6),
            Step("partially close the long", sell, 3, True, long_, 3),
            Step("partially close the short", buy, 2, True, short, 4),
            Step("close the long", sell, 3, True, long_, 0),
            Step("close the short", buy, 4, True, short, 0),
        ]
    both = PositionSide.BOTH
    return [
        Step("open a long", buy, 4, False, both, 4),
        Step("add to the long", buy, 2, False, both, 6),
        Step("partially close the long", sell, 3, True, both, 3),
        Step("close the long", sell, 3, True, both, 0),
        Step("open a short", sell, 3, False, both, 3),
        Step("add to the short", sell, 3, False, both, 6),
        Step("partially close the short", buy, 2, True, both, 4),
        Step("close the short", buy, 4, True, both, 0),
    ]


def describe_perpetual_event(event: ConnectorEvent) -> str | None:
    """One readable line for a fill, a position change or a funding payment."""
    if isinstance(event, OrderFilledEvent):
        return (
            f"  fill: {event.trade_type.value} {event.amount} {event.trading_pair} "
            f"@ {event.price} (fee {event.fee.amount} {event.fee.asset})"
        )
    if isinstance(event, PositionChangedEvent):
        return (
            f"  position {event.trading_pair} {event.position_side.value}: {event.amount} "
            f"@ {event.entry_price}, margin {event.margin}, "
            f"realised PnL {event.realized_pnl}"
        )
    if isinstance(event, FundingPaymentEvent):
        return (
            f"  funding {event.trading_pair} {event.position_side.value}: {event.amount} "
            f"{event.settlement_currency} at rate {event.funding_rate}"
        )
    return None


async def trade_both_position_modes(
    exchange: KucoinPerpetualExchange,
    say: Callable[[str], None],
    *,
    pair: str = "BTC-USDT",
    lot_amount: Decimal = Decimal("0.001"),
) -> None:
    """Hedge mode, then One-way mode: every step of :func:`steps_for`, each position
    printed once the connector tracks what the exchange holds."""
    for mode in (PositionMode.HEDGE, PositionMode.ONEWAY):
        await exchange.set_position_mode(mode)
        say(f"position mode: {(await exchange.position_mode(refresh=True)).value}")
        for step in steps_for(mode):
            amount = lot_amount * step.lots
            say(f"{step.what}: MARKET {step.trade_type.value} {amount} {pair}")
            options = CLOSE if step.close else None
            await exchange.place_order(
                step.trade_type, pair, amount, OrderType.MARKET, options=options
            )
            size = await _tracked_size(exchange, pair, step.side, lot_amount * step.lots_after)
            say(f"-> {step.side.value} position of {pair}: {size}")


async def _tracked_size(
    exchange: KucoinPerpetualExchange, pair: str, side: PositionSide, size: Decimal
) -> Decimal:
    """Wait until the tracked ``side`` position has ``size`` (absolute); return it signed."""
    for _ in range(500):
        pos = exchange.positions.get(pair, side)
        amount = pos.amount if pos is not None else Decimal(0)
        if abs(amount) == size:
            return amount
        await asyncio.sleep(0.01)
    raise TimeoutError(f"the {side.value} position of {pair} did not reach {size}")


async def run_perpetual_demo(settings: PerpetualDemoSettings, out: TextIO) -> int:
    """The whole demo against an embedded futures simulator; 0 when it went through."""

    def say(line: str) -> None:
        print(line, file=out, flush=True)

    def narrate(event: ConnectorEvent) -> None:
        line = describe_perpetual_event(event)
        if line is not None:
            say(line)

    async with KucoinFuturesSimulator(seed=settings.seed, activity=False) as sim:
        say(f"futures simulator serving KuCoin Futures' REST API at {sim.rest_url}")
        creds = sim.credentials
        exchange = KucoinPerpetualExchange(
            creds.api_key,
            creds.api_secret,
            creds.passphrase,
            trading_pairs=[settings.pair],
            base_url=sim.rest_url,
        )
        exchange.events.add_listener(
            narrate, OrderFilledEvent, PositionChangedEvent, FundingPaymentEvent
        )
        async with exchange:
            await exchange.wait_ready(10)
            say(f"connector ready: {settings.pair} is {exchange.symbol_for_pair(settings.pair)}")
            await trade_both_position_modes(
                exchange, say, pair=settings.pair, lot_amount=settings.lot_amount
            )
            await _show_funding(exchange, sim, settings, say)
            await exchange.refresh_balances()
            say(f"summary: USDT balance {exchange.get_balance('USDT')}")
    return 0


async def _show_funding(
    exchange: KucoinPerpetualExchange,
    sim: KucoinFuturesSimulator,
    settings: PerpetualDemoSettings,
    say: Callable[[str], None],
) -> None:
    """Hold a long through one funding settlement (the simulator settles on demand)."""
    say("funding: holding a long while the exchange settles funding")
    await exchange.place_order(
        TradeType.BUY, settings.pair, settings.lot_amount * 2, OrderType.MARKET
    )
    await _tracked_size(exchange, settings.pair, PositionSide.BOTH, settings.lot_amount * 2)
    seen: list[FundingPaymentEvent] = []
    exchange.events.add_listener(
        lambda e: seen.append(e) if isinstance(e, FundingPaymentEvent) else None,
        FundingPaymentEvent,
    )
    sim.settle_funding(exchange.symbol_for_pair(settings.pair))
    for _ in range(500):
        if seen:
            break
        await asyncio.sleep(0.01)
    await exchange.place_order(
        TradeType.SELL, settings.pair, settings.lot_amount * 2, OrderType.MARKET, options=CLOSE
    )
    await _tracked_size(exchange, settings.pair, PositionSide.BOTH, Decimal(0))
