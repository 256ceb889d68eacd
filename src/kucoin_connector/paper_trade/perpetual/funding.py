"""The venue's funding times: every ``interval_h`` hours from ``first_hour_utc``.

KuCoin's perpetuals fund every 8 hours at 04:00, 12:00 and 20:00 UTC (contracts may
differ: take the interval from the contract's public data when it gives one).
"""

from __future__ import annotations

from dataclasses import dataclass

HOUR_MS = 3_600_000


@dataclass(frozen=True, slots=True)
class FundingSchedule:
    interval_h: int = 8
    first_hour_utc: int = 4

    def next_after(self, ts_ms: int) -> int:
        """The first funding time strictly after ``ts_ms``."""
        interval = self.interval_h * HOUR_MS
        offset = (self.first_hour_utc % self.interval_h) * HOUR_MS
        periods = (ts_ms - offset) // interval + 1
        return periods * interval + offset

    def due_between(self, after_ms: int, until_ms: int) -> list[int]:
        """Funding times in ``(after_ms, until_ms]``."""
        times: list[int] = []
        moment = self.next_after(after_ms)
        while moment <= until_ms:
            times.append(moment)
            moment += self.interval_h * HOUR_MS
        return times
