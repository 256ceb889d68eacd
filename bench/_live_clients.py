"""Live-socket clients of the bench feed (``_l2feed``), for ``whole_market`` and
``live_transport``.

* ``AiohttpClient``: bare aiohttp ``ws_connect`` connections read the way ``core/ws.py``
  reads them (``await ws.receive()`` in a loop, ``msg.data`` to a handler);
* ``PicowsClient``: picows connections, the handler called from ``on_ws_frame`` with the
  payload as a memoryview (no copy); needs ``picows`` (scratch venv only);
* ``pipeline_source``: the connector's real ``KucoinOrderBookDataSource`` (calibrators,
  snapshot resyncs) minus its WsClient: its frame hook ``_on_frame`` is the handler, its
  connections are stand-ins, snapshots come over REST from the feed.

Symbols are split across connections as the connector does (50 a connection: two topics
a symbol, at most 100 topics a connection); a raw client subscribes each connection's
level2 topics in one frame (``/market/level2:S1,S2,...``).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import ujson

from kucoin_connector.core.events import EventBus
from kucoin_connector.kucoin.level2 import L2Snapshot, parse_l2snapshot
from kucoin_connector.kucoin.order_book_data_source import KucoinOrderBookDataSource

SYMBOLS_PER_CONNECTION = 50
Handler = Callable[[Any], object]


def chunks(symbols: list[str], size: int = SYMBOLS_PER_CONNECTION) -> list[list[str]]:
    return [symbols[i : i + size] for i in range(0, len(symbols), size)]


def _subscribe_frame(symbols: list[str]) -> str:
    return ujson.dumps(
        {
            "id": uuid.uuid4().hex,
            "type": "subscribe",
            "topic": "/market/level2:" + ",".join(symbols),
            "privateChannel": False,
            "response": True,
        }
    )


async def _bullet(session: aiohttp.ClientSession, base_url: str) -> str:
    async with session.post(base_url + "/api/v1/bullet-public") as response:
        data = (await response.json())["data"]
    return f"{data['instanceServers'][0]['endpoint']}?token={data['token']}"


class AiohttpClient:
    """Bare aiohttp connections: ``await ws.receive()`` -> ``handler(msg.data)``."""

    def __init__(self, base_url: str, symbols: list[str], handler: Handler) -> None:
        self._base_url = base_url
        self._symbols = symbols
        self._handler = handler
        self._session: aiohttp.ClientSession | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        for group in chunks(self._symbols):
            url = await _bullet(self._session, self._base_url)
            ws = await self._session.ws_connect(
                f"{url}&connectId={uuid.uuid4().hex}",
                heartbeat=None,
                autoping=True,
                max_msg_size=64 * 1024 * 1024,
            )
            await ws.receive()  # welcome
            await ws.send_str(_subscribe_frame(group))
            self._tasks.append(asyncio.create_task(self._read(ws)))

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        handler = self._handler
        text, binary = aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY
        while True:
            msg = await ws.receive()
            if msg.type is text or msg.type is binary:
                handler(msg.data)
            else:
                return

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()


class PicowsClient:
    """picows connections: ``on_ws_frame`` -> ``handler(frame.get_payload_as_memoryview())``."""

    def __init__(self, base_url: str, symbols: list[str], handler: Handler) -> None:
        self._base_url = base_url
        self._symbols = symbols
        self._handler = handler
        self._transports: list[Any] = []

    async def start(self) -> None:
        from picows import WSListener, WSMsgType, ws_connect

        handler = self._handler
        text = WSMsgType.TEXT

        class Listener(WSListener):  # type: ignore[misc]
            def on_ws_frame(self, transport: Any, frame: Any) -> None:
                if frame.msg_type == text:
                    handler(frame.get_payload_as_memoryview())

        async with aiohttp.ClientSession() as session:
            urls = [await _bullet(session, self._base_url) for _ in chunks(self._symbols)]
        for url, group in zip(urls, chunks(self._symbols), strict=True):
            transport, _ = await ws_connect(Listener, f"{url}&connectId={uuid.uuid4().hex}")
            transport.send(WSMsgType.TEXT, _subscribe_frame(group).encode())
            self._transports.append(transport)

    async def stop(self) -> None:
        for transport in self._transports:
            transport.disconnect()
        await asyncio.gather(
            *(t.wait_disconnected() for t in self._transports), return_exceptions=True
        )


class _StandInConnection:
    """What the data source needs of a WsClient when the frames come from elsewhere."""

    def __init__(self) -> None:
        self.frame_handler: Callable[[str | bytes], bool] | None = None

    async def start(self) -> None:
        return None

    async def wait_connected(self, timeout_s: float | None = None) -> None:
        return None

    async def subscribe(self, topics: list[str]) -> None:
        return None

    async def unsubscribe(self, topics: list[str]) -> None:
        return None

    async def stop(self) -> None:
        return None


async def pipeline_source(
    base_url: str, symbols: list[str]
) -> tuple[KucoinOrderBookDataSource, Callable[[], Awaitable[None]]]:
    """The connector's order book data source fed by an outside transport (returns it and
    its closer). Snapshots: ``level2_100`` from the feed, as a keyless connector fetches."""
    session = aiohttp.ClientSession()

    async def fetch(symbol: str) -> L2Snapshot:
        async with session.get(
            base_url + "/api/v1/market/orderbook/level2_100", params={"symbol": symbol}
        ) as response:
            return parse_l2snapshot((await response.json(loads=ujson.loads))["data"])

    source = KucoinOrderBookDataSource(
        fetch_snapshot=fetch,
        ws_factory=lambda _on_message, _on_reconnected: _StandInConnection(),  # type: ignore[arg-type,return-value]
        events=EventBus(),
        clock_ms=lambda: 0,
        symbol_to_pair=lambda s: s,
    )
    await source.start(symbols)

    async def close() -> None:
        await source.stop()
        await session.close()

    return source, close
