"""The futures WebSocket connections: one private (orders, positions, wallet) and one
public (level2), on the core ``WsClient`` with KuCoin's protocol adapter (the futures
host speaks the same bullet-token / welcome / ping / ack protocol as spot).

Every connect fetches a fresh bullet token from the futures host (``bullet-public`` or
``bullet-private``), within the ``ws_connect`` budget; subscribes take ``ws_subscribe``.
The connections only move frames: decoded messages go to the owner's callbacks.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from kucoin_connector.core.errors import ParseError
from kucoin_connector.core.throttler import AsyncThrottler
from kucoin_connector.core.ws import WsClient
from kucoin_connector.core.ws_transport import WsTransport
from kucoin_connector.kucoin.endpoints import WS_CONNECT_LIMIT_ID, WS_SUBSCRIBE_LIMIT_ID
from kucoin_connector.kucoin.ws_adapter import BulletToken, KucoinWsAdapter

from .api import KucoinPerpetualApi
from .schemas import FuturesModel, parse_model

__all__ = [
    "ORDERS_TOPIC",
    "WALLET_TOPIC",
    "FuturesStreams",
    "level2_topic",
    "position_topic",
]

ORDERS_TOPIC = "/contractMarket/tradeOrders"
WALLET_TOPIC = "/contractAccount/wallet"
CONNECT_TIMEOUT_S = 30.0


def level2_topic(symbol: str) -> str:
    return f"/contractMarket/level2:{symbol}"


def position_topic(symbol: str) -> str:
    return f"/contract/position:{symbol}"


class _InstanceServer(FuturesModel):
    endpoint: str
    ping_interval: int
    ping_timeout: int


class _Bullet(FuturesModel):
    token: str
    instance_servers: list[_InstanceServer]


async def fetch_bullet(api: KucoinPerpetualApi, *, private: bool) -> BulletToken:
    data = await api.call("bullet_private" if private else "bullet_public")
    bullet = parse_model(_Bullet, data)
    if not bullet.instance_servers:
        raise ParseError("bullet response has no instance server")
    server = bullet.instance_servers[0]
    return BulletToken(bullet.token, server.endpoint, server.ping_interval, server.ping_timeout)


OnMessage = Callable[[Any], None]
OnReconnected = Callable[[], Awaitable[None]]


class FuturesStreams:
    """Builds and runs the two connections; ``None`` transport = the default sockets."""

    def __init__(
        self,
        api: KucoinPerpetualApi,
        throttler: AsyncThrottler,
        *,
        ws_transport: WsTransport | None = None,
    ) -> None:
        self._api = api
        self._throttler = throttler
        self._ws_transport = ws_transport
        self.private: WsClient | None = None
        self.public: WsClient | None = None

    async def _bullet(self, *, private: bool) -> BulletToken:
        if self._throttler.has_limit(WS_CONNECT_LIMIT_ID):
            await self._throttler.acquire(WS_CONNECT_LIMIT_ID)
        return await fetch_bullet(self._api, private=private)

    def _client(
        self, on_message: OnMessage, on_reconnected: OnReconnected, *, private: bool
    ) -> WsClient:
        adapter = KucoinWsAdapter(
            lambda: self._bullet(private=private),
            private=private,
            connect_id_factory=lambda: uuid.uuid4().hex,
        )
        return WsClient(
            adapter,
            on_message=on_message,
            on_reconnected=on_reconnected,
            transport=self._ws_transport,
            name="kucoin-futures-private" if private else "kucoin-futures-public",
            subscribe_throttle=(self._throttler, WS_SUBSCRIBE_LIMIT_ID),
        )

    async def start_private(
        self, topics: Sequence[str], on_message: OnMessage, on_reconnected: OnReconnected
    ) -> None:
        self.private = self._client(on_message, on_reconnected, private=True)
        await self._open(self.private, topics)

    async def start_public(
        self, topics: Sequence[str], on_message: OnMessage, on_reconnected: OnReconnected
    ) -> None:
        self.public = self._client(on_message, on_reconnected, private=False)
        await self._open(self.public, topics)

    @staticmethod
    async def _open(client: WsClient, topics: Sequence[str]) -> None:
        await client.start()
        await client.wait_connected(timeout_s=CONNECT_TIMEOUT_S)
        await client.subscribe(topics)

    @property
    def private_connected(self) -> bool:
        return self.private is not None and self.private.is_connected

    async def stop(self) -> None:
        for client in (self.private, self.public):
            if client is not None:
                await client.stop()
        self.private = self.public = None
