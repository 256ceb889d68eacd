"""Turns engine events into KuCoin WebSocket messages.

Engine callbacks are synchronous; each builds its payload at once (orders keep changing)
and queues it. The queue is flushed on the next event-loop iteration, so all the changes
of one engine call go out together: level2 changes of a symbol are merged into one
``trade.l2update`` (contiguous sequences), and tickers/candles follow their trades.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from ..engine.clock import SimClock
from ..engine.engine import MatchingEngine
from ..engine.models import BalanceChange, Fill, Order, Trade
from .candles import CANDLE_TYPES, TradeTape
from .payloads import balance_payload, order_change_payload
from .wire import dec
from .ws_hub import WsHub

L3_SUBJECTS = {
    "received": "trade.l3received",
    "open": "trade.l3open",
    "filled": "trade.l3done",
    "canceled": "trade.l3done",
    "update": "trade.l3change",
}
ORDER_TOPICS = ("/spotMarket/tradeOrders", "/spotMarket/tradeOrdersV2")


def message(
    topic: str, subject: str, data: Any, *, private: bool = False, user_id: str | None = None
) -> dict[str, Any]:
    msg: dict[str, Any] = {"type": "message", "topic": topic, "subject": subject, "data": data}
    if private:
        msg["channelType"] = "private"
        msg["userId"] = user_id
    return msg


class Publisher:
    """The engine's listener (set it before the first order)."""

    def __init__(self, hub: WsHub, clock: SimClock, tape: TradeTape) -> None:
        self.hub = hub
        self.clock = clock
        self.tape = tape
        self.engine: MatchingEngine | None = None
        self._pending: list[Callable[[], None]] = []
        self._l2: dict[str, list[tuple[str, Decimal, Decimal, int, int]]] = {}
        self._touched: set[str] = set()
        self._traded: set[str] = set()
        self._scheduled = False
        self._l3_seq: dict[str, int] = {}
        self._last_bbo: dict[str, tuple[Any, Any]] = {}

    # ---- EngineListener ---------------------------------------------------------------
    def on_level2_change(
        self, symbol: str, side: str, price: Decimal, size: Decimal, sequence: int, time_ms: int
    ) -> None:
        self._touched.add(symbol)
        changes = self._l2.get(symbol)
        if changes is None:
            changes = self._l2[symbol] = []
            self._queue(lambda: self._flush_l2(symbol))
        changes.append((side, price, size, sequence, time_ms))

    def on_trade(self, trade: Trade) -> None:
        self.tape.record(trade.symbol, trade.time_ms, trade.price, trade.size)
        self._touched.add(trade.symbol)
        self._traded.add(trade.symbol)
        data = {
            "sequence": str(trade.sequence),
            "symbol": trade.symbol,
            "side": trade.taker_side,
            "size": dec(trade.size),
            "price": dec(trade.price),
            "takerOrderId": trade.taker_order_id,
            "makerOrderId": trade.maker_order_id,
            "tradeId": trade.trade_id,
            "type": "match",
            "time": str(trade.time_ms * 1_000_000),
        }
        for base in ("/market/match", "/market/level3"):
            msg = message(f"{base}:{trade.symbol}", "trade.l3match", data)
            self._queue(partial(self._send, base, trade.symbol, msg))

    def on_order_event(
        self,
        order: Order,
        event_type: str,
        fill: Fill | None,
        old_size: Decimal | None,
        time_ms: int,
    ) -> None:
        time_ns = time_ms * 1_000_000
        if event_type in ORDER_CHANGE_TYPES:
            data = order_change_payload(order, event_type, fill, old_size, time_ns)
            user = order.user_id
            for topic in ORDER_TOPICS:
                if event_type == "received" and topic == ORDER_TOPICS[0]:
                    continue  # "received" (status "new") is V2's addition; V1 has none
                msg = message(topic, "orderChange", data, private=True, user_id=user)
                self._queue(partial(self._send, topic, "", msg, user))
        subject = L3_SUBJECTS.get(event_type)
        if subject is not None and not order.hidden:
            self._queue_l3(order, event_type, subject, old_size, time_ns)

    def on_balance_change(self, change: BalanceChange) -> None:
        msg = message(
            "/account/balance",
            "account.balance",
            balance_payload(change),
            private=True,
            user_id=change.user_id,
        )
        self._queue(lambda: self._send("/account/balance", "", msg, change.user_id))

    # ---- queueing -----------------------------------------------------------------------
    def _queue(self, action: Callable[[], None]) -> None:
        self._pending.append(action)
        if self._scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (setup time): flushed by the next flush()
        self._scheduled = True
        loop.call_soon(self.flush)

    def flush(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, []
        for action in pending:
            action()
        touched, self._touched = self._touched, set()
        traded, self._traded = self._traded, set()
        for symbol in sorted(touched):
            self._publish_ticker(symbol, symbol in traded)
            if symbol in traded:
                self._publish_candles(symbol)

    def _send(self, base: str, key: str, msg: dict[str, Any], user_id: str | None = None) -> None:
        self.hub.publish(base, key, msg, user_id=user_id)

    def _flush_l2(self, symbol: str) -> None:
        changes = self._l2.pop(symbol, [])
        if not changes or not self.hub.has_subscribers("/market/level2", symbol):
            return
        asks = [[dec(p), dec(s), str(q)] for side, p, s, q, _ in changes if side == "sell"]
        bids = [[dec(p), dec(s), str(q)] for side, p, s, q, _ in changes if side == "buy"]
        data = {
            "changes": {"asks": asks, "bids": bids},
            "sequenceEnd": changes[-1][3],
            "sequenceStart": changes[0][3],
            "symbol": symbol,
            "time": changes[-1][4],
        }
        self._send(
            "/market/level2", symbol, message(f"/market/level2:{symbol}", "trade.l2update", data)
        )

    def _queue_l3(
        self, order: Order, event_type: str, subject: str, old_size: Decimal | None, time_ns: int
    ) -> None:
        seq = self._l3_seq.get(order.symbol, 0) + 1
        self._l3_seq[order.symbol] = seq
        data: dict[str, Any] = {
            "sequence": str(seq),
            "symbol": order.symbol,
            "side": order.side,
            "orderId": order.id,
            "time": str(time_ns),
            "type": "done" if subject == "trade.l3done" else event_type,
        }
        if event_type == "received":
            data.update(
                {"orderType": order.type, "size": dec(order.size), "price": dec(order.price)}
            )
        elif event_type == "open":
            data.update(
                {
                    "price": dec(order.price),
                    "size": dec(order.size),
                    "remainSize": dec(order.remain_size),
                }
            )
        elif event_type in ("filled", "canceled"):
            data["reason"] = event_type
        elif event_type == "update":
            data.update(
                {
                    "price": dec(order.price),
                    "newSize": dec(order.size),
                    "oldSize": dec(old_size),
                    "type": "change",
                }
            )
        msg = message(f"/market/level3:{order.symbol}", subject, data)
        self._queue(lambda: self._send("/market/level3", order.symbol, msg))

    # ---- derived feeds ------------------------------------------------------------------
    def ticker_data(self, symbol: str) -> dict[str, Any] | None:
        engine = self.engine
        if engine is None:
            return None
        bid, ask = engine.best_bid_ask(symbol)
        last = engine.last_trade(symbol)
        return {
            "sequence": str(engine.sequence(symbol)),
            "price": dec(last.price) if last else None,
            "size": dec(last.size) if last else None,
            "bestAsk": dec(ask[0]) if ask else None,
            "bestAskSize": dec(ask[1]) if ask else None,
            "bestBid": dec(bid[0]) if bid else None,
            "bestBidSize": dec(bid[1]) if bid else None,
            "time": self.clock.now_ms(),
        }

    def _publish_ticker(self, symbol: str, traded: bool) -> None:
        if self.engine is None:
            return
        wanted = self.hub.has_subscribers("/market/ticker", symbol)
        wanted_all = self.hub.has_subscribers("/market/ticker", "all")
        bbo = self.engine.best_bid_ask(symbol)
        changed = traded or self._last_bbo.get(symbol) != bbo
        self._last_bbo[symbol] = bbo
        if not changed or not (wanted or wanted_all):
            return
        data = self.ticker_data(symbol)
        if wanted:
            self._send(
                "/market/ticker", symbol, message(f"/market/ticker:{symbol}", "trade.ticker", data)
            )
        if wanted_all:
            self._send("/market/ticker", "all", message("/market/ticker:all", symbol, data))

    def _publish_candles(self, symbol: str) -> None:
        now_ms = self.clock.now_ms()
        for ctype in CANDLE_TYPES:
            key = f"{symbol}_{ctype}"
            if not self.hub.has_subscribers("/market/candles", key):
                continue
            candle = self.tape.current(symbol, ctype, now_ms)
            if candle is None:
                continue
            data = {"symbol": symbol, "candles": candle.row(), "time": now_ms * 1_000_000}
            self._send(
                "/market/candles",
                key,
                message(f"/market/candles:{key}", "trade.candles.update", data),
            )


ORDER_CHANGE_TYPES = ("received", "open", "match", "update", "filled", "canceled")
