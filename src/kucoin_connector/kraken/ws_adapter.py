"""Kraken's WebSocket v2 protocol for the core's ``WsClient``.

Topics: ``book:<SYMBOL>`` (public, at the adapter's depth, snapshot first),
``trade:<SYMBOL>`` (public trades, no snapshot),
``executions`` and ``balances`` (private; the token goes in the subscribe params). On the
private endpoint a fresh token is fetched before every connect (``GetWebSocketsToken``;
valid 15 minutes until used, then as long as the subscription lasts). Kraken greets a
connection on its ``status`` channel, answers ``{"method": "ping"}`` with a ``pong``, and
acknowledges each subscribe with ``{"method": "subscribe", "success": ..., "req_id": N}``.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from kucoin_connector.core.errors import ConfigurationError
from kucoin_connector.core.urls import require_secure_url
from kucoin_connector.core.ws_protocol import WsConnectSpec

from .public_trades import trade_topic_symbol

__all__ = ["BALANCES_TOPIC", "EXECUTIONS_TOPIC", "KrakenWsAdapter", "book_topic"]

EXECUTIONS_TOPIC = "executions"
BALANCES_TOPIC = "balances"
_BOOK_PREFIX = "book:"


def book_topic(ws_symbol: str) -> str:
    return _BOOK_PREFIX + ws_symbol


class KrakenWsAdapter:
    """Implements ``core.ws_protocol.WsAdapter`` for one Kraken v2 endpoint."""

    def __init__(
        self,
        url: str,
        *,
        fetch_token: Callable[[], Awaitable[str]] | None = None,
        book_depth: int = 10,
        ping_interval_s: float = 20.0,
        ping_timeout_s: float = 10.0,
    ) -> None:
        require_secure_url(url, what="WebSocket URL")
        if book_depth not in (10, 25, 100, 500, 1000):
            raise ConfigurationError("Kraken book depth is one of 10, 25, 100, 500, 1000")
        self._url = url
        self._fetch_token = fetch_token
        self._token: str | None = None
        self._book_depth = book_depth
        self._ping_interval_s = ping_interval_s
        self._ping_timeout_s = ping_timeout_s
        self._ids = itertools.count(1)

    @property
    def book_depth(self) -> int:
        return self._book_depth

    async def connect_spec(self) -> WsConnectSpec:
        if self._fetch_token is not None:
            self._token = await self._fetch_token()
        return WsConnectSpec(self._url, self._ping_interval_s, self._ping_timeout_s)

    def is_welcome(self, message: Any) -> bool:
        return isinstance(message, dict) and message.get("channel") == "status"

    def ping_frame(self) -> str:
        return json.dumps({"method": "ping", "req_id": next(self._ids)})

    def is_pong(self, message: Any) -> bool:
        return isinstance(message, dict) and message.get("method") == "pong"

    def subscribe_frame(self, topic: str, request_id: str) -> str:
        return self._frame("subscribe", topic, request_id)

    def unsubscribe_frame(self, topic: str, request_id: str) -> str:
        return self._frame("unsubscribe", topic, request_id)

    def ack_id(self, message: Any) -> str | None:
        if (
            isinstance(message, dict)
            and message.get("method") in ("subscribe", "unsubscribe")
            and message.get("success") is True
            and message.get("req_id") is not None
        ):
            return str(message["req_id"])
        return None

    def error_of(self, message: Any) -> tuple[str | None, str] | None:
        if isinstance(message, dict) and message.get("success") is False:
            request_id = message.get("req_id")
            return (
                str(request_id) if request_id is not None else None,
                str(message.get("error", "request failed")),
            )
        return None

    def _frame(self, method: str, topic: str, request_id: str) -> str:
        params: dict[str, Any]
        if topic.startswith(_BOOK_PREFIX):
            params = {"channel": "book", "symbol": [topic[len(_BOOK_PREFIX) :]]}
            if method == "subscribe":
                params.update(depth=self._book_depth, snapshot=True)
        elif (trade_symbol := trade_topic_symbol(topic)) is not None:
            params = {"channel": "trade", "symbol": [trade_symbol]}
            if method == "subscribe":
                params["snapshot"] = False  # recent history is not news
        elif topic in (EXECUTIONS_TOPIC, BALANCES_TOPIC):
            if self._token is None:
                raise ConfigurationError(f"{topic} needs a token (private endpoint)")
            params = {"channel": topic, "token": self._token}
            if topic == EXECUTIONS_TOPIC and method == "subscribe":
                params.update(snap_orders=True, snap_trades=False, order_status=True)
        else:
            raise ConfigurationError(f"unknown Kraken topic {topic!r}")
        return json.dumps({"method": method, "params": params, "req_id": int(request_id)})
