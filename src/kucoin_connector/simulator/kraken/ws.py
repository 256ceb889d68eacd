"""The WebSocket v2 endpoint (``/v2``): ping/pong, subscribe/unsubscribe with acks echoing
``req_id``, snapshots, heartbeats. Private channels (``executions``, ``balances``) need
the ``token`` from GetWebSocketsToken. A bad subscription gets an error ack and leaves the
connection and its other subscriptions working."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from .book_views import book_message
from .candles import OHLC_INTERVALS
from .formats import rfc3339
from .hub import PRIVATE_CHANNELS, KrakenConnection, KrakenHub, Subscription
from .publisher import KrakenPublisher, dumps
from .state import KrakenState
from .ws_snapshots import private_snapshot, public_snapshot

BOOK_DEPTHS = (10, 25, 100, 500, 1000)
PUBLIC_CHANNELS = ("book", "ticker", "trade", "ohlc")


@dataclass(frozen=True)
class KrakenWsSettings:
    heartbeat_interval_s: float = 1.0


class SubscribeError(Exception):
    pass


class KrakenWsEndpoint:
    def __init__(
        self,
        state: KrakenState,
        hub: KrakenHub,
        publisher: KrakenPublisher,
        settings: KrakenWsSettings,
    ) -> None:
        self.state = state
        self.hub = hub
        self.publisher = publisher
        self.settings = settings

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        conn = self.hub.open(ws)
        writer = asyncio.get_running_loop().create_task(self.hub.write_loop(conn))
        beat = asyncio.get_running_loop().create_task(self._heartbeat(conn))
        self.hub.reply(conn, dumps(_status(conn.connection_id)))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                self._on_text(conn, msg.data)
        finally:
            self.hub.forget(conn)
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        return ws

    async def _heartbeat(self, conn: KrakenConnection) -> None:
        while True:
            await asyncio.sleep(self.settings.heartbeat_interval_s)
            if conn.subs:
                self.hub.send(conn, "heartbeat", '{"channel":"heartbeat"}')

    def _on_text(self, conn: KrakenConnection, text: str) -> None:
        time_in = rfc3339(self.state.clock.now_ms())
        try:
            request = json.loads(text)
            method = request["method"]
        except (ValueError, KeyError, TypeError):
            self.hub.reply(conn, dumps({"error": "Malformed request", "success": False}))
            return
        req_id = request.get("req_id")
        if method == "ping":
            self.hub.reply(
                conn,
                dumps(
                    _with_req_id(
                        {"method": "pong", "time_in": time_in, "time_out": time_in}, req_id
                    )
                ),
            )
        elif method in ("subscribe", "unsubscribe"):
            self._on_subscription(conn, method, request.get("params"), req_id, time_in)
        else:
            self.hub.reply(
                conn,
                dumps(
                    _with_req_id(
                        {
                            "error": f"Method {method!r} not supported",
                            "method": method,
                            "success": False,
                            "time_in": time_in,
                            "time_out": time_in,
                        },
                        req_id,
                    )
                ),
            )

    def _on_subscription(
        self, conn: KrakenConnection, method: str, params: Any, req_id: Any, time_in: str
    ) -> None:
        if not isinstance(params, dict) or not isinstance(params.get("channel"), str):
            self._error(conn, method, "Missing channel", None, req_id, time_in)
            return
        channel = params["channel"]
        if channel in PRIVATE_CHANNELS:
            self._private(conn, method, channel, params, req_id, time_in)
            return
        symbols = params.get("symbol")
        if channel not in PUBLIC_CHANNELS:
            self._error(conn, method, f"Channel {channel} not found", None, req_id, time_in)
            return
        if not isinstance(symbols, list) or not symbols:
            self._error(conn, method, "Missing symbol", None, req_id, time_in)
            return
        for symbol in symbols:
            self._public(conn, method, channel, str(symbol), params, req_id, time_in)

    def _public(
        self,
        conn: KrakenConnection,
        method: str,
        channel: str,
        ws_symbol: str,
        params: dict[str, Any],
        req_id: Any,
        time_in: str,
    ) -> None:
        pair = self.state.directory.find(ws_symbol)
        if pair is None or pair.ws2 != ws_symbol:
            self._error(
                conn, method, f"Currency pair not supported {ws_symbol}", ws_symbol, req_id, time_in
            )
            return
        try:
            depth, interval = _options(channel, params)
        except SubscribeError as exc:
            self._error(conn, method, str(exc), ws_symbol, req_id, time_in)
            return
        result: dict[str, Any] = {"channel": channel, "symbol": ws_symbol}
        if channel == "book":
            result["depth"] = depth
        if channel == "ohlc":
            result["interval"] = interval
        key = (channel, pair.symbol)
        if method == "unsubscribe":
            if conn.subs.pop(key, None) is None:
                self._error(conn, method, "Subscription Not Found", ws_symbol, req_id, time_in)
                return
            self._ack(conn, method, result, req_id, time_in)
            return
        if channel == "book" and depth not in self.hub.depths(pair.symbol):
            self.publisher.forget_view(pair.symbol, depth)  # nobody kept it current
        self.publisher.flush()  # views must be current before a snapshot is taken
        conn.subs[key] = Subscription(channel, pair.symbol, depth, interval)
        snapshot = bool(params.get("snapshot", True))
        result["snapshot"] = snapshot
        self._ack(conn, method, result, req_id, time_in)
        if snapshot:
            text = public_snapshot(self.state, self.publisher, channel, pair, depth, interval)
            if text is not None:
                self.hub.send(conn, channel, text)

    def _private(
        self,
        conn: KrakenConnection,
        method: str,
        channel: str,
        params: dict[str, Any],
        req_id: Any,
        time_in: str,
    ) -> None:
        token = params.get("token")
        user_id = self.state.tokens.user(token) if isinstance(token, str) else None
        if user_id is None or not isinstance(token, str):
            self._error(conn, method, "EAPI:Invalid token", None, req_id, time_in)
            return
        result: dict[str, Any] = {"channel": channel}
        if method == "unsubscribe":
            if conn.subs.pop((channel, ""), None) is None:
                self._error(conn, method, "Subscription Not Found", None, req_id, time_in)
                return
            self._ack(conn, method, result, req_id, time_in)
            return
        self.publisher.flush()
        conn.subs[(channel, "")] = Subscription(channel, user_id=user_id, token=token)
        self._ack(conn, method, result, req_id, time_in)
        # the executions channel numbers its messages; the balances channel does not
        sequence = next(conn.sequence) if channel == "executions" else 0
        text = private_snapshot(self.state, channel, user_id, params, sequence)
        if text is not None:
            self.hub.send(conn, channel, text)

    def _ack(
        self,
        conn: KrakenConnection,
        method: str,
        result: dict[str, Any],
        req_id: Any,
        time_in: str,
    ) -> None:
        time_out = rfc3339(self.state.clock.now_ms())
        message = {
            "method": method,
            "result": result,
            "success": True,
            "time_in": time_in,
            "time_out": time_out,
        }
        self.hub.reply(conn, dumps(_with_req_id(message, req_id)))

    def _error(
        self,
        conn: KrakenConnection,
        method: str,
        error: str,
        symbol: str | None,
        req_id: Any,
        time_in: str,
    ) -> None:
        message: dict[str, Any] = {
            "error": error,
            "method": method,
            "success": False,
            "time_in": time_in,
            "time_out": time_in,
        }
        if symbol is not None:
            message["symbol"] = symbol
        self.hub.reply(conn, dumps(_with_req_id(message, req_id)))


def _options(channel: str, params: dict[str, Any]) -> tuple[int, int]:
    """(book depth, ohlc interval) of a subscription; SubscribeError when invalid."""
    raw_depth = params.get("depth", 10) if channel == "book" else 0
    raw_interval = params.get("interval", 1) if channel == "ohlc" else 0
    if not isinstance(raw_depth, int) or (channel == "book" and raw_depth not in BOOK_DEPTHS):
        raise SubscribeError(f"Unsupported depth {raw_depth}")
    if not isinstance(raw_interval, int) or (
        channel == "ohlc" and raw_interval not in OHLC_INTERVALS
    ):
        raise SubscribeError(f"Unsupported interval {raw_interval}")
    return raw_depth, raw_interval


def _with_req_id(message: dict[str, Any], req_id: Any) -> dict[str, Any]:
    if req_id is not None:
        message["req_id"] = req_id
    return message


def _status(connection_id: int) -> dict[str, Any]:
    return {
        "channel": "status",
        "type": "update",
        "data": [
            {
                "api_version": "v2",
                "connection_id": connection_id,
                "system": "online",
                "version": "2.0.0",
            }
        ],
    }


__all__ = ["KrakenWsEndpoint", "KrakenWsSettings", "book_message"]
