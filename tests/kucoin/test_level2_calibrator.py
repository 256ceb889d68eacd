"""Level2 parsing and the calibration state machine (sans-I/O, hand-made sequences)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kucoin_connector.core.errors import ConfigurationError, ParseError
from kucoin_connector.kucoin.level2 import (
    L2Snapshot,
    L2Update,
    Level2Calibrator,
    SyncState,
    parse_l2snapshot,
    parse_l2update,
)

SYM = "BTC-USDT"
Raw = Sequence[Sequence[Any]]


def message(
    start: object,
    end: object,
    asks: Raw = (),
    bids: Raw = (),
    *,
    symbol: object = SYM,
    **extra: Any,
) -> dict[str, Any]:
    """A raw ``trade.l2update`` as it may arrive on the wire: any field may hold any value."""
    data = {
        "sequenceStart": start,
        "sequenceEnd": end,
        "symbol": symbol,
        "changes": {"asks": list(asks), "bids": list(bids)},
        **extra,
    }
    return {
        "type": "message",
        "topic": f"/market/level2:{symbol}",
        "subject": "trade.l2update",
        "data": data,
    }


def update(start: int, end: int | None = None, asks: Raw = (), bids: Raw = ()) -> L2Update:
    """One parsed update; without explicit changes, a sequence-only change per sequence."""
    end = start if end is None else end
    if not asks and not bids:
        asks = [["0", "0", str(s)] for s in range(start, end + 1)]
    return parse_l2update(message(start, end, asks, bids))


def snapshot(sequence: int, bids: Raw = (), asks: Raw = ()) -> L2Snapshot:
    return parse_l2snapshot(
        {"sequence": str(sequence), "time": 1, "bids": list(bids), "asks": list(asks)}
    )


def levels(side: list[tuple[Decimal, Decimal]]) -> list[tuple[str, str]]:
    return [(str(p), str(s)) for p, s in side]


BASE_BIDS = [["100", "1"], ["99", "2"]]
BASE_ASKS = [["101", "3"], ["102", "4"]]


def live_at(sequence: int, **kwargs: Any) -> Level2Calibrator:
    calibrator = Level2Calibrator(SYM, **kwargs)
    assert calibrator.on_snapshot(snapshot(sequence, BASE_BIDS, BASE_ASKS)) is SyncState.LIVE
    return calibrator


# --------------------------------------------------------------------------- parsing
def test_parse_todays_format_with_time() -> None:
    raw = message(5, 6, [["6", "1", "5"]], [["4", "1", "6"]], time=1700000000123)
    parsed = parse_l2update(raw)
    assert parsed == L2Update(SYM, 5, 6, [("6", "1", 5)], [("4", "1", 6)], 1700000000123)


def test_parse_2021_format_without_time_and_int_change_sequences() -> None:
    parsed = parse_l2update(message(15, 18, [["3988.62", "8", 15]], [["3988.50", "44", "17"]]))
    assert parsed.time_ms is None
    assert parsed.asks == [("3988.62", "8", 15)] and parsed.bids == [("3988.50", "44", 17)]


@pytest.mark.parametrize(
    "raw",
    [
        {},
        {"data": None},
        {"data": {"sequenceStart": 1, "sequenceEnd": 1, "symbol": SYM}},
        message(1, 1, [["1", "1"]]),
        message(1, 1, [["1", "1", "1", "1"]]),
        message(1, 1, [["1", "1", "x"]]),
        message(1, 1, [["1", "1", 1.5]]),
        message(1, 1, [[1.0, "1", "1"]]),
        message(1, 1, [["1", None, "1"]]),
        message(1, 1, ["abc"]),
        message(1, 1, ["123"]),
        message("a", 1),
        message(1, None),
        message(True, 1),
        message(1.0, 1),
        message(2, 1),
        message(1, 1, symbol=None),
        message(1, 1, time="soon"),
        {
            "data": {
                "sequenceStart": 1,
                "sequenceEnd": 1,
                "symbol": SYM,
                "changes": {"asks": "6,1,1", "bids": []},
            }
        },
        {"data": {"sequenceStart": 1, "sequenceEnd": 1, "symbol": SYM, "changes": {"asks": []}}},
    ],
)
def test_parse_l2update_rejects_wrong_shapes(raw: dict[str, Any]) -> None:
    with pytest.raises(ParseError):
        parse_l2update(raw)


def test_parse_l2update_accepts_string_message_sequences() -> None:
    assert parse_l2update(message("7", "8", time="12")).sequence_end == 8


def test_parse_l2snapshot() -> None:
    parsed = parse_l2snapshot(
        {
            "sequence": "3262786978",
            "time": 1550653727731,
            "bids": [["6500.12", "0.45054140"]],
            "asks": [],
        }
    )
    assert parsed == L2Snapshot(3262786978, [("6500.12", "0.45054140")], [])
    assert parse_l2snapshot({"sequence": 5, "bids": [], "asks": []}).sequence == 5


@pytest.mark.parametrize(
    "raw",
    [
        {"bids": [], "asks": []},
        {"sequence": "1.5", "bids": [], "asks": []},
        {"sequence": "1", "bids": [["1"]], "asks": []},
        {"sequence": "1", "bids": [], "asks": [["1", 2]]},
        {"sequence": "1", "bids": {}, "asks": []},
    ],
)
def test_parse_l2snapshot_rejects_wrong_shapes(raw: dict[str, Any]) -> None:
    with pytest.raises(ParseError):
        parse_l2snapshot(raw)


# --------------------------------------------------------------------------- calibration
def test_seed_worked_example() -> None:
    """The seed docs' example: snapshot at 16, changes 15..18, asks listed out of order."""
    calibrator = Level2Calibrator(SYM)
    raw = message(
        15,
        18,
        [["3988.62", "8", 15], ["3988.61", "0", 18], ["3988.59", "3", 16]],
        [["3988.50", "44", "17"]],
    )
    assert calibrator.on_update(parse_l2update(raw)) is SyncState.BUFFERING
    state = calibrator.on_snapshot(
        snapshot(
            16,
            [["3988.51", "56"], ["3988.50", "15"], ["3988.49", "100"], ["3988.48", "10"]],
            [["3988.62", "8"], ["3988.61", "32"], ["3988.60", "47"], ["3988.59", "3"]],
        )
    )
    assert state is SyncState.LIVE
    book = calibrator.order_book
    assert book.last_update_id == 18
    assert levels(book.bids()) == [
        ("3988.51", "56"),
        ("3988.50", "44"),
        ("3988.49", "100"),
        ("3988.48", "10"),
    ]
    assert levels(book.asks()) == [("3988.59", "3"), ("3988.60", "47"), ("3988.62", "8")]


