"""ccxt 4.5.90 ``kucoinfutures``, unchanged, against the KuCoin Futures simulator (runs in
.venv-peers; see steps.py).

ccxt talks to two hosts: the futures one (``futuresPublic``/``futuresPrivate``) and the
spot one, which it asks during ``load_markets`` with a key (account mode, currencies,
margin symbols, opened accounts). Both are pointed at simulators through ``urls['api']``,
the only configuration besides ``enableRateLimit``. Flows (``--flow``): ``futures`` (REST:
markets, book, balance, modes, leverage, funding, orders, positions, fills, candles),
``hedge`` (a long and a short at once in hedge mode), ``ohlcv`` (1m and 5m candles) and
``pro`` (ccxt.pro
``watch_order_book`` and ``watch_orders``).
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import ccxt.async_support as ccxt_async  # type: ignore[import-not-found, unused-ignore]
import ccxt.pro as ccxt_pro  # type: ignore[import-not-found, unused-ignore]

from peers.clients.steps import areport, peer_arguments, run_step

SYMBOL = "BTC/USDT:USDT"
SPOT_API_NAMES = ("public", "private", "uta", "utaV2", "utaPrivate")
FUTURES_API_NAMES = ("futuresPublic", "futuresPrivate")


def configure(exchange: Any, spot_url: str, futures_url: str) -> Any:
    """Point ccxt's spot hosts at the spot simulator, its futures hosts at the futures one."""
    for name in SPOT_API_NAMES:
        exchange.urls["api"][name] = spot_url
    for name in FUTURES_API_NAMES:
        exchange.urls["api"][name] = futures_url
    return exchange


def swap_markets(markets: dict[str, Any]) -> dict[str, Any]:
    """The markets ccxt built, with the fields the test compares (JSON-sized)."""
    keys = ("id", "type", "swap", "linear", "base", "quote", "settle", "contractSize")
    return {
        symbol: {**{key: market[key] for key in keys}, "precision": market["precision"]}
        for symbol, market in markets.items()
    }


async def futures_flow(exchange: Any) -> None:
    markets = await run_step("load_markets", exchange.load_markets)
    await areport("markets", swap_markets(markets))
    book = await run_step("fetch_order_book", lambda: exchange.fetch_order_book(SYMBOL))
    await run_step("fetch_balance", exchange.fetch_balance)
    await modes_steps(exchange)
    await run_step("fetch_funding_rate", lambda: exchange.fetch_funding_rate(SYMBOL))
    bid, ask = book["bids"][0][0], book["asks"][0][0]
    far_price = float(exchange.price_to_precision(SYMBOL, bid * 0.9))
    order = await run_step(
        "create_order", lambda: exchange.create_order(SYMBOL, "limit", "buy", 2, far_price)
    )
    await run_step("fetch_order", lambda: exchange.fetch_order(order["id"], SYMBOL))
    await run_step("fetch_open_orders", lambda: exchange.fetch_open_orders(SYMBOL))
    await run_step("cancel_order", lambda: exchange.cancel_order(order["id"], SYMBOL))
    taker = await run_step(
        "create_crossing_order", lambda: exchange.create_order(SYMBOL, "limit", "buy", 3, ask)
    )
    await run_step("fetch_filled_order", lambda: exchange.fetch_order(taker["id"], SYMBOL))
    await run_step("fetch_positions", lambda: exchange.fetch_positions([SYMBOL]))
    await run_step("fetch_my_trades", lambda: exchange.fetch_my_trades(SYMBOL))
    await run_step("fetch_balance_with_position", exchange.fetch_balance)
    await run_step("fetch_ohlcv", lambda: exchange.fetch_ohlcv(SYMBOL, "1m"))
    await run_step("fetch_funding_history", lambda: exchange.fetch_funding_history(SYMBOL))
    await closing_steps(exchange, ask)


async def closing_steps(exchange: Any, ask: float) -> None:
    """An order beyond the margin wallet (refused), then a reduce-only market sell that
    closes the position."""
    refused = await error_of(lambda: exchange.create_order(SYMBOL, "limit", "buy", 100_000, ask))
    await areport("create_order_beyond_margin", refused)
    await run_step(
        "close_position",
        lambda: exchange.create_order(SYMBOL, "market", "sell", 3, None, {"reduceOnly": True}),
    )
    await run_step("fetch_positions_closed", lambda: exchange.fetch_positions([SYMBOL]))
    await run_step("fetch_balance_closed", exchange.fetch_balance)


