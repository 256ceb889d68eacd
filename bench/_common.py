"""Shared helpers of the benchmark scripts: repeated timing, summaries, tables, machine facts.

Stdlib only: ``bench/_hummingbot_l2.py`` imports it from Hummingbot's own interpreter.
Every figure is the median and the min-max of several runs, never one run.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
if str(REPO_DIR / "src") not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO_DIR / "src"))


@dataclass(frozen=True)
class Stats:
    """Median and range of one figure over several runs."""

    median: float
    low: float
    high: float
    runs: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        if not values:
            raise ValueError("no values")
        return cls(statistics.median(values), min(values), max(values), len(values))

    def fmt(self, spec: str = ",.0f") -> str:
        return f"{self.median:{spec}} [{self.low:{spec}} .. {self.high:{spec}}]"


def repeat(runs: int, once: Callable[[], float]) -> Stats:
    """Run ``once`` (returns one figure) ``runs`` times (at least 2)."""
    return Stats.of([once() for _ in range(max(2, runs))])


def rate(count: int, fn: Callable[[], object]) -> float:
    """Items per second of one call of ``fn`` that processes ``count`` items."""
    start = time.perf_counter()
    fn()
    return count / (time.perf_counter() - start)


def ns_per_call(fn: Callable[[], object], loops: int) -> float:
    """Nanoseconds per call of ``fn``, loop overhead included (it is a few tens of ns)."""
    start = time.perf_counter_ns()
    for _ in range(loops):
        fn()
    return (time.perf_counter_ns() - start) / loops


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A Markdown table (pastes straight into bench/README.md)."""
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n{title}")

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    print(line(cells[0]))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        print(line(row))


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def machine() -> str:
    """``nproc``, CPU model and Python version: printed with every table."""
    model = "unknown CPU"
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                model = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"machine: {os.cpu_count()} CPUs ({model}), Python {platform.python_version()} "
        f"({platform.python_implementation()})"
    )


def rss_bytes() -> int:
    """Current resident set size (VmRSS from /proc/self/status; ru_maxrss as a fallback)."""
    try:
        for text in Path("/proc/self/status").read_text().splitlines():
            if text.startswith("VmRSS:"):
                return int(text.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