def test_snapshot_before_any_update_goes_live_and_skips_stale_updates() -> None:
    calibrator = live_at(10)
    assert calibrator.on_update(update(8, 9, bids=[["100", "0", "9"]])) is SyncState.LIVE
    assert calibrator.on_update(update(10)) is SyncState.LIVE
    assert calibrator.ignored_updates == 2
    assert calibrator.order_book.best_bid == Decimal(100)  # stale removal not applied
    assert calibrator.on_update(update(11, 11, bids=[["100", "0", "11"]])) is SyncState.LIVE
    assert calibrator.order_book.best_bid == Decimal(99)
    assert calibrator.order_book.last_update_id == 11


def test_snapshot_in_the_middle_of_the_buffer_drops_covered_changes() -> None:
    calibrator = Level2Calibrator(SYM)
    calibrator.on_update(update(1, 1, asks=[["101", "9", "1"]]))
    calibrator.on_update(
        update(2, 4, asks=[["101", "8", "3"], ["103", "1", "4"]], bids=[["98", "5", "2"]])
    )
    calibrator.on_update(update(5, 5, bids=[["100", "0.000", "5"]]))
    assert calibrator.buffered_updates == 3
    assert calibrator.on_snapshot(snapshot(3, BASE_BIDS, BASE_ASKS)) is SyncState.LIVE
    book = calibrator.order_book
    assert calibrator.buffered_updates == 0
    assert book.last_update_id == 5
    # 101@8 (seq 3) and 98 (seq 2) are covered by the snapshot; 103 (4) and removal (5) apply
    assert levels(book.asks()) == [("101", "3"), ("102", "4"), ("103", "1")]
    assert levels(book.bids()) == [("99", "2")]


