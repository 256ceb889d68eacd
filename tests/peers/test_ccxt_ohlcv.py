"""ccxt's ``fetch_ohlcv``, unchanged, returns the closed candles of the simulator's trade
tape: 1m and 5m candles recomputed here from ``sim.engine.trades``, on spot (ccxt kucoin)
and on a perpetual (ccxt kucoinfutures); and the project's own candles feeds
(``CandlesFactory``: ``kucoin``, ``kucoin_perpetual``) hold the same closed candles.

The trades are printed in the past (the simulator's clock is skewed back while they are
made, then set right) at fixed offsets from a 5-minute boundary, so that every candle is
closed when ccxt asks and the layout of candles is the same on every run.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from kucoin_connector.candles import CandlesFactory
from kucoin_connector.simulator.engine.clock import SimClock
from kucoin_connector.simulator.engine.engine import MatchingEngine
from kucoin_connector.simulator.engine.models import OrderRequest, Trade
from kucoin_connector.simulator.kucoin_futures.server import KucoinFuturesSimulator
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator

from .harness import STEP_TIMEOUT_S, StartPeer, add_futures_peer, add_peer, decimal

Row = tuple[int, Decimal, Decimal, Decimal, Decimal, Decimal]  # ms, OHLC, volume
SCRIPT = "ccxt_flow.py"
FUTURES_SCRIPT = "ccxt_futures_flow.py"
CONTRACT = "XBTUSDTM"
SYMBOL = "BTC-USDT"
MINUTE_MS = 60_000
FIVE_MINUTES_MS = 5 * MINUTE_MS
TRADE_SIZE = Decimal("0.001")
# (ms after the first 5-minute boundary, taker side): minutes 0, 1, 3, 5 and 16, i.e.
# five 1m candles and three 5m candles; each offset is seconds away from any boundary
TRADES_AT = (
    (10_000, "buy"),
    (15_000, "sell"),
    (20_000, "buy"),
    (MINUTE_MS + 20_000, "sell"),
    (3 * MINUTE_MS + 30_000, "buy"),
    (5 * MINUTE_MS + 10_000, "buy"),
    (16 * MINUTE_MS + 40_000, "sell"),
    (16 * MINUTE_MS + 45_000, "buy"),
)
FIRST_BOUNDARY_AGO = 8  # 5-minute buckets back: the last trade is 20+ minutes old
HISTORY_MINUTES = (FIRST_BOUNDARY_AGO + 1) * 5  # a feed history that holds every trade


class TradingSim(Protocol):
    """A simulator whose default user trades on its engine at its clock's time."""

    @property
    def clock(self) -> SimClock: ...
    @property
    def engine(self) -> MatchingEngine: ...
    @property
    def user_id(self) -> str: ...


