"""The command line for a first-time user: ordinary mistakes end with one line saying
what to do, never a traceback; every option has help; `-v` works after the sub-command."""

from __future__ import annotations

import argparse
import io
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from kucoin_connector import __version__
from kucoin_connector.cli import build_parser, main
from kucoin_connector.demo import DemoSettings, run_demo


def sub_parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.values()


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"kucoin-connector {__version__}"


def test_every_option_of_every_sub_command_has_help() -> None:
    parser = build_parser()
    subs = list(sub_parsers(parser))
    assert {p.prog.split()[-1] for p in subs} >= {"demo", "simulator", "connect"}
    for sub in [parser, *subs]:
        for action in sub._actions:
            if action.option_strings:
                assert action.help, f"{sub.prog} {action.option_strings[0]} has no help"


@pytest.mark.parametrize("argv", [["demo", "-v"], ["-v", "demo"], ["simulator", "--verbose"]])
def test_verbose_before_or_after_the_sub_command(argv: list[str]) -> None:
    assert build_parser().parse_args(argv).verbose is True
    assert build_parser().parse_args([argv[0] if argv[0] != "-v" else argv[1]]).verbose is False


@pytest.mark.parametrize(
    "argv", [["demo", "--pair", "BTCUSDT"], ["simulator", "--pairs", "ETH-USDT,BTCUSDT"]]
)
def test_pair_without_dash_suggests_base_quote(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(argv)
    except SystemExit as exited:  # argparse's usage error
        code = int(str(exited.code))
    err = capsys.readouterr().err
    assert code == 2
    assert "did you mean BTC-USDT?" in err
    assert "Traceback" not in err


def test_busy_port_is_one_line_naming_the_port(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["simulator", "--port", str(port), "--no-activity"])
    err = capsys.readouterr().err
    assert code == 1
    assert f"port {port} on 127.0.0.1 is already in use" in err
    assert "--port" in err and "Traceback" not in err


async def test_demo_sizes_up_to_a_pairs_minimum() -> None:
    out = io.StringIO()
    assert await run_demo(DemoSettings(pair="DOGE-USDT", seconds=0), out) == 0
    text = out.getvalue()
    assert "0.01 is below this pair's minimum order size or value; the demo orders 2" in text
    assert "accepted: BUY 2" in text
    assert "failed" not in text


async def test_demo_says_when_a_price_was_rounded_and_why_available_is_zero() -> None:
    out = io.StringIO()
    assert await run_demo(DemoSettings(seconds=0), out) == 0
    text = out.getvalue()
    assert "rounded to" in text and "price increment" in text
    assert "may show available 0 until the order completes" in text


def test_demo_refuses_a_pair_it_cannot_afford(capsys: pytest.CaptureFixture[str]) -> None:
    # DOGE-BTC's smallest order is 100000 DOGE; the demo's account holds 5
    code = main(["demo", "--pair", "DOGE-BTC", "--seconds", "0"])
    err = capsys.readouterr().err
    assert code == 1
    assert "cannot afford" in err and "Traceback" not in err


def test_ctrl_c_during_the_demo_is_one_line() -> None:
    code = (
        "import signal, sys\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "from kucoin_connector.cli import main\n"
        "sys.exit(main(['demo', '--seconds', '30']))\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    for line in child.stdout:  # interrupt once the demo is watching the book
        if "live book" in line or "connector ready" in line:
            break
    time.sleep(0.2)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130
    assert err.strip() == "kucoin-connector demo: interrupted"
