"""Hummingbot column of bench/level2_pipeline.py, run with Hummingbot's own interpreter.

    $HUMMINGBOT_PYTHON bench/_hummingbot_l2.py FRAMES_FILE RUNS [json|orjson]

(level2_pipeline.py calls it once per run and decoder, RUNS=1, interleaved with its own
columns.) The decoder is what aiohttp's ``WSMessage.json(loads=...)`` is given:

* ``json`` (default): ``msg.json()``, i.e. stdlib ``json.loads``, as Hummingbot's
  ``WSConnection`` calls it (Hummingbot as its users run it);
* ``orjson``: ``msg.json(loads=orjson.loads)``, everything else unchanged (Hummingbot given
  orjson; needs ``orjson`` in Hummingbot's venv, which ``setup_hummingbot.sh`` installs).

FRAMES_FILE: first line ``{"passes": N, "snapshots": {symbol: REST data}}``, then one raw
WebSocket text frame a line (written by level2_pipeline.py: the very frames our column gets).
Each frame goes the way Hummingbot's KuCoin connector takes it, minus its asyncio queues
(which would only add to its cost): aiohttp's ``WSMessage.json()`` (its decode) ->
``WSResponse`` -> ``KucoinAPIOrderBookDataSource._channel_originating_message`` ->
``_parse_order_book_diff_message`` (its own coroutine, driven synchronously) -> the
tracker's ``snapshot_uid`` check -> ``OrderBook.apply_diffs(message.bids, message.asks,
message.update_id)``. Books start from ``OrderBook.apply_snapshot`` of an
``OrderBookMessage`` SNAPSHOT built from the same REST data (untimed). Prints one JSON
line: {"seconds": [...per run, all passes...], "decoder": "...", "check": "..."}; the check
ends with a digest of every book's levels, equal for both decoders on the same input.

Only Hummingbot's public classes are used; no Hummingbot code is copied here.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import sys
import time
from collections.abc import Callable
from typing import Any

import aiohttp
from hummingbot.connector.exchange.kucoin.kucoin_api_order_book_data_source import (
    KucoinAPIOrderBookDataSource,
)
from hummingbot.core.data_type.order_book import OrderBook
from hummingbot.core.data_type.order_book_message import OrderBookMessage, OrderBookMessageType
from hummingbot.core.web_assistant.connections.data_types import WSResponse


class _Connector:
    """What the data source asks its connector for: the symbol -> trading pair map."""

    def __init__(self, symbols: list[str]) -> None:
        self._pairs = {symbol: symbol for symbol in symbols}

    async def trading_pair_associated_to_exchange_symbol(self, symbol: str) -> str:
        return self._pairs[symbol]


class _Queue:
    """``put_nowait`` of an asyncio.Queue, without the event loop."""

    def __init__(self) -> None:
        self.items: list[OrderBookMessage] = []

    def put_nowait(self, item: OrderBookMessage) -> None:
        self.items.append(item)


def _books(snapshots: dict[str, Any]) -> dict[str, OrderBook]:
    books = {}
    for symbol, data in snapshots.items():
        content = {
            "trading_pair": symbol,
            "update_id": int(data["sequence"]),
            "bids": data["bids"],
            "asks": data["asks"],
        }
        message = OrderBookMessage(OrderBookMessageType.SNAPSHOT, content, time.time())
        book = OrderBook()
        book.apply_snapshot(message.bids, message.asks, message.update_id)
        books[symbol] = book
    return books


def _loads(decoder: str) -> Callable[[str], Any]:
    if decoder == "json":
        return json.loads  # aiohttp's default: what msg.json() calls
    if decoder == "orjson":
        import orjson

        return orjson.loads
    raise SystemExit(f"unknown decoder {decoder!r} (json or orjson)")


def _one_pass(
    source: Any,
    frames: list[aiohttp.WSMessage],
    books: dict[str, OrderBook],
    loads: Callable[[str], Any],
) -> float:
    queue = _Queue()
    items = queue.items
    diff_channel = source._diff_messages_queue_key
    channel_of = source._channel_originating_message
    parse = source._parse_order_book_diff_message
    start = time.perf_counter()
    for frame in frames:
        data = WSResponse(frame.json(loads=loads)).data
        if channel_of(data) != diff_channel:
            continue
        with contextlib.suppress(StopIteration):  # the coroutine never suspends
            parse(data, queue).send(None)
        message = items.pop()
        book = books[message.trading_pair]
        if book.snapshot_uid > message.update_id:
            continue
        book.apply_diffs(message.bids, message.asks, message.update_id)
    return time.perf_counter() - start


def main() -> None:
    path, runs = sys.argv[1], int(sys.argv[2])
    decoder = sys.argv[3] if len(sys.argv) > 3 else "json"
    loads = _loads(decoder)
    with open(path, encoding="utf-8") as source_file:
        header = json.loads(source_file.readline())
        frames = [
            aiohttp.WSMessage(aiohttp.WSMsgType.TEXT, text.rstrip("\n"), None)
            for text in source_file
        ]
    snapshots: dict[str, Any] = header["snapshots"]
    source = KucoinAPIOrderBookDataSource(
        trading_pairs=list(snapshots), connector=_Connector(list(snapshots)), api_factory=None
    )
    seconds = []
    books: dict[str, OrderBook] = {}
    for _ in range(max(1, runs)):
        gc.collect()
        elapsed = 0.0
        for _ in range(header["passes"]):
            books = _books(snapshots)
            elapsed += _one_pass(source, frames, books, loads)
        seconds.append(elapsed)
    depth = max(len(list(book.bid_entries())) for book in books.values())
    crossed = sum(1 for book in books.values() if book.get_price(False) >= book.get_price(True))
    digest = hashlib.sha256()
    for symbol in sorted(books):
        for entries in (books[symbol].bid_entries(), books[symbol].ask_entries()):
            for entry in entries:
                digest.update(f"{symbol} {entry.price!r} {entry.amount!r}\n".encode())
    check = (
        f"{len(books)} books, max bid depth {depth}, crossed at the end: {crossed}, "
        f"levels digest {digest.hexdigest()[:12]}"
    )
    print(json.dumps({"seconds": seconds, "decoder": decoder, "check": check}))


if __name__ == "__main__":
    main()
