"""Every bench script runs at a tiny size and prints a table (no timing is asserted)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture(autouse=True)
def _bench_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCH_DIR))


@pytest.mark.parametrize(
    ("module", "argv"),
    [
        ("level2_pipeline", ["--quick", "--no-hummingbot"]),
        ("order_book_ops", ["--quick"]),
        ("user_stream", ["--quick"]),
        ("throttler", ["--quick"]),
        ("loopback", ["--quick"]),
        ("memory", ["--quick"]),
        ("whole_market", ["--quick"]),
        ("live_transport", ["--quick"]),
    ],
)
def test_bench_runs_and_prints_a_table(
    module: str, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    importlib.import_module(module).main(argv)
    out = capsys.readouterr().out
    assert "machine:" in out
    assert "|---" in out.replace("| ---", "|---") or "|-" in out


def test_simulator_engine_bench_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["simulator_engine.py", "300"])
    importlib.import_module("simulator_engine").main()
    assert "orders/s" in capsys.readouterr().out
