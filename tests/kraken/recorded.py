"""Readers of Kraken's recorded traffic (data/recorded, see its README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RECORDED_DIR = Path(__file__).resolve().parent / "data" / "recorded"


def recorded_book_frames() -> list[str]:
    """The received book frames of KRAKEN.ws.50.0 (v1 arrays), raw text, in file order."""
    frames = []
    with (RECORDED_DIR / "KRAKEN.ws.50.0").open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip() or " <- " in line or " <-> " in line:
                continue
            _, _, body = line.partition(": ")
            if body.startswith("["):
                frames.append(body.strip())
    return frames


def recorded_asset_pairs() -> dict[str, Any]:
    """The ``/0/public/AssetPairs`` envelope of KRAKEN.0 (April 2021)."""
    line = (RECORDED_DIR / "KRAKEN.0").read_text(encoding="utf-8").splitlines()[0]
    payload: dict[str, Any] = json.loads(line.split(": ", 1)[1])
    return payload
