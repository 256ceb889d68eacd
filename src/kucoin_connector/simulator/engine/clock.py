"""The simulator's clock: wall time plus an injectable skew (a fault)."""

from __future__ import annotations

import time
from collections.abc import Callable


class SimClock:
    """Server time in ms; ``skew_ms`` shifts it (the clock-skew fault)."""

    def __init__(self, time_s: Callable[[], float] = time.time) -> None:
        self._time_s = time_s
        self.skew_ms = 0

    def now_ms(self) -> int:
        return int(self._time_s() * 1000) + self.skew_ms

    def now_ns(self) -> int:
        return int(self._time_s() * 1_000_000_000) + self.skew_ms * 1_000_000
