"""python-kucoin 2.2.0, unchanged, against the simulator with a v1 key (runs in
.venv-peers; see steps.py). Its blocking ``Client``; the base URL is its ``API_URL``.

Flow ``classic``: server time, symbols, accounts, a resting limit order (placed, looked
up, cancelled), a crossing limit order and its fills.
"""

from __future__ import annotations

from typing import Any

from kucoin.client import Client  # type: ignore[import-not-found, unused-ignore]

from peers.clients.steps import peer_arguments, report, run_sync_step

SYMBOL = "BTC-USDT"


def classic_flow(client: Any) -> None:
    run_sync_step("get_timestamp", client.get_timestamp)
    run_sync_step("get_symbols", client.get_symbols)
    run_sync_step("get_accounts", lambda: client.get_accounts(account_type="trade"))
    book = client.get_order_book(SYMBOL)
    bid, ask = book["bids"][0][0], book["asks"][0][0]
    far_price = f"{float(bid) * 0.9:.1f}"
    placed = run_sync_step(
        "create_limit_order", lambda: client.create_limit_order(SYMBOL, "buy", far_price, "0.01")
    )
    run_sync_step("get_order", lambda: client.get_order(placed["orderId"]))
    run_sync_step("cancel_order", lambda: client.cancel_order(placed["orderId"]))
    run_sync_step("get_cancelled_order", lambda: client.get_order(placed["orderId"]))
    taker = run_sync_step(
        "create_crossing_order", lambda: client.create_limit_order(SYMBOL, "buy", ask, "0.001")
    )
    run_sync_step("get_recent_fills", client.get_recent_fills)
    report("get_fills_unsigned", refusal(lambda: client.get_fills("TRADE", taker["orderId"])))


def refusal(call: Any) -> str:
    """The error text of a call that must fail (python-kucoin 2.2.0 sends ``get_fills``
    unsigned, which KuCoin refuses with 400001)."""
    try:
        call()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return "accepted"


def main() -> None:
    args = peer_arguments(__doc__ or "")
    client = Client(args.key, args.secret, args.passphrase)
    client.API_URL = args.rest_url
    if args.flow != "classic":
        raise SystemExit(f"unknown flow {args.flow!r}")
    classic_flow(client)
    report("done")


if __name__ == "__main__":
    main()
