"""Kraken book messages, WS v2 and v1 framing, parsed with the wire strings kept.

WS v2 writes prices and quantities as JSON numbers; they are decoded with the literal text
kept (``parse_float``/``parse_int`` return the string), never through a float: the
checksum is computed over those strings. WS v1 writes them as strings already; one v1
update may carry an ``{"a": ...}`` and a ``{"b": ..., "c": ...}`` part, with the checksum in
the last part only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kucoin_connector.core.errors import ParseError

from .book import LevelChange

__all__ = ["BookMessage", "decode_keeping_numbers", "parse_v1_book", "parse_v2_book"]


@dataclass(frozen=True, slots=True)
class BookMessage:
    """One pair's part of a book message."""

    symbol: str  # as the channel writes it: BTC/USD (v2) or XBT/USD (v1)
    is_snapshot: bool
    asks: tuple[LevelChange, ...]
    bids: tuple[LevelChange, ...]
    checksum: int | None  # v1 snapshots carry none


def _keep(text: str) -> str:
    return text


def decode_keeping_numbers(text: str | bytes) -> Any:
    """JSON with every number left as its literal string."""
    try:
        return json.loads(text, parse_float=_keep, parse_int=_keep)
    except ValueError as exc:
        raise ParseError(f"book frame is not JSON: {exc}") from None


def _v2_levels(raw: Any) -> tuple[LevelChange, ...]:
    if not isinstance(raw, list):
        raise ParseError("book side is not a list")
    try:
        return tuple((str(level["price"]), str(level["qty"])) for level in raw)
    except (KeyError, TypeError):
        raise ParseError("book level lacks price or qty") from None


def _checksum(raw: Any) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ParseError(f"bad book checksum {raw!r}") from None
    if not 0 <= value <= 0xFFFFFFFF:
        raise ParseError(f"book checksum {raw!r} out of range")
    return value


def parse_v2_book(message: Any) -> list[BookMessage] | None:
    """The book parts of a decoded v2 message (``decode_keeping_numbers``); None when the
    message is not on the ``book`` channel."""
    if not isinstance(message, dict) or message.get("channel") != "book":
        return None
    kind = message.get("type")
    if kind not in ("snapshot", "update"):
        raise ParseError(f"book message of type {kind!r}")
    data = message.get("data")
    if not isinstance(data, list):
        raise ParseError("book message without a data list")
    parts = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("symbol"), str):
            raise ParseError("book data item without a symbol")
        parts.append(
            BookMessage(
                symbol=item["symbol"],
                is_snapshot=kind == "snapshot",
                asks=_v2_levels(item.get("asks", [])),
                bids=_v2_levels(item.get("bids", [])),
                checksum=_checksum(item.get("checksum")),
            )
        )
    return parts


def _v1_levels(raw: Any) -> tuple[LevelChange, ...]:
    if not isinstance(raw, list):
        raise ParseError("v1 book side is not a list")
    try:
        return tuple((str(level[0]), str(level[1])) for level in raw)
    except (IndexError, TypeError):
        raise ParseError("v1 book level is not [price, volume, ...]") from None


def parse_v1_book(frame: Sequence[Any]) -> BookMessage | None:
    """A decoded v1 array frame on a ``book-N`` channel; None for any other frame."""
    if len(frame) < 4 or not str(frame[-2]).startswith("book-"):
        return None
    parts = [p for p in frame[1:-2] if isinstance(p, dict)]
    if not parts:
        raise ParseError("v1 book frame without a payload")
    is_snapshot = "as" in parts[0] or "bs" in parts[0]
    asks: list[LevelChange] = []
    bids: list[LevelChange] = []
    checksum = None
    for part in parts:
        asks.extend(_v1_levels(part.get("as" if is_snapshot else "a", [])))
        bids.extend(_v1_levels(part.get("bs" if is_snapshot else "b", [])))
        if "c" in part:
            checksum = _checksum(part["c"])
    return BookMessage(str(frame[-1]), is_snapshot, tuple(asks), tuple(bids), checksum)
