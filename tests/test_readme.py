"""README.md, followed literally, works: the quick start runs against the simulator it
names, every shell command in it exists and parses, and the sections that also form the
package's long description (docs/index.md) say the same in both files.

What is not run here: ``./scripts/demo`` and ``./scripts/test`` (CI runs the latter; the
demo is tests/integration/test_demo_and_examples.py), ``pip install``/``pip wheel``
(tests/test_install.py builds and installs the wheel offline) and ``mkdocs build`` (CI).
"""

from __future__ import annotations

import ast
import asyncio
import re
import shlex
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kucoin_connector.cli import build_parser
from kucoin_connector.simulator import KucoinSimulator

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
LONG_DESCRIPTION = ROOT / "docs" / "index.md"
SHARED_SECTIONS = (
    "Quick start",
    "Install it in your own project",
    "Logging",
    "Trading real money safely",
    "Hummingbot habits",
)
SIMULATOR_URL = "http://127.0.0.1:8080"  # `kucoin-connector simulator`'s default


def section(text: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, f"no section {title!r}"
    return match.group(1)


def quick_start() -> tuple[str, ast.Call]:
    """The quick start's code without its last line, and that line's call."""
    block = re.search(r"```python\n(.*?)```", section(README.read_text(), "Quick start"), re.S)
    assert block, "the README has a python quick start"
    lines = block.group(1).rstrip().splitlines()
    assert lines[-1].startswith("asyncio.run(main(")
    run = ast.parse(lines[-1]).body[0]
    assert isinstance(run, ast.Expr) and isinstance(run.value, ast.Call)
    main_call = run.value.args[0]
    assert isinstance(main_call, ast.Call)
    return "\n".join(lines[:-1]), main_call


async def test_readme_quick_start_runs_against_the_simulator(capsys: Any) -> None:
    source, call = quick_start()
    url, *keys = (ast.literal_eval(arg) for arg in call.args)
    assert url == SIMULATOR_URL  # safe by default: the local simulator, not KuCoin
    namespace: dict[str, Any] = {}
    exec(compile(source, str(README), "exec"), namespace)
    async with KucoinSimulator(
        pairs=["BTC-USDT"],
        seed=2,
        activity=False,
        balances={"USDT": Decimal(10_000), "BTC": Decimal(1)},
    ) as sim:
        creds = sim.credentials
        assert keys == [creds.api_key, creds.api_secret, creds.passphrase]  # its defaults
        await namespace["main"](sim.rest_url, *keys)  # the same server on a free port
    out = capsys.readouterr().out
    assert "best bid/ask:" in out
    assert "filled" in out
    assert "OrderState.FILLED" in out


def test_quick_start_warns_before_real_money(monkeypatch: pytest.MonkeyPatch) -> None:
    source, _ = quick_start()
    namespace: dict[str, Any] = {}
    exec(compile(source, str(README), "exec"), namespace)
    asked: list[str] = []

    def refuse(prompt: str) -> str:
        asked.append(prompt)
        raise KeyboardInterrupt

    monkeypatch.setattr("builtins.input", refuse)
    with pytest.raises(KeyboardInterrupt):
        asyncio.run(namespace["main"]("https://api.kucoin.com", "k", "s", "p"))
    assert asked and "REAL MONEY" in asked[0]


def shell_commands(text: str) -> list[str]:
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.splitlines():
            command = line.split("  #")[0].strip()
            if command:
                commands.append(command)
    return commands


def check_command(command: str) -> None:
    words = shlex.split(command)
    program = words[0]
    if program in ("kucoin-connector", ".venv/bin/kucoin-connector"):
        if words[1:] in (["--version"], ["--help"]):
            return
        build_parser().parse_args(words[1:])  # SystemExit on a wrong option
    elif program.startswith("./scripts/"):
        assert (ROOT / program).is_file(), command
    elif program in ("python", ".venv/bin/python"):
        assert (ROOT / words[1]).is_file(), command
    elif program == "source":
        assert words[1] == ".venv/bin/activate", command
    elif program == "pip":  # tests/test_install.py builds and installs the wheel
        assert words[1] in ("install", "wheel"), command
    else:
        raise AssertionError(f"the README runs {command!r}: teach this test to check it")


@pytest.mark.parametrize("path", [README, LONG_DESCRIPTION], ids=lambda p: p.name)
def test_every_shell_command_exists_and_parses(path: Path) -> None:
    commands = shell_commands(path.read_text())
    assert commands
    for command in commands:
        check_command(command)


def test_long_description_shares_the_readme_sections() -> None:
    readme, description = README.read_text(), LONG_DESCRIPTION.read_text()
    for title in SHARED_SECTIONS:
        assert section(description, title) == section(readme, title), title
    assert "./scripts/" not in description  # a wheel user has no scripts/


def test_pyproject_long_description_is_the_shared_page() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^readme = "docs/index.md"', text, re.M)
