"""The simulator's checksum function against real Kraken traffic (data/recorded, WS v1
book depth 1000, April 2021): every recorded update's checksum must be reproduced from
the book the test keeps from the original strings."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kucoin_connector.simulator.kraken.checksum import book_checksum

RECORDED = Path(__file__).resolve().parents[4] / "shared" / "data" / "recorded" / "KRAKEN.ws.50.0"
DEPTH = 1000


def _recorded_path() -> Path:
    for candidate in (RECORDED, Path("/work/shared/data/recorded/KRAKEN.ws.50.0")):
        if candidate.exists():
            return candidate
    pytest.skip("recorded Kraken traffic not available")


def _frames(path: Path) -> list[Any]:
    frames = []
    for line in path.read_text().splitlines():
        _, sep, payload = line.partition(": ")
        if sep and payload.startswith("["):
            frames.append(json.loads(payload))
    return frames


def _apply(book: dict[str, str], levels: list[list[str]], best_high: bool) -> None:
    for level in levels:
        price, volume = level[0], level[1]
        if Decimal(volume) == 0:
            book.pop(price, None)
        else:
            book[price] = volume
    for price in sorted(book, key=Decimal, reverse=best_high)[DEPTH:]:
        del book[price]


def _ordered(book: dict[str, str], best_high: bool) -> list[tuple[str, str]]:
    return [(p, book[p]) for p in sorted(book, key=Decimal, reverse=best_high)]


def test_every_recorded_checksum_is_reproduced() -> None:
    books: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
    checked = mismatches = 0
    for frame in _frames(_recorded_path()):
        pair = frame[-1]
        asks, bids = books.setdefault(pair, ({}, {}))
        checksum = None
        for part in frame[1:-2]:
            if "as" in part or "bs" in part:
                asks.clear()
                bids.clear()
                _apply(asks, part.get("as", []), best_high=False)
                _apply(bids, part.get("bs", []), best_high=True)
            _apply(asks, part.get("a", []), best_high=False)
            _apply(bids, part.get("b", []), best_high=True)
            checksum = part.get("c", checksum)
        if checksum is None:
            continue
        checked += 1
        ours = book_checksum(_ordered(asks, False), _ordered(bids, True))
        mismatches += ours != int(checksum)
    assert checked == 4269
    assert mismatches == 0
