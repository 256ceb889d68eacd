"""`kucoin-connector demo`: the connector against the embedded simulator, end to end.

Starts the simulator on a free loopback port, connects a ``KucoinExchange`` to it over real
HTTP and WebSocket, shows the live top of book, places a resting LIMIT, a LIMIT_MAKER and
a MARKET order, cancels, prints every event as it happens and ends with a summary.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TextIO

from .core.errors import ConfigurationError
from .core.events import (
    BalanceUpdatedEvent,
    ConnectorEvent,
    OrderBookResyncedEvent,
    OrderCancelledEvent,
    OrderCompletedEvent,
    OrderCreatedEvent,
    OrderFailedEvent,
    OrderFilledEvent,
)
from .core.order_book import OrderBook
from .core.order_rules import quantize_up
from .core.types import OrderType, TradeType, TradingRule, split_trading_pair
from .kucoin.exchange import KucoinExchange
from .paper_trade.exchange import PaperExchange
from .registry import get_connector
from .simulator import KucoinSimulator

DEMO_AMOUNT = Decimal("0.01")
"""The demo's order size, raised to the pair's minimum order size and value when below."""


@dataclass(frozen=True)
class DemoSettings:
    """What ``kucoin-connector demo`` runs: the pair, how long to watch, the market seed."""

    pair: str = "BTC-USDT"
    seconds: float = 6.0
    seed: int = 7
    connector: str = "kucoin"  # or a paper connector, e.g. kucoin_paper_trade


DemoExchange = KucoinExchange | PaperExchange


def build_demo_exchange(settings: DemoSettings, sim: KucoinSimulator) -> DemoExchange:
    """The live connector with the simulator's keys, or a paper one on its public feed."""
    if settings.connector == "kucoin":
        creds = sim.credentials
        return KucoinExchange(
            creds.api_key,
            creds.api_secret,
            creds.passphrase,
            trading_pairs=[settings.pair],
            base_url=sim.rest_url,
        )
    spec = get_connector(settings.connector)
    exchange = spec.build(
        spec.make_config({"base_url": sim.rest_url}), trading_pairs=[settings.pair]
    )
    if not isinstance(exchange, PaperExchange):
        raise ConfigurationError("the demo runs kucoin or a paper connector (kucoin_paper_trade)")
    return exchange


def plain(value: Decimal) -> str:
    """A Decimal without trailing zeros and never in exponent notation."""
    return f"{value.normalize():f}"


def describe_event(event: ConnectorEvent) -> str | None:
    """One readable line per event (None for events the demo does not narrate)."""
    cid = getattr(event, "client_order_id", "")
    short = cid[-8:] if cid else ""
    if isinstance(event, OrderCreatedEvent):
        price = f" @ {event.price}" if event.price is not None else ""
        return (
            f"order …{short} accepted: {event.trade_type.value} {event.amount} "
            f"{event.trading_pair} {event.order_type.value}{price}"
        )
    if isinstance(event, OrderFilledEvent):
        role = "?" if event.is_maker is None else ("maker" if event.is_maker else "taker")
        return (
            f"order …{short} filled {event.amount} @ {event.price} ({role}, "
            f"fee {plain(event.fee.amount)} {event.fee.asset})"
        )
    if isinstance(event, OrderCompletedEvent):
        return (
            f"order …{short} completely filled: {event.base_asset_amount} for "
            f"{plain(event.quote_asset_amount)} (avg {event.average_price})"
        )
    if isinstance(event, OrderCancelledEvent):
        return f"order …{short} cancelled"
    if isinstance(event, OrderFailedEvent):
        return f"order …{short} failed: {event.reason}"
    if isinstance(event, BalanceUpdatedEvent):
        return (
            f"balance {event.asset}: total {plain(event.total)}, available {plain(event.available)}"
        )
    if isinstance(event, OrderBookResyncedEvent):
        return f"order book {event.trading_pair} synced ({event.reason})"
    return None


def demo_amount(rule: TradingRule, price: Decimal) -> Decimal:
    """The demo's order size on this pair: DEMO_AMOUNT, or the smallest size the pair
    accepts (its minimum order size, and its minimum value at twice the minimum) if more."""
    wanted = max(DEMO_AMOUNT, rule.min_order_size)
    if rule.min_notional_size > 0 and price > 0:
        wanted = max(wanted, rule.min_notional_size * 2 / price)
    leading_digit = Decimal(1).scaleb(wanted.adjusted())  # 1.9996 -> 2, 0.013 -> 0.02
    return quantize_up(quantize_up(wanted, leading_digit), rule.min_base_amount_increment)


def format_top_of_book(book: OrderBook, depth: int = 3) -> str:
    """The best ``depth`` levels of each side, asks above bids, with the spread."""
    asks = list(reversed(book.asks(depth)))
    bids = book.bids(depth)
    lines = [f"    ask {price:>14} x {size}" for price, size in asks]
    spread = book.best_ask - book.best_bid if book.best_ask and book.best_bid else None
    lines.append(f"    ---- spread {spread} ----")
    lines += [f"    bid {price:>14} x {size}" for price, size in bids]
    return "\n".join(lines)