def test_snapshot_newer_than_the_whole_buffer() -> None:
    calibrator = Level2Calibrator(SYM)
    for seq in range(1, 6):
        calibrator.on_update(update(seq, seq, bids=[["50", str(seq), str(seq)]]))
    assert calibrator.on_snapshot(snapshot(8, BASE_BIDS, BASE_ASKS)) is SyncState.LIVE
    assert calibrator.order_book.last_update_id == 8
    assert calibrator.order_book.bid_depth == 2  # nothing from the buffer applied
    assert calibrator.on_update(update(6, 8)) is SyncState.LIVE  # still stale
    assert calibrator.on_update(update(9)) is SyncState.LIVE
    assert calibrator.on_update(update(11)) is SyncState.NEEDS_RESYNC


def test_snapshot_exactly_one_before_the_buffer_is_usable() -> None:
    calibrator = Level2Calibrator(SYM)
    calibrator.on_update(update(11, 12, bids=[["100", "7", "12"]]))
    assert calibrator.on_snapshot(snapshot(10, BASE_BIDS, BASE_ASKS)) is SyncState.LIVE
    assert calibrator.order_book.best_bid_level() == (Decimal(100), Decimal(7))


def test_snapshot_too_old_needs_resync_then_a_newer_one_syncs() -> None:
    calibrator = Level2Calibrator(SYM)
    calibrator.on_update(update(20, 21))
    assert calibrator.on_snapshot(snapshot(18, BASE_BIDS, BASE_ASKS)) is SyncState.NEEDS_RESYNC
    assert calibrator.resync_reason is not None
    assert calibrator.resync_reason.startswith("snapshot too old")
    assert calibrator.resync_count == 1
    assert calibrator.order_book.bid_depth == 0
    calibrator.reset()
    assert calibrator.state is SyncState.BUFFERING and calibrator.resync_reason is None
    calibrator.on_update(update(22, 23, bids=[["100", "3", "23"]]))
    assert calibrator.on_snapshot(snapshot(22, BASE_BIDS, BASE_ASKS)) is SyncState.LIVE
    assert calibrator.order_book.best_bid_level() == (Decimal(100), Decimal(3))
    assert calibrator.resync_count == 1


def test_gap_needs_resync_and_everything_is_ignored_until_reset() -> None:
    calibrator = live_at(10)
    assert calibrator.on_update(update(12)) is SyncState.NEEDS_RESYNC
    assert calibrator.resync_reason == "gap: expected sequenceStart <= 11, got 12"
    assert calibrator.on_update(update(11, 11, bids=[["100", "0", "11"]])) is (
        SyncState.NEEDS_RESYNC
    )
    assert calibrator.on_snapshot(snapshot(50)) is SyncState.NEEDS_RESYNC
    assert calibrator.order_book.best_bid == Decimal(100)  # untouched, caller must reset
    assert calibrator.resync_count == 1
    calibrator.reset()
    assert calibrator.state is SyncState.BUFFERING
    assert calibrator.order_book.bid_depth == 0 and calibrator.order_book.last_update_id == 0


def test_duplicates_are_ignored_when_live() -> None:
    calibrator = live_at(10)
    change = update(11, 11, bids=[["100", "5", "11"]])
    assert calibrator.on_update(change) is SyncState.LIVE
    assert calibrator.on_update(update(12, 12, bids=[["100", "6", "12"]])) is SyncState.LIVE
    assert calibrator.on_update(change) is SyncState.LIVE  # replayed duplicate
    assert calibrator.order_book.best_bid_level() == (Decimal(100), Decimal(6))
    assert calibrator.ignored_updates == 1


