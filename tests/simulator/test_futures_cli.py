"""``kucoin-connector simulator --venue kucoin_futures``: the futures venue of the command,
its defaults, its pairs, and every printed key signing a real request."""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import io
import re
import signal
import time

import aiohttp
import pytest

from kucoin_connector.core.errors import ConfigurationError
from kucoin_connector.kucoin_perpetual.config import KUCOIN_FUTURES_TESTNET_URL
from kucoin_connector.simulator import cli
from kucoin_connector.simulator.kucoin_futures import KucoinFuturesSimulator
from kucoin_connector.simulator.kucoin_futures.cli import FUTURES_DEFAULT_PORT, contract_symbol
from kucoin_connector.simulator.kucoin_futures.server import DEFAULT_USER

PRINTED_KEY = re.compile(r"key=(\S+)  secret=(\S+)  passphrase=(\S+)  version=([123])  user=(\S+)$")


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_simulator_command(parser.add_subparsers(dest="command"))
    return parser.parse_args(["simulator", "--venue", "kucoin_futures", *argv])


def _signed(key: str, secret: str, phrase: str, version: int, path: str) -> dict[str, str]:
    """KuCoin's signing as its docs describe it (no project code)."""

    def b64_hmac(message: str) -> str:
        digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    ts = str(int(time.time() * 1000))
    headers = {
        "KC-API-KEY": key,
        "KC-API-SIGN": b64_hmac(ts + "GET" + path),
        "KC-API-TIMESTAMP": ts,
        "KC-API-PASSPHRASE": phrase if version == 1 else b64_hmac(phrase),
    }
    if version >= 2:
        headers["KC-API-KEY-VERSION"] = str(version)
    return headers


def test_the_futures_venue_has_its_own_defaults() -> None:
    args = _parse([])
    sim = cli.build_simulator(args)
    assert isinstance(sim, KucoinFuturesSimulator)
    assert sim.port == FUTURES_DEFAULT_PORT != cli.VENUES["kucoin"].port
    assert f"http://127.0.0.1:{FUTURES_DEFAULT_PORT}" == KUCOIN_FUTURES_TESTNET_URL
    assert sorted(sim.state.contracts) == ["ETHUSDTM", "XBTUSDTM"]
    assert [k.api_key for k in sim.api_keys] == ["sim-futures-key"]
    assert sim.margin.ledger.wallet(DEFAULT_USER, "USDT").balance == 100000


def test_pairs_are_contract_symbols_or_pairs() -> None:
    assert contract_symbol("BTC-USDT") == "XBTUSDTM"
    assert contract_symbol("eth-usdt") == "ETHUSDTM"
    assert contract_symbol("SOLUSDTM") == "SOLUSDTM"
    with pytest.raises(ConfigurationError, match="XBTUSDTM"):
        contract_symbol("DOGE-USDT")
    sim = cli.build_simulator(_parse(["--pairs", "BTC-USDT,XBTUSDTM,SOL-USDT"]))
    assert isinstance(sim, KucoinFuturesSimulator)
    assert list(sim.state.contracts) == ["XBTUSDTM", "SOLUSDTM"]


def test_bad_pairs_and_duplicate_keys_are_clear_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run_simulator(_parse(["--port", "0", "--pairs", "NOPE-USDT"])) == 2
    assert "unknown contract or pair 'NOPE-USDT'" in capsys.readouterr().err
    args = _parse(["--port", "0", "--key", "sim-futures-key:x:y"])
    assert cli.run_simulator(args) == 2
    err = capsys.readouterr().err
    assert "'sim-futures-key' is already accepted" in err and "Traceback" not in err


def test_the_banner_names_the_venue_and_every_key() -> None:
    sim = cli.build_simulator(_parse(["--key", "k1:s1:p1:1", "--key", "k3:s3:p3:3:carol"]))
    out = io.StringIO()
    cli.print_banner(sim, out, "KuCoin Futures")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("KuCoin Futures simulator serving REST at")
    assert lines[2:] == [
        "  key=sim-futures-key  secret=sim-futures-secret  passphrase=sim-futures-passphrase"
        f"  version=2  user={DEFAULT_USER}",
        f"  key=k1  secret=s1  passphrase=p1  version=1  user={DEFAULT_USER}",
        "  key=k3  secret=s3  passphrase=p3  version=3  user=carol",
    ]


async def test_every_printed_key_reads_its_futures_wallet(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--port", "0", "--no-activity", "--balances", "USDT=321,USDC=5"]
    args = _parse([*argv, "--key", "k1:s1:p1:1", "--key", "k3:s3:p3:3:dave"])
    sim = cli.build_simulator(args)
    assert isinstance(sim, KucoinFuturesSimulator)
    task = asyncio.create_task(cli._serve(sim, "KuCoin Futures"))
    for _ in range(500):
        if sim.rest_url:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0)  # let the banner be printed
    out = capsys.readouterr().out
    assert "KuCoin Futures simulator serving REST at " + sim.rest_url in out
    printed = [m.groups() for m in map(PRINTED_KEY.search, out.splitlines()) if m]
    assert [p[0] for p in printed] == ["sim-futures-key", "k1", "k3"]
    path = "/api/v1/account-overview?currency=USDT"
    seen = {}
    async with aiohttp.ClientSession() as session:
        for key, secret, phrase, version, user in printed:
            headers = _signed(key, secret, phrase, int(version), path)
            async with session.get(sim.rest_url + path, headers=headers) as resp:
                payload = await resp.json()
            assert resp.status == 200, (key, payload)
            seen[user] = payload["data"]["accountEquity"]
    signal.raise_signal(signal.SIGINT)
    await asyncio.wait_for(task, 5)
    assert seen == {DEFAULT_USER: 321, "dave": 321}
    assert sim.margin.ledger.wallet("dave", "USDC").balance == 5
