"""The connector's KuCoin WebSocket clients, wired to its rate limits.

- every new connection (bullet token) first takes one unit of ``ws_connect`` (the seed's
  30 connects a minute) when the throttler declares it;
- every (un)subscribe frame takes one unit of ``ws_subscribe`` (the seed's 120 a minute)
  and one of the connection's own pacing window (``ws_topics.SUBSCRIBE_PACING``);
- topics are batched into comma frames (``ws_topics.batch_topics``).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from kucoin_connector.core.throttler import AsyncThrottler, RateLimit
from kucoin_connector.core.ws import DEFAULT_WS_TRANSPORT, WsClient
from kucoin_connector.core.ws_transport import WsTransportName

from .api import KucoinApi
from .endpoints import WS_CONNECT_LIMIT_ID, WS_SUBSCRIBE_LIMIT_ID
from .ws_adapter import BulletToken, KucoinWsAdapter
from .ws_topics import SUBSCRIBE_PACING, batch_topics

__all__ = ["KucoinWsClients"]

OnReconnected = Callable[[], Awaitable[None]]


class KucoinWsClients:
    def __init__(
        self,
        api: KucoinApi,
        throttler: AsyncThrottler,
        session: aiohttp.ClientSession | None,
        *,
        authenticated: Callable[[], bool],
        pacing: RateLimit = SUBSCRIBE_PACING,
        ws_transport: WsTransportName = DEFAULT_WS_TRANSPORT,
    ) -> None:
        self._api = api
        self._throttler = throttler
        self._session = session
        self._authenticated = authenticated
        self._pacing = pacing
        self._ws_transport: WsTransportName = ws_transport

    def public(self, on_message: Callable[[Any], None], on_reconnected: OnReconnected) -> WsClient:
        """Market data; the token is private when keys are given."""
        return self._client(on_message, on_reconnected, private=False)

    def private(self, on_message: Callable[[Any], None], on_reconnected: OnReconnected) -> WsClient:
        return self._client(on_message, on_reconnected, private=True)

    async def _bullet(self, *, private: bool) -> BulletToken:
        """A bullet token for one new connection, within the ``ws_connect`` budget."""
        if self._throttler.has_limit(WS_CONNECT_LIMIT_ID):
            await self._throttler.acquire(WS_CONNECT_LIMIT_ID)
        return await self._api.bullet(private=private)

    def _client(
        self, on_message: Callable[[Any], None], on_reconnected: OnReconnected, *, private: bool
    ) -> WsClient:
        token_private = private or self._authenticated()
        adapter = KucoinWsAdapter(
            lambda: self._bullet(private=token_private),
            private=private,
            connect_id_factory=lambda: uuid.uuid4().hex,
        )
        shared = (
            (self._throttler, WS_SUBSCRIBE_LIMIT_ID)
            if self._throttler.has_limit(WS_SUBSCRIBE_LIMIT_ID)
            else None
        )
        return WsClient(
            adapter,
            on_message=on_message,
            on_reconnected=on_reconnected,
            session=self._session,
            transport_name=self._ws_transport,
            name="kucoin-private" if private else "kucoin-public",
            topic_batcher=batch_topics,
            subscribe_pacing=self._pacing,
            subscribe_throttle=shared,
        )
