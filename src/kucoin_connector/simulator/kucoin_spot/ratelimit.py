"""Fixed-window request pools answered with KuCoin's 429 and gw-ratelimit-* headers.

Public endpoints are counted per client IP, private ones per API key. A pool whose
limit is ``None`` is disabled (the default): the simulator then never answers 429 by itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimitConfig:
    public_per_window: int | None = None
    private_per_window: int | None = None
    window_s: float = 10.0


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_ms: int

    def headers(self) -> dict[str, str]:
        return {
            "gw-ratelimit-limit": str(self.limit),
            "gw-ratelimit-remaining": str(self.remaining),
            "gw-ratelimit-reset": str(self.reset_ms),
        }


class RateLimiter:
    """Counts requests per (pool, identity) in fixed windows."""

    def __init__(
        self, config: RateLimitConfig, *, clock_s: Callable[[], float] = time.monotonic
    ) -> None:
        self.config = config
        self._clock_s = clock_s
        self._windows: dict[tuple[str, str], tuple[float, int]] = {}

    def check(self, pool: str, identity: str) -> RateDecision | None:
        """Count one request; ``None`` when the pool is disabled."""
        limit = self._limit(pool)
        if limit is None:
            return None
        now = self._clock_s()
        window = self.config.window_s
        start, used = self._windows.get((pool, identity), (now, 0))
        if now - start >= window:
            start, used = now, 0
        reset_ms = max(0, int((start + window - now) * 1000))
        if used >= limit:
            self._windows[(pool, identity)] = (start, used)
            return RateDecision(False, limit, 0, reset_ms)
        used += 1
        self._windows[(pool, identity)] = (start, used)
        return RateDecision(True, limit, limit - used, reset_ms)

    def _limit(self, pool: str) -> int | None:
        if pool == "public":
            return self.config.public_per_window
        return self.config.private_per_window

    def reset(self) -> None:
        self._windows.clear()