def print_trades(sim: TradingSim, symbol: str, size: Decimal) -> int:
    """Print TRADES_AT in the past; the 5-minute boundary they are counted from."""
    now = sim.clock.now_ms()
    first_boundary = (now // FIVE_MINUTES_MS - FIRST_BOUNDARY_AGO) * FIVE_MINUTES_MS
    for offset, side in TRADES_AT:
        print_trade_at(sim, symbol, size, first_boundary + offset, side)
    assert len(sim.engine.trades(symbol)) == len(TRADES_AT)
    return first_boundary


def print_trade_at(sim: TradingSim, symbol: str, size: Decimal, time_ms: int, side: str) -> None:
    """The default user takes the best level of the other side at the simulator's
    ``time_ms`` (its clock skewed there for the trade, then set right)."""
    sim.clock.skew_ms = 0
    sim.clock.skew_ms = time_ms - sim.clock.now_ms()
    try:
        bid, ask = sim.engine.best_bid_ask(symbol)
        assert bid is not None and ask is not None
        price = ask[0] if side == "buy" else bid[0]
        request = OrderRequest(symbol=symbol, side=side, price=price, size=size)
        sim.engine.place_order(sim.user_id, request)
    finally:
        sim.clock.skew_ms = 0


def closed_candles(trades: list[Trade], interval_ms: int, now_ms: int) -> list[Row]:
    """[(start ms, open, high, low, close, volume)] oldest first, of the buckets that
    ended by ``now_ms``, from the trades (in any order)."""
    buckets: dict[int, list[Trade]] = {}
    for trade in sorted(trades, key=lambda t: (t.time_ms, t.sequence)):
        buckets.setdefault(trade.time_ms // interval_ms * interval_ms, []).append(trade)
    return [
        (
            start,
            group[0].price,
            max(t.price for t in group),
            min(t.price for t in group),
            group[-1].price,
            sum((t.size for t in group), start=Decimal(0)),
        )
        for start, group in sorted(buckets.items())
        if start + interval_ms <= now_ms
    ]


def as_decimals(candles: list[list[float]]) -> list[Row]:
    return [
        (int(t), decimal(open_), decimal(high), decimal(low), decimal(close), decimal(volume))
        for t, open_, high, low, close, volume in candles
    ]


async def test_fetch_ohlcv_equals_the_trade_tape(
    sim: KucoinSimulator, start_peer: StartPeer
) -> None:
    print_trades(sim, SYMBOL, TRADE_SIZE)
    trades = sim.engine.trades(SYMBOL)
    peer = await start_peer(SCRIPT, sim, add_peer(sim, "ccxt-ohlcv", 2), "ohlcv")
    await peer.report("load_markets")
    one_minute = as_decimals(await peer.step("fetch_ohlcv_1m"))
    five_minutes = as_decimals(await peer.step("fetch_ohlcv_5m"))
    now = sim.clock.now_ms()
    expected_1m = closed_candles(trades, MINUTE_MS, now)
    expected_5m = closed_candles(trades, FIVE_MINUTES_MS, now)
    assert (len(expected_1m), len(expected_5m)) == (5, 3)
    assert one_minute == expected_1m
    assert five_minutes == expected_5m
    # the candles move: a minute with a buy then a sell is not flat
    assert expected_1m[0][2] > expected_1m[0][3]
    await peer.finish()


async def feed_candles(connector: str, base_url: str, interval: str, max_records: int) -> list[Row]:
    """The closed candles with trades of the project's own candles feed for BTC-USDT."""
    feed = CandlesFactory.get_candle(
        connector=connector,
        trading_pair=SYMBOL,
        interval=interval,
        max_records=max_records,
        base_url=base_url,
    )
    async with feed:
        await feed.wait_until_ready(STEP_TIMEOUT_S)
        return [
            (c.open_time_s * 1000, c.open, c.high, c.low, c.close, c.volume)
            for c in feed.closed_candles
            if not c.flat
        ]


async def test_fetch_ohlcv_equals_the_candles_feed(
    sim: KucoinSimulator, start_peer: StartPeer
) -> None:
    """ccxt and the project's candles feed agree on every closed candle with trades."""
    print_trades(sim, SYMBOL, TRADE_SIZE)
    peer = await start_peer(SCRIPT, sim, add_peer(sim, "ccxt-feed", 2), "ohlcv")
    await peer.report("load_markets")
    one_minute = as_decimals(await peer.step("fetch_ohlcv_1m"))
    five_minutes = as_decimals(await peer.step("fetch_ohlcv_5m"))
    await peer.finish()
    url = sim.rest_url
    assert await feed_candles("kucoin", url, "1m", HISTORY_MINUTES) == one_minute
    assert await feed_candles("kucoin", url, "5m", FIRST_BOUNDARY_AGO + 1) == five_minutes
    assert (len(one_minute), len(five_minutes)) == (5, 3)


async def test_futures_fetch_ohlcv_equals_the_trade_tape(
    sim: KucoinSimulator, futures_sim: KucoinFuturesSimulator, start_peer: StartPeer
) -> None:
    """The same on a perpetual (ccxt kucoinfutures; volume in lots)."""
    print_trades(futures_sim, CONTRACT, Decimal(1))
    trades = futures_sim.engine.trades(CONTRACT)
    creds = add_futures_peer(sim, futures_sim, "ccxt-futures-ohlcv")
    extra_args = ("--futures-rest-url", futures_sim.rest_url)
    peer = await start_peer(FUTURES_SCRIPT, sim, creds, "ohlcv", extra_args)
    await peer.report("load_markets")
    one_minute = as_decimals(await peer.step("fetch_ohlcv_1m"))
    five_minutes = as_decimals(await peer.step("fetch_ohlcv_5m"))
    now = futures_sim.clock.now_ms()
    assert one_minute == closed_candles(trades, MINUTE_MS, now)
    assert five_minutes == closed_candles(trades, FIVE_MINUTES_MS, now)
    assert (len(one_minute), len(five_minutes)) == (5, 3)
    # the project's perpetual feed counts volume in base units, ccxt in contracts (lots)
    multiplier = futures_sim.state.contracts[CONTRACT].multiplier
    url = futures_sim.rest_url
    for interval, records, rows in (
        ("1m", HISTORY_MINUTES, one_minute),
        ("5m", FIRST_BOUNDARY_AGO + 1, five_minutes),
    ):
        in_base_units = [(*row[:5], row[5] * multiplier) for row in rows]
        assert await feed_candles("kucoin_perpetual", url, interval, records) == in_base_units
    await peer.finish()