def test_overlapping_message_applies_only_newer_changes() -> None:
    calibrator = live_at(10)
    calibrator.on_update(update(11, 12, bids=[["100", "5", "11"], ["99", "0", "12"]]))
    overlapping = update(11, 13, bids=[["100", "1", "11"], ["99", "0", "12"], ["97", "1", "13"]])
    assert calibrator.on_update(overlapping) is SyncState.LIVE
    assert levels(calibrator.order_book.bids()) == [("100", "5"), ("97", "1")]
    assert calibrator.order_book.last_update_id == 13


def test_out_of_order_when_live_is_a_gap() -> None:
    calibrator = live_at(10)
    assert calibrator.on_update(update(12)) is SyncState.NEEDS_RESYNC
    assert calibrator.on_update(update(11)) is SyncState.NEEDS_RESYNC  # too late


def test_out_of_order_while_buffering_keeps_the_usable_tail() -> None:
    calibrator = Level2Calibrator(SYM)
    for seq in range(1, 6):
        calibrator.on_update(update(seq))
    calibrator.on_update(update(7, 7, bids=[["100", "7", "7"]]))  # 6 missing: buffer -> [7]
    calibrator.on_update(update(6))  # arrives late: older than the buffer, dropped
    calibrator.on_update(update(5))  # duplicate
    assert calibrator.buffered_updates == 1
    assert calibrator.ignored_updates == 2
    assert calibrator.on_snapshot(snapshot(6, BASE_BIDS, BASE_ASKS)) is SyncState.LIVE
    assert calibrator.order_book.best_bid_level() == (Decimal(100), Decimal(7))


def test_buffered_gap_makes_an_earlier_snapshot_too_old() -> None:
    calibrator = Level2Calibrator(SYM)
    calibrator.on_update(update(1, 3))
    calibrator.on_update(update(7))
    assert calibrator.on_snapshot(snapshot(4)) is SyncState.NEEDS_RESYNC
    assert "snapshot too old" in (calibrator.resync_reason or "")


def test_price_zero_advances_the_sequence_only() -> None:
    calibrator = live_at(10)
    assert calibrator.on_update(update(11, 11, asks=[["0", "0", "11"]])) is SyncState.LIVE
    assert calibrator.on_update(update(12, 12, bids=[["0", "5", "12"]])) is SyncState.LIVE
    assert calibrator.order_book.last_update_id == 12
    assert levels(calibrator.order_book.bids()) == [("100", "1"), ("99", "2")]
    assert levels(calibrator.order_book.asks()) == [("101", "3"), ("102", "4")]


@pytest.mark.parametrize("zero", ["0", "0.0", "0.00000000"])
def test_size_zero_spellings_remove_the_level(zero: str) -> None:
    calibrator = live_at(10)
    calibrator.on_update(update(11, 11, asks=[["101.0", zero, "11"]]))
    assert levels(calibrator.order_book.asks()) == [("102", "4")]


def test_changes_on_one_price_in_one_message_apply_in_sequence_order() -> None:
    calibrator = live_at(10)
    calibrator.on_update(update(11, 12, asks=[["105", "2", "12"], ["105", "1", "11"]]))
    assert calibrator.order_book.asks()[-1] == (Decimal(105), Decimal(2))


def test_crossed_book_tolerated_briefly_then_resync() -> None:
    calibrator = live_at(10, max_crossed_updates=2)
    calibrator.on_update(update(11, 11, bids=[["101.5", "1", "11"]]))  # bid above best ask
    assert calibrator.order_book.is_crossed()
    assert calibrator.on_update(update(12)) is SyncState.LIVE  # crossed 2 in a row
    assert calibrator.on_update(update(13)) is SyncState.NEEDS_RESYNC  # 3 > 2
    assert "crossed" in (calibrator.resync_reason or "")


