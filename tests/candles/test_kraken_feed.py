"""The Kraken candles feed end to end over the in-memory fakes: AssetPairs (recorded),
OHLC rows in Kraken's documented shape, the v2 ``ohlc`` channel; 2-hour candles built from
Kraken's native hour, a reconnect refetching what the socket missed.

Against the Kraken simulator on loopback: ``test_feeds_against_tape.py``.
"""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from candles.proof import ManualClock, wait_for
from fakes import FakeTransport, FakeWsConnection, FakeWsTransport, json_response
from kraken.recorded import recorded_asset_pairs
from kucoin_connector.core.candles import CandlesFeed
from kucoin_connector.core.transport import HttpRequest, HttpResponse
from kucoin_connector.kraken.candles import KrakenCandleSource

D = Decimal
HOUR = 3600
T0 = 1_753_920_000
STATUS = json.dumps({"channel": "status", "type": "update", "data": [{"system": "online"}]})


class FakeKrakenOhlc:
    """Hourly XXBTZUSD rows (Kraken's shape: strings, vwap before volume, trade count)."""

    def __init__(self) -> None:
        self.rows: dict[int, list[Any]] = {}
        self.queries: list[dict[str, str]] = []
        self.transport = FakeTransport(default=self.route)

    def add(self, t: int, o: str, h: str, low: str, c: str, vwap: str, volume: str) -> None:
        self.rows[t] = [t, o, h, low, c, vwap, volume, 3]

    def route(self, request: HttpRequest) -> HttpResponse:
        parts = urlsplit(request.url)
        if parts.path == "/0/public/AssetPairs":
            return json_response(recorded_asset_pairs())
        assert parts.path == "/0/public/OHLC", request.url
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.queries.append(query)
        assert query["pair"] == "XXBTZUSD" and query["interval"] == "60"
        since = int(query["since"])
        rows = [r for t, r in sorted(self.rows.items()) if t > since][-720:]
        return json_response({"error": [], "result": {"XXBTZUSD": rows, "last": since}})


def ohlc_update(begin: str, o: str, h: str, low: str, c: str, vwap: str, volume: str) -> str:
    entry = {
        "symbol": "BTC/USD",
        "open": o,
        "high": h,
        "low": low,
        "close": c,
        "trades": 2,
        "volume": volume,
        "vwap": vwap,
        "interval_begin": begin,
        "interval": 60,
        "timestamp": begin,
    }
    return json.dumps({"channel": "ohlc", "type": "update", "data": [entry]})


async def connect(ws: FakeWsTransport, index: int) -> FakeWsConnection:
    conn = await ws.next_connection(index)
    conn.deliver(STATUS)
    await wait_for(lambda: bool(conn.sent), "subscribe frame")
    frame = json.loads(conn.sent[-1])
    assert frame["params"] == {
        "channel": "ohlc",
        "symbol": ["BTC/USD"],
        "interval": 60,
        "snapshot": True,
    }
    conn.deliver(json.dumps({"method": "subscribe", "success": True, "req_id": frame["req_id"]}))
    return conn


async def test_kraken_two_hour_candles_from_hours_across_a_reconnect() -> None:
    venue = FakeKrakenOhlc()
    for i in range(8):
        venue.add(T0 + i * HOUR, "100", str(101 + i), "99", str(100 + i), "100", "2")
    ws = FakeWsTransport()
    source = KrakenCandleSource(
        "BTC-USD",
        base_url="https://api.kraken.com",
        ws_url="wss://ws.kraken.com/v2",
        transport=venue.transport,
        ws_transport=ws,
    )
    clock = ManualClock(T0 + 8 * HOUR + 10)
    feed = CandlesFeed(
        source, trading_pair="BTC-USD", interval="2h", max_records=4, clock_s=clock, poll_s=3600
    )
    starting = asyncio.create_task(feed.start())
    conn = await connect(ws, 0)
    await starting
    held = feed.closed_candles
    assert [c.open_time_s for c in held] == [T0 + i * 2 * HOUR for i in range(4)]
    last = held[-1]  # hours 6 and 7
    assert (last.open, last.high, last.low, last.close) == (D(100), D(108), D(99), D(107))
    assert last.volume == D(4) and last.quote_volume == D(400)
    assert feed.ready

    # the open 2-hour bucket moves with the socket
    conn.deliver(
        ohlc_update("2025-07-31T08:00:00.000000000Z", "107", "109", "106", "108", "108", "1")
    )
    await wait_for(lambda: feed.open_candle is not None, "open candle")
    assert feed.open_candle is not None and feed.open_candle.close == D(108)

    # the socket drops; two hours pass (one traded); the reconnect refetches them
    conn.server_close(1006)
    venue.add(T0 + 8 * HOUR, "107", "109", "106", "108", "108", "1")
    venue.add(T0 + 9 * HOUR, "108", "110", "108", "110", "109", "1")
    clock.t = T0 + 10 * HOUR + 10
    await connect(ws, 1)
    await wait_for(lambda: feed.closed_candles[-1].open_time_s == T0 + 8 * HOUR, "refetch")
    newest = feed.closed_candles[-1]
    assert (newest.open, newest.high, newest.close, newest.volume) == (D(107), D(110), D(110), D(2))
    assert feed.reconnects == 1
    await feed.stop()
