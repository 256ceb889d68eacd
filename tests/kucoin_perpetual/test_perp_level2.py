"""Futures level2: KuCoin's worked example, gaps -> resync, duplicates, exact sizes."""

from __future__ import annotations

from decimal import Decimal

import perp_payloads as doc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kucoin_connector.core.errors import ParseError
from kucoin_connector.kucoin_perpetual.level2 import (
    FuturesL2Message,
    FuturesL2Snapshot,
    FuturesLevel2Calibrator,
    L2State,
    parse_l2_message,
    parse_l2_snapshot,
)


def _msg(sequence: int, change: str) -> FuturesL2Message:
    return parse_l2_message({"sequence": sequence, "change": change, "timestamp": 0})


def _snapshot(sequence: int = 16) -> FuturesL2Snapshot:
    return parse_l2_snapshot(
        {"sequence": sequence, "bids": [[3988.5, 10], [3988.0, 5]], "asks": [[3988.61, 7]]}
    )


def test_documented_message_and_snapshot_parse() -> None:
    message = parse_l2_message(doc.LEVEL2_MESSAGE["data"])
    assert message == FuturesL2Message(1709400450243, "90631.2", False, "2")
    snapshot = parse_l2_snapshot(doc.FULL_ORDER_BOOK)
    assert snapshot.sequence == 1697895963339
    assert snapshot.bids[1] == ("66964.8", "25596")


def test_kucoins_worked_example_snapshot_16_then_17_and_18() -> None:
    calibrator = FuturesLevel2Calibrator(Decimal("0.001"))
    calibrator.on_message(_msg(15, "3988.0,buy,1"))  # older than the snapshot: dropped
    calibrator.on_message(_msg(17, "3988.50,buy,44"))
    assert calibrator.on_snapshot(_snapshot(16)) is True
    assert calibrator.on_message(_msg(18, "3988.61,sell,0")) is True
    book = calibrator.order_book
    assert book.bids() == [
        (Decimal("3988.50"), Decimal("0.044")),
        (Decimal("3988.0"), Decimal("0.005")),
    ]
    assert book.asks() == []
    assert calibrator.last_sequence == 18 and calibrator.state is L2State.LIVE


def test_a_gap_drops_the_book_and_asks_for_a_snapshot() -> None:
    calibrator = FuturesLevel2Calibrator()
    calibrator.on_snapshot(_snapshot(16))
    assert calibrator.on_message(_msg(19, "3990,sell,1")) is False
    assert calibrator.needs_snapshot and calibrator.resync_count == 1
    assert calibrator.order_book.bids() == []
    calibrator.on_message(_msg(20, "3991,sell,2"))
    snap = parse_l2_snapshot({"sequence": 18, "bids": [], "asks": []})
    assert calibrator.on_snapshot(snap) is True  # 19 and 20 follow 18
    assert calibrator.order_book.asks() == [
        (Decimal("3990"), Decimal("1")),
        (Decimal("3991"), Decimal("2")),
    ]


def test_a_snapshot_older_than_the_buffer_start_is_not_enough() -> None:
    calibrator = FuturesLevel2Calibrator()
    calibrator.on_message(_msg(20, "3990,sell,1"))
    assert calibrator.on_snapshot(_snapshot(16)) is False  # 17..19 are missing
    assert calibrator.needs_snapshot


def test_duplicates_are_ignored() -> None:
    calibrator = FuturesLevel2Calibrator()
    calibrator.on_snapshot(_snapshot(16))
    assert calibrator.on_message(_msg(17, "3988.5,buy,1")) is True
    assert calibrator.on_message(_msg(17, "3988.5,buy,99")) is False
    assert calibrator.order_book.best_bid_level() == (Decimal("3988.5"), Decimal("1"))
    assert not calibrator.needs_snapshot


@pytest.mark.parametrize(
    "data",
    [
        {"sequence": 1, "change": "1,hold,2"},
        {"sequence": "1", "change": "1,buy,2"},
        {"sequence": 1, "change": "1,buy"},
        [],
    ],
)
def test_malformed_messages_are_parse_errors(data: object) -> None:
    with pytest.raises(ParseError):
        parse_l2_message(data)


def test_an_unreadable_size_resyncs() -> None:
    calibrator = FuturesLevel2Calibrator()
    calibrator.on_snapshot(_snapshot(16))
    assert calibrator.on_message(_msg(17, "3988.5,buy,lots")) is False
    assert calibrator.needs_snapshot


_change = st.tuples(
    st.sampled_from(["100.0", "100.5", "101.0", "101.5", "99.5"]),
    st.booleans(),
    st.integers(min_value=0, max_value=5),
)


@given(
    changes=st.lists(_change, min_size=1, max_size=40),
    snapshot_at=st.integers(min_value=0, max_value=40),
    buffered_before=st.integers(min_value=0, max_value=40),
    lost=st.integers(min_value=0, max_value=40),
)
def test_calibrated_book_equals_the_reference_even_after_a_lost_message(
    changes: list[tuple[str, bool, int]], snapshot_at: int, buffered_before: int, lost: int
) -> None:
    """Messages numbered 1..n; a snapshot taken after message ``snapshot_at``; the stream
    seen from some message on, possibly missing one (not the last); a gap makes the
    calibrator ask for a snapshot, which the test then gives (the state at the last
    message). The book always ends equal to the reference, in amounts (lots x 0.001)."""
    snapshot_at = min(snapshot_at, len(changes))
    first_seen = max(1, snapshot_at + 1 - buffered_before)
    lost_seq = lost + 1 if lost + 1 < len(changes) else 0  # a lost LAST message shows
    # only when the next one comes: it is out of this property's reach

    def state_after(k: int) -> FuturesL2Snapshot:
        bids: dict[str, int] = {}
        asks: dict[str, int] = {}
        for price, is_bid, size in changes[:k]:
            side = bids if is_bid else asks
            if size == 0:
                side.pop(price, None)
            else:
                side[price] = size
        return FuturesL2Snapshot(
            k,
            [(p, str(s)) for p, s in bids.items()],
            [(p, str(s)) for p, s in asks.items()],
        )

    calibrator = FuturesLevel2Calibrator(Decimal("0.001"))
    messages = [
        FuturesL2Message(seq, price, is_bid, str(size))
        for seq, (price, is_bid, size) in enumerate(changes, start=1)
        if seq >= first_seen and seq != lost_seq
    ]
    before = [m for m in messages if m.sequence <= snapshot_at]
    after = [m for m in messages if m.sequence > snapshot_at]
    for message in before:
        calibrator.on_message(message)
    calibrator.on_snapshot(state_after(snapshot_at))
    for message in after:
        calibrator.on_message(message)
    if calibrator.needs_snapshot:
        assert calibrator.on_snapshot(state_after(len(changes)))
    final = state_after(len(changes))
    book = calibrator.order_book
    expected_bids = sorted(
        ((Decimal(p), Decimal(s) * Decimal("0.001")) for p, s in final.bids), reverse=True
    )
    expected_asks = sorted((Decimal(p), Decimal(s) * Decimal("0.001")) for p, s in final.asks)
    assert book.bids() == expected_bids
    assert book.asks() == expected_asks
    assert calibrator.last_sequence == len(changes)
