"""Dead-connection protection: per-user countdowns that cancel the user's orders on expiry.

Exchange-agnostic. ``DeadManSwitch`` is pure (times are monotonic seconds passed in);
``DeadManTimer`` is the asyncio task that waits for the next deadline on a
``MonotonicTime`` (the real one by default, a ``SteppedTime`` that tests advance by hand)
and, when one passes, calls ``cancel_orders`` through the engine.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from kucoin_connector.simulator.engine.engine import MatchingEngine


@dataclass(frozen=True, slots=True)
class DeadManSetting:
    """``symbols`` empty = every symbol. ``deadline`` in the switch's monotonic seconds."""

    timeout_s: int
    symbols: tuple[str, ...]
    deadline: float


class DeadManSwitch:
    """The armed countdowns, one per user; arming again restarts the countdown."""

    def __init__(self) -> None:
        self._settings: dict[str, DeadManSetting] = {}

    def arm(
        self, user_id: str, timeout_s: int, symbols: Iterable[str], now: float
    ) -> DeadManSetting:
        setting = DeadManSetting(timeout_s, tuple(symbols), now + timeout_s)
        self._settings[user_id] = setting
        return setting

    def disarm(self, user_id: str) -> None:
        self._settings.pop(user_id, None)

    def setting(self, user_id: str) -> DeadManSetting | None:
        return self._settings.get(user_id)

    def next_deadline(self) -> float | None:
        return min((s.deadline for s in self._settings.values()), default=None)

    def pop_due(self, now: float) -> list[tuple[str, DeadManSetting]]:
        """The countdowns that ran out (removed: one expiry cancels once)."""
        due = [(uid, s) for uid, s in self._settings.items() if s.deadline <= now]
        for user_id, _ in due:
            del self._settings[user_id]
        return due


def cancel_orders(
    engine: MatchingEngine, user_id: str, symbols: Iterable[str], account_type: str
) -> list[str]:
    """Cancel the user's active orders of ``account_type`` in ``symbols`` (all when empty);
    unknown symbols are skipped. Returns the canceled ids."""
    wanted = list(symbols)
    if not wanted:
        return engine.cancel_all(user_id, None, account_type)
    known = {spec.symbol for spec in engine.symbols()}
    canceled: list[str] = []
    for symbol in wanted:
        if symbol in known:
            canceled.extend(engine.cancel_all(user_id, symbol, account_type))
    return canceled


class MonotonicTime(Protocol):
    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class RealMonotonic:
    """``time.monotonic`` and ``asyncio.sleep``: immune to the simulator's clock skew."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class SteppedTime:
    """Monotonic time that only moves when ``advance`` is called (deterministic tests)."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._moved: asyncio.Event | None = None

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds
        if self._moved is not None:
            self._moved.set()

    async def sleep(self, seconds: float) -> None:
        target = self._now + seconds
        while self._now < target:
            if self._moved is None:
                self._moved = asyncio.Event()
            self._moved.clear()
            await self._moved.wait()


Expire = Callable[[str, DeadManSetting], None]


class DeadManTimer:
    """Runs ``on_expire`` for each countdown of ``switch`` that runs out.

    Call :meth:`rearmed` after arming or disarming so the task recomputes its wait."""

    def __init__(self, switch: DeadManSwitch, on_expire: Expire, clock: MonotonicTime) -> None:
        self.switch = switch
        self.clock = clock
        self._on_expire = on_expire
        self._rearm = asyncio.Event()

    def rearmed(self) -> None:
        self._rearm.set()

    async def run(self) -> None:
        while True:
            self._rearm.clear()
            deadline = self.switch.next_deadline()
            if deadline is None:
                await self._rearm.wait()
                continue
            delay = deadline - self.clock.now()
            if delay > 0:
                await self._wait(delay)
                continue
            for user_id, setting in self.switch.pop_due(self.clock.now()):
                self._on_expire(user_id, setting)

    async def _wait(self, delay: float) -> None:
        """Until ``delay`` has passed or the countdowns changed, whichever comes first."""
        sleeper = asyncio.ensure_future(self.clock.sleep(delay))
        rearm = asyncio.ensure_future(self._rearm.wait())
        try:
            await asyncio.wait((sleeper, rearm), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, rearm):
                task.cancel()
