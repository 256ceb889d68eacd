"""The core throttler's decaying counters, as Kraken counts (injected virtual clock)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from kraken.virtual_time import VirtualTime, drain
from kucoin_connector.core.errors import ConfigurationError
from kucoin_connector.core.throttler import (
    AsyncThrottler,
    DecayingLimit,
    LinkedLimit,
    RateLimit,
)
from kucoin_connector.kraken.config import KrakenTier
from kucoin_connector.kraken.endpoints import (
    REST_LIMIT_ID,
    cancel_penalty,
    rest_limits,
    trading_limit,
    trading_limit_id,
)


def make(limits: Sequence[DecayingLimit | RateLimit], vt: VirtualTime) -> AsyncThrottler:
    return AsyncThrottler(limits, clock=vt.clock, sleep=vt.sleep)


async def test_burst_up_to_capacity_then_one_per_decay_interval() -> None:
    vt = VirtualTime()
    throttler = make([DecayingLimit("rest", capacity=15, decay_per_s=0.5)], vt)
    for _ in range(15):
        await throttler.acquire("rest")  # the burst: no wait
    assert throttler.current_level("rest") == 15
    granted: list[float] = []

    async def call() -> None:
        await throttler.acquire("rest")
        granted.append(vt.now)

    tasks = [asyncio.create_task(call()) for _ in range(3)]
    await vt.advance_to(10.0)
    await asyncio.gather(*tasks)
    assert granted == [2.0, 4.0, 6.0]  # one unit drains every 2 s
    assert throttler.current_level("rest") == pytest.approx(13.0)


async def test_level_decays_continuously_and_never_below_zero() -> None:
    vt = VirtualTime()
    throttler = make([DecayingLimit("c", capacity=10, decay_per_s=1.0)], vt)
    await throttler.acquire_weight("c", 6)
    await vt.advance_to(2.5)
    assert throttler.current_level("c") == pytest.approx(3.5)
    await vt.advance_to(100.0)
    assert throttler.current_level("c") == 0.0


async def test_heavy_weight_waits_for_enough_decay() -> None:
    vt = VirtualTime()
    throttler = make([DecayingLimit("pair", capacity=60, decay_per_s=1.0)], vt)
    await throttler.acquire_weight("pair", 55)
    done = asyncio.create_task(throttler.acquire_weight("pair", 8))  # a young cancel
    await vt.advance_to(2.9)
    assert not done.done()
    await vt.advance_to(3.0)
    assert done.done()
    assert throttler.current_level("pair") == pytest.approx(60.0)


async def test_zero_weight_costs_nothing() -> None:
    vt = VirtualTime()
    throttler = make([DecayingLimit("pair", capacity=1, decay_per_s=1.0)], vt)
    await throttler.acquire("pair")
    await throttler.acquire_weight("pair", 0)  # an old order's cancel: no wait
    assert throttler.current_level("pair") == 1.0


async def test_decay_and_window_pools_link() -> None:
    vt = VirtualTime()
    throttler = make(
        [
            RateLimit("ip", limit=100, time_interval_s=1.0),
            DecayingLimit("key", capacity=2, decay_per_s=1.0, linked_limits=(LinkedLimit("ip"),)),
        ],
        vt,
    )
    await throttler.acquire("key")
    await throttler.acquire("key")
    assert throttler.current_usage("ip") == 2
    third = asyncio.create_task(throttler.acquire("key"))
    await drain()
    assert not third.done()
    await vt.advance_to(1.0)
    assert third.done()


async def test_pools_declared_later_and_duplicates_refused() -> None:
    vt = VirtualTime()
    throttler = make(rest_limits(KrakenTier.STARTER), vt)
    throttler.declare([trading_limit(KrakenTier.STARTER, "BTC-USD")])
    assert throttler.pool_limit(trading_limit_id("BTC-USD")) == 60
    with pytest.raises(ConfigurationError):
        throttler.declare([trading_limit(KrakenTier.STARTER, "BTC-USD")])
    with pytest.raises(ConfigurationError):
        await throttler.acquire_weight(REST_LIMIT_ID, 16)  # above Starter's 15: never fits


@pytest.mark.parametrize(
    "bad",
    [
        DecayingLimit("x", capacity=0, decay_per_s=1.0),
        DecayingLimit("x", capacity=5, decay_per_s=0.0),
        DecayingLimit("x", capacity=5, decay_per_s=float("inf")),
    ],
)
def test_bad_decay_declarations(bad: DecayingLimit) -> None:
    with pytest.raises(ConfigurationError):
        AsyncThrottler([bad])


async def test_cancelled_waiter_consumes_nothing() -> None:
    vt = VirtualTime()
    throttler = make([DecayingLimit("c", capacity=1, decay_per_s=1.0)], vt)
    await throttler.acquire("c")
    waiter = asyncio.create_task(throttler.acquire("c"))
    await drain()
    waiter.cancel()
    await drain()
    await vt.advance_to(1.0)
    assert throttler.current_level("c") == 0.0
    assert throttler.waiting_count == 0


@pytest.mark.parametrize(
    ("age_s", "penalty"),
    [
        (0.0, 8),
        (4.99, 8),
        (5.0, 6),
        (9.9, 6),
        (14.0, 5),
        (44.0, 4),
        (89.0, 2),
        (299.0, 1),
        (300.0, 0),
    ],
)
def test_cancel_penalty_table(age_s: float, penalty: int) -> None:
    assert cancel_penalty(age_s) == penalty


def test_tiers() -> None:
    assert [limit.capacity for limit in rest_limits(KrakenTier.STARTER)][1] == 15
    assert trading_limit(KrakenTier.PRO, "BTC-USD").decay_per_s == 3.75
    assert trading_limit(KrakenTier.INTERMEDIATE, "BTC-USD").capacity == 125
