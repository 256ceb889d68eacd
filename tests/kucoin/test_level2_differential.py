"""Differential tests: the typed decode and its one generic fallback give the same book.

There is one path from bytes to the book: ``L2FrameDecoder.decode_fast`` (typed msgspec
structs) -> ``Level2Calibrator.on_changes`` -> ``OrderBook.apply_changes``, and ONE
generic fallback for what the typed stage refuses (``decode_generic`` / a decoded dict ->
``parse_l2update`` -> ``on_update``, a thin wrapper over ``on_changes``). Hypothesis
generates streams that are stale, gapped, reordered, crossing and malformed (bad prices
and sizes, bad message and change sequences, sequences as strings or numbers), with
snapshots and resets in between, and feeds the same stream to three data sources:

- ``typed``: every frame through the raw-frame hook (the production route: typed when
  the frame is in today's shape, the fallback otherwise);
- ``generic``: every frame through the fallback only (``decode_generic``);
- ``dict``: every decoded message through ``_on_message`` -> ``parse_l2update``.

After every event the three must agree on the book (exact spellings, sequence), the sync
state, and every counter (resyncs, parse errors of the calibrator and of the source,
ignored updates, buffered updates).

Plus the fast cases of the sorter (``in_sequence``'s one and two changes) against the
general sort, and ``on_changes``' no-sort case (``_in_order``: a side already in order
goes to the book as it is) against the sorter, on any input including malformed ones.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kucoin_connector.core.events import EventBus
from kucoin_connector.core.ws import WsClient
from kucoin_connector.kucoin.level2 import L2Snapshot, Level2Calibrator, _in_order
from kucoin_connector.kucoin.level2_wire import OutOfRange, _sequence, in_sequence, sort_changes
from kucoin_connector.kucoin.order_book_data_source import KucoinOrderBookDataSource

SYM = "BTC-USDT"
GOOD_PRICES = ["99", "99.5", "100", "100.0", "100.5", "101", "101.50", "102", "0"]
BAD_PRICES = ["abc", "-1", "NaN", "1e400", "", "inf"]
GOOD_SIZES = ["0", "0.0", "0.000", "1", "2.5", "3.0"]
BAD_SIZES = ["-1", "NaN", "x", "1e400", "-0.5"]
BAD_SEQUENCES: list[Any] = ["x", "+5", " 5", "1e3", "", -1, 1.5, None, True, "٣"]

Event = tuple[Any, ...]


def _no_ws(
    on_message: Callable[[Any], None], on_reconnected: Callable[[], Awaitable[None]]
) -> WsClient:
    raise AssertionError("fed by hand")


async def _no_snapshot(symbol: str) -> L2Snapshot:
    raise AssertionError(symbol)


def _source() -> KucoinOrderBookDataSource:
    source = KucoinOrderBookDataSource(
        fetch_snapshot=_no_snapshot,
        ws_factory=_no_ws,
        events=EventBus(),
        clock_ms=lambda: 0,
        symbol_to_pair=lambda s: s,
        max_crossed_updates=2,
    )
    source._calibrators[SYM] = Level2Calibrator(SYM, max_crossed_updates=2, max_sequence_skip=4)
    return source


@st.composite
def _change(draw: st.DrawFn, start: int, end: int) -> list[Any]:
    bad = draw(st.integers(0, 39))
    price = draw(st.sampled_from(BAD_PRICES if bad == 0 else GOOD_PRICES))
    size = draw(st.sampled_from(BAD_SIZES if bad == 1 else GOOD_SIZES))
    sequence: Any = draw(st.integers(start, end))
    if bad == 2:
        sequence = draw(st.sampled_from([start - 1, end + 1, *BAD_SEQUENCES]))
    elif bad == 3:
        pass  # an int sequence: not today's shape, the typed stage refuses the frame
    else:
        sequence = str(sequence)
    return [price, size, sequence]


@st.composite
def _message(draw: st.DrawFn, cursor: int) -> tuple[dict[str, Any], int]:
    start = max(0, cursor + draw(st.sampled_from([1, 1, 1, 1, 1, 0, -1, -3, 2, 3])))
    count = draw(st.integers(0, 3))
    end = start + max(0, count - 1) + draw(st.sampled_from([0, 0, 0, 1, 9]))
    asks = [draw(_change(start, end)) for _ in range(draw(st.integers(0, count)))]
    bids = [draw(_change(start, end)) for _ in range(count - len(asks))]
    first: Any = start
    last: Any = end
    odd = draw(st.integers(0, 29))
    if odd == 0:
        first, last = str(start), str(end)  # string message sequences: the fallback's
    elif odd == 1:
        first, last = end + 1, start  # start > end
    elif odd == 2:
        first = draw(st.sampled_from(BAD_SEQUENCES))
    data = {
        "sequenceStart": first,
        "sequenceEnd": last,
        "symbol": SYM,
        "changes": {"asks": asks, "bids": bids},
        "time": 1_700_000_000_000,
    }
    message = {"type": "message", "topic": f"/market/level2:{SYM}", "subject": "trade.l2update"}
    return {**message, "data": data}, end


@st.composite
def _stream(draw: st.DrawFn) -> list[Event]:
    cursor = draw(st.integers(5, 20))
    events: list[Event] = []
    if draw(st.booleans()):
        events.append(("snapshot", cursor))
    for _ in range(draw(st.integers(1, 30))):
        roll = draw(st.integers(0, 7))
        if roll == 0:  # the owner's resync: reset, then a snapshot (maybe a stale one)
            events += [("reset",), ("snapshot", cursor + draw(st.integers(-3, 1)))]
        elif roll == 1:
            events.append(("reset",))
        elif roll == 2:
            events.append(("snapshot", cursor + draw(st.integers(-4, 2))))
        else:
            message, cursor = draw(_message(cursor))
            events.append(("message", message))
    return events


def _snapshot(sequence: int) -> L2Snapshot:
    return L2Snapshot(sequence, [("100", "1"), ("99", "2")], [("101", "1"), ("102", "2")])


def _feed_typed(source: KucoinOrderBookDataSource, frame: str) -> None:
    assert source._on_frame(frame)  # every frame here is an l2update: the hook takes it


def _feed_generic(source: KucoinOrderBookDataSource, frame: str) -> None:
    assert source._on_other_frame(frame)


def _feed_dict(source: KucoinOrderBookDataSource, frame: str) -> None:
    source._on_message(json.loads(frame))


ROUTES: dict[str, Callable[[KucoinOrderBookDataSource, str], None]] = {
    "typed": _feed_typed,
    "generic": _feed_generic,
    "dict": _feed_dict,
}


def _observe(source: KucoinOrderBookDataSource) -> tuple[Any, ...]:
    calibrator = source.calibrator(SYM)
    book = calibrator.order_book
    return (
        book.last_update_id,
        [(str(p), str(s)) for p, s in book.bids()],
        [(str(p), str(s)) for p, s in book.asks()],
        book.is_crossed(),
        calibrator.state,
        calibrator.resync_count,
        calibrator.parse_errors,
        calibrator.ignored_updates,
        calibrator.buffered_updates,
        source.parse_errors,
    )


def _step(source: KucoinOrderBookDataSource, route: str, event: Event) -> None:
    calibrator = source.calibrator(SYM)
    if event[0] == "reset":
        calibrator.reset()
    elif event[0] == "snapshot":
        calibrator.on_snapshot(_snapshot(event[1]))  # a valid snapshot, stale or not
    else:
        ROUTES[route](source, json.dumps(event[1]))


@settings(max_examples=400, deadline=None)
@given(stream=_stream())
def test_typed_and_generic_routes_build_the_same_book(stream: list[Event]) -> None:
    sources = {route: _source() for route in ROUTES}
    for event in stream:
        seen = {}
        for route, source in sources.items():
            _step(source, route, event)
            seen[route] = _observe(source)
        assert seen["typed"] == seen["generic"] == seen["dict"], event


def test_the_typed_route_takes_the_typed_stage_for_todays_frames() -> None:
    """Guard for the differential test: a frame in today's shape never reaches the
    fallback on the production route (so the test above compares two stages)."""
    source = _source()
    source.calibrator(SYM).on_snapshot(_snapshot(10))
    fallback_calls: list[str | bytes] = []

    def fallback(frame: str | bytes) -> bool:
        fallback_calls.append(frame)
        return False

    source._on_other_frame = fallback  # type: ignore[method-assign]
    data = {
        "sequenceStart": 11,
        "sequenceEnd": 12,
        "symbol": SYM,
        "changes": {"asks": [["101", "5", "12"]], "bids": [["100", "0", "11"]]},
    }
    frame = json.dumps({"type": "message", "subject": "trade.l2update", "data": data})
    assert source._on_frame(frame) and not fallback_calls
    assert source.order_book(SYM).last_update_id == 12


_ANY_SEQUENCE = st.one_of(
    st.integers(-5, 30),
    st.integers(0, 30).map(str),
    st.sampled_from(BAD_SEQUENCES),
    st.text(max_size=4),
)
_ANY_CHANGE = st.tuples(
    st.sampled_from(GOOD_PRICES + BAD_PRICES),
    st.sampled_from(GOOD_SIZES + BAD_SIZES),
    _ANY_SEQUENCE,
)


def _outcome(sorter: Callable[[Any, int, int], Any], changes: Any, first: int, last: int) -> object:
    try:
        return sorter(changes, first, last)
    except ValueError as exc:  # OutOfRange is one
        return type(exc)


@settings(max_examples=500, deadline=None)
@given(
    changes=st.lists(_ANY_CHANGE, min_size=0, max_size=4),
    first=st.integers(0, 20),
    span=st.integers(0, 10),
)
def test_sorter_fast_cases_equal_the_general_sort(
    changes: list[tuple[str, str, Any]], first: int, span: int
) -> None:
    """``in_sequence``'s one- and two-change fast cases against ``sort_changes``, and
    ``sort_changes``' inlined integer rule against ``_sequence``, on any input."""
    last = first + span
    assert _outcome(in_sequence, changes, first, last) == _outcome(
        sort_changes, changes, first, last
    )
    try:
        expected: object = sorted([(p, s, _sequence(q)) for p, s, q in changes], key=lambda c: c[2])
        numbers = [c[2] for c in expected]  # type: ignore[attr-defined]
        if numbers and not first <= min(numbers) <= max(numbers) <= last:
            expected = OutOfRange
    except ValueError:
        expected = ValueError
    assert _outcome(sort_changes, changes, first, last) == expected


