"""Snapshots sent right after a subscription ack."""

from __future__ import annotations

from typing import Any

from .book_views import book_message
from .candles import build_candles
from .formats import rfc3339
from .names import PairNames
from .publisher import KrakenPublisher, dumps
from .state import ACCOUNT_TYPE, KrakenState
from .ws_payloads import ohlc_data, order_fields, ticker_data, trade_data, trade_snapshot_item

TRADE_SNAPSHOT = 50
OHLC_SNAPSHOT = 720


def public_snapshot(
    state: KrakenState,
    publisher: KrakenPublisher,
    channel: str,
    pair: PairNames,
    depth: int,
    interval: int = 0,
) -> str | None:
    now = state.clock.now_ms()
    if channel == "book" and publisher.views is not None:
        view = publisher.views.snapshot(pair.symbol, depth)
        return book_message("snapshot", pair.ws2, view.asks, view.bids, view.checksum, rfc3339(now))
    if channel == "ticker":
        data = ticker_data(state.engine, pair.symbol, pair.ws2, now)
        return dumps({"channel": "ticker", "type": "snapshot", "data": [data]})
    if channel == "ohlc":
        trades = list(reversed(state.engine.trades(pair.symbol)))
        candles = build_candles(trades, interval)[-OHLC_SNAPSHOT:]
        rows = [ohlc_data(c, pair.ws2, interval, now) for c in candles]
        return dumps({"channel": "ohlc", "type": "snapshot", "data": rows})
    if channel == "trade":
        trades = list(reversed(state.engine.trades(pair.symbol, TRADE_SNAPSHOT)))
        rows = [trade_data(t, pair.ws2) for t in trades]
        return dumps({"channel": "trade", "type": "snapshot", "data": rows})
    return None


def private_snapshot(
    state: KrakenState, channel: str, user_id: str, params: dict[str, Any], sequence: int
) -> str | None:
    if channel == "balances":
        if not params.get("snapshot", True):
            return None
        return dumps({"channel": "balances", "type": "snapshot", "data": _balances(state, user_id)})
    rows: list[dict[str, Any]] = []
    if params.get("snap_orders", True):
        for order in state.engine.active_orders(user_id):
            pair = state.directory.by_symbol(order.symbol)
            row = order_fields(order, pair, state.ids)
            row["order_status"] = "partially_filled" if order.deal_size > 0 else "new"
            rows.append(row)
    if params.get("snap_trades", False):
        for fill in state.engine.list_fills(user_id, account_type=ACCOUNT_TYPE)[:TRADE_SNAPSHOT]:
            rows.append(
                trade_snapshot_item(fill, state.directory.by_symbol(fill.symbol), state.ids)
            )
    if not params.get("snap_orders", True) and not params.get("snap_trades", False):
        return None
    message = {"channel": "executions", "type": "snapshot", "data": rows, "sequence": sequence}
    return dumps(message)


def _balances(state: KrakenState, user_id: str) -> list[dict[str, Any]]:
    rows = []
    for account in state.accounts.list_accounts(user_id, account_type=ACCOUNT_TYPE):
        balance = float(account.balance)
        rows.append(
            {
                "asset": account.currency,
                "asset_class": "currency",
                "balance": balance,
                "wallets": [{"type": "spot", "id": "main", "balance": balance}],
            }
        )
    return sorted(rows, key=lambda row: str(row["asset"]))
