"""The simulator CLI: argument parsing and a real start/stop via a subprocess-free run."""

from __future__ import annotations

import argparse
import asyncio
import signal
from decimal import Decimal

import aiohttp
import pytest

from kucoin_connector.simulator.kucoin_spot import cli
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_simulator_command(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_parse_arguments() -> None:
    args = _parse(
        [
            "simulator",
            "--port",
            "0",
            "--pairs",
            "BTC-USDT",
            "--balances",
            "USDT=10,BTC=1.5",
            "--no-activity",
            "--seed",
            "9",
        ]
    )
    assert args.port == 0 and args.activity is False and args.seed == 9
    assert cli.parse_balances(args.balances) == {"USDT": Decimal(10), "BTC": Decimal("1.5")}
    assert args.func is cli.run_simulator
    with pytest.raises(SystemExit):
        cli.parse_balances("USDT")


async def test_serve_prints_url_and_stops_on_signal(capsys: pytest.CaptureFixture[str]) -> None:
    args = _parse(["simulator", "--port", "0", "--no-activity"])
    sim = KucoinSimulator(port=0, activity=False)
    task = asyncio.create_task(cli._serve(sim))
    for _ in range(500):
        if sim.rest_url:
            break
        await asyncio.sleep(0.01)
    async with (
        aiohttp.ClientSession() as session,
        session.get(sim.rest_url + "/api/v1/timestamp") as resp,
    ):
        assert resp.status == 200
    signal.raise_signal(signal.SIGINT)
    await asyncio.wait_for(task, 5)
    out = capsys.readouterr().out
    assert sim.rest_url in out and "sim-api-key" in out and "stopped" in out
    assert args.host == "127.0.0.1"
