"""The futures simulator's ``/contractMarket/limitCandle`` topic and ``kline/query`` rows:
shapes checked with the official SDK's models, values with the engine's trade tape, over
raw aiohttp (no connector code)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from kucoin_universal_sdk.generate.futures.futures_public.model_klines_event import KlinesEvent
from kucoin_universal_sdk.generate.futures.market.model_get_klines_resp import GetKlinesResp

from kucoin_connector.simulator.kucoin_futures.server import KucoinFuturesSimulator
from oracles.sdk_oracle import check_shape, unknown_fields

SYMBOL = "XBTUSDTM"


@pytest.fixture
async def fsim() -> AsyncIterator[KucoinFuturesSimulator]:
    async with KucoinFuturesSimulator(contracts=[SYMBOL], activity_rate_hz=100, seed=4) as sim:
        yield sim


async def _data(session: aiohttp.ClientSession, method: str, url: str) -> Any:
    async with session.request(method, url) as response:
        body = await response.json()
    assert body["code"] == "200000", body
    return body["data"]


async def _subscribe(
    session: aiohttp.ClientSession, sim: KucoinFuturesSimulator, topic: str
) -> tuple[aiohttp.ClientWebSocketResponse, dict[str, Any]]:
    bullet = await _data(session, "POST", f"{sim.rest_url}/api/v1/bullet-public")
    url = f"{bullet['instanceServers'][0]['endpoint']}?token={bullet['token']}&connectId=c1"
    ws = await session.ws_connect(url)
    assert (await ws.receive_json(timeout=5))["type"] == "welcome"
    await ws.send_json({"id": "s", "type": "subscribe", "topic": topic, "response": True})
    reply: dict[str, Any] = await ws.receive_json(timeout=5)
    return ws, reply


async def test_limit_candle_fits_the_sdk_and_the_tape(fsim: KucoinFuturesSimulator) -> None:
    async with aiohttp.ClientSession() as session:
        ws, reply = await _subscribe(session, fsim, f"/contractMarket/limitCandle:{SYMBOL}_1min")
        assert reply == {"id": "s", "type": "ack"}
        while True:
            message = await ws.receive_json(timeout=10)
            if message.get("type") == "message":
                break
        await ws.close()
    assert message["subject"] == "candle.stick"
    data = message["data"]
    check_shape(KlinesEvent, data)
    assert unknown_fields(KlinesEvent, data) == set()
    start_s, o, c, h, low, _volume, lots = data["candles"]
    tape = [
        t
        for t in reversed(fsim.engine.trades(SYMBOL))
        if t.time_ms // 1000 >= int(start_s) and t.time_ms <= data["time"]
    ]
    assert int(start_s) % 60 == 0 and tape
    prices = [t.price for t in tape]
    assert (Decimal(o), Decimal(c)) == (prices[0], prices[-1])
    assert (Decimal(h), Decimal(low)) == (max(prices), min(prices))
    assert Decimal(lots) == sum(t.size for t in tape)


@pytest.mark.parametrize("topic", ["XBTUSDTM_3min", "XBTUSDTM_6hour", "NOPE_1min", "XBTUSDTM"])
async def test_limit_candle_refuses_what_kucoin_futures_lacks(
    fsim: KucoinFuturesSimulator, topic: str
) -> None:
    async with aiohttp.ClientSession() as session:
        ws, reply = await _subscribe(session, fsim, f"/contractMarket/limitCandle:{topic}")
        await ws.close()
    assert reply["type"] == "error" and reply["code"] == 404


async def test_kline_rows_fit_the_sdk_and_open_before_close(
    fsim: KucoinFuturesSimulator,
) -> None:
    while len(fsim.engine.trades(SYMBOL)) < 5:
        fsim.market.tick()
    async with aiohttp.ClientSession() as session:
        url = f"{fsim.rest_url}/api/v1/kline/query?symbol={SYMBOL}&granularity=1"
        rows = await _data(session, "GET", url)
    check_shape(GetKlinesResp, rows)
    tape = list(reversed(fsim.engine.trades(SYMBOL)))
    first_bucket = [t for t in tape if t.time_ms // 60_000 * 60_000 == rows[0][0]]
    assert Decimal(str(rows[0][1])) == first_bucket[0].price  # open: the first trade
    assert Decimal(str(rows[0][4])) == first_bucket[-1].price  # close: the last trade