async def run_demo(settings: DemoSettings, out: TextIO) -> int:
    """Run the demo, narrating to ``out``; returns the exit code."""
    start = time.monotonic()
    say: Callable[[str], None] = lambda text: print(  # noqa: E731
        f"[{time.monotonic() - start:6.2f}s] {text}", file=out, flush=True
    )
    base, quote = split_trading_pair(settings.pair)
    counts: Counter[str] = Counter()
    say(f"starting the local KuCoin simulator (seed {settings.seed}, pair {settings.pair})")
    async with KucoinSimulator(
        pairs=[settings.pair],
        seed=settings.seed,
        activity=True,
        balances={quote: Decimal(100_000), base: Decimal(5)},
    ) as sim:
        say(f"simulator serving KuCoin's REST API at {sim.rest_url}")
        exchange = build_demo_exchange(settings, sim)
        if isinstance(exchange, PaperExchange):
            say(f"{exchange.name}: paper trading on the simulator's public feed, no keys")

        def narrate(event: ConnectorEvent) -> None:
            counts[type(event).__name__] += 1
            line = describe_event(event)
            if line:
                say(line)

        exchange.add_listener(narrate)
        async with exchange:
            await exchange.wait_ready()
            say("connector ready: rules loaded, balances fetched, streams live")
            book = exchange.get_order_book(settings.pair)
            say(f"top of book {settings.pair}:\n{format_top_of_book(book)}")
            await _trade(exchange, settings, say)
            await _watch(exchange, settings, say)
            await exchange.cancel_all()
            await asyncio.sleep(0.3)
            _summary(exchange, settings, counts, say)
            if isinstance(exchange, PaperExchange):
                say(exchange.session_report(settings.pair).table(max_rows=8))
    return 0


async def _trade(
    exchange: DemoExchange, settings: DemoSettings, say: Callable[[str], None]
) -> None:
    pair = settings.pair
    book = exchange.get_order_book(pair)
    bid, ask = book.best_bid, book.best_ask
    assert bid is not None and ask is not None
    amount = demo_amount(exchange.trading_rules[pair], ask)
    base, quote = split_trading_pair(pair)
    if amount > exchange.get_available_balance(base) or amount * 2 * ask > (
        exchange.get_available_balance(quote)
    ):
        raise ConfigurationError(
            f"the demo's account cannot afford {plain(amount)} {base} on {pair}, this pair's "
            "smallest order; try a pair quoted in USDT, e.g. BTC-USDT"
        )
    if amount != DEMO_AMOUNT:
        say(
            f"{pair}: {plain(DEMO_AMOUNT)} is below this pair's minimum order size or value; "
            f"the demo orders {plain(amount)} instead"
        )
    limit_price, maker_price = bid * Decimal("0.98"), ask * Decimal("1.02")
    say(f"placing a resting LIMIT buy {plain(amount)} {pair} at {plain(limit_price)}")
    limit = await exchange.place_order(TradeType.BUY, pair, amount, OrderType.LIMIT, limit_price)
    _say_rounding(say, limit_price, limit.price)
    say(f"placing a LIMIT_MAKER (post-only) sell {plain(amount)} at {plain(maker_price)}")
    maker = await exchange.place_order(
        TradeType.SELL, pair, amount, OrderType.LIMIT_MAKER, maker_price
    )
    _say_rounding(say, maker_price, maker.price)
    say(
        f"placing a MARKET buy of {plain(amount * 2)} (while it executes the exchange holds "
        f"its {split_trading_pair(pair)[1]}: a balance update may show available 0 "
        "until the order completes; that is expected)"
    )
    await exchange.place_order(TradeType.BUY, pair, amount * 2, OrderType.MARKET)
    await asyncio.sleep(0.5)
    for order in (limit, maker):
        say(f"cancelling order …{order.client_order_id[-8:]}")
        await exchange.cancel_order(pair, order.client_order_id)


def _say_rounding(say: Callable[[str], None], asked: Decimal, sent: Decimal | None) -> None:
    if sent is not None and sent != asked:
        say(
            f"    (price {plain(asked)} rounded to {plain(sent)}, a multiple of the pair's "
            "price increment: buys round down, sells round up)"
        )


async def _watch(
    exchange: DemoExchange, settings: DemoSettings, say: Callable[[str], None]
) -> None:
    deadline = time.monotonic() + settings.seconds
    book = exchange.get_order_book(settings.pair)
    quotes: list[str] = []
    while time.monotonic() < deadline:
        if isinstance(exchange, PaperExchange):  # a tiny strategy: quote around the mid
            quotes = await _requote(exchange, settings.pair, quotes, say)
        await asyncio.sleep(min(1.5, max(0.0, deadline - time.monotonic())))
        say(
            f"live book {settings.pair}: bid {book.best_bid} / ask {book.best_ask}, "
            f"{book.bid_depth}+{book.ask_depth} levels, sequence {book.last_update_id}"
        )


async def _requote(
    exchange: PaperExchange, pair: str, quotes: list[str], say: Callable[[str], None]
) -> list[str]:
    for client_order_id in quotes:
        order = exchange.in_flight_orders.get(client_order_id)
        if order is not None and not order.is_done:
            await exchange.cancel_order(pair, client_order_id)
    mid = exchange.get_order_book(pair).mid_price
    if mid is None:
        return []
    half = mid * Decimal("0.0003")
    say(f"quoting 0.005 {pair} at {mid - half:.1f} / {mid + half:.1f}")
    bid = exchange.buy(pair, Decimal("0.005"), OrderType.LIMIT, mid - half)
    return [bid, exchange.sell(pair, Decimal("0.005"), OrderType.LIMIT, mid + half)]


def _summary(
    exchange: DemoExchange,
    settings: DemoSettings,
    counts: Counter[str],
    say: Callable[[str], None],
) -> None:
    base, quote = split_trading_pair(settings.pair)
    say("summary:")
    for name, count in sorted(counts.items()):
        say(f"    {name:<24} {count}")
    for asset in (base, quote):
        say(
            f"    balance {asset:<6} total {plain(exchange.get_balance(asset))} "
            f"available {plain(exchange.get_available_balance(asset))}"
        )
    open_orders = [o for o in exchange.in_flight_orders.values() if not o.is_done]
    say(f"    open orders left: {len(open_orders)}")
