"""Level-2 inputs shared by the benches: raw WebSocket text frames plus the matching snapshots.

* ``synthetic(changes, seed)``: one symbol, a book of 500-2,000 levels a side around one
  price; ~70% updates of existing levels near the top, ~15% inserts, ~15% deletes (size
  "0"); 1-3 changes a message; frames in KuCoin's exact ``trade.l2update`` format.
* ``recorded(passes)``: the real KuCoin stream of tests/data/recorded (KUCOIN.ws.1.0, its
  ``trade.l2update`` frames of the symbols with a snapshot in KUCOIN.http.0.0) fed
  ``passes`` times, each pass starting again from the snapshots (applied untimed).

Stdlib only (``bench/_hummingbot_l2.py`` reads the same frames from a file).
"""

from __future__ import annotations

import json
import random
from bisect import bisect_left, insort
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

RECORDED_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "recorded"
SYMBOL = "BTC-USDT"
MID_TICKS = 300_000  # 30,000.0 on a 0.1 tick
MIN_DEPTH, MAX_DEPTH, START_DEPTH = 500, 2_000, 1_250


@dataclass
class L2Input:
    """Frames to feed, snapshots (symbol -> REST ``data``) to start from, change count."""

    name: str
    frames: list[str]
    snapshots: dict[str, dict[str, Any]]
    changes: int  # in one pass
    passes: int = 1  # each pass starts again from the snapshots

    @property
    def messages(self) -> int:
        return len(self.frames) * self.passes

    @property
    def total_changes(self) -> int:
        return self.changes * self.passes


def _price(ticks: int) -> str:
    return f"{ticks / 10:.1f}"


class _Side:
    """Levels of one side as distances (ticks) from the mid, 1 = the top."""

    def __init__(self, rng: random.Random, is_bid: bool) -> None:
        self.rng = rng
        self.sign = -1 if is_bid else 1
        self.present = sorted(rng.sample(range(1, int(START_DEPTH * 1.2)), START_DEPTH))

    def price(self, distance: int) -> str:
        return _price(MID_TICKS + self.sign * distance)

    def size(self) -> str:
        return f"{self.rng.uniform(0.0001, 25.0):.8f}"

    def update(self) -> tuple[str, str]:
        present = self.present
        index = min(int(self.rng.expovariate(1 / 8)), len(present) - 1)
        return self.price(present[index]), self.size()

    def insert(self) -> tuple[str, str]:
        present = self.present
        for _ in range(20):
            distance = 1 + int(self.rng.expovariate(1 / 60))
            at = bisect_left(present, distance)
            if at == len(present) or present[at] != distance:
                break
        else:
            distance = present[-1] + 1
        insort(present, distance)
        return self.price(distance), self.size()

    def delete(self) -> tuple[str, str]:
        present = self.present
        index = min(int(self.rng.expovariate(1 / 30)), len(present) - 1)
        return self.price(present.pop(index)), "0"

    def change(self, roll: float) -> tuple[str, str]:
        depth = len(self.present)
        if roll < 0.70:
            return self.update()
        if (roll < 0.85 and depth < MAX_DEPTH) or depth <= MIN_DEPTH:
            return self.insert()
        return self.delete()


def _frame(symbol: str, start: int, end: int, asks: list[str], bids: list[str], t: int) -> str:
    return (
        f'{{"type":"message","topic":"/market/level2:{symbol}","subject":"trade.l2update",'
        f'"data":{{"changes":{{"asks":[{",".join(asks)}],"bids":[{",".join(bids)}]}},'
        f'"sequenceEnd":{end},"sequenceStart":{start},"symbol":"{symbol}","time":{t}}}}}'
    )


def synthetic(changes: int = 1_000_000, seed: int = 7) -> L2Input:
    rng = random.Random(seed)
    bids, asks = _Side(rng, True), _Side(rng, False)
    sequence = 1_700_000_000_000
    snapshot = {
        "sequence": str(sequence),
        "time": 1_700_000_000_000,
        "bids": [[bids.price(d), bids.size()] for d in bids.present],
        "asks": [[asks.price(d), asks.size()] for d in asks.present],
    }
    frames: list[str] = []
    done = 0
    time_ms = 1_700_000_000_000
    while done < changes:
        count = min(rng.randint(1, 3), changes - done)
        ask_items: list[str] = []
        bid_items: list[str] = []
        start = sequence + 1
        for _ in range(count):
            sequence += 1
            side, items = (bids, bid_items) if rng.random() < 0.5 else (asks, ask_items)
            price, size = side.change(rng.random())
            items.append(f'["{price}","{size}","{sequence}"]')
        time_ms += rng.randint(0, 3)
        frames.append(_frame(SYMBOL, start, sequence, ask_items, bid_items, time_ms))
        done += count
    return L2Input(f"synthetic {changes:,} changes", frames, {SYMBOL: snapshot}, done)


def _recorded_snapshots() -> dict[str, dict[str, Any]]:
    snapshots: dict[str, dict[str, Any]] = {}
    for text in (RECORDED_DIR / "KUCOIN.http.0.0").read_text(encoding="utf-8").splitlines():
        if not text:
            continue
        url, _, rest = text.partition(" -> ")
        body = json.loads(rest.partition(": ")[2])
        snapshots[parse_qs(urlsplit(url).query)["symbol"][0]] = body["data"]
    return snapshots


def _recorded_updates(symbols: set[str]) -> list[dict[str, Any]]:
    updates = []
    for text in (RECORDED_DIR / "KUCOIN.ws.1.0").read_text(encoding="utf-8").splitlines():
        if not text or " <-> " in text or " <- " in text:
            continue
        message = json.loads(text.partition(": ")[2])
        if message.get("subject") == "trade.l2update" and message["data"]["symbol"] in symbols:
            updates.append(message)
    return updates


def recorded(passes: int = 50) -> L2Input:
    """The recorded frames, fed ``passes`` times, each pass from the snapshots again."""
    snapshots = _recorded_snapshots()
    updates = _recorded_updates(set(snapshots))
    frames = [json.dumps(message, separators=(",", ":")) for message in updates]
    changes = sum(
        len(m["data"]["changes"]["asks"]) + len(m["data"]["changes"]["bids"]) for m in updates
    )
    name = f"recorded KuCoin, {len(frames):,} frames x {passes} passes ({len(snapshots)} symbols)"
    return L2Input(name, frames, snapshots, changes, passes)
