"""Subscribing the way KuCoin expects, seen from the simulator's side of the wire: symbols
batched into comma frames (one ack a frame) across several connections, one symbol
unsubscribed alone, and subscribe frames paced under the per-connection uplink limit."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from kucoin_connector import KucoinExchange
from kucoin_connector.core.throttler import RateLimit
from kucoin_connector.kucoin.endpoints import WS_CONNECT_LIMIT_ID, WS_SUBSCRIBE_LIMIT_ID
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator
from kucoin_connector.simulator.kucoin_spot.ws import WsSettings
from kucoin_connector.simulator.kucoin_spot.ws_hub import WsConnection

from .harness import wait_for

PAIRS = [f"C{i}-USDT" for i in range(30)]
SUBSCRIBE_KINDS = ("subscribe", "unsubscribe")
# Scaled limits keep the test fast: the connector paces (un)subscribe frames at 5 / 0.5 s
# per connection. The client and the simulator share one event loop, so the server's
# arrival times bunch whenever the loop is busy: grants of 5 at the end of one window and
# 5 at the start of the next can arrive within one window. The simulator therefore
# enforces (an error and a close beyond) twice the pacing plus room for pings (one a
# second), and the test asserts that bound; the exact bound is proven on a fake clock in
# tests/unit/test_ws_pacing.py. An unpaced client sends all 40 frames at once.
WINDOW_S = 0.5
SIM_WS = WsSettings(
    ping_interval_ms=1000,
    ping_timeout_ms=5000,
    idle_timeout_s=10.0,
    uplink_limit=12,
    uplink_window_s=WINDOW_S,
)
PACING = RateLimit("pacing", limit=5, time_interval_s=WINDOW_S)


def subscribe_times(conn: WsConnection) -> list[float]:
    return [at for at, kind in conn.uplink if kind in SUBSCRIBE_KINDS]


def max_in_window(times: list[float], window_s: float) -> int:
    """The most frames any window of ``window_s`` seconds holds."""
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= window_s:
            start += 1
        best = max(best, end - start + 1)
    return best


def symbols_of(conn: WsConnection, base: str) -> set[str]:
    return {key for b, key in conn.subscriptions if b == base}


def record_calls(exchange: KucoinExchange, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The order in which bullets and snapshots are requested (queued to the throttler)."""
    calls: list[str] = []
    api = exchange.api
    bullet, snapshot = api.bullet, api.level2_snapshot

    async def recording_bullet(*, private: bool) -> Any:
        calls.append("bullet")
        return await bullet(private=private)

    async def recording_snapshot(symbol: str, *, full_depth: bool) -> Any:
        calls.append("snapshot")
        return await snapshot(symbol, full_depth=full_depth)

    monkeypatch.setattr(api, "bullet", recording_bullet)
    monkeypatch.setattr(api, "level2_snapshot", recording_snapshot)
    return calls


async def test_symbols_batched_across_frames_and_connections(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with KucoinSimulator(pairs=PAIRS, seed=5, activity=True, ws_settings=SIM_WS) as sim:
        # 20 topics a connection: 10 symbols each, level2 + match -> 3 connections
        exchange = KucoinExchange(
            trading_pairs=PAIRS,
            base_url=sim.rest_url,
            max_topics_per_connection=20,
            ws_subscribe_pacing=PACING,
        )
        calls = record_calls(exchange, monkeypatch)
        async with exchange:
            await exchange.wait_ready()
            assert exchange.order_book_source.connection_count == 3
            # every bullet before any snapshot; each connection took one ws_connect and
            # each frame one ws_subscribe
            assert calls == ["bullet"] * 3 + ["snapshot"] * len(PAIRS)
            assert exchange._throttler.current_usage(WS_CONNECT_LIMIT_ID) == 3
            assert exchange._throttler.current_usage(WS_SUBSCRIBE_LIMIT_ID) == 6
            conns = sim.hub.connections
            assert len(conns) == 3
            followed: set[str] = set()
            for conn in conns:
                # one level2 frame and one match frame of 10 symbols each, one ack each
                assert len(subscribe_times(conn)) == 2
                level2 = symbols_of(conn, "/market/level2")
                assert len(level2) == 10 and symbols_of(conn, "/market/match") == level2
                followed |= level2
            assert followed == set(PAIRS)


async def test_pacing_bound_and_unsubscribe_one_symbol_alone() -> None:
    async with KucoinSimulator(pairs=PAIRS, seed=6, activity=True, ws_settings=SIM_WS) as sim:
        exchange = KucoinExchange(
            trading_pairs=PAIRS[:2],
            base_url=sim.rest_url,
            max_topics_per_connection=100,
            ws_subscribe_pacing=PACING,
        )
        async with exchange:
            await exchange.wait_ready()
            # 20 pairs added one call each, concurrently: 40 frames on the one connection
            await asyncio.gather(*(exchange.add_trading_pair(p) for p in PAIRS[2:22]))
            await exchange.wait_ready()
            (conn,) = sim.hub.connections  # never cut by the uplink limit
            times = subscribe_times(conn)
            assert len(times) == 42
            assert max_in_window(times, WINDOW_S) <= 2 * PACING.limit  # see SIM_WS
            assert times[-1] - times[0] >= (42 // PACING.limit - 1) * WINDOW_S  # paced

            await exchange.remove_trading_pair(PAIRS[3])
            await wait_for(
                lambda: PAIRS[3] not in symbols_of(conn, "/market/level2"), "unsubscribed"
            )
            assert symbols_of(conn, "/market/level2") == set(PAIRS[:22]) - {PAIRS[3]}
            assert symbols_of(conn, "/market/match") == set(PAIRS[:22]) - {PAIRS[3]}

            await exchange.add_trading_pairs(PAIRS[22:])  # one call: batched frames
            await exchange.wait_ready()
            assert len(subscribe_times(conn)) == 42 + 2 + 2  # unsubscribe 2, subscribe 2
            assert symbols_of(conn, "/market/level2") == set(PAIRS) - {PAIRS[3]}
