"""KrakenApi's public calls, history paging and request shapes, on documented payloads."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from kraken.documented import DEPTH, QUERY_TRADES, TIME
from kraken.fake_kraken import API_KEY, API_SECRET, FakeKraken, ok
from kucoin_connector.core.throttler import AsyncThrottler
from kucoin_connector.kraken.api import KrakenApi
from kucoin_connector.kraken.auth import KrakenSigner
from kucoin_connector.kraken.config import KrakenTier
from kucoin_connector.kraken.endpoints import rest_limits
from kucoin_connector.kraken.rest import KrakenRestClient


async def make_api(kraken: FakeKraken) -> KrakenApi:
    rest = KrakenRestClient(
        "https://api.kraken.com",
        transport=kraken.transport,
        throttler=AsyncThrottler(rest_limits(KrakenTier.PRO)),
        signer=KrakenSigner(API_KEY, API_SECRET),
    )
    api = KrakenApi(rest)
    await api.load_pairs()
    return api


async def test_time_and_depth() -> None:
    kraken = FakeKraken()
    kraken.default("/0/public/Time", TIME)
    kraken.default("/0/public/Depth", DEPTH)
    api = await make_api(kraken)
    assert await api.server_time_ms() == 1688669448000
    bids, asks = await api.depth("BTC-USD", count=3)
    assert bids[0] == (Decimal("30297.00000"), Decimal("1.115"))
    assert asks[-1] == (Decimal("30393.70000"), Decimal("9.871"))
    depth_request = kraken.transport.requests[-1]
    assert depth_request.method == "GET" and depth_request.body == b""
    assert parse_qs(urlsplit(depth_request.url).query) == {"pair": ["XXBTZUSD"], "count": ["3"]}


async def test_trades_history_reads_every_page() -> None:
    kraken = FakeKraken()
    trades = QUERY_TRADES["result"]
    first_page = {f"T{i:03d}": trades["THVRQM-33VKH-UCI7BS"] for i in range(50)}
    second_page = {"TTEUX3-HDAAA-RC2RUO": trades["TTEUX3-HDAAA-RC2RUO"]}
    kraken.script(
        "TradesHistory",
        ok({"trades": first_page, "count": 51}),
        ok({"trades": second_page, "count": 51}),
    )
    api = await make_api(kraken)
    got = await api.trades_history(1688000000, 1688700000)
    assert len(got) == 51
    offsets = [call["ofs"] for call in kraken.calls["TradesHistory"]]
    assert offsets == ["0", "50"]
    assert kraken.calls["TradesHistory"][0]["start"] == "1688000000"
