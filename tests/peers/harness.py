"""The test side of the step protocol (see clients/steps.py): one peer client process."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Protocol

from kucoin_connector.simulator.engine.models import Account, OrderRequest
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator, SimCredentials

TESTS_DIR = Path(__file__).resolve().parents[1]
CLIENTS_DIR = TESTS_DIR / "peers" / "clients"
STEP_TIMEOUT_S = 30.0  # a guard against a hung peer, not a timing assertion
LINE_LIMIT_BYTES = 16 * 1024 * 1024  # a step's JSON is one line (markets, balances)
POLL_INTERVAL_S = 0.02
PEER_BALANCES = {"USDT": Decimal("10000"), "BTC": Decimal("1"), "ETH": Decimal("10")}
PEER_ACCOUNT_TYPES = ("trade", "trade_hf")


class PeerStepFailed(AssertionError):
    """The peer client raised in a step, or the process ended or answered out of order."""


class PeerProcess:
    """A client script in .venv-peers, driven step by step from the test."""

    def __init__(self, process: asyncio.subprocess.Process, name: str, stderr: IO[bytes]) -> None:
        self._process = process
        self._name = name
        self._stderr = stderr
        self._awaiting_reply = False

    @classmethod
    async def start(
        cls,
        python: Path,
        script: str,
        sim: KucoinSimulator,
        creds: SimCredentials,
        flow: str,
        stderr: IO[bytes],
    ) -> PeerProcess:
        args: Sequence[str] = (
            *("--rest-url", sim.rest_url, "--ws-url", sim.ws_url),
            *("--key", creds.api_key, "--secret", creds.api_secret),
            *("--passphrase", creds.passphrase, "--flow", flow),
        )
        process = await asyncio.create_subprocess_exec(
            str(python),
            str(CLIENTS_DIR / script),
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            limit=LINE_LIMIT_BYTES,
            env={**os.environ, "PYTHONPATH": str(TESTS_DIR)},  # peers.clients.steps
        )
        return cls(process, f"{script} --flow {flow}", stderr)

    async def step(self, name: str, instruction: dict[str, Any] | None = None) -> Any:
        """Let the peer go on (with ``instruction``), then wait for its report of ``name``."""
        await self.proceed(instruction)
        return await self.report(name)

    async def proceed(self, instruction: dict[str, Any] | None = None) -> None:
        """Let the peer go on past its last reported step."""
        assert self._process.stdin is not None
        if self._awaiting_reply:
            self._process.stdin.write((json.dumps(instruction or {}) + "\n").encode())
            await self._process.stdin.drain()
            self._awaiting_reply = False

    async def report(self, name: str) -> Any:
        """Wait for the peer's report of step ``name``; its data."""
        assert self._process.stdout is not None
        line = await asyncio.wait_for(self._process.stdout.readline(), STEP_TIMEOUT_S)
        if not line:
            raise PeerStepFailed(f"{self._name}: ended before {name!r}: {self._stderr_tail()}")
        message = json.loads(line)
        if "error" in message:
            raise PeerStepFailed(f"{self._name}: {message['step']}: {message['error']}")
        if message["step"] != name:
            raise PeerStepFailed(f"{self._name}: expected {name!r}, got {message['step']!r}")
        self._awaiting_reply = True
        return message["data"]

    async def finish(self) -> None:
        """The peer reports ``done`` and exits with status 0."""
        await self.step("done")
        await self.proceed()
        returncode = await asyncio.wait_for(self._process.wait(), STEP_TIMEOUT_S)
        assert returncode == 0, f"{self._name} exited {returncode}: {self._stderr_tail()}"

    async def stop(self) -> None:
        """Kill the peer if it still runs; close its stderr file."""
        if self._process.returncode is None:
            self._process.kill()
            await self._process.wait()
        self._stderr.close()

    def _stderr_tail(self) -> str:
        self._stderr.flush()
        return Path(self._stderr.name).read_text(errors="replace")[-3000:]


class StartPeer(Protocol):
    """The ``start_peer`` fixture: starts a client script against ``sim`` with ``creds``."""

    async def __call__(
        self, script: str, sim: KucoinSimulator, creds: SimCredentials, flow: str
    ) -> PeerProcess: ...


async def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Poll the simulator's state until ``condition`` holds (bounded by STEP_TIMEOUT_S)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STEP_TIMEOUT_S
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(POLL_INTERVAL_S)


def has_subscription(sim: KucoinSimulator, user_id: str | None, topic: str, key: str) -> bool:
    """True once a connection (a user's private one if ``user_id``) subscribed the topic."""
    return any(
        (topic, key) in conn.subscriptions and (user_id is None or conn.user_id == user_id)
        for conn in sim.hub.connections
    )


def add_peer(sim: KucoinSimulator, name: str, key_version: int) -> SimCredentials:
    """A new user with its own key and balances in its trade and trade_hf accounts."""
    creds = sim.add_api_key(
        f"{name}-key",
        f"{name}-secret",
        f"{name}-passphrase",
        key_version=key_version,
        user_id=f"{name}-user",
    )
    for currency, amount in PEER_BALANCES.items():
        for account_type in PEER_ACCOUNT_TYPES:
            sim.deposit(currency, amount, account_type=account_type, user_id=creds.user_id)
    return creds


def trade_once(sim: KucoinSimulator, symbol: str = "BTC-USDT") -> None:
    """The default user takes the best ask with a small buy: one public trade."""
    _, ask = sim.engine.best_bid_ask(symbol)
    assert ask is not None
    sim.engine.place_order(
        sim.user_id,
        OrderRequest(symbol=symbol, side="buy", price=ask[0], size=Decimal("0.001")),
    )


def account_of(
    sim: KucoinSimulator, creds: SimCredentials, currency: str, account_type: str
) -> Account:
    """The peer's account as the simulator holds it (it exists: add_peer funded it)."""
    account = sim.accounts.find(creds.user_id, currency, account_type)
    assert account is not None, f"no {account_type} {currency} account for {creds.user_id}"
    return account


def decimal(value: Any) -> Decimal:
    """A number a peer reported (JSON float, int or string) as the Decimal it prints as."""
    return Decimal(str(value))


def levels(side: list[list[Any]]) -> list[tuple[Decimal, Decimal]]:
    """A peer's [[price, size], ...] book side as Decimals, to compare with the engine's."""
    return [(decimal(price), decimal(size)) for price, size, *_ in side]
