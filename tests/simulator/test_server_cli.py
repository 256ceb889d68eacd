"""The simulator CLI: argument parsing and a real start/stop via a subprocess-free run."""

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
from decimal import Decimal

import aiohttp
import pytest

from kucoin_connector.simulator import cli
from kucoin_connector.simulator.kucoin_spot.server import DEFAULT_USER, KucoinSimulator


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


def test_repeatable_key_option_and_escapes() -> None:
    args = _parse(
        [
            "simulator",
            "--key",
            "k-1:s-1:p-1",
            "--key",
            "k-2:s-2:p-2:1",
            "--key",
            r"k-3:s\:3:p\\3\::3:alice",
            "--key",
            "k-4:s-4:p-4::bob",
        ]
    )
    keys = cli.settings_from(args, cli.venue_of(args)).keys
    assert [(s.key, s.secret, s.passphrase, s.version, s.user_id) for s in keys] == [
        ("k-1", "s-1", "p-1", 2, None),  # None: the venue's default user
        ("k-2", "s-2", "p-2", 1, None),
        ("k-3", "s:3", "p\\3:", 3, "alice"),
        ("k-4", "s-4", "p-4", 2, "bob"),
    ]
    assert "s-1" not in repr(keys[0]) and "p-1" not in repr(keys[0])
    assert _parse(["simulator"]).keys == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("k:s", "KEY:SECRET:PASSPHRASE[:VERSION[:USER]]"),
        ("k:s:p:2:u:extra", "6 ':'-separated fields"),
        ("k:s:p:4", "VERSION must be 1, 2 or 3"),
        ("k:s:p:v2", "VERSION must be 1, 2 or 3"),
        ("k::p", "SECRET is empty"),
        (":s:p", "KEY is empty"),
        ("k:s:p:1:", "USER is empty"),
        ("k:s:p\\", "lone"),
    ],
)
def test_bad_key_values_are_clear_errors(
    value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A key is read by its venue's grammar (KuCoin's here): a bad one is a one-line
    error and exit code 2, never a traceback."""
    assert cli.run_simulator(_parse(["simulator", "--port", "0", "--key", value])) == 2
    err = capsys.readouterr().err
    assert "--key" in err and message in err and "Traceback" not in err


def test_a_kraken_key_has_no_passphrase(capsys: pytest.CaptureFixture[str]) -> None:
    args = _parse(["simulator", "--venue", "kraken", "--key", "k:c2VjcmV0:bob"])
    (spec,) = cli.settings_from(args, cli.venue_of(args)).keys
    assert (spec.key, spec.secret, spec.passphrase, spec.user_id) == ("k", "c2VjcmV0", "", "bob")
    bad = _parse(["simulator", "--venue", "kraken", "--port", "0", "--key", "k:s:p:2"])
    assert cli.run_simulator(bad) == 2
    assert "KEY:SECRET[:USER]" in capsys.readouterr().err


def test_a_key_accepted_twice_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    args = _parse(["simulator", "--port", "0", "--key", "sim-api-key:other:other"])
    assert cli.run_simulator(args) == 2
    err = capsys.readouterr().err
    assert "'sim-api-key' is already accepted" in err and "Traceback" not in err


def test_banner_lists_every_key_with_its_secrets() -> None:
    args = _parse(["simulator", "--key", "k-v1:s-v1:p-v1:1", "--key", "k-v3:s-v3:p-v3:3:carol"])
    sim = cli.build_simulator(args)
    out = io.StringIO()
    cli.print_banner(sim, out)
    lines = out.getvalue().splitlines()
    assert lines[1:] == [
        "API keys accepted (key  secret  passphrase  version  user):",
        f"  key=sim-api-key  secret=sim-api-secret  passphrase=sim-passphrase  version=2  "
        f"user={DEFAULT_USER}",
        f"  key=k-v1  secret=s-v1  passphrase=p-v1  version=1  user={DEFAULT_USER}",
        "  key=k-v3  secret=s-v3  passphrase=p-v3  version=3  user=carol",
    ]


PRINTED_KEY = re.compile(r"key=(\S+)  secret=(\S+)  passphrase=(\S+)  version=([123])  user=(\S+)$")


def _docs_headers(key: str, secret: str, phrase: str, version: int, path: str) -> dict[str, str]:
    """KuCoin's signing as its docs describe it (no project code)."""

    def b64_hmac(message: str) -> str:
        return base64.b64encode(
            hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
        ).decode()

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


async def test_every_printed_key_signs_a_request(capsys: pytest.CaptureFixture[str]) -> None:
    args = _parse(
        [
            "simulator",
            "--port",
            "0",
            "--no-activity",
            "--balances",
            "USDT=321",
            "--key",
            "k-v1:s-v1:p-v1:1",
            "--key",
            "k-v3:s-v3:p-v3:3:dave",
            "--key",
            "k-v2:s-v2:p-v2:2:erin",
        ]
    )
    sim = cli.build_simulator(args)
    assert isinstance(sim, KucoinSimulator)
    sim.deposit("USDT", "1000", user_id=DEFAULT_USER)  # the default user differs from new ones
    task = asyncio.create_task(cli._serve(sim))
    for _ in range(500):
        if sim.rest_url:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0)  # let the banner be printed
    printed = [
        m.groups() for m in map(PRINTED_KEY.search, capsys.readouterr().out.splitlines()) if m
    ]
    assert [p[0] for p in printed] == ["sim-api-key", "k-v1", "k-v3", "k-v2"]
    path = "/api/v1/accounts?currency=USDT&type=trade"
    balances = {}
    async with aiohttp.ClientSession() as session:
        for key, secret, phrase, version, user in printed:
            headers = _docs_headers(key, secret, phrase, int(version), path)
            async with session.get(sim.rest_url + path, headers=headers) as resp:
                payload = await resp.json()
            assert resp.status == 200, (key, payload)
            balances[user] = [a["balance"] for a in payload["data"]]
    signal.raise_signal(signal.SIGINT)
    await asyncio.wait_for(task, 5)
    assert balances == {DEFAULT_USER: ["1321"], "dave": ["321"], "erin": ["321"]}
