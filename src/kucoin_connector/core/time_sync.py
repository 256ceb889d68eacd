"""Server-time offset estimation: median of the most recent samples.

One sample is taken around a request for the server's time: the server stamped its
answer somewhere between the moment the request started and the moment the answer
arrived, so the best local estimate of that instant is the midpoint. The offset is
``server_time - midpoint``; the median of the last ``max_samples`` offsets resists a
single slow or skewed round trip.
"""

from __future__ import annotations

import math
import statistics
import time
from collections import deque
from collections.abc import Awaitable, Callable

from kucoin_connector.core.errors import ConfigurationError

__all__ = ["TimeSynchronizer"]


class TimeSynchronizer:
    """Keeps ``offset_ms`` so that ``time_ms()`` approximates the server's clock."""

    def __init__(self, *, clock_s: Callable[[], float] = time.time, max_samples: int = 5) -> None:
        if isinstance(max_samples, bool) or not isinstance(max_samples, int) or max_samples < 1:
            raise ConfigurationError(f"max_samples must be an int >= 1, got {max_samples!r}")
        self._clock_s = clock_s
        self._samples: deque[float] = deque(maxlen=max_samples)
        self._offset_ms = 0.0

    @property
    def offset_ms(self) -> float:
        """Median offset (server - local) of the recent samples; 0.0 before any sample."""
        return self._offset_ms

    @property
    def sample_count(self) -> int:
        return len(self._samples)

    def add_sample(self, server_time_ms: int, request_start_s: float, request_end_s: float) -> None:
        """Record one measurement: the server said ``server_time_ms`` during the request."""
        if not all(math.isfinite(v) for v in (server_time_ms, request_start_s, request_end_s)):
            raise ConfigurationError("time sample values must be finite numbers")
        if request_end_s < request_start_s:
            raise ConfigurationError("time sample ends before it starts")
        midpoint_ms = (request_start_s + request_end_s) * 500.0
        self._samples.append(server_time_ms - midpoint_ms)
        self._offset_ms = float(statistics.median(self._samples))

    def time_ms(self) -> int:
        """Estimated server time now, in milliseconds."""
        return round(self._clock_s() * 1000.0 + self._offset_ms)

    async def update(self, fetch_server_time_ms: Callable[[], Awaitable[int]]) -> None:
        """Take one sample around the awaited fetch (errors propagate, nothing recorded)."""
        start_s = self._clock_s()
        server_time_ms = await fetch_server_time_ms()
        end_s = self._clock_s()
        self.add_sample(server_time_ms, start_s, end_s)

    def clear(self) -> None:
        """Forget every sample; the offset returns to 0."""
        self._samples.clear()
        self._offset_ms = 0.0
