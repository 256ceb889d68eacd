"""Latency of paper order entry and of the venue's acknowledgements.

An order (or a cancel) reaches the paper matching engine ``entry`` after it is sent, and
its acknowledgement and fills come back ``response`` later: a cancel can lose the race
with a fill, as on the venue. By default both halves come from a round trip measured
against the venue at start (``measure_round_trip``), not from a fixed delay; jitter, when
configured, is drawn from a seeded generator so a run is reproducible.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

DEFAULT_ROUND_TRIP_MS = 50.0  # used when nothing could be measured


@dataclass(frozen=True, slots=True)
class LatencyModel:
    """Delays of order entry and of acknowledgements (plus jitter), in milliseconds."""

    entry_ms: float
    response_ms: float
    jitter_ms: float = 0.0

    @classmethod
    def from_round_trip(cls, round_trip_ms: float, jitter_ms: float = 0.0) -> LatencyModel:
        """Half a measured round trip each way."""
        half = max(0.0, round_trip_ms) / 2
        return cls(entry_ms=half, response_ms=half, jitter_ms=jitter_ms)

    @classmethod
    def zero(cls) -> LatencyModel:
        """No delay (tests and replays)."""
        return cls(0.0, 0.0)


class LatencySampler:
    """Draws delays (seconds) from a model; deterministic for a seed."""

    def __init__(self, model: LatencyModel, seed: int = 0) -> None:
        self.model = model
        self._random = random.Random(seed)

    def _draw(self, base_ms: float) -> float:
        jitter = self._random.uniform(0, self.model.jitter_ms) if self.model.jitter_ms else 0.0
        return (base_ms + jitter) / 1000

    def entry_s(self) -> float:
        return self._draw(self.model.entry_ms)

    def response_s(self) -> float:
        return self._draw(self.model.response_ms)


async def measure_round_trip(
    probe: Callable[[], Awaitable[object]],
    *,
    samples: int = 5,
    clock_s: Callable[[], float] = time.perf_counter,
) -> float:
    """The median round trip of ``probe`` in milliseconds."""
    times: list[float] = []
    for _ in range(max(1, samples)):
        started = clock_s()
        await probe()
        times.append((clock_s() - started) * 1000)
    return statistics.median(times)
