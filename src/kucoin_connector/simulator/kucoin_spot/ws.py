"""The WebSocket endpoint: token check, welcome, ping/pong, subscribe/unsubscribe, idle cut.

Connect to ``ws://host:port/endpoint?token=..&connectId=..`` (the bullet's endpoint).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import WSMsgType, web

from .tokens import TokenInfo
from .wire import dumps
from .ws_hub import MAX_TOPICS_PER_CONNECTION, Subscription, WsConnection, WsHub

PUBLIC_TOPICS = (
    "/market/ticker",
    "/market/snapshot",
    "/market/level2",
    "/market/match",
    "/market/level3",
    "/market/candles",
    "/spotMarket/level2Depth5",
    "/spotMarket/level2Depth50",
    "/spotMarket/level1",
)
PRIVATE_TOPICS = (
    "/spotMarket/tradeOrders",
    "/spotMarket/tradeOrdersV2",
    "/spotMarket/advancedOrders",
    "/account/balance",
)
CANDLE_TYPES = (
    "1min",
    "3min",
    "5min",
    "15min",
    "30min",
    "1hour",
    "2hour",
    "4hour",
    "6hour",
    "8hour",
    "12hour",
    "1day",
    "1week",
    "1month",
)


@dataclass(frozen=True)
class WsSettings:
    ping_interval_ms: int = 18_000
    ping_timeout_ms: int = 10_000
    idle_timeout_s: float = 60.0
    # KuCoin (today's documentation): at most 100 client messages per 10 s per connection;
    # one more is answered with an error and the connection is closed
    uplink_limit: int = 100
    uplink_window_s: float = 10.0


class TopicError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ParsedTopic:
    """A subscription request's topic: the subscriptions to serve, and the refusal of
    the part that cannot be served (None when all of it can)."""

    subscriptions: list[Subscription]
    refused: TopicError | None = None


def parse_topic(
    topic: str, *, symbols: Iterable[str], markets: Iterable[str], private_allowed: bool
) -> ParsedTopic:
    """``"/market/level2:BTC-USDT,ETH-USDT"`` -> [("/market/level2", "BTC-USDT"), ...].

    In a list of keys the valid ones are served; the first invalid one is refused the
    way KuCoin words it (``topic /market/level2:BSV-BTC is not found``)."""
    base, _, args = topic.partition(":")
    if base in PRIVATE_TOPICS:
        if not private_allowed:
            return ParsedTopic([], TopicError(401, f"topic {topic} requires a private token"))
        return ParsedTopic([(base, "")])
    if base not in PUBLIC_TOPICS or not args.strip():
        return ParsedTopic([], TopicError(404, f"topic {topic} is not found"))
    known, markets_known = set(symbols), set(markets)
    subs: list[Subscription] = []
    refused: TopicError | None = None
    for key in (k.strip() for k in args.split(",")):
        if _valid_key(base, key, known, markets_known):
            subs.append((base, key))
        elif refused is None:
            refused = TopicError(404, f"topic {base}:{key} is not found")
    return ParsedTopic(subs, refused)


class TopicParser(Protocol):
    def __call__(
        self, topic: str, *, symbols: Iterable[str], markets: Iterable[str], private_allowed: bool
    ) -> ParsedTopic: ...


def _valid_key(base: str, key: str, symbols: set[str], markets: set[str]) -> bool:
    if base == "/market/ticker" and key == "all":
        return True
    if base == "/market/snapshot":
        return key in symbols or key in markets
    if base == "/market/candles":
        symbol, _, ctype = key.rpartition("_")
        return symbol in symbols and ctype in CANDLE_TYPES
    return key in symbols


_spot_topics: TopicParser = parse_topic


class WsEndpoint:
    """aiohttp handler for the WebSocket endpoint."""

    def __init__(
        self,
        hub: WsHub,
        settings: WsSettings,
        *,
        symbols: Callable[[], list[str]],
        markets: Callable[[], list[str]],
        parse_topic: TopicParser | None = None,
    ) -> None:
        """``parse_topic``: the front-end's topic grammar (default: KuCoin spot's)."""
        self.hub = hub
        self.settings = settings
        self._symbols = symbols
        self._markets = markets
        self._parse_topic: TopicParser = parse_topic if parse_topic is not None else _spot_topics

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        connect_id = request.query.get("connectId", "")
        token = request.query.get("token", "")
        info = self.hub.tokens.resolve(token) if token else None
        if not connect_id or info is None:
            reason = "connectId is required" if not connect_id else "token is invalid"
            await ws.send_str(error_frame(connect_id, 401, reason))
            await ws.close()
            return ws
        await self._serve(ws, connect_id, token, info)
        return ws

    async def _serve(
        self, ws: web.WebSocketResponse, connect_id: str, token: str, info: TokenInfo
    ) -> None:
        conn = WsConnection(connect_id=connect_id, user_id=info.user_id, token=token, ws=ws)
        self.hub.add(conn)
        conn.send_raw(dumps({"id": connect_id, "type": "welcome"}))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.idle_timeout_s
        try:
            while not ws.closed:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    msg = await ws.receive(timeout=remaining)
                except TimeoutError:
                    break
                if msg.type != WSMsgType.TEXT:
                    if msg.type in (
                        WSMsgType.CLOSE,
                        WSMsgType.CLOSING,
                        WSMsgType.CLOSED,
                        WSMsgType.ERROR,
                    ):
                        break
                    continue
                if self._over_uplink_limit(conn, loop.time()):
                    conn.send_raw(error_frame("", 509, "exceed max message limit per connection"))
                    await asyncio.sleep(0.05)  # let the writer flush the error
                    break
                if self._on_text(conn, msg.data):
                    deadline = loop.time() + self.settings.idle_timeout_s
        finally:
            await self.hub.remove(conn)
            await ws.close()

    def _over_uplink_limit(self, conn: WsConnection, now: float) -> bool:
        """Log the client frame; True when it is one too many for the sliding window."""
        conn.uplink.append((now, ""))
        start = now - self.settings.uplink_window_s
        for count, (at, _) in enumerate(reversed(conn.uplink), start=1):
            if at <= start:
                return False
            if count > self.settings.uplink_limit:
                return True
        return False

    def _on_text(self, conn: WsConnection, text: str) -> bool:
        """Handle one client frame; True when it was a ping (resets the idle timer)."""
        try:
            frame: Any = json.loads(text)
        except ValueError:
            frame = None
        if not isinstance(frame, dict):
            conn.send_raw(error_frame("", 400, "message is not a JSON object"))
            return False
        req_id = str(frame.get("id", ""))
        kind = frame.get("type")
        if conn.uplink:
            conn.uplink[-1] = (conn.uplink[-1][0], str(kind))
        if kind == "ping":
            conn.send_raw(dumps({"id": req_id, "type": "pong"}))
            return True
        if kind in ("subscribe", "unsubscribe"):
            self._on_subscription(conn, frame, req_id, subscribe=kind == "subscribe")
            return False
        conn.send_raw(error_frame(req_id, 404, f"unknown message type {kind!r}"))
        return False

    def _on_subscription(
        self, conn: WsConnection, frame: dict[str, Any], req_id: str, *, subscribe: bool
    ) -> None:
        """Serve what can be served; a refusal answers KuCoin's error frame for the
        request id and leaves the connection and its other subscriptions as they were."""
        parsed = self._parse_topic(
            str(frame.get("topic", "")),
            symbols=self._symbols(),
            markets=self._markets(),
            private_allowed=conn.private,
        )
        subs, refused = parsed.subscriptions, parsed.refused
        if subscribe and len(conn.subscriptions | set(subs)) > MAX_TOPICS_PER_CONNECTION:
            subs, refused = [], too_many_topics()
        if subscribe:
            self.hub.subscribe(conn, subs)
        else:
            self.hub.unsubscribe(conn, subs)
        if refused is not None:
            conn.send_raw(error_frame(req_id, refused.code, refused.message))
        elif frame.get("response") is True:
            conn.send_raw(dumps({"id": req_id, "type": "ack"}))


def too_many_topics() -> TopicError:
    return TopicError(
        509,
        f"exceed max subscription count limitation of {MAX_TOPICS_PER_CONNECTION} per session",
    )


def error_frame(req_id: str, code: int, message: str) -> str:
    """KuCoin's WebSocket error answer: ``{"id", "type": "error", "code", "data"}``."""
    return dumps({"id": req_id, "type": "error", "code": code, "data": message})
