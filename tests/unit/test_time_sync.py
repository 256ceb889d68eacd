"""TimeSynchronizer: midpoint offsets, median of recent samples, update around a fetch."""

from __future__ import annotations

import math

import pytest

from kucoin_connector.core.errors import ConfigurationError
from kucoin_connector.core.time_sync import TimeSynchronizer


class FakeClock:
    def __init__(self, now_s: float) -> None:
        self.now_s = now_s

    def __call__(self) -> float:
        return self.now_s


def test_no_sample_means_no_offset() -> None:
    sync = TimeSynchronizer(clock_s=FakeClock(1_700_000_000.25))
    assert sync.offset_ms == 0.0
    assert sync.sample_count == 0
    assert sync.time_ms() == 1_700_000_000_250


def test_offset_uses_the_midpoint_of_the_request() -> None:
    clock = FakeClock(1000.0)
    sync = TimeSynchronizer(clock_s=clock)
    # request from 1000.0 s to 1000.2 s, server stamped 1000_600 ms: midpoint 1000_100 ms
    sync.add_sample(1_000_600, 1000.0, 1000.2)
    assert sync.offset_ms == pytest.approx(500.0)
    clock.now_s = 2000.0
    assert sync.time_ms() == 2_000_500


def test_offset_is_the_median_of_the_most_recent_samples() -> None:
    sync = TimeSynchronizer(clock_s=FakeClock(0.0), max_samples=3)
    for offset in (10_000, 100, 300):  # local time 1.0 s each
        sync.add_sample(1000 + offset, 1.0, 1.0)
    assert sync.offset_ms == pytest.approx(300.0)
    sync.add_sample(1000 + 200, 1.0, 1.0)  # evicts the 10 s outlier
    assert sync.sample_count == 3
    assert sync.offset_ms == pytest.approx(200.0)
    sync.add_sample(1000 - 50, 1.0, 1.0)  # samples now 300, 200, -50
    assert sync.offset_ms == pytest.approx(200.0)


def test_even_sample_count_takes_the_mean_of_the_middle_pair() -> None:
    sync = TimeSynchronizer(clock_s=FakeClock(0.0))
    sync.add_sample(1100, 1.0, 1.0)
    sync.add_sample(1300, 1.0, 1.0)
    assert sync.offset_ms == pytest.approx(200.0)


def test_negative_offset_when_local_clock_is_ahead() -> None:
    clock = FakeClock(50.0)
    sync = TimeSynchronizer(clock_s=clock)
    sync.add_sample(45_000, 49.9, 50.1)
    assert sync.offset_ms == pytest.approx(-5000.0)
    assert sync.time_ms() == 45_000


async def test_update_measures_around_the_awaited_fetch() -> None:
    clock = FakeClock(100.0)
    sync = TimeSynchronizer(clock_s=clock)

    async def fetch() -> int:
        assert clock.now_s == 100.0  # start was read before the fetch
        clock.now_s = 100.4  # the round trip takes 400 ms
        return 101_200  # server clock 1 s ahead of the midpoint 100.2 s

    await sync.update(fetch)
    assert sync.sample_count == 1
    assert sync.offset_ms == pytest.approx(1000.0)
    assert sync.time_ms() == 101_400


async def test_failed_fetch_records_nothing() -> None:
    sync = TimeSynchronizer(clock_s=FakeClock(1.0))

    async def fetch() -> int:
        raise TimeoutError

    with pytest.raises(TimeoutError):
        await sync.update(fetch)
    assert sync.sample_count == 0


def test_clear_forgets_every_sample() -> None:
    sync = TimeSynchronizer(clock_s=FakeClock(1.0))
    sync.add_sample(9000, 1.0, 1.0)
    sync.clear()
    assert sync.sample_count == 0
    assert sync.offset_ms == 0.0
    assert sync.time_ms() == 1000
    sync.add_sample(1500, 1.0, 1.0)
    assert sync.offset_ms == pytest.approx(500.0)


@pytest.mark.parametrize("max_samples", [0, -1, True])
def test_bad_max_samples(max_samples: int) -> None:
    with pytest.raises(ConfigurationError):
        TimeSynchronizer(max_samples=max_samples)


def test_bad_samples_are_rejected() -> None:
    sync = TimeSynchronizer(clock_s=FakeClock(1.0))
    with pytest.raises(ConfigurationError):
        sync.add_sample(1000, 2.0, 1.0)
    with pytest.raises(ConfigurationError):
        sync.add_sample(1000, math.nan, 1.0)
    assert sync.sample_count == 0
