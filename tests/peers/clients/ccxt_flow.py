"""ccxt 4.5.90, unchanged, against the simulator (runs in .venv-peers; see steps.py).

Flows (``--flow``): ``public`` (no key), ``private`` (a v2 key), ``default`` (a v2 key:
the account-mode question ccxt asks first, on its own), ``pro`` (ccxt.pro WebSocket: order
book and own orders). ccxt runs with its default options; the only configuration is its
documented one: ``urls['api']``, and spot markets only (``fetchMarkets.types``) so that
it does not ask the futures host.
"""

from __future__ import annotations

import asyncio
from typing import Any

import ccxt.async_support as ccxt_async  # type: ignore[import-not-found, unused-ignore]
import ccxt.pro as ccxt_pro  # type: ignore[import-not-found, unused-ignore]

from peers.clients.steps import areport, peer_arguments, run_step

SYMBOL = "BTC/USDT"
# every spot REST host ccxt knows (all are api.kucoin.com on the real exchange)
REST_API_NAMES = ("public", "private", "uta", "utaV2", "utaPrivate")


def configure(exchange: Any, rest_url: str) -> Any:
    """Point ccxt's spot REST hosts at the simulator (the WS endpoint comes from the bullet)."""
    for name in REST_API_NAMES:
        exchange.urls["api"][name] = rest_url
    return exchange


def client_config(args: Any, *, keyed: bool) -> dict[str, Any]:
    options: dict[str, Any] = {"fetchMarkets": {"types": ["spot"]}}
    config: dict[str, Any] = {"options": options, "enableRateLimit": False}
    if keyed:
        config.update(apiKey=args.key, secret=args.secret, password=args.passphrase)
    return config


async def public_flow(exchange: Any) -> None:
    markets = await run_step("load_markets", exchange.load_markets)
    await areport("markets", sorted(markets))
    await run_step("fetch_order_book", lambda: exchange.fetch_order_book(SYMBOL, 20))
    await run_step("fetch_ticker", lambda: exchange.fetch_ticker(SYMBOL))
    await run_step("fetch_trades", lambda: exchange.fetch_trades(SYMBOL))
    await run_step("fetch_ohlcv", lambda: exchange.fetch_ohlcv(SYMBOL, "1m"))


async def private_flow(exchange: Any) -> None:
    await run_step("load_markets", exchange.load_markets)
    await run_step("fetch_balance", exchange.fetch_balance)
    book = await exchange.fetch_order_book(SYMBOL, 20)
    bid, ask = book["bids"][0][0], book["asks"][0][0]
    far_price = float(exchange.price_to_precision(SYMBOL, bid * 0.9))
    order = await run_step(
        "create_order", lambda: exchange.create_order(SYMBOL, "limit", "buy", 0.01, far_price)
    )
    await run_step("fetch_order", lambda: exchange.fetch_order(order["id"], SYMBOL))
    await run_step("fetch_open_orders", lambda: exchange.fetch_open_orders(SYMBOL))
    await run_step("cancel_order", lambda: exchange.cancel_order(order["id"], SYMBOL))
    await run_step("fetch_balance_after_cancel", exchange.fetch_balance)
    taker = await run_step(
        "create_crossing_order",
        lambda: exchange.create_order(SYMBOL, "limit", "buy", 0.001, ask),
    )
    await run_step("fetch_filled_order", lambda: exchange.fetch_order(taker["id"], SYMBOL))
    await run_step("fetch_my_trades", lambda: exchange.fetch_my_trades(SYMBOL))


async def default_flow(exchange: Any) -> None:
    await run_step("load_markets", exchange.load_markets)
    await run_step("fetch_balance", exchange.fetch_balance)


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
    """ccxt's own orders once one has ``status``. A watch resolves on the next message
    only, so ccxt's order cache (``exchange.orders``, updated by every message, also between
    two watches) is read first (KuCoin sends "received" before "open")."""
    orders = list(exchange.orders or [])
    while not any(order["status"] == status for order in orders):
        orders = await exchange.watch_orders(SYMBOL)
    return orders


FLOWS = {"public": public_flow, "private": private_flow, "default": default_flow}


async def main() -> None:
    args = peer_arguments(__doc__ or "")
    keyed = args.flow != "public"
    config = client_config(args, keyed=keyed)
    factory = ccxt_pro.kucoin if args.flow == "pro" else ccxt_async.kucoin
    exchange = configure(factory(config), args.rest_url)
    try:
        await (pro_flow if args.flow == "pro" else FLOWS[args.flow])(exchange)
    finally:
        await exchange.close()
    await areport("done")


if __name__ == "__main__":
    asyncio.run(main())
