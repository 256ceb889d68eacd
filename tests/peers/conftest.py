"""Fixtures for the peer clients: their environment, a quiet simulator, one key each.

The peers (ccxt, python-kucoin, kucoin-universal-sdk) pin versions that conflict with
.venv, so ``scripts/peer-env`` builds them their own ``.venv-peers`` (from PyPI, once).
That failing fails the tests: set ``KC_SKIP_PEERS=1`` to skip them on purpose.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator, SimCredentials

from .harness import PeerProcess, StartPeer

REPO = Path(__file__).resolve().parents[2]
PEER_ENV_SCRIPT = REPO / "scripts" / "peer-env"


@pytest.fixture(scope="session")
def peer_python() -> Path:
    """The python of .venv-peers, created by scripts/peer-env if needed."""
    if os.environ.get("KC_SKIP_PEERS") == "1":
        pytest.skip("KC_SKIP_PEERS=1: the peer clients are skipped on request")
    result = subprocess.run(
        [str(PEER_ENV_SCRIPT)], cwd=REPO, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"scripts/peer-env failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return Path(result.stdout.strip().splitlines()[-1])


@pytest.fixture
async def sim() -> AsyncIterator[KucoinSimulator]:
    """A simulator whose book moves only when a test or a peer moves it."""
    async with KucoinSimulator(seed=11, pairs=["BTC-USDT", "ETH-USDT"], activity=False) as s:
        yield s


@pytest.fixture
async def start_peer(peer_python: Path, tmp_path: Path) -> AsyncIterator[StartPeer]:
    """Starts peer scripts; kills any still running at the end of the test."""
    processes: list[PeerProcess] = []

    async def start(
        script: str, sim: KucoinSimulator, creds: SimCredentials, flow: str
    ) -> PeerProcess:
        stderr = (tmp_path / f"{script}-{flow}.stderr").open("wb")
        peer = await PeerProcess.start(peer_python, script, sim, creds, flow, stderr)
        processes.append(peer)
        return peer

    yield start
    for peer in processes:
        await peer.stop()
