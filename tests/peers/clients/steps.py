"""The peer side of the step protocol (stdlib only: it runs in .venv-peers).

A peer script reports each step as one JSON line on stdout, ``{"step": name, "data": ...}``,
then waits for one line on stdin before it goes on, so the test can look at the
simulator's state between two calls of the client. The line is ``{}`` or an instruction
for the next step (a JSON object, e.g. the sequence a book must reach). A failing step is
reported as ``{"step": name, "error": "ExceptionType: message"}`` and the script exits
with status 1. The scripts import this module as ``peers.clients.steps``: run them with
``PYTHONPATH=tests`` (the tests do).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import traceback
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any


def peer_arguments(description: str) -> argparse.Namespace:
    """The arguments every peer script takes (the test passes them)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rest-url", required=True)
    parser.add_argument("--ws-url", default="")
    parser.add_argument("--key", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--passphrase", required=True)
    parser.add_argument("--flow", required=True)
    return parser.parse_args()


def report(step: str, data: Any = None) -> dict[str, Any]:
    """Tell the test that ``step`` is done; wait until it has looked; its instruction."""
    print(json.dumps({"step": step, "data": data}, default=_plain), flush=True)
    return _instruction(sys.stdin.readline())


async def areport(step: str, data: Any = None) -> dict[str, Any]:
    """``report`` for async clients: the event loop (and the client's sockets) keep going."""
    print(json.dumps({"step": step, "data": data}, default=_plain), flush=True)
    return _instruction(await asyncio.to_thread(sys.stdin.readline))


def _plain(value: object) -> object:
    """JSON for what a client returns beyond JSON types: an enum's value, else its text."""
    return value.value if isinstance(value, Enum) else str(value)


def _instruction(line: str) -> dict[str, Any]:
    if not line:
        raise SystemExit("the test closed stdin")
    parsed = json.loads(line)
    if not isinstance(parsed, dict):
        raise SystemExit(f"bad instruction: {line!r}")
    return parsed


def report_failure(step: str, exc: BaseException) -> None:
    error = f"{type(exc).__name__}: {exc}"
    print(json.dumps({"step": step, "error": error}), flush=True)
    traceback.print_exception(exc, file=sys.stderr)


async def run_step(step: str, call: Callable[[], Awaitable[Any]]) -> Any:
    """Await ``call``, report its result under ``step`` and return it (async clients)."""
    try:
        result = await call()
    except Exception as exc:
        report_failure(step, exc)
        raise SystemExit(1) from exc
    await areport(step, result)
    return result


def run_sync_step(step: str, call: Callable[[], Any]) -> Any:
    """Call ``call``, report its result under ``step`` and return it (blocking clients)."""
    try:
        result = call()
    except Exception as exc:
        report_failure(step, exc)
        raise SystemExit(1) from exc
    report(step, result)
    return result
