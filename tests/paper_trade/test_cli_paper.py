"""`connect kucoin_paper_trade` needs no keys; `demo --connector kucoin_paper_trade` trades."""

from __future__ import annotations

import argparse
import asyncio
import io
from pathlib import Path

from kucoin_connector.cli import build_parser
from kucoin_connector.connect import Console, run_connect
from kucoin_connector.demo import DemoSettings, run_demo
from kucoin_connector.simulator.kraken.server import KrakenSimulator
from kucoin_connector.simulator.kucoin_futures.server import KucoinFuturesSimulator
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator


def console(out: io.StringIO, err: io.StringIO) -> Console:
    def refuse(prompt: str) -> str:
        raise AssertionError(f"prompted: {prompt}")

    return Console(io.StringIO(""), out, err, {}, False, refuse, refuse)


async def test_connect_paper_trade_asks_for_no_key_and_stores_nothing(tmp_path: Path) -> None:
    async with KucoinSimulator(port=0, activity=False) as sim:
        args: argparse.Namespace = build_parser().parse_args(
            [
                "connect",
                "kucoin_paper_trade",
                "--url",
                sim.rest_url,
                "--config-dir",
                str(tmp_path),
                "--set",
                "balances=USDT=2500,BTC=0.1",
            ]
        )
        out, err = io.StringIO(), io.StringIO()
        assert await run_connect(args, console(out, err)) == 0, err.getvalue()
    assert "You are now connected to kucoin_paper_trade." in out.getvalue()
    assert not await asyncio.to_thread(lambda: any(tmp_path.iterdir()))


async def test_connect_paper_trade_reports_an_unreachable_venue(tmp_path: Path) -> None:
    args = build_parser().parse_args(
        ["connect", "kucoin_paper_trade", "--url", "http://127.0.0.1:9", "--no-save"]
    )
    out, err = io.StringIO(), io.StringIO()
    assert await run_connect(args, console(out, err)) == 1
    assert "not reachable" in err.getvalue()


async def test_demo_trades_on_paper() -> None:
    out = io.StringIO()
    settings = DemoSettings(seconds=3, connector="kucoin_paper_trade")
    assert await run_demo(settings, out=out) == 0
    text = out.getvalue()
    for line in (
        "kucoin_paper_trade: paper trading on the simulator's public feed, no keys",
        "accepted: BUY 0.01 BTC-USDT LIMIT",
        "completely filled: 0.02",
        "quoting 0.005 BTC-USDT",
        "open orders left: 0",
        "paper session report BTC-USDT",
    ):
        assert line in text, f"missing {line!r} in:\n{text}"
    assert "failed" not in text


async def test_connect_the_perpetual_and_kraken_paper_connectors_asks_for_no_key(
    tmp_path: Path,
) -> None:
    async with (
        KucoinFuturesSimulator(port=0, activity=False) as futures,
        KrakenSimulator(port=0, activity=False) as kraken,
    ):
        for connector_id, url in (
            ("kucoin_perpetual_paper_trade", futures.rest_url),
            ("kraken_paper_trade", kraken.rest_url),
        ):
            argv = ["connect", connector_id, "--url", url, "--config-dir", str(tmp_path)]
            args = build_parser().parse_args(argv)
            out, err = io.StringIO(), io.StringIO()
            assert await run_connect(args, console(out, err)) == 0, err.getvalue()
            assert f"You are now connected to {connector_id}." in out.getvalue()
    assert not await asyncio.to_thread(lambda: any(tmp_path.iterdir()))
