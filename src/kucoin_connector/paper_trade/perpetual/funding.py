"""The venue's funding times: every ``interval_ms`` from ``offset_ms`` past the epoch.

KuCoin's perpetuals fund every 8 hours at 04:00, 12:00 and 20:00 UTC (the default;
contracts may differ). ``FundingSchedule.every(interval_ms)`` gives multiples of an
interval of the epoch, as the KuCoin Futures simulator settles them (seconds in tests).
"""

from __future__ import annotations

from dataclasses import dataclass

HOUR_MS = 3_600_000


@dataclass(frozen=True, slots=True)
class FundingSchedule:
    interval_ms: int = 8 * HOUR_MS
    offset_ms: int = 4 * HOUR_MS

    @classmethod
    def every(cls, interval_ms: int, offset_ms: int = 0) -> FundingSchedule:
        if interval_ms <= 0:
            raise ValueError("the funding interval must be positive")
        return cls(interval_ms, offset_ms % interval_ms)

    def next_after(self, ts_ms: int) -> int:
        """The first funding time strictly after ``ts_ms``."""
        offset = self.offset_ms % self.interval_ms
        periods = (ts_ms - offset) // self.interval_ms + 1
        return periods * self.interval_ms + offset

    def due_between(self, after_ms: int, until_ms: int) -> list[int]:
        """Funding times in ``(after_ms, until_ms]``."""
        times: list[int] = []
        moment = self.next_after(after_ms)
        while moment <= until_ms:
            times.append(moment)
            moment += self.interval_ms
        return times
