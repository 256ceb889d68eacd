"""KuCoin spot candles: ``GET /api/v1/market/candles`` and the ``/market/candles`` topic.

Spot rows are strings in KuCoin's own order, **open time (s), open, close, high, low,
volume, turnover**, newest first, at most 1500 a request; the WebSocket pushes the same
order (``data.candles``) with ``data.time`` in nanoseconds. All 13 lengths are native.
Both are normalised here into ``core.candles.Candle`` (open, high, low, close order).

``KucoinPublicLink`` is the public REST + WebSocket plumbing (own throttler with the
candles endpoint's weight, public bullet token); the perpetual feed reuses it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import aiohttp

from kucoin_connector.core.aiohttp_transport import AiohttpTransport
from kucoin_connector.core.candles import INTERVAL_SECONDS, Candle
from kucoin_connector.core.errors import ParseError
from kucoin_connector.core.rest import RestClient
from kucoin_connector.core.throttler import AsyncThrottler, LinkedLimit, RateLimit
from kucoin_connector.core.ws import DEFAULT_WS_TRANSPORT, WsClient
from kucoin_connector.core.ws_transport import WsTransportName

from .api import KucoinApi
from .config import KUCOIN_BASE_URL
from .endpoints import PUBLIC_POOL, TODAY_POOLS, rate_limits
from .errors import raise_for_kucoin
from .ws_clients import KucoinWsClients

__all__ = [
    "SPOT_CANDLES_PATH",
    "SPOT_MAX_ROWS",
    "KucoinPublicLink",
    "KucoinSpotCandleSource",
    "parse_spot_row",
    "parse_spot_ws_candle",
]

SPOT_CANDLES_PATH = "/api/v1/market/candles"
SPOT_MAX_ROWS = 1500
SPOT_TOPIC = "/market/candles"
CANDLES_LIMIT_ID = "candles"
CANDLES_WEIGHT = 3  # the candles endpoints' documented weight in the public pool
SPOT_TYPES: dict[int, str] = {seconds: name for name, seconds in INTERVAL_SECONDS.items()}


def decimal_of(value: Any, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ParseError(f"{what}: {value!r} is not a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ParseError(f"{what}: {value!r} is not a number") from None
    if not number.is_finite():
        raise ParseError(f"{what}: {value!r} is not finite")
    return number


def int_of(value: Any, what: str) -> int:
    number = decimal_of(value, what)
    if number != number.to_integral_value():
        raise ParseError(f"{what}: {value!r} is not an integer")
    return int(number)


def row_of(raw: Any, length: int, what: str) -> Sequence[Any]:
    if not isinstance(raw, list) or len(raw) < length:
        raise ParseError(f"{what}: expected a list of at least {length} fields, got {raw!r}")
    return raw


def parse_spot_row(raw: Any) -> Candle:
    """``[time s, open, close, high, low, volume, turnover]`` -> Candle."""
    row = row_of(raw, 7, "spot candle")
    t, o, c, h, low, v, q = row[:7]
    return Candle(
        open_time_s=int_of(t, "spot candle time"),
        open=decimal_of(o, "open"),
        high=decimal_of(h, "high"),
        low=decimal_of(low, "low"),
        close=decimal_of(c, "close"),
        volume=decimal_of(v, "volume"),
        quote_volume=decimal_of(q, "turnover"),
    )


def parse_spot_ws_candle(message: Mapping[str, Any]) -> Candle:
    """The ``data`` of a ``trade.candles.update`` message -> Candle."""
    return parse_spot_row(message.get("candles"))


def rows_between(rows: Sequence[Candle], start_s: int, end_s: int) -> list[Candle]:
    return [c for c in rows if start_s <= c.open_time_s < end_s]


class KucoinPublicLink:
    """Public REST and a public WebSocket on one KuCoin API host (spot or futures)."""

    def __init__(
        self,
        base_url: str,
        *,
        session: aiohttp.ClientSession | None = None,
        ws_transport: WsTransportName = DEFAULT_WS_TRANSPORT,
        rate_limit_table: Sequence[RateLimit] | None = None,
    ) -> None:
        self.throttler = AsyncThrottler(
            rate_limit_table if rate_limit_table is not None else rate_limits()
        )
        pool = TODAY_POOLS[PUBLIC_POOL]
        self.throttler.declare(
            [
                RateLimit(
                    CANDLES_LIMIT_ID,
                    pool.limit,
                    pool.time_interval_s,
                    weight=CANDLES_WEIGHT,
                    linked_limits=(LinkedLimit(PUBLIC_POOL, CANDLES_WEIGHT),),
                )
            ]
        )
        self.rest = RestClient(
            base_url.rstrip("/"),
            transport=AiohttpTransport(session),
            throttler=self.throttler,
            response_handler=raise_for_kucoin,
        )
        api = KucoinApi(self.rest, account_type="trade")  # bullet-public: same path on both
        self._ws_clients = KucoinWsClients(
            api, self.throttler, session, authenticated=lambda: False, ws_transport=ws_transport
        )
        self.ws: WsClient | None = None

    async def get(self, path: str, params: Mapping[str, Any], limit_id: str) -> Any:
        return await self.rest.request("GET", path, limit_id=limit_id, params=params)

    async def subscribe(
        self,
        topic: str,
        on_message: Callable[[Any], None],
        on_reconnected: Callable[[], Awaitable[None]],
        *,
        timeout_s: float = 15.0,
    ) -> None:
        self.ws = self._ws_clients.public(on_message, on_reconnected)
        await self.ws.subscribe([topic])
        await self.ws.start()
        await self.ws.wait_connected(timeout_s)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.stop()
            self.ws = None
        await self.rest.close()


class KucoinSpotCandleSource:
    """``core.candles.CandleSource`` for one KuCoin spot symbol."""

    name = "kucoin"
    native_intervals = frozenset(SPOT_TYPES)
    max_rows = SPOT_MAX_ROWS
    history_rows: int | None = None

    def __init__(
        self,
        trading_pair: str,
        *,
        base_url: str = KUCOIN_BASE_URL,
        session: aiohttp.ClientSession | None = None,
        ws_transport: WsTransportName = DEFAULT_WS_TRANSPORT,
    ) -> None:
        self.symbol = trading_pair  # KuCoin spot symbols are the pairs (BTC-USDT)
        self._link = KucoinPublicLink(base_url, session=session, ws_transport=ws_transport)
        self._on_candle: Callable[[Candle], None] | None = None
        self._topic = ""

    async def fetch(self, native_s: int, start_s: int, end_s: int) -> list[Candle]:
        params = {
            "symbol": self.symbol,
            "type": SPOT_TYPES[native_s],
            "startAt": start_s,
            "endAt": end_s,
        }
        data = await self._link.get(SPOT_CANDLES_PATH, params, CANDLES_LIMIT_ID)
        if not isinstance(data, list):
            raise ParseError(f"spot candles: expected a list, got {type(data).__name__}")
        return rows_between([parse_spot_row(raw) for raw in data], start_s, end_s)

    async def open_live(
        self,
        native_s: int,
        on_candle: Callable[[Candle], None],
        on_reconnected: Callable[[], Awaitable[None]],
    ) -> None:
        self._on_candle = on_candle
        self._topic = f"{SPOT_TOPIC}:{self.symbol}_{SPOT_TYPES[native_s]}"
        await self._link.subscribe(self._topic, self._on_message, on_reconnected)

    def _on_message(self, message: Any) -> None:
        if not isinstance(message, dict) or message.get("topic") != self._topic:
            return
        data = message.get("data")
        if self._on_candle is not None and isinstance(data, dict):
            self._on_candle(parse_spot_ws_candle(data))

    async def close(self) -> None:
        await self._link.close()
