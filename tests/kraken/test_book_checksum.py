"""Book and checksum: Kraken's documented v2 example and the recorded v1 stream."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

from kraken.recorded import recorded_book_frames
from kucoin_connector.kraken.book import KrakenBook
from kucoin_connector.kraken.book_messages import (
    decode_keeping_numbers,
    parse_v1_book,
    parse_v2_book,
)
from kucoin_connector.kraken.book_tracker import BookOutcome, BookTracker

# Kraken's documented example (docs: guides/spot-ws-book-v2), written as the v2 channel
# writes it: prices and quantities as JSON numbers with their trailing zeros.
DOC_SNAPSHOT = """{"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD",
"bids":[{"price":45283.5,"qty":0.10000000},{"price":45283.4,"qty":1.54582015},
{"price":45282.1,"qty":0.10000000},{"price":45281.0,"qty":0.10000000},
{"price":45280.3,"qty":1.54592586},{"price":45279.0,"qty":0.07990000},
{"price":45277.6,"qty":0.03310103},{"price":45277.5,"qty":0.30000000},
{"price":45277.3,"qty":1.54602737},{"price":45276.6,"qty":0.15445238}],
"asks":[{"price":45285.2,"qty":0.00100000},{"price":45286.4,"qty":1.54571953},
{"price":45286.6,"qty":1.54571109},{"price":45289.6,"qty":1.54560911},
{"price":45290.2,"qty":0.15890660},{"price":45291.8,"qty":1.54553491},
{"price":45294.7,"qty":0.04454749},{"price":45296.1,"qty":0.35380000},
{"price":45297.5,"qty":0.09945542},{"price":45299.5,"qty":0.18772827}],
"checksum":3310070434}]}"""


def test_documented_v2_example_checksum() -> None:
    parts = parse_v2_book(decode_keeping_numbers(DOC_SNAPSHOT))
    assert parts is not None and len(parts) == 1
    message = parts[0]
    assert message.asks[0] == ("45285.2", "0.00100000")  # the wire text, not a float
    book = KrakenBook(depth=10)
    book.apply(message.asks, message.bids)
    assert message.checksum == 3310070434
    assert book.checksum() == 3310070434


def test_float_decoding_would_break_the_checksum() -> None:
    parts = parse_v2_book(json.loads(DOC_SNAPSHOT))  # floats: trailing zeros lost
    assert parts is not None
    book = KrakenBook(depth=10)
    book.apply(parts[0].asks, parts[0].bids)
    assert book.checksum() != 3310070434


def test_recorded_stream_every_checksum_matches() -> None:
    tracker = BookTracker(depth=1000)
    outcomes = []
    for frame in recorded_book_frames():
        message = parse_v1_book(decode_keeping_numbers(frame))
        if message is not None:
            outcomes.append(tracker.on_message(message))
    assert tracker.messages_verified == 4269
    assert tracker.checksum_mismatches == 0
    assert set(outcomes) == {BookOutcome.APPLIED}


def test_levels_out_of_scope_are_truncated_after_each_message() -> None:
    book = KrakenBook(depth=2)
    book.apply(asks=[("10.0", "1"), ("11.0", "1")], bids=[("9.0", "1"), ("8.0", "1")])
    # an insert at the top pushes the worst level out; no delete for it ever comes
    book.apply(asks=[("9.5", "2")], bids=[("9.2", "2")])
    assert [p for p, _ in book.asks()] == [Decimal("9.5"), Decimal("10.0")]
    assert [p for p, _ in book.bids()] == [Decimal("9.2"), Decimal("9.0")]
    # a later delete of a top level does not bring the truncated level back
    book.apply(asks=[("9.5", "0")], bids=[])
    assert [p for p, _ in book.asks()] == [Decimal("10.0")]


def test_corrupted_update_resyncs_only_that_pair() -> None:
    frames = recorded_book_frames()
    tracker = BookTracker(depth=1000)
    corrupted_symbol = None
    outcomes: list[tuple[str, BookOutcome]] = []
    for frame in frames:
        decoded = decode_keeping_numbers(frame)
        message = parse_v1_book(decoded)
        if message is None:
            continue
        if corrupted_symbol is None and message.checksum is not None:
            corrupted_symbol = message.symbol  # one bit flipped in transit
            message = replace(message, checksum=message.checksum ^ 1)
        outcomes.append((message.symbol, tracker.on_message(message)))
    assert corrupted_symbol is not None
    resyncs = [symbol for symbol, outcome in outcomes if outcome is BookOutcome.RESYNC]
    assert resyncs == [corrupted_symbol]  # once; later updates wait for a snapshot
    assert tracker.book(corrupted_symbol) is None
    others = {s for s, o in outcomes if s != corrupted_symbol}
    assert all(tracker.book(s) is not None for s in others)
    assert tracker.checksum_mismatches == 1


def test_update_before_snapshot_asks_for_a_snapshot() -> None:
    tracker = BookTracker(depth=10)
    update = parse_v2_book(
        decode_keeping_numbers(
            '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD",'
            '"bids":[],"asks":[{"price":1.0,"qty":1}],"checksum":1}]}'
        )
    )
    assert update is not None
    assert tracker.on_message(update[0]) is BookOutcome.RESYNC
    assert tracker.on_message(update[0]) is BookOutcome.IGNORED
