"""The demo, the CLI and every example run end to end against the embedded simulator."""

from __future__ import annotations

import importlib.util
import inspect
import io
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from kucoin_connector.cli import main as cli_main
from kucoin_connector.demo import DemoSettings, run_demo

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
# short runs: the keyword arguments each example's main() gets
EXAMPLE_ARGS: dict[str, dict[str, Any]] = {
    "watch_order_book": {"seconds": 1.0},
    "track_fills": {"amount": "0.02"},
    "paper_market_making": {"seconds": 3.0, "refresh": 0.5},
}


def load_example(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_demo_runs_end_to_end() -> None:
    out = io.StringIO()
    assert await run_demo(DemoSettings(seconds=1), out=out) == 0
    text = out.getvalue()
    for line in (
        "simulator serving KuCoin's REST API at http://127.0.0.1:",
        "connector ready",
        "top of book BTC-USDT",
        "placing a MARKET buy",
        "accepted: BUY 0.01 BTC-USDT LIMIT",
        "cancelled",
        "filled",
        "live book BTC-USDT",
        "summary:",
        "open orders left: 0",
    ):
        assert line in text, f"missing {line!r} in the demo output:\n{text}"
    assert "failed" not in text


def test_cli_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["demo", "--seconds", "1"]) == 0
    assert "open orders left: 0" in capsys.readouterr().out


def test_cli_demo_kraken(capsys: pytest.CaptureFixture[str]) -> None:
    """The KuCoin demo's story on Kraken: a verified book, a resting and a taking order."""
    assert cli_main(["demo", "--connector", "kraken"]) == 0
    out = capsys.readouterr().out
    assert "verified (CRC32" in out and "MARKET buy 0.002: FILLED" in out
    assert "cancel LIMIT buy: CANCELED" in out


def test_cli_demo_perpetual(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["demo", "--connector", "kucoin_perpetual"]) == 0
    out = capsys.readouterr().out
    assert "funding BTC-USDT" in out and "summary: USDT balance" in out


@pytest.mark.parametrize("path", sorted(EXAMPLES_DIR.glob("*.py")), ids=lambda p: p.stem)
async def test_example_runs(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    module = load_example(path)
    main: Callable[..., Awaitable[int]] = module.main
    assert inspect.iscoroutinefunction(main)
    assert await main(**EXAMPLE_ARGS.get(path.stem, {})) == 0
    assert capsys.readouterr().out
