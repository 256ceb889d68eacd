"""Kraken candles: REST ``GET /0/public/OHLC`` and the WebSocket v2 ``ohlc`` channel.

- REST rows: **time (s), open, high, low, close, vwap, volume, count** under the pair's
  REST name, plus ``last``; at most the 720 most recent rows of an interval whatever
  ``since`` says (so history is limited to 720 native rows), the last one still open.
- WebSocket v2: ``{"channel": "ohlc", "type": "snapshot"|"update", "data": [{"symbol",
  "open", "high", "low", "close", "trades", "volume", "vwap", "interval_begin" (RFC 3339),
  "interval" (minutes), "timestamp"}]}``.
- Native lengths (minutes): 1 5 15 30 60 240 1440 10080 21600; 3min, 2hour, 6hour,
  8hour and 12hour are built by the feed from 1min, 1hour and 4hour.
- Kraken gives no quote volume: it is ``vwap * volume`` (as exact as Kraken's vwap).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from kucoin_connector.core.aiohttp_transport import AiohttpTransport
from kucoin_connector.core.candles import Candle
from kucoin_connector.core.errors import ParseError
from kucoin_connector.core.throttler import AsyncThrottler
from kucoin_connector.core.transport import HttpTransport
from kucoin_connector.core.ws import WsClient
from kucoin_connector.core.ws_transport import WsTransport
from kucoin_connector.kucoin.candles import decimal_of, int_of, row_of, rows_between

from .api import KrakenApi
from .book_messages import decode_keeping_numbers
from .config import KRAKEN_BASE_URL, KRAKEN_WS_PUBLIC_URL, KrakenTier
from .endpoints import Endpoint, rest_limits
from .rest import KrakenRestClient
from .ws_adapter import KrakenWsAdapter

__all__ = [
    "KRAKEN_OHLC_MINUTES",
    "KrakenCandleSource",
    "KrakenOhlcWsAdapter",
    "ohlc_topic",
    "parse_ohlc_result",
    "parse_ohlc_row",
    "parse_ws_ohlc",
]

OHLC = Endpoint("/0/public/OHLC", private=False)
KRAKEN_OHLC_MINUTES = (1, 5, 15, 30, 60, 240, 1440, 10080, 21600)
HISTORY_ROWS = 720
_OHLC_PREFIX = "ohlc:"


def ohlc_topic(ws_symbol: str, minutes: int) -> str:
    return f"{_OHLC_PREFIX}{ws_symbol}:{minutes}"


def _candle(t: int, o: Any, h: Any, low: Any, c: Any, vwap: Any, volume: Any) -> Candle:
    base = decimal_of(volume, "volume")
    return Candle(
        open_time_s=t,
        open=decimal_of(o, "open"),
        high=decimal_of(h, "high"),
        low=decimal_of(low, "low"),
        close=decimal_of(c, "close"),
        volume=base,
        quote_volume=decimal_of(vwap, "vwap") * base,
    )


def parse_ohlc_row(raw: Any) -> Candle:
    """``[time s, open, high, low, close, vwap, volume, count]`` -> Candle."""
    t, o, h, low, c, vwap, volume = row_of(raw, 8, "OHLC row")[:7]
    return _candle(int_of(t, "OHLC time"), o, h, low, c, vwap, volume)


def parse_ohlc_result(result: Any) -> list[Candle]:
    """The ``result`` of ``/0/public/OHLC``: the one pair's rows (``last`` aside)."""
    if not isinstance(result, dict):
        raise ParseError("OHLC: result is not an object")
    series = [rows for name, rows in result.items() if name != "last"]
    if len(series) != 1 or not isinstance(series[0], list):
        raise ParseError("OHLC: expected the rows of one pair")
    return [parse_ohlc_row(raw) for raw in series[0]]


def _rfc3339_s(value: Any) -> int:
    if not isinstance(value, str):
        raise ParseError(f"interval_begin: {value!r} is not a time")
    text = value.rstrip("Z").split(".")[0]
    try:
        return int(datetime.fromisoformat(text + "+00:00").timestamp())
    except ValueError:
        raise ParseError(f"interval_begin: {value!r} is not a time") from None


