"""The book-view topics: ``/spotMarket/level2Depth5``, ``level2Depth50`` and ``level1``.

Each pushes what the book shows, only when it changed since the last push of that
(topic, symbol). Depth5/50 push at most every 100 ms per symbol, as KuCoin documents: a
change inside the interval is sent when the interval ends (the book as it is then).
Level1 pushes every change of the best bid/ask at once.

A new subscriber gets the current view right after its ack (the simulator's choice: a
quiet book would otherwise leave it with nothing to start from).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

from ..engine.clock import SimClock
from .stream_payloads import Level, depth_payload, level1_payload
from .ws_hub import Subscription, WsConnection, WsHub

DEPTH5 = "/spotMarket/level2Depth5"
DEPTH50 = "/spotMarket/level2Depth50"
LEVEL1 = "/spotMarket/level1"
DEPTHS = {DEPTH5: 5, DEPTH50: 50}
BOOK_VIEW_TOPICS = (DEPTH5, DEPTH50, LEVEL1)
SUBJECTS = {DEPTH5: "level2", DEPTH50: "level2", LEVEL1: "level1"}
DEPTH_INTERVAL_S = 0.1

# (symbol, depth) -> (bids best first, asks best first)
BookTop = Callable[[str, int], tuple[list[Level], list[Level]]]


def view_message(base: str, symbol: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "message", "topic": f"{base}:{symbol}", "subject": SUBJECTS[base], "data": data}


class DepthFeed:
    """Publishes the book-view topics; ``book_changed`` after each engine flush."""

    def __init__(self, hub: WsHub, clock: SimClock, book_top: BookTop) -> None:
        self.hub = hub
        self.clock = clock
        self.book_top = book_top
        self._last_view: dict[Subscription, tuple[list[Level], list[Level]]] = {}
        self._last_sent_at: dict[Subscription, float] = {}
        self._timers: dict[Subscription, asyncio.TimerHandle] = {}
        hub.on_subscribe.append(self._on_subscribe)

    def book_changed(self, symbols: Iterable[str]) -> None:
        for symbol in symbols:
            for base in BOOK_VIEW_TOPICS:
                if self.hub.has_subscribers(base, symbol):
                    self._refresh(base, symbol)

    def close(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()

    def view(self, base: str, symbol: str) -> tuple[list[Level], list[Level]]:
        return self.book_top(symbol, DEPTHS.get(base, 1))

    def payload(self, base: str, view: tuple[list[Level], list[Level]]) -> dict[str, Any]:
        bids, asks = view
        now_ms = self.clock.now_ms()
        if base == LEVEL1:
            return level1_payload(bids[0] if bids else None, asks[0] if asks else None, now_ms)
        return depth_payload(bids, asks, now_ms)

    # ---- pushes to all subscribers ----------------------------------------------------
    def _refresh(self, base: str, symbol: str) -> None:
        key = (base, symbol)
        if key in self._timers:
            return  # a push is already due at the end of the interval
        wait = self._wait_s(key)
        if wait > 0:
            loop = asyncio.get_running_loop()
            self._timers[key] = loop.call_later(wait, self._push_due, key)
            return
        self._push_if_changed(key)

    def _wait_s(self, key: Subscription) -> float:
        if key[0] not in DEPTHS or key not in self._last_sent_at:
            return 0.0
        elapsed = asyncio.get_running_loop().time() - self._last_sent_at[key]
        return max(0.0, DEPTH_INTERVAL_S - elapsed)

    def _push_due(self, key: Subscription) -> None:
        self._timers.pop(key, None)
        if self.hub.has_subscribers(*key):
            self._push_if_changed(key)

    def _push_if_changed(self, key: Subscription) -> None:
        base, symbol = key
        view = self.view(base, symbol)
        if self._last_view.get(key) == view:
            return
        self._last_view[key] = view
        self._last_sent_at[key] = asyncio.get_running_loop().time()
        self.hub.publish(base, symbol, view_message(base, symbol, self.payload(base, view)))

    # ---- the first view of a new subscriber ---------------------------------------------
    def _on_subscribe(self, conn: WsConnection, subs: list[Subscription]) -> None:
        wanted = [sub for sub in subs if sub[0] in BOOK_VIEW_TOPICS]
        if wanted:
            asyncio.get_running_loop().call_soon(self._send_current, conn, wanted)

    def _send_current(self, conn: WsConnection, subs: list[Subscription]) -> None:
        for key in subs:
            if key not in conn.subscriptions:
                continue  # unsubscribed (or gone) in the meantime
            view = self.view(*key)
            if key not in self._timers:
                # every other subscriber has seen this view already (changes with
                # subscribers are pushed or due): the baseline of "changed"
                self._last_view[key] = view
            self.hub.send_to(conn, view_message(*key, self.payload(key[0], view)))
