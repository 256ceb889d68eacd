"""Reconnect delays: exponential backoff with equal jitter."""

from __future__ import annotations

import random

from kucoin_connector.core.errors import ConfigurationError

__all__ = ["Backoff"]


class Backoff:
    """Exponential backoff (initial, x2, ... capped) with equal jitter: [d/2, d]."""

    def __init__(self, initial_s: float, max_s: float, rng: random.Random) -> None:
        if initial_s <= 0 or max_s < initial_s:
            raise ConfigurationError("backoff needs 0 < initial <= max")
        self._initial_s = initial_s
        self._max_s = max_s
        self._rng = rng
        self.attempt = 0

    def ceiling_s(self) -> float:
        """The un-jittered delay of the next attempt."""
        return min(self._max_s, self._initial_s * 2.0 ** min(self.attempt, 60))

    def next_delay_s(self) -> float:
        ceiling = self.ceiling_s()
        self.attempt += 1
        return ceiling / 2.0 + self._rng.uniform(0.0, ceiling / 2.0)

    def reset(self) -> None:
        self.attempt = 0