async def error_of(call: Any) -> str:
    """The name of the ccxt exception ``call`` raised ("" if it did not raise)."""
    try:
        await call()
    except Exception as exc:
        return type(exc).__name__
    return ""


async def modes_steps(exchange: Any) -> None:
    """Position mode (hedge and back), margin mode, leverage: each checked by the test."""
    await run_step("fetch_position_mode", lambda: exchange.fetch_position_mode(SYMBOL))
    await run_step("set_hedge_mode", lambda: exchange.set_position_mode(True))
    await run_step("fetch_hedge_mode", lambda: exchange.fetch_position_mode(SYMBOL))
    await run_step("set_one_way_mode", lambda: exchange.set_position_mode(False))
    await run_step("set_margin_mode", lambda: exchange.set_margin_mode("cross", SYMBOL))
    await run_step("set_leverage", lambda: exchange.set_leverage(10, SYMBOL))


async def hedge_flow(exchange: Any) -> None:
    """Hedge mode: a long and a short at once (``positionSide``), closed, then one-way."""
    await run_step("load_markets", exchange.load_markets)
    await run_step("set_hedge_mode", lambda: exchange.set_position_mode(True))
    for step, side, amount, params in HEDGE_ORDERS:
        order = functools.partial(exchange.create_order, SYMBOL, "market", side, amount)
        await run_step(step, functools.partial(order, None, params))
        if step == "open_short":
            await run_step("fetch_hedged_positions", lambda: exchange.fetch_positions([SYMBOL]))
    await run_step("fetch_positions_closed", lambda: exchange.fetch_positions([SYMBOL]))
    await run_step("set_one_way_mode", lambda: exchange.set_position_mode(False))


HEDGE_ORDERS = (
    ("open_long", "buy", 2, {"positionSide": "LONG"}),
    ("open_short", "sell", 1, {"positionSide": "SHORT"}),
    ("close_long", "sell", 2, {"positionSide": "LONG", "reduceOnly": True}),
    ("close_short", "buy", 1, {"positionSide": "SHORT", "reduceOnly": True}),
)


async def ohlcv_flow(exchange: Any) -> None:
    await run_step("load_markets", exchange.load_markets)
    await run_step("fetch_ohlcv_1m", lambda: exchange.fetch_ohlcv(SYMBOL, "1m"))
    await run_step("fetch_ohlcv_5m", lambda: exchange.fetch_ohlcv(SYMBOL, "5m"))


FLOWS = {"futures": futures_flow, "hedge": hedge_flow, "ohlcv": ohlcv_flow}


async def pro_flow(exchange: Any) -> None:
    await run_step("load_markets", exchange.load_markets)
    book = await run_step("watch_order_book", lambda: exchange.watch_order_book(SYMBOL))
    target = (await areport("awaiting_sequence"))["sequence"]
    while book["nonce"] < target:
        book = await exchange.watch_order_book(SYMBOL)
    await areport("order_book_at_sequence", book)
    await areport("watch_orders", await watch_orders_until(exchange, "open"))
    await areport("watch_orders_filled", await watch_orders_until(exchange, "closed"))


async def watch_orders_until(exchange: Any, status: str) -> Any:
    """ccxt's own orders once one has ``status`` (its order cache first: a watch resolves
    on the next message only, and the cache is updated by every message)."""
    orders = list(exchange.orders or [])
    while not any(order["status"] == status for order in orders):
        orders = await exchange.watch_orders(SYMBOL)
    return orders


async def main() -> None:
    args = peer_arguments(__doc__ or "")
    factory = ccxt_pro.kucoinfutures if args.flow == "pro" else ccxt_async.kucoinfutures
    config = {
        "apiKey": args.key,
        "secret": args.secret,
        "password": args.passphrase,
        "enableRateLimit": False,
    }
    exchange = configure(factory(config), args.rest_url, args.futures_rest_url)
    try:
        await (pro_flow if args.flow == "pro" else FLOWS[args.flow])(exchange)
    finally:
        await exchange.close()
    await areport("done")


if __name__ == "__main__":
    asyncio.run(main())