def test_crossed_book_that_uncrosses_in_time_stays_live() -> None:
    calibrator = live_at(10, max_crossed_updates=2)
    for _ in range(3):  # three separate crossed episodes, each uncrossed in time
        seq = calibrator.order_book.last_update_id
        calibrator.on_update(update(seq + 1, seq + 1, asks=[["100", "1", str(seq + 1)]]))
        calibrator.on_update(update(seq + 2))
        uncross = update(seq + 3, seq + 3, asks=[["100", "0", str(seq + 3)]])
        assert calibrator.on_update(uncross) is SyncState.LIVE
    assert calibrator.resync_count == 0 and not calibrator.order_book.is_crossed()


def test_crossed_right_after_calibration_counts() -> None:
    calibrator = Level2Calibrator(SYM, max_crossed_updates=0)
    calibrator.on_update(update(11, 11, bids=[["200", "1", "11"]]))
    assert calibrator.on_snapshot(snapshot(10, BASE_BIDS, BASE_ASKS)) is SyncState.NEEDS_RESYNC


def test_buffer_overflow_needs_resync() -> None:
    calibrator = Level2Calibrator(SYM, max_buffered_updates=3)
    for seq in range(1, 4):
        assert calibrator.on_update(update(seq)) is SyncState.BUFFERING
    assert calibrator.on_update(update(4)) is SyncState.NEEDS_RESYNC
    assert (calibrator.resync_reason or "").startswith("buffer overflow")
    assert calibrator.buffered_updates == 0


def test_bad_change_when_live_needs_resync() -> None:
    calibrator = live_at(10)
    with pytest.raises(ParseError):  # values are checked where they are turned to floats
        calibrator.on_update(update(11, 11, bids=[["abc", "1", "11"]]))
    assert calibrator.state is SyncState.NEEDS_RESYNC and calibrator.parse_errors == 1
    assert (calibrator.resync_reason or "").startswith("malformed: bad change at 11")
    assert calibrator.order_book.bid_depth == 0  # dropped, never half applied


def test_bad_snapshot_needs_resync() -> None:
    calibrator = Level2Calibrator(SYM)
    with pytest.raises(ParseError):
        calibrator.on_snapshot(snapshot(3, [["1", "-2"]]))
    assert calibrator.state is SyncState.NEEDS_RESYNC and calibrator.parse_errors == 1
    assert calibrator.order_book.bid_depth == 0


def test_late_snapshot_when_live_is_ignored() -> None:
    calibrator = live_at(10)
    calibrator.on_update(update(11, 11, bids=[["100", "9", "11"]]))
    assert calibrator.on_snapshot(snapshot(5, [["1", "1"]])) is SyncState.LIVE
    assert calibrator.order_book.best_bid_level() == (Decimal(100), Decimal(9))
    assert calibrator.order_book.last_update_id == 11


def test_other_symbol_and_bad_limits_are_configuration_errors() -> None:
    calibrator = Level2Calibrator(SYM)
    with pytest.raises(ConfigurationError):
        calibrator.on_update(parse_l2update(message(1, 1, symbol="ETH-USDT")))
    with pytest.raises(ConfigurationError):
        Level2Calibrator(SYM, max_buffered_updates=0)
    with pytest.raises(ConfigurationError):
        Level2Calibrator(SYM, max_crossed_updates=-1)


