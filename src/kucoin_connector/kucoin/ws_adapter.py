"""KuCoin's WebSocket protocol for the generic ``WsClient``: bullet token, welcome, ping, acks."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import ujson

from kucoin_connector.core.urls import require_secure_url
from kucoin_connector.core.ws import WsConnectSpec


@dataclass(frozen=True, slots=True)
class BulletToken:
    """What ``/api/v1/bullet-public`` or ``-private`` returns (first instance server)."""

    token: str
    endpoint: str
    ping_interval_ms: int
    ping_timeout_ms: int

    def __repr__(self) -> str:
        return f"BulletToken(endpoint={self.endpoint!r}, token=<hidden>)"


class KucoinWsAdapter:
    """Implements ``core.ws.WsAdapter``; a fresh bullet token is fetched for every connect."""

    def __init__(
        self,
        fetch_bullet: Callable[[], Awaitable[BulletToken]],
        *,
        private: bool,
        connect_id_factory: Callable[[], str],
    ) -> None:
        self._fetch_bullet = fetch_bullet
        self._private = private
        self._connect_id_factory = connect_id_factory
        self._ids = itertools.count(1)

    async def connect_spec(self) -> WsConnectSpec:
        bullet = await self._fetch_bullet()
        require_secure_url(bullet.endpoint, what="WebSocket endpoint")
        query = urlencode({"token": bullet.token, "connectId": self._connect_id_factory()})
        return WsConnectSpec(
            url=f"{bullet.endpoint}?{query}",
            ping_interval_s=bullet.ping_interval_ms / 1000,
            ping_timeout_s=bullet.ping_timeout_ms / 1000,
        )

    def is_welcome(self, message: Any) -> bool:
        return isinstance(message, dict) and message.get("type") == "welcome"

    def ping_frame(self) -> str:
        return ujson.dumps({"id": f"ping-{next(self._ids)}", "type": "ping"})

    def is_pong(self, message: Any) -> bool:
        return isinstance(message, dict) and message.get("type") == "pong"

    def subscribe_frame(self, topic: str, request_id: str) -> str:
        return self._frame("subscribe", topic, request_id)

    def unsubscribe_frame(self, topic: str, request_id: str) -> str:
        return self._frame("unsubscribe", topic, request_id)

    def ack_id(self, message: Any) -> str | None:
        if isinstance(message, dict) and message.get("type") == "ack":
            ack = message.get("id")
            return str(ack) if ack is not None else None
        return None

    def error_of(self, message: Any) -> tuple[str | None, str] | None:
        if isinstance(message, dict) and message.get("type") == "error":
            request_id = message.get("id")
            reason = f"{message.get('code', '')} {message.get('data', '')}".strip()
            return (str(request_id) if request_id is not None else None, reason)
        return None

    def _frame(self, kind: str, topic: str, request_id: str) -> str:
        return ujson.dumps(
            {
                "id": request_id,
                "type": kind,
                "topic": topic,
                "privateChannel": self._private,
                "response": True,
            }
        )
