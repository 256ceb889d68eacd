"""The README's quick start runs, unchanged but for its last line, against the simulator."""

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from kucoin_connector.simulator import KucoinSimulator

README = Path(__file__).resolve().parents[1] / "README.md"


def quick_start_source() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Quick start") :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the README has a python quick start"
    lines = match.group(1).rstrip().splitlines()
    assert lines[-1].startswith("asyncio.run(main(")
    return "\n".join(lines[:-1])


async def test_readme_quick_start_runs_against_the_simulator(capsys: Any) -> None:
    namespace: dict[str, Any] = {}
    exec(compile(quick_start_source(), str(README), "exec"), namespace)
    async with KucoinSimulator(
        pairs=["BTC-USDT"],
        seed=2,
        activity=False,
        balances={"USDT": Decimal(10_000), "BTC": Decimal(1)},
    ) as sim:
        creds = sim.credentials
        await namespace["main"](sim.rest_url, creds.api_key, creds.api_secret, creds.passphrase)
    out = capsys.readouterr().out
    assert "best bid/ask:" in out
    assert "filled" in out
    assert "OrderState.FILLED" in out
