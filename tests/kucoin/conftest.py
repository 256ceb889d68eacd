"""Fixtures: the recorded KuCoin traffic in tests/data/recorded (see its README.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

RECORDED_DIR = Path(__file__).resolve().parent.parent / "data" / "recorded"


@dataclass(frozen=True)
class RecordedKucoin:
    """Received WS messages in file order, and the REST snapshots by symbol."""

    ws_messages: list[tuple[float, dict[str, Any]]]  # (receive time s, decoded message)
    snapshots: dict[str, tuple[float, dict[str, Any]]]  # symbol -> (receive time s, data)

    def messages_with_subject(self, subject: str) -> list[dict[str, Any]]:
        return [m for _, m in self.ws_messages if m.get("subject") == subject]


def load_ws_file(path: Path) -> list[tuple[float, dict[str, Any]]]:
    """`<ts>: <json>` lines are received messages; `<url> <-> ts` / `<url> <- ts: ...`
    (connection opened, messages sent) are skipped."""
    received = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or " <-> " in line or " <- " in line:
            continue
        stamp, sep, body = line.partition(": ")
        if not sep:
            raise ValueError(f"unexpected recorded line: {line[:80]!r}")
        received.append((float(stamp), json.loads(body)))
    return received


def parse_http_line(line: str) -> tuple[str, float, dict[str, Any]]:
    """`<url> -> <ts>: <json body>` -> (url, receive time s, decoded body)."""
    url, sep, rest = line.partition(" -> ")
    stamp, sep2, body = rest.partition(": ")
    if not sep or not sep2:
        raise ValueError(f"unexpected recorded line: {line[:80]!r}")
    return url, float(stamp), json.loads(body)


def load_http_file(path: Path) -> list[tuple[str, float, dict[str, Any]]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [parse_http_line(line) for line in lines if line]


def load_recorded_kucoin(directory: Path = RECORDED_DIR) -> RecordedKucoin:
    snapshots: dict[str, tuple[float, dict[str, Any]]] = {}
    for url, stamp, body in load_http_file(directory / "KUCOIN.http.0.0"):
        assert body["code"] == "200000", body
        symbol = parse_qs(urlsplit(url).query)["symbol"][0]
        snapshots[symbol] = (stamp, body["data"])
    return RecordedKucoin(load_ws_file(directory / "KUCOIN.ws.1.0"), snapshots)


@pytest.fixture(scope="session")
def recorded_kucoin() -> RecordedKucoin:
    return load_recorded_kucoin()


@pytest.fixture(scope="session")
def recorded_symbols_metadata() -> list[dict[str, Any]]:
    """The `/api/v1/symbols` response recorded in KUCOIN.0 (line 1)."""
    first_line = (RECORDED_DIR / "KUCOIN.0").read_text(encoding="utf-8").splitlines()[0]
    url, _stamp, body = parse_http_line(first_line)
    assert url.endswith("/api/v1/symbols")
    data: list[dict[str, Any]] = body["data"]
    return data