# ----------------------------------------------------------------- against a model exchange
class ModelExchange:
    """Produces a consistent l2update stream and snapshots of its own book."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.sequence = 1000
        self.bids: dict[int, str] = {p: "1" for p in range(90, 100)}
        self.asks: dict[int, str] = {p: "1" for p in range(101, 111)}

    def snapshot(self) -> L2Snapshot:
        return snapshot(
            self.sequence,
            [[str(p), s] for p, s in sorted(self.bids.items(), reverse=True)],
            [[str(p), s] for p, s in sorted(self.asks.items())],
        )

    def next_update(self) -> L2Update:
        start = self.sequence + 1
        sides: dict[str, list[list[str]]] = {"asks": [], "bids": []}
        for _ in range(self.rng.randint(1, 3)):
            self.sequence += 1
            if self.rng.random() < 0.2:
                sides["asks"].append(["0", "0", str(self.sequence)])
                continue
            is_bid = self.rng.random() < 0.5
            price = self.rng.randint(80, 100) if is_bid else self.rng.randint(101, 120)
            size = self.rng.choice(["0", "0.00", "1", "2.5", "0.10000000"])
            book = self.bids if is_bid else self.asks
            if Decimal(size) == 0:
                book.pop(price, None)
            else:
                book[price] = size
            sides["bids" if is_bid else "asks"].append([str(price), size, str(self.sequence)])
        return update(start, self.sequence, sides["asks"], sides["bids"])

    def assert_same_book(self, calibrator: Level2Calibrator) -> None:
        book = calibrator.order_book
        assert book.last_update_id == self.sequence
        assert book.bids() == [
            (Decimal(p), Decimal(s)) for p, s in sorted(self.bids.items(), reverse=True)
        ]
        assert book.asks() == [(Decimal(p), Decimal(s)) for p, s in sorted(self.asks.items())]


def feed(calibrator: Level2Calibrator, item: L2Update) -> SyncState:
    """The live entry point exactly as the data source calls it: the typed decode's
    values (sequences as the wire's strings) into ``on_changes``."""
    return calibrator.on_changes(
        item.sequence_start,
        item.sequence_end,
        [(p, s, str(q)) for p, s, q in item.asks],
        [(p, s, str(q)) for p, s, q in item.bids],
    )


def test_resync_under_load_recovers_the_exact_book() -> None:
    exchange = ModelExchange(seed=7)
    calibrator = Level2Calibrator(SYM)
    for _ in range(50):
        feed(calibrator, exchange.next_update())
    calibrator.on_snapshot(exchange.snapshot())
    for round_ in range(5):
        for _ in range(200):
            assert feed(calibrator, exchange.next_update()) is SyncState.LIVE
        exchange.next_update()  # lost on the wire
        assert feed(calibrator, exchange.next_update()) is SyncState.NEEDS_RESYNC
        for _ in range(30):  # traffic keeps coming before the owner reacts
            feed(calibrator, exchange.next_update())
        calibrator.reset()
        for _ in range(40):  # buffered while the snapshot request is in flight
            feed(calibrator, exchange.next_update())
        taken = exchange.snapshot()  # the server takes it here, it arrives later
        for _ in range(40):
            feed(calibrator, exchange.next_update())
        assert calibrator.on_snapshot(taken) is SyncState.LIVE
        exchange.assert_same_book(calibrator)
        assert calibrator.resync_count == round_ + 1


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    total=st.integers(0, 80),
    taken_after=st.integers(0, 80),
    delivered_after=st.integers(0, 80),
    duplicate_every=st.integers(1, 9),
)
def test_any_snapshot_timing_and_duplicates_give_the_exchange_book(
    seed: int, total: int, taken_after: int, delivered_after: int, duplicate_every: int
) -> None:
    """Snapshot taken by the server after ``taken_after`` updates, delivered after the
    calibrator received ``delivered_after`` of them; duplicates sprinkled in."""
    exchange = ModelExchange(seed)
    stream: list[L2Update] = []
    taken = exchange.snapshot()
    for index in range(total):
        stream.append(exchange.next_update())
        if index + 1 == taken_after:
            taken = exchange.snapshot()
    calibrator = Level2Calibrator(SYM)
    for index, item in enumerate(stream):
        if index == delivered_after:
            assert calibrator.on_snapshot(taken) is SyncState.LIVE
        assert feed(calibrator, item) is not SyncState.NEEDS_RESYNC
        if index % duplicate_every == 0:
            assert feed(calibrator, item) is not SyncState.NEEDS_RESYNC
    if delivered_after >= total:
        assert calibrator.on_snapshot(taken) is SyncState.LIVE
    exchange.assert_same_book(calibrator)
