"""Kraken's decaying counters with an injected clock: REST per key, trading per pair with
cancel penalties; off unless enabled."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from kucoin_connector.simulator.kraken import KrakenSimulator
from kucoin_connector.simulator.kraken.ratelimit import (
    DecayingCounter,
    KrakenRateLimits,
    cancel_penalty,
)

from .conftest import KrakenClient


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_counter_decays_linearly_and_never_below_zero() -> None:
    counter = DecayingCounter(15, 0.5, now_s=0.0)
    assert counter.try_add(15, 0.0)
    assert not counter.try_add(1, 0.0)
    assert counter.value(4.0) == 13.0
    assert counter.try_add(2, 4.0)
    assert counter.value(100.0) == 0.0


def test_cancel_penalties_by_order_age() -> None:
    assert [cancel_penalty(a) for a in (0, 4.9, 5, 12, 30, 60, 200, 400)] == [
        8,
        8,
        6,
        5,
        4,
        2,
        1,
        0,
    ]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def limited(clock: FakeClock) -> AsyncIterator[KrakenSimulator]:
    limits = KrakenRateLimits(
        True, rest_max=4, rest_decay_per_s=1, trading_max=10, trading_decay_per_s=1
    )
    async with KrakenSimulator(activity=False, rate_limits=limits, rate_clock_s=clock) as sim:
        yield sim


async def test_rest_counter_refuses_then_recovers_as_it_decays(
    limited: KrakenSimulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    client = KrakenClient(session, limited, limited.credentials)
    assert (await client.private_raw("TradesHistory"))["error"] == []  # +2
    assert (await client.private_raw("Balance"))["error"] == []  # +1
    assert (await client.private_raw("Balance"))["error"] == []  # +1 = 4
    assert (await client.private_raw("Balance"))["error"] == ["EAPI:Rate limit exceeded"]
    clock.now += 1.0
    assert (await client.private_raw("Balance"))["error"] == []
    assert (await client.private_raw("TradesHistory"))["error"] == ["EAPI:Rate limit exceeded"]
    clock.now += 2.0
    assert (await client.private_raw("TradesHistory"))["error"] == []


async def test_trading_counter_counts_young_cancels_per_pair(
    limited: KrakenSimulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    client = KrakenClient(session, limited, limited.credentials)
    order = {
        "pair": "XBTUSD",
        "type": "buy",
        "ordertype": "limit",
        "volume": "0.01",
        "price": "20000",
    }
    txid = (await client.private("AddOrder", order))["txid"][0]  # +1
    assert await client.private("CancelOrder", {"txid": txid}) == {"count": 1}  # +8 -> 9
    assert (await client.private_raw("AddOrder", order))["error"] == []  # 10
    refused = await client.private_raw("AddOrder", order)
    assert refused["error"] == ["EOrder:Rate limit exceeded"]
    other_pair = {**order, "pair": "ETHUSD", "price": "1000"}
    assert (await client.private_raw("AddOrder", other_pair))["error"] == []
    clock.now += 3.0
    assert (await client.private_raw("AddOrder", order))["error"] == []
    assert len(limited.engine.active_orders(limited.user_id)) == 3


async def test_limits_are_off_by_default(kclient: KrakenClient) -> None:
    for _ in range(30):
        assert (await kclient.private_raw("TradesHistory"))["error"] == []
