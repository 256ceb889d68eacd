"""The engine's listener for the Kraken front-end: collects what happened during one engine
call and, once the call is over (next loop turn), sends book updates with checksums,
trades, tickers, executions and balance updates to the subscribed connections."""

from __future__ import annotations

import asyncio
import itertools
import json
from decimal import Decimal
from typing import Any

from ..engine.clock import SimClock
from ..engine.engine import MatchingEngine
from ..engine.models import BalanceChange, Fill, Order, Trade
from .book_views import BookViews, book_message
from .candles import build_candles
from .formats import rfc3339
from .hub import KrakenHub
from .ids import IdMap
from .names import PairDirectory
from .state import ACCOUNT_TYPE
from .ws_payloads import execution, ohlc_data, ticker_data, trade_data


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


class KrakenPublisher:
    def __init__(self, hub: KrakenHub, clock: SimClock, directory: PairDirectory, ids: IdMap):
        self.hub = hub
        self.clock = clock
        self.directory = directory
        self.ids = ids
        self.engine: MatchingEngine | None = None  # set once the engine exists
        self.views: BookViews | None = None
        self._dirty_books: set[str] = set()
        self._trades: list[Trade] = []
        self._executions: list[tuple[str, dict[str, Any]]] = []  # (user, data)
        self._balances: list[tuple[str, dict[str, Any]]] = []
        self._scheduled = False
        self._ledger_ids = itertools.count(0x1E000000)

    def attach(self, engine: MatchingEngine) -> None:
        self.engine = engine
        self.views = BookViews(engine)

    def forget_view(self, symbol: str, depth: int) -> None:
        if self.views is not None:
            self.views.forget(symbol, depth)

    # ---- EngineListener -----------------------------------------------------------------
    def on_level2_change(
        self, symbol: str, side: str, price: Decimal, size: Decimal, sequence: int, time_ms: int
    ) -> None:
        self._dirty_books.add(symbol)
        self._schedule()

    def on_trade(self, trade: Trade) -> None:
        self._trades.append(trade)
        self._schedule()

    def on_order_event(
        self,
        order: Order,
        event_type: str,
        fill: Fill | None,
        old_size: Decimal | None,
        time_ms: int,
    ) -> None:
        if event_type in ("stop", "triggered"):
            return
        pair = self.directory.by_symbol(order.symbol)
        data = execution(order, event_type, fill, pair, self.ids, time_ms)
        self._executions.append((order.user_id, data))
        if event_type == "received":  # accepted by the engine: pending_new, then new
            data_new = execution(order, "open", None, pair, self.ids, time_ms)
            self._executions.append((order.user_id, data_new))
        self._schedule()

    def on_balance_change(self, change: BalanceChange) -> None:
        amount = change.available_change + change.hold_change
        if change.account_type != ACCOUNT_TYPE or amount == 0:
            return  # a hold moves no money: Kraken's balances channel is ledger based
        data = {
            "ledger_id": self.ids.kraken(f"{next(self._ledger_ids):x}", "L"),
            "ref_id": self.ids.kraken(change.relation_event_id, "T")
            if _is_hex(change.relation_event_id)
            else change.relation_event_id,
            "timestamp": rfc3339(change.time_ms),
            "type": "trade" if "setted" in change.relation_event else "deposit",
            "asset": change.currency,
            "asset_class": "currency",
            "category": "trade" if "setted" in change.relation_event else "deposit",
            "wallet_type": "spot",
            "wallet_id": "main",
            "amount": float(amount),
            "fee": 0.0,
            "balance": float(change.total),
        }
        self._balances.append((change.user_id, data))
        self._schedule()

    # ---- flushing -----------------------------------------------------------------------
    def _schedule(self) -> None:
        if self._scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # not serving yet: the server flushes at start
        self._scheduled = True
        loop.call_soon(self.flush)

    def flush(self) -> None:
        self._scheduled = False
        for symbol in sorted(self._dirty_books):
            self._flush_book(symbol)
        self._dirty_books.clear()
        trades, self._trades = self._trades, []
        for trade in trades:
            self._send_trade(trade)
        for symbol in sorted({t.symbol for t in trades}):
            self._send_ohlc(symbol)
        executions, self._executions = self._executions, []
        for user_id, data in executions:
            self._send_private("executions", user_id, data)
        balances, self._balances = self._balances, []
        for user_id, data in balances:
            self._send_private("balances", user_id, data)

    def _flush_book(self, symbol: str) -> None:
        if self.views is None:
            return
        subscribers = self.hub.book_subscribers(symbol)
        if not subscribers:
            return
        ws_symbol = self.directory.by_symbol(symbol).ws2
        stamp = rfc3339(self.clock.now_ms())
        messages: dict[int, str | None] = {}
        for depth in sorted({d for _, d in subscribers}):
            changed = self.views.update(symbol, depth)
            messages[depth] = None
            if changed is not None:
                asks, bids, checksum = changed
                messages[depth] = book_message("update", ws_symbol, asks, bids, checksum, stamp)
        for conn, depth in subscribers:
            text = messages.get(depth)
            if text is not None:
                self.hub.send(conn, "book", text)
        self._send_ticker(symbol, ws_symbol)

    def _send_ticker(self, symbol: str, ws_symbol: str) -> None:
        conns = self.hub.subscribers("ticker", symbol)
        if not conns or self.engine is None:
            return
        data = ticker_data(self.engine, symbol, ws_symbol, self.clock.now_ms())
        text = dumps({"channel": "ticker", "type": "update", "data": [data]})
        for conn in conns:
            self.hub.send(conn, "ticker", text)

    def _send_trade(self, trade: Trade) -> None:
        conns = self.hub.subscribers("trade", trade.symbol)
        if not conns:
            return
        ws_symbol = self.directory.by_symbol(trade.symbol).ws2
        text = dumps({"channel": "trade", "type": "update", "data": [trade_data(trade, ws_symbol)]})
        for conn in conns:
            self.hub.send(conn, "trade", text)

    def _send_ohlc(self, symbol: str) -> None:
        if self.engine is None:
            return
        ws_symbol = self.directory.by_symbol(symbol).ws2
        trades = list(reversed(self.engine.trades(symbol)))
        now = self.clock.now_ms()
        for conn in self.hub.subscribers("ohlc", symbol):
            interval = conn.subs[("ohlc", symbol)].interval
            candles = build_candles(trades, interval)
            if candles:
                data = ohlc_data(candles[-1], ws_symbol, interval, now)
                text = dumps({"channel": "ohlc", "type": "update", "data": [data]})
                self.hub.send(conn, "ohlc", text)

    def _send_private(self, channel: str, user_id: str, data: dict[str, Any]) -> None:
        for conn in self.hub.private_subscribers(channel, user_id):
            message: dict[str, Any] = {"channel": channel, "type": "update", "data": [data]}
            if channel == "executions":
                message["sequence"] = next(conn.sequence)
            self.hub.send(conn, channel, dumps(message))


def _is_hex(text: str) -> bool:
    try:
        int(text, 16)
    except ValueError:
        return False
    return True
