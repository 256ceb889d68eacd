"""Kraken's book checksum: CRC32 over the top 10 asks (ascending) then top 10 bids
(descending), each level written as its price string then its quantity string with the
'.' removed and leading zeros stripped (docs: spot-ws-book-v2 / v1)."""

from __future__ import annotations

import zlib
from collections.abc import Iterable

CHECKSUM_LEVELS = 10


def level_text(price: str, qty: str) -> str:
    return price.replace(".", "").lstrip("0") + qty.replace(".", "").lstrip("0")


def book_checksum(asks: Iterable[tuple[str, str]], bids: Iterable[tuple[str, str]]) -> int:
    """``asks`` best (lowest) first, ``bids`` best (highest) first; exact wire strings."""
    text = "".join(level_text(p, q) for p, q in list(asks)[:CHECKSUM_LEVELS])
    text += "".join(level_text(p, q) for p, q in list(bids)[:CHECKSUM_LEVELS])
    return zlib.crc32(text.encode()) & 0xFFFFFFFF