@settings(max_examples=1000, deadline=None)
@given(
    changes=st.lists(_ANY_CHANGE, min_size=0, max_size=4),
    first=st.integers(0, 20),
    span=st.integers(0, 10),
    in_order=st.booleans(),
)
def test_in_order_side_is_what_the_sorter_returns(
    changes: list[tuple[str, str, Any]], first: int, span: int, in_order: bool
) -> None:
    """``on_changes``' fast case hands a side to the book unsorted and unconverted when
    ``_in_order`` (or, for one change, its inline copy) accepts it: then ``in_sequence``
    must return exactly those changes in that order (the book ignores the sequence's
    type). Whatever either refuses, ``in_sequence`` decides."""
    last = first + span
    if in_order:  # mostly valid, sorted sides, so that the True branch is exercised
        changes = [(p, s, str(min(last, first + i))) for i, (p, s, _) in enumerate(changes)]
    accepted = _in_order(changes, first, last)
    if len(changes) == 1:
        _, _, wire = changes[0]  # the inline copy in on_changes
        inline = type(wire) is str and (
            (first == last and wire == str(first))
            or (wire.isdigit() and wire.isascii() and first <= int(wire) <= last)
        )
        assert inline == (accepted and type(wire) is str)
        if type(wire) is str and wire == str(first):  # the shortcut implies the full rule
            assert wire.isdigit() and wire.isascii() and first <= int(wire) <= last
    if accepted:
        assert in_sequence(changes, first, last) == [(p, s, _sequence(q)) for p, s, q in changes]
