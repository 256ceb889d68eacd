"""Hostile level2 input is refused at the edge, the same way on every route from bytes to
the book: a bad value or sequence is a ParseError, counted, logged at WARNING (never with
a traceback), the message is not applied (no poisoned level, the sequence never advances)
and the symbol resyncs, after which true updates apply again.

Routes (``ROUTES``), each from a data source whose BTC-USDT book is LIVE at sequence 10;
there is one path from bytes to the book (typed decode, or its one generic fallback ->
``Level2Calibrator.on_changes`` -> ``OrderBook.apply_changes``), entered at every door:
- ``frame``: a frame in today's exact shape through the raw-frame hook: typed msgspec
  ``decode_fast`` -> ``Level2Calibrator.on_changes`` -> ``OrderBook.apply_changes``;
- ``frame-odd``: the same frame with string sequences: ``decode_fast`` refuses it ->
  ``decode_generic`` (the one fallback) -> ``parse_l2update`` -> ``on_update`` ->
  ``on_changes``;
- ``frame-generic``: the exact frame straight through ``decode_generic`` (what a frame
  of a symbol the hook does not route takes);
- ``dict``: the decoded message through ``_on_message`` (hook off) -> ``parse_l2update``;
- ``update``: an ``L2Update`` built by hand into ``Level2Calibrator.on_update`` (the
  sans-I/O API, a thin wrapper over ``on_changes``).
Plus the parsers on their own (``PARSERS``: ``parse_l2update`` and ``decode_generic``),
each of which must refuse a bad sequence (the typed stage's sequences are checked by
``on_changes``, through the same ``in_sequence``); prices and sizes are checked where
their floats are computed (the book, or the calibrator for changes no book will see), so
a parser alone does not refuse them.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest

from kucoin_connector.core.errors import ParseError
from kucoin_connector.core.events import EventBus
from kucoin_connector.core.order_book import MAX_PRICE, MAX_SIZE, OrderBook, check_level
from kucoin_connector.core.ws import WsClient
from kucoin_connector.kucoin.level2 import (
    L2FrameDecoder,
    L2Snapshot,
    L2Update,
    Level2Calibrator,
    SyncState,
    parse_l2snapshot,
    parse_l2update,
)
from kucoin_connector.kucoin.order_book_data_source import KucoinOrderBookDataSource
from kucoin_connector.kucoin.ws_adapter import BulletToken, KucoinWsAdapter

SYM = "BTC-USDT"
BIDS = [("100", "1"), ("99", "2")]
ASKS = [("101", "3"), ("102", "4")]


def message(start: Any, end: Any, asks: Any = (), bids: Any = (), **extra: Any) -> dict[str, Any]:
    data = {
        "sequenceStart": start,
        "sequenceEnd": end,
        "symbol": SYM,
        "changes": {"asks": [list(c) for c in asks], "bids": [list(c) for c in bids]},
        **extra,
    }
    return {
        "type": "message",
        "topic": f"/market/level2:{SYM}",
        "subject": "trade.l2update",
        "data": data,
    }


def as_update(raw: dict[str, Any]) -> L2Update:
    """The message as an ``L2Update`` built by hand (no parser involved)."""
    data = raw["data"]

    def side(name: str) -> list[tuple[str, str, int]]:
        return [(p, s, int(q)) for p, s, q in data["changes"][name]]

    return L2Update(
        SYM, int(data["sequenceStart"]), int(data["sequenceEnd"]), side("asks"), side("bids"), None
    )


def no_ws(
    on_message: Callable[[Any], None], on_reconnected: Callable[[], Awaitable[None]]
) -> WsClient:
    """The data sources here are fed by hand: they never open a connection."""
    raise AssertionError("no WebSocket in these tests")


def source(
    *, live_at: int | None = 10, started: bool = False, snapshots: list[L2Snapshot] | None = None
) -> KucoinOrderBookDataSource:
    pending = list(snapshots or [])

    async def fetch(symbol: str) -> L2Snapshot:
        return pending.pop(0)

    built = KucoinOrderBookDataSource(
        fetch_snapshot=fetch,
        ws_factory=no_ws,
        events=EventBus(),
        clock_ms=lambda: 0,
        symbol_to_pair=lambda s: s,
        snapshot_retry_s=0.001,
    )
    calibrator = Level2Calibrator(SYM)
    if live_at is not None:
        calibrator.on_snapshot(L2Snapshot(live_at, list(BIDS), list(ASKS)))
    built._calibrators[SYM] = calibrator
    built._started = started
    return built


def feed_frame(ds: KucoinOrderBookDataSource, raw: dict[str, Any]) -> None:
    frame = json.dumps(raw)
    if not ds._on_frame(frame):
        ds._on_message(json.loads(frame))


def with_string_sequences(raw: dict[str, Any]) -> dict[str, Any]:
    odd: dict[str, Any] = json.loads(json.dumps(raw))
    data = odd["data"]
    data["sequenceStart"], data["sequenceEnd"] = (
        str(data["sequenceStart"]),
        str(data["sequenceEnd"]),
    )
    return odd


def via_update(ds: KucoinOrderBookDataSource, raw: dict[str, Any]) -> None:
    calibrator = ds.calibrator(SYM)
    try:
        calibrator.on_update(as_update(raw))
    except ParseError as exc:
        ds._malformed(SYM, exc)


ROUTES: dict[str, Callable[[KucoinOrderBookDataSource, dict[str, Any]], object]] = {
    "frame": feed_frame,
    "frame-odd": lambda ds, raw: feed_frame(ds, with_string_sequences(raw)),
    "frame-generic": lambda ds, raw: ds._on_other_frame(json.dumps(raw)),
    "dict": lambda ds, raw: ds._on_message(raw),
    "update": via_update,
}
PARSERS: dict[str, Callable[[dict[str, Any]], object]] = {
    "parse_l2update": parse_l2update,
    "decode_generic": lambda raw: L2FrameDecoder().decode_generic(json.dumps(raw)),
    "decode_generic-odd": lambda raw: L2FrameDecoder().decode_generic(
        json.dumps(with_string_sequences(raw))
    ),
}

# (price, size) that must never reach a book; "100" is an existing bid spelling (update
# path), "98.5" a new level (insert path), "0" the sequence-only price.
BAD_CHANGES = [
    ("Infinity", "1"),
    ("-Infinity", "1"),
    ("NaN", "1"),
    ("nan", "0"),
    ("inf", "0"),
    ("1e400", "1"),
    ("-1", "1"),
    ("-1", "0"),
    ("1e16", "1"),
    ("9" * 400, "1"),
    ("0.0", "1"),
    ("-0", "1"),
    ("1e-400", "1"),
    ("100", "Infinity"),
    ("100", "NaN"),
    ("100", "1e400"),
    ("100", "-1"),
    ("100", "-0.5"),
    ("100", "1e16"),
    ("100", "9" * 400),
    ("100", "1E+999"),
    ("98.5", "Infinity"),
    ("98.5", "inf"),
    ("98.5", "1e400"),
    ("98.5", "-1"),
    ("98.5", "1e16"),
    ("0", "NaN"),
    ("0", "-1"),
    ("0", "Infinity"),
]


def assert_refused(ds: KucoinOrderBookDataSource, caplog: pytest.LogCaptureFixture) -> None:
    calibrator = ds.calibrator(SYM)
    book = calibrator.order_book
    assert ds.parse_errors == 1 and calibrator.parse_errors == 1
    assert calibrator.state is SyncState.NEEDS_RESYNC
    assert book.last_update_id != 11 and book.bid_depth == book.ask_depth == 0
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings and all(r.exc_info is None for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# --------------------------------------------------------------------------- values
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("price", "size"), BAD_CHANGES)
def test_bad_value_is_refused_the_same_on_every_route(
    route: str, price: str, size: str, caplog: pytest.LogCaptureFixture
) -> None:
    ds = source()
    ROUTES[route](ds, message(11, 11, bids=[(price, size, "11")]))
    assert_refused(ds, caplog)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("price", "size"), BAD_CHANGES[:8])
def test_bad_value_after_good_changes_leaves_nothing_of_the_message(
    route: str, price: str, size: str, caplog: pytest.LogCaptureFixture
) -> None:
    ds = source()
    good = [("100", "7", "11"), ("101", "0", "12")]
    ROUTES[route](ds, message(11, 13, asks=[good[1], (price, size, "13")], bids=[good[0]]))
    assert_refused(ds, caplog)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("price", "size"), BAD_CHANGES[::3])
def test_bad_value_while_buffering_is_refused(route: str, price: str, size: str) -> None:
    ds = source(live_at=None)
    ROUTES[route](ds, message(11, 11, asks=[(price, size, "11")]))
    calibrator = ds.calibrator(SYM)
    assert ds.parse_errors == calibrator.parse_errors == 1
    assert calibrator.state is SyncState.NEEDS_RESYNC and calibrator.buffered_updates == 0


STALE_OR_GAP = [
    pytest.param(message(5, 5, bids=[("100", "NaN", "5")]), id="stale"),
    pytest.param(
        message(9, 11, asks=[("101", "inf", "9")], bids=[("100", "5", "11")]), id="stale-change"
    ),
    pytest.param(message(15, 15, bids=[("100", "-1", "15")]), id="after-a-gap"),
]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("raw", STALE_OR_GAP)
def test_bad_value_in_what_no_book_sees_is_refused_too(
    route: str, raw: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    ds = source()
    ROUTES[route](ds, raw)
    assert_refused(ds, caplog)


@pytest.mark.parametrize("route", ROUTES)
def test_bad_values_while_resyncing_are_still_counted(route: str) -> None:
    ds = source()
    for seq in (11, 12, 13):
        ROUTES[route](ds, message(seq, seq, bids=[("100", "NaN", str(seq))]))
    assert ds.parse_errors == ds.calibrator(SYM).parse_errors == 3


@pytest.mark.parametrize(("price", "size"), [c for c in BAD_CHANGES if c[0] != "0"])
def test_bad_snapshot_levels_are_refused(price: str, size: str) -> None:
    raw = {"sequence": "5", "bids": [list(BIDS[0]), [price, size]], "asks": [list(ASKS[0])]}
    calibrator = Level2Calibrator(SYM)
    with pytest.raises(ParseError):
        calibrator.on_snapshot(parse_l2snapshot(raw))
    assert calibrator.state is SyncState.NEEDS_RESYNC and calibrator.parse_errors == 1
    assert calibrator.order_book.bid_depth == 0


def accepts(price: str, size: str) -> bool:
    try:
        check_level(price, size)
    except ParseError:
        return False
    return True


def test_bounds_are_what_the_book_enforces() -> None:
    """``check_level`` (what the parsers use) and the book agree, on every book path:
    a new level, an existing spelling, a snapshot level."""
    values = [
        "0",
        "-0",
        "0.0",
        "1",
        "1.5",
        "1e-400",
        "1e3",
        str(MAX_PRICE),
        "1e15",
        "1000000000000001",
        "1e16",
        "inf",
        "NaN",
        "-1",
        "abc",
        "",
        "1_0",
        " 2 ",
    ]
    assert MAX_PRICE == MAX_SIZE == 1e15
    for price in values:
        for size in values:
            accepted = accepts(price, size)
            for existing in (False, True):
                book = OrderBook()
                if existing and price != "0" and accepts(price, "1") and float(price) > 0:
                    book.apply_changes([(price, "1", 0)], [], 1)
                for side in ((price, size, 0),), ():
                    try:
                        book.apply_changes(side, [(price, size, 0)] if not side else [], 2)
                        applied = True
                    except ParseError:
                        applied = False
                    assert applied is accepted, (price, size, existing, bool(side))
            if price != "0":
                try:
                    OrderBook().apply_snapshot([(price, size)], [], 1)
                    loaded = True
                except ParseError:
                    loaded = False
                assert loaded is accepted, (price, size, "snapshot")


# --------------------------------------------------------------------------- sequences
BAD_SEQUENCES = [
    pytest.param(message(11, 10**30, bids=[("100", "5", "11")]), id="end-1e30"),
    pytest.param(message(10**30, 10**30, bids=[("100", "5", str(10**30))]), id="both-1e30"),
    pytest.param(message(11, 2**63, bids=[("100", "5", "11")]), id="end-2**63"),
    pytest.param(message(-5, 11, bids=[("100", "5", "11")]), id="negative-start"),
    pytest.param(message(12, 11, bids=[("100", "5", "11")]), id="start-after-end"),
    pytest.param(message(11, 11, bids=[("100", "5", "-11")]), id="negative-change"),
    pytest.param(message(11, 11, bids=[("100", "5", "12")]), id="change-after-end"),
    pytest.param(message(11, 12, bids=[("100", "5", "10")]), id="change-before-start"),
    pytest.param(message(11, 11, bids=[("100", "5", str(10**30))]), id="change-1e30"),
    pytest.param(message(11, 11, bids=[("100", "5", "1.5")]), id="change-not-int"),
]


@pytest.mark.parametrize("route", ["frame", "frame-odd", "frame-generic", "dict"])  # parsers' job
@pytest.mark.parametrize("raw", BAD_SEQUENCES)
def test_bad_sequences_are_parse_errors_and_resync(
    route: str, raw: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    ds = source()
    ROUTES[route](ds, raw)
    assert_refused(ds, caplog)


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize("raw", BAD_SEQUENCES)
def test_every_parser_refuses_bad_sequences_naming_the_symbol(
    parser: str, raw: dict[str, Any]
) -> None:
    with pytest.raises(ParseError) as caught:
        PARSERS[parser](raw)
    assert getattr(caught.value, "symbol", None) == SYM


IMPLAUSIBLE = [
    pytest.param(message(11, 11 + 10**6, bids=[("100", "5", "11")]), id="span-1e6"),
    pytest.param(message(11, 10**18, bids=[("100", "5", "11")]), id="span-1e18"),
    pytest.param(
        message(11, 5000, asks=[("101", "0", "11")], bids=[("100", "5", "12")]),
        id="span-5000-for-2",
    ),
]


IMPLAUSIBLE_RAW = [param.values[0] for param in IMPLAUSIBLE]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("raw", IMPLAUSIBLE)
def test_implausible_sequence_jump_is_a_gap_never_applied(route: str, raw: dict[str, Any]) -> None:
    ds = source()
    ROUTES[route](ds, raw)
    calibrator = ds.calibrator(SYM)
    assert calibrator.state is SyncState.NEEDS_RESYNC
    assert calibrator.order_book.last_update_id < 11  # never advanced by the jump


@pytest.mark.parametrize("raw", IMPLAUSIBLE)
def test_implausible_jump_while_buffering_never_reaches_the_buffer(raw: dict[str, Any]) -> None:
    calibrator = Level2Calibrator(SYM)
    calibrator.on_update(as_update(message(9, 9, bids=[("100", "5", "9")])))
    assert calibrator.on_update(as_update(raw)) is SyncState.NEEDS_RESYNC
    assert calibrator.buffered_updates == 0


def test_plausible_skips_still_apply() -> None:
    calibrator = Level2Calibrator(SYM)
    calibrator.on_snapshot(L2Snapshot(10, list(BIDS), list(ASKS)))
    # KuCoin's own example skips a sequence number inside a message: fine.
    raw = message(11, 14, asks=[("101", "2", "11"), ("102", "0", "12")], bids=[("100", "9", "14")])
    assert calibrator.on_update(parse_l2update(raw)) is SyncState.LIVE
    assert calibrator.order_book.last_update_id == 14


def test_snapshot_far_ahead_of_the_stream_is_resynced() -> None:
    calibrator = Level2Calibrator(SYM)
    assert calibrator.on_snapshot(L2Snapshot(10**17, list(BIDS), list(ASKS))) is SyncState.LIVE
    state = calibrator.on_update(parse_l2update(message(11, 11, bids=[("100", "5", "11")])))
    assert state is SyncState.NEEDS_RESYNC


def test_snapshot_sequence_out_of_range_is_a_parse_error() -> None:
    for sequence in (10**30, -1, "-1", 2**63):
        with pytest.raises(ParseError):
            parse_l2snapshot({"sequence": sequence, "bids": [], "asks": []})


@pytest.mark.parametrize("route", ["frame", "frame-odd", "frame-generic", "dict"])
@pytest.mark.parametrize(
    "raw",
    [
        *BAD_SEQUENCES[:2],
        *IMPLAUSIBLE[:1],
        pytest.param(message(11, 11, bids=[("100", "NaN", "11")]), id="nan-size"),
    ],
)
async def test_after_a_hostile_frame_the_book_resyncs_and_true_updates_apply(
    route: str, raw: dict[str, Any]
) -> None:
    ds = source(started=True, snapshots=[L2Snapshot(20, list(BIDS), list(ASKS))])
    ROUTES[route](ds, raw)
    calibrator = ds.calibrator(SYM)
    async with asyncio.timeout(5):
        while calibrator.state is not SyncState.LIVE:  # noqa: ASYNC110 - test polling
            await asyncio.sleep(0.001)
    for seq in (21, 22):
        ROUTES[route](ds, message(seq, seq, bids=[("100", str(seq), str(seq))]))
        assert ds.parse_errors == (0 if raw in IMPLAUSIBLE_RAW else 1)
    book = calibrator.order_book
    assert calibrator.state is SyncState.LIVE and book.last_update_id == 22
    assert book.bids(1) == [(Decimal(100), Decimal(22))]
    await ds.stop()


async def test_snapshot_fetch_with_bad_values_is_counted_and_retried() -> None:
    bad = L2Snapshot(20, [("100", "NaN")], list(ASKS))
    good = L2Snapshot(20, list(BIDS), list(ASKS))
    ds = source(live_at=None, started=True, snapshots=[bad, good])
    ds._schedule_resync(SYM, "test")
    calibrator = ds.calibrator(SYM)
    async with asyncio.timeout(5):
        while calibrator.state is not SyncState.LIVE:  # noqa: ASYNC110 - test polling
            await asyncio.sleep(0.001)
    assert ds.parse_errors == 1 and calibrator.parse_errors == 1
    await ds.stop()


def test_warnings_are_throttled_per_symbol(caplog: pytest.LogCaptureFixture) -> None:
    ds = source()
    for _ in range(250):
        ds._on_message(message(11, 11, bids=[("100", "NaN", "11")]))
    assert ds.parse_errors == ds.calibrator(SYM).parse_errors == 250
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) <= 3


# --------------------------------------------------------------------------- nesting
DEEP = 100_000
DEEP_ARRAY = "[" * DEEP + "]" * DEEP
DEEP_OBJECT = '{"a":' * DEEP + "1" + "}" * DEEP


def deep_frames(subject: str, data: str) -> list[str]:
    frames = []
    for deep in (DEEP_ARRAY, DEEP_OBJECT):
        frames += [
            deep,
            f'{{"type":"message","subject":"{subject}","data":{deep}}}',
            f'{{"x":{deep},"type":"message","subject":"{subject}","data":{data}}}',
            f'{{"type":"message","subject":"{subject}","data":{data[:-1]},"x":{deep}}}}}',
        ]
    return frames


L2_DATA = json.dumps(message(11, 11, bids=[("100", "5", "11")])["data"])


def public_client(ds: KucoinOrderBookDataSource) -> WsClient:
    async def bullet() -> BulletToken:
        raise AssertionError("never connects")

    adapter = KucoinWsAdapter(bullet, private=False, connect_id_factory=lambda: "c")
    client = WsClient(adapter, on_message=ds._on_message)
    client.frame_handler = ds._on_frame
    return client


@pytest.mark.parametrize("index", range(8))
def test_deep_frames_are_parse_errors_without_traceback(
    index: int, caplog: pytest.LogCaptureFixture
) -> None:
    ds = source()
    client = public_client(ds)
    client._dispatch(deep_frames("trade.l2update", L2_DATA)[index])
    assert ds.parse_errors + client.parse_errors == 1
    assert all(r.exc_info is None for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    client._dispatch(json.dumps(message(11, 11, bids=[("100", "5", "11")])))  # keeps going
    assert ds.calibrator(SYM).order_book.last_update_id in (0, 11)


def test_moderately_deep_generic_frame_is_refused_by_the_client() -> None:
    ds = source()
    client = public_client(ds)
    nested = "[" * 40 + "]" * 40
    client._dispatch(f'{{"type":"message","subject":"trade.l3match","data":{nested}}}')
    assert client.parse_errors == 1


@pytest.mark.parametrize("price", ["NaN", "Infinity", "-1", "0", "-0", "abc"])
def test_hostile_trade_price_is_refused(price: str) -> None:
    ds = source()
    match = {
        "type": "message",
        "subject": "trade.l3match",
        "data": {"symbol": SYM, "price": price, "size": "1"},
    }
    ds._on_message(match)
    assert ds.last_trade_price(SYM) is None and ds.parse_errors == 1
    ds._on_message({**match, "data": {"symbol": SYM, "price": "100.5", "size": "1"}})
    assert ds.last_trade_price(SYM) == Decimal("100.5")
