"""ccxt 4.5.90 ``kraken``, unchanged, against the simulator's Kraken front-end (runs in
.venv-peers; see steps.py).

The only configuration is ``urls['api']`` (public and private hosts at the simulator) and
``enableRateLimit``. Flow ``spot``: markets, book, balance (BalanceEx), a resting order
(created, fetched, listed, canceled, not canceled twice), a crossing order, its fills,
candles, positions (none on spot). ``--passphrase``
is unused (Kraken keys have none).
"""

from __future__ import annotations

import asyncio
from typing import Any

import ccxt.async_support as ccxt_async  # type: ignore[import-not-found, unused-ignore]

from peers.clients.steps import areport, peer_arguments, run_step

SYMBOL = "BTC/USD"
API_NAMES = ("public", "private")


def markets_seen(markets: dict[str, Any]) -> dict[str, Any]:
    """The markets ccxt built, with the fields the test compares (JSON-sized)."""
    keys = ("id", "type", "spot", "base", "quote", "precision", "limits")
    return {symbol: {key: market[key] for key in keys} for symbol, market in markets.items()}


async def spot_flow(exchange: Any) -> None:
    markets = await run_step("load_markets", exchange.load_markets)
    await areport("markets", markets_seen(markets))
    book = await run_step("fetch_order_book", lambda: exchange.fetch_order_book(SYMBOL))
    await run_step("fetch_balance", exchange.fetch_balance)
    bid, ask = book["bids"][0][0], book["asks"][0][0]
    far_price = float(exchange.price_to_precision(SYMBOL, bid * 0.9))
    order = await run_step(
        "create_order", lambda: exchange.create_order(SYMBOL, "limit", "buy", 0.01, far_price)
    )
    await run_step("fetch_order", lambda: exchange.fetch_order(order["id"], SYMBOL))
    await run_step("fetch_open_orders", lambda: exchange.fetch_open_orders(SYMBOL))
    await run_step("cancel_order", lambda: exchange.cancel_order(order["id"], SYMBOL))
    await run_step("fetch_canceled_order", lambda: exchange.fetch_order(order["id"], SYMBOL))
    await areport("cancel_canceled_order", await error_of(exchange.cancel_order(order["id"])))
    taker = await run_step(
        "create_crossing_order",
        lambda: exchange.create_order(SYMBOL, "limit", "buy", 0.001, ask),
    )
    await run_step("fetch_filled_order", lambda: exchange.fetch_order(taker["id"], SYMBOL))
    await run_step("fetch_my_trades", lambda: exchange.fetch_my_trades(SYMBOL))
    await run_step("fetch_balance_after_trade", exchange.fetch_balance)
    await run_step("fetch_ohlcv", lambda: exchange.fetch_ohlcv(SYMBOL, "1m"))
    await run_step("fetch_positions", exchange.fetch_positions)


async def error_of(call: Any) -> str:
    """The name of the ccxt exception the awaitable ``call`` raised ("" if none)."""
    try:
        await call
    except Exception as exc:
        return type(exc).__name__
    return ""


async def main() -> None:
    args = peer_arguments(__doc__ or "")
    config = {"apiKey": args.key, "secret": args.secret, "enableRateLimit": False}
    exchange = ccxt_async.kraken(config)
    for name in API_NAMES:
        exchange.urls["api"][name] = args.rest_url
    try:
        await spot_flow(exchange)
    finally:
        await exchange.close()
    await areport("done")


if __name__ == "__main__":
    asyncio.run(main())