def parse_ws_ohlc(message: Mapping[str, Any]) -> list[tuple[str, int, Candle]]:
    """An ``ohlc`` snapshot/update -> (symbol, interval minutes, Candle) per entry."""
    data = message.get("data")
    if not isinstance(data, list):
        raise ParseError("ohlc: data is not a list")
    out = []
    for item in data:
        if not isinstance(item, dict):
            raise ParseError("ohlc: entry is not an object")
        try:
            candle = _candle(
                _rfc3339_s(item["interval_begin"]),
                item["open"],
                item["high"],
                item["low"],
                item["close"],
                item["vwap"],
                item["volume"],
            )
            out.append((str(item["symbol"]), int_of(item["interval"], "interval"), candle))
        except KeyError as exc:
            raise ParseError(f"ohlc: entry lacks {exc.args[0]}") from None
    return out


class KrakenOhlcWsAdapter(KrakenWsAdapter):
    """Kraken's public v2 adapter, with ``ohlc:<SYMBOL>:<minutes>`` topics."""

    def subscribe_frame(self, topic: str, request_id: str) -> str:
        return self._ohlc_frame("subscribe", topic, request_id)

    def unsubscribe_frame(self, topic: str, request_id: str) -> str:
        return self._ohlc_frame("unsubscribe", topic, request_id)

    def _ohlc_frame(self, method: str, topic: str, request_id: str) -> str:
        if not topic.startswith(_OHLC_PREFIX):
            return super()._frame(method, topic, request_id)
        symbol, _, minutes = topic[len(_OHLC_PREFIX) :].rpartition(":")
        params: dict[str, Any] = {"channel": "ohlc", "symbol": [symbol], "interval": int(minutes)}
        if method == "subscribe":
            params["snapshot"] = True
        return json.dumps({"method": method, "params": params, "req_id": int(request_id)})


class KrakenCandleSource:
    """``core.candles.CandleSource`` for one Kraken spot pair (``BTC-USD``)."""

    name = "kraken"
    native_intervals = frozenset(m * 60 for m in KRAKEN_OHLC_MINUTES)
    max_rows = HISTORY_ROWS
    history_rows: int | None = HISTORY_ROWS

    def __init__(
        self,
        trading_pair: str,
        *,
        base_url: str = KRAKEN_BASE_URL,
        ws_url: str = KRAKEN_WS_PUBLIC_URL,
        transport: HttpTransport | None = None,
        ws_transport: WsTransport | None = None,
        tier: KrakenTier = KrakenTier.STARTER,
    ) -> None:
        self.trading_pair = trading_pair
        self._rest = KrakenRestClient(
            base_url,
            transport=transport or AiohttpTransport(),
            throttler=AsyncThrottler(rest_limits(tier)),
        )
        self._api = KrakenApi(self._rest)
        self._ws_url = ws_url
        self._ws_transport = ws_transport
        self._ws: WsClient | None = None
        self._on_candle: Callable[[Candle], None] | None = None
        self._ws_symbol = ""
        self._minutes = 0

    async def _names(self) -> tuple[str, str]:
        """(REST name, WebSocket symbol) of the pair, AssetPairs loaded once."""
        if self.trading_pair not in self._api.pairs:
            await self._api.load_pairs()
        pairs = self._api.pairs
        return pairs.rest_name(self.trading_pair), pairs.ws_symbol(self.trading_pair)

    async def fetch(self, native_s: int, start_s: int, end_s: int) -> list[Candle]:
        rest_name, _ = await self._names()
        params = {"pair": rest_name, "interval": native_s // 60, "since": start_s - 1}
        rows = parse_ohlc_result(await self._rest.public(OHLC, params))
        return rows_between(rows, start_s, end_s)

    async def open_live(
        self,
        native_s: int,
        on_candle: Callable[[Candle], None],
        on_reconnected: Callable[[], Awaitable[None]],
    ) -> None:
        _, self._ws_symbol = await self._names()
        self._minutes = native_s // 60
        self._on_candle = on_candle
        self._ws = WsClient(
            KrakenOhlcWsAdapter(self._ws_url),
            on_message=self._on_message,
            on_reconnected=on_reconnected,
            transport=self._ws_transport,
            decode=decode_keeping_numbers,
            name="kraken-ohlc",
        )
        await self._ws.subscribe([ohlc_topic(self._ws_symbol, self._minutes)])
        await self._ws.start()
        await self._ws.wait_connected(15.0)

    def _on_message(self, message: Any) -> None:
        if not isinstance(message, dict) or message.get("channel") != "ohlc":
            return
        for symbol, minutes, candle in parse_ws_ohlc(message):
            if symbol == self._ws_symbol and minutes == self._minutes and self._on_candle:
                self._on_candle(candle)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.stop()
            self._ws = None
        await self._rest.close()
