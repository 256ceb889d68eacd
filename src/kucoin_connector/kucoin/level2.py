"""KuCoin level-2 market data: lean parsing and the seed's calibration, sans-I/O.

``Level2Calibrator`` receives decoded ``trade.l2update`` messages and REST snapshots, in
any order, and keeps an ``OrderBook`` in sync following the seed's procedure:

BUFFERING     updates are buffered (stale/duplicate ones dropped; on a gap inside the buffer
              everything before the gap is dropped, the snapshot only has to be newer).
  snapshot -> if the first buffered ``sequenceStart`` > snapshot.sequence + 1 the buffer
              cannot continue the snapshot: NEEDS_RESYNC ("snapshot too old"). Otherwise
              the snapshot is applied and the buffer replayed, each change whose own
              sequence (third element) is <= the book's sequence being dropped -> LIVE.
              A snapshot with an empty buffer is applied at once -> LIVE.
LIVE          ``sequenceEnd <= last``: stale or duplicate, ignored. ``sequenceStart >
              last + 1``: gap -> NEEDS_RESYNC. Else the new changes are applied and
              ``last = sequenceEnd``. Price "0" changes nothing but advances the sequence;
              size zero removes the level. A book crossed (bid >= ask) after more than
              ``max_crossed_updates`` consecutive messages -> NEEDS_RESYNC. A late snapshot
              is ignored.
NEEDS_RESYNC  updates and snapshots are ignored until ``reset()`` (the owner calls it,
              then fetches a new snapshot) -> BUFFERING with an empty book and buffer.

Raw WebSocket frames can skip the generic JSON tree: ``L2FrameDecoder`` decodes a frame
straight into typed msgspec structs and returns the same ``L2Update`` (and the same
``ParseError``) as ``parse_l2update`` on the decoded message.

``resync_count`` counts the transitions into NEEDS_RESYNC; ``resync_reason`` says why the
current NEEDS_RESYNC happened (None in the other states).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from operator import itemgetter
from typing import Any

import msgspec

from kucoin_connector.core.errors import ConfigurationError, ParseError
from kucoin_connector.core.order_book import OrderBook

Change = tuple[str, str, int]
WireChange = tuple[str, str, str]  # (price, size, sequence) exactly as KuCoin sends it
_BY_SEQUENCE = itemgetter(2)
_FIRST = itemgetter(0)
_SEQUENCE_TYPES = frozenset({int, str})


class L2Update(msgspec.Struct, gc=False):
    """One parsed ``trade.l2update``: changes are (price, size, own sequence).

    A msgspec Struct rather than a slots dataclass: same fields, constructor, equality,
    mutability and repr, but built in C (~70 ns against ~450 ns), and one is built for
    every message on the hot path. ``gc=False``: it never holds a reference cycle."""

    symbol: str
    sequence_start: int
    sequence_end: int
    asks: list[Change]
    bids: list[Change]
    time_ms: int | None


@dataclass(slots=True)
class L2Snapshot:
    sequence: int
    bids: list[tuple[str, str]]
    asks: list[tuple[str, str]]


def _in_sequence(changes: list[Change]) -> list[Change]:
    """The changes of one side by their own sequence (usually already in order)."""
    if len(changes) == 2:
        first, second = changes
        return changes if first[2] <= second[2] else [second, first]
    return sorted(changes, key=_BY_SEQUENCE)


class _NotFresh(Exception):
    """A change of a message that starts right after the book is not newer than it."""


def _fresh_in_sequence(changes: list[WireChange], last: int) -> list[WireChange]:
    """Wire changes of one side in sequence order; ValueError on a non-integer sequence,
    ``_NotFresh`` if one is not newer than ``last``."""
    if len(changes) == 2:
        first, second = changes
        one, two = int(first[2]), int(second[2])
        if one > two:
            one, changes = two, [second, first]
        if one <= last:
            raise _NotFresh
        return changes
    keyed = sorted([(int(change[2]), change) for change in changes], key=_FIRST)
    if keyed[0][0] <= last:
        raise _NotFresh
    return [change for _, change in keyed]


def _as_int(value: Any, what: str) -> int:
    kind = type(value)
    if kind is int:
        return int(value)
    if kind is str and value.isascii() and value.isdigit():
        return int(value)
    raise ParseError(f"{what} must be an integer, got {value!r}")


def _changes(raw: Any, side: str) -> list[Change]:
    """``[[price, size, sequence], ...]`` -> tuples; one comprehension on the hot path."""
    if type(raw) is not list:
        raise ParseError(f"l2update changes.{side} must be a list, got {type(raw).__name__}")
    try:
        out = [
            (change[0], change[1], int(change[2]))
            for change in raw
            if type(change) is list
            and len(change) == 3
            and type(change[0]) is str is type(change[1])
            and type(change[2]) in _SEQUENCE_TYPES
        ]
    except ValueError:
        out = []
    if len(out) != len(raw):
        raise ParseError(f"l2update changes.{side} must be [price, size, sequence]: {raw!r:.200}")
    return out


def parse_l2update(message: Mapping[str, Any]) -> L2Update:
    """Parse a whole decoded ``trade.l2update`` WS message (``data.time`` is optional)."""
    try:
        data = message["data"]
        changes = data["changes"]
        symbol = data["symbol"]
        start = data["sequenceStart"]
        end = data["sequenceEnd"]
        raw_asks = changes["asks"]
        raw_bids = changes["bids"]
    except (KeyError, TypeError, IndexError) as exc:
        raise ParseError(f"not a level2 update message ({exc!r})") from None
    if type(symbol) is not str:
        raise ParseError(f"l2update symbol must be a string, got {symbol!r}")
    if type(start) is not int:
        start = _as_int(start, "l2update sequenceStart")
    if type(end) is not int:
        end = _as_int(end, "l2update sequenceEnd")
    if start > end:
        raise ParseError(f"l2update sequenceStart {start} > sequenceEnd {end}")
    time_ms = data.get("time")
    if time_ms is not None and type(time_ms) is not int:
        time_ms = _as_int(time_ms, "l2update time")
    asks = [] if raw_asks == [] else _changes(raw_asks, "asks")
    bids = [] if raw_bids == [] else _changes(raw_bids, "bids")
    return L2Update(symbol, start, end, asks, bids, time_ms)


class _WireChanges(msgspec.Struct, gc=False):
    asks: list[WireChange]
    bids: list[WireChange]


class _WireL2Data(msgspec.Struct, gc=False):
    """KuCoin's ``data`` of a ``trade.l2update`` exactly as sent today (strict types)."""

    changes: _WireChanges
    sequenceStart: int  # the wire names
    sequenceEnd: int
    symbol: str
    time: int | None = None


class _WireEnvelope(msgspec.Struct, gc=False):
    subject: str = ""
    data: msgspec.Raw = msgspec.Raw(b"")


def _int_sequences(wire: list[WireChange]) -> list[Change]:
    """Wire changes -> (price, size, int sequence); ValueError on a non-integer sequence."""
    if len(wire) == 1:
        price, size, sequence = wire[0]
        return [(price, size, int(sequence))]
    return [(price, size, int(sequence)) for price, size, sequence in wire]


class _WireL2Frame(msgspec.Struct, gc=False, tag_field="subject", tag="trade.l2update"):
    """A whole ``trade.l2update`` frame in today's exact shape (any other subject fails)."""

    data: _WireL2Data


def _wire_update(
    symbol: str, start: int, end: int, wire_asks: list[WireChange],
    wire_bids: list[WireChange], time_ms: int | None,
) -> L2Update:
    """Typed wire values -> ``L2Update``: ParseError (as ``parse_l2update``) if start > end
    or a change's sequence is not an integer string."""
    if start > end:
        raise ParseError(f"l2update sequenceStart {start} > sequenceEnd {end}")
    try:
        asks = _int_sequences(wire_asks)
    except ValueError:
        raise ParseError(f"l2update changes.asks must be [price, size, sequence]: "
                         f"{wire_asks!r:.200}") from None
    try:
        bids = _int_sequences(wire_bids)
    except ValueError:
        raise ParseError(f"l2update changes.bids must be [price, size, sequence]: "
                         f"{wire_bids!r:.200}") from None
    return L2Update(symbol, start, end, asks, bids, time_ms)


def _typed_update(data: _WireL2Data) -> L2Update:
    changes = data.changes
    return _wire_update(
        data.symbol, data.sequenceStart, data.sequenceEnd, changes.asks, changes.bids, data.time
    )


class L2FrameDecoder:
    """Raw WebSocket frame -> ``L2Update``, without building the generic JSON tree.

    Fast path (``decode_fast``, one C call): the whole frame straight into typed structs
    (``subject`` must be ``trade.l2update``, today's exact shape); it raises
    ``msgspec.DecodeError`` on anything else. ``decode_slow`` handles those frames: the
    envelope with ``data`` kept raw (any other message costs a shallow scan and is left to
    the caller), then ``data`` into the typed structs; whatever the strict typed stage
    refuses (a sequence sent as a number, a malformed change...) is decoded generically
    and handed to ``parse_l2update``: same result, same ``ParseError``, as the dict path.
    One instance per owner (no module state).
    """

    __slots__ = ("_data", "_envelope", "_generic", "decode_fast")

    def __init__(self) -> None:
        self.decode_fast = msgspec.json.Decoder(_WireL2Frame).decode
        self._envelope = msgspec.json.Decoder(_WireEnvelope)
        self._data = msgspec.json.Decoder(_WireL2Data)
        self._generic = msgspec.json.Decoder()

    def decode(self, frame: str | bytes) -> L2Update | None:
        """The frame's update; None if it is not a ``trade.l2update`` message (or not a
        JSON object): the caller handles it generically. ParseError if malformed."""
        try:
            data = self.decode_fast(frame).data
        except msgspec.DecodeError:  # another message, or not today's exact shape
            return self.decode_slow(frame)
        return _typed_update(data)

    def decode_slow(self, frame: str | bytes) -> L2Update | None:
        """``decode`` for a frame that ``decode_fast`` refused."""
        return self._two_stage(frame)

    def _two_stage(self, frame: str | bytes) -> L2Update | None:
        try:
            envelope = self._envelope.decode(frame)
        except msgspec.DecodeError:
            return None
        if envelope.subject != "trade.l2update":
            return None
        raw = envelope.data
        try:
            data = self._data.decode(raw)
        except msgspec.DecodeError:
            return self._fallback(raw)
        return _typed_update(data)

    def _fallback(self, raw: msgspec.Raw) -> L2Update:
        try:
            data = self._generic.decode(raw) if raw else None
        except msgspec.DecodeError:
            data = None
        return parse_l2update({"data": data})


def _levels(raw: Any, side: str) -> list[tuple[str, str]]:
    if type(raw) is not list:
        raise ParseError(f"snapshot {side} must be a list")
    out: list[tuple[str, str]] = []
    for level in raw:
        if type(level) is not list or len(level) != 2:
            raise ParseError(f"snapshot level must be [price, size]: {level!r:.200}")
        price, size = level
        if type(price) is not str or type(size) is not str:
            raise ParseError(f"snapshot price and size must be strings: {level!r:.200}")
        out.append((price, size))
    return out


def parse_l2snapshot(data: Mapping[str, Any]) -> L2Snapshot:
    """Parse the REST ``data`` object of the level2 snapshot endpoints."""
    try:
        sequence, bids, asks = data["sequence"], data["bids"], data["asks"]
    except (KeyError, TypeError) as exc:
        raise ParseError(f"not a level2 snapshot ({exc!r})") from None
    return L2Snapshot(
        _as_int(sequence, "snapshot sequence"), _levels(bids, "bids"), _levels(asks, "asks")
    )


class SyncState(Enum):
    BUFFERING = "BUFFERING"
    LIVE = "LIVE"
    NEEDS_RESYNC = "NEEDS_RESYNC"


_LIVE, _BUFFERING = SyncState.LIVE, SyncState.BUFFERING


class Level2Calibrator:
    """Keeps one symbol's ``OrderBook`` in sync from l2updates and snapshots (no I/O)."""

    def __init__(
        self, symbol: str, *, max_buffered_updates: int = 20_000, max_crossed_updates: int = 50
    ) -> None:
        if max_buffered_updates < 1 or max_crossed_updates < 0:
            raise ConfigurationError("max_buffered_updates >= 1 and max_crossed_updates >= 0")
        self.symbol = symbol
        self.state = SyncState.BUFFERING
        self.order_book = OrderBook()
        self.resync_reason: str | None = None
        self.resync_count = 0
        self.ignored_updates = 0  # stale/duplicate messages dropped (observability)
        self._max_buffered = max_buffered_updates
        self._max_crossed = max_crossed_updates
        self._buffer: list[L2Update] = []
        self._crossed_run = 0

    @property
    def buffered_updates(self) -> int:
        return len(self._buffer)

    def reset(self) -> None:
        """Forget the book and the buffer: back to BUFFERING (owner then fetches a snapshot)."""
        self.order_book.clear()
        self._buffer.clear()
        self._crossed_run = 0
        self.resync_reason = None
        self.state = SyncState.BUFFERING

    # ------------------------------------------------------------------ updates
    def on_update(self, update: L2Update) -> SyncState:
        if update.symbol != self.symbol:
            raise ConfigurationError(f"{update.symbol} update fed to the {self.symbol} calibrator")
        state = self.state
        if state is _LIVE:  # the frame fast path uses on_changes(); this is the generic one
            return self._live_update(update)
        if state is _BUFFERING:
            return self._buffer_update(update)
        return state

    def _live_update(self, update: L2Update) -> SyncState:
        last = self.order_book.last_update_id
        if update.sequence_end <= last:
            self.ignored_updates += 1
            return _LIVE
        if update.sequence_start > last + 1:
            return self._need_resync(
                f"gap: expected sequenceStart <= {last + 1}, got {update.sequence_start}"
            )
        return self._apply(update, last)

    def _buffer_update(self, update: L2Update) -> SyncState:
        buffer = self._buffer
        if buffer:
            tail_end = buffer[-1].sequence_end
            if update.sequence_end <= tail_end:
                self.ignored_updates += 1
                return self.state
            if update.sequence_start > tail_end + 1:
                buffer.clear()  # what came before the gap can never be used
        if len(buffer) >= self._max_buffered:
            buffer.clear()
            return self._need_resync(
                f"buffer overflow: more than {self._max_buffered} updates without a snapshot"
            )
        buffer.append(update)
        return self.state

    def on_changes(
        self, start: int, end: int, asks: list[WireChange], bids: list[WireChange]
    ) -> SyncState:
        """The frame hook's hot path: one l2update of this symbol as typed off the wire
        (sequences still strings), without building an ``L2Update``. Same effect as
        ``on_update`` of the equivalent update; ParseError (nothing applied) if start > end
        or a change's sequence is not an integer. The caller routes by symbol.

        Fast case (LIVE, the message starts right after the book, every change newer than
        the book): no per-change sequence check beyond the integer parse; anything else
        builds the ``L2Update`` and takes ``on_update``."""
        book = self.order_book
        last = book.last_update_id
        if start == last + 1 and start <= end and self.state is _LIVE:
            try:  # each side in sequence order, every change newer than the book
                if len(asks) == 1:
                    if int(asks[0][2]) <= last:
                        asks = []
                elif asks:
                    asks = _fresh_in_sequence(asks, last)
                if len(bids) == 1:
                    if int(bids[0][2]) <= last:
                        bids = []
                elif bids:
                    bids = _fresh_in_sequence(bids, last)
            except (ValueError, _NotFresh):
                pass  # a bad or stale change sequence: the general path decides exactly
            else:  # _apply_changes() inlined: the hot path
                try:
                    crossed = book.apply_changes(bids, asks, end)
                except ParseError as exc:
                    return self._need_resync(f"bad change at {end}: {exc}")
                if crossed:
                    return self._crossed()
                if self._crossed_run:
                    self._crossed_run = 0
                return _LIVE
        return self.on_update(_wire_update(self.symbol, start, end, asks, bids, None))

    def _apply(self, update: L2Update, last: int) -> SyncState:
        """Apply the changes newer than ``last``, advance the sequence, watch crossing.

        Within a side, changes apply in sequence order; price "0" is sequence-only."""
        asks, bids = update.asks, update.bids
        if asks:
            if len(asks) > 1:
                asks = _in_sequence(asks)
            if asks[0][2] <= last:
                asks = [change for change in asks if change[2] > last]
        if bids:
            if len(bids) > 1:
                bids = _in_sequence(bids)
            if bids[0][2] <= last:
                bids = [change for change in bids if change[2] > last]
        return self._apply_changes(bids, asks, update.sequence_end)

    def _apply_changes(
        self, bids: Sequence[tuple[str, str, object]], asks: Sequence[tuple[str, str, object]],
        end: int,
    ) -> SyncState:
        """Apply changes already in sequence order and all newer than the book."""
        try:
            crossed = self.order_book.apply_changes(bids, asks, end)
        except ParseError as exc:
            return self._need_resync(f"bad change at {end}: {exc}")
        if crossed:
            return self._crossed()
        if self._crossed_run:
            self._crossed_run = 0
        return _LIVE

    def _crossed(self) -> SyncState:
        """The book is crossed after a message: tolerated ``max_crossed_updates`` times."""
        self._crossed_run += 1
        if self._crossed_run > self._max_crossed:
            return self._need_resync(f"book crossed for {self._crossed_run} consecutive updates")
        return _LIVE

    # ------------------------------------------------------------------ snapshots
    def on_snapshot(self, snapshot: L2Snapshot) -> SyncState:
        if self.state is not SyncState.BUFFERING:
            return self.state  # LIVE: late snapshot; NEEDS_RESYNC: waiting for reset()
        buffer = self._buffer
        sequence = snapshot.sequence
        if buffer and buffer[0].sequence_start > sequence + 1:
            return self._need_resync(
                f"snapshot too old: snapshot sequence {sequence}, buffered updates start at "
                f"{buffer[0].sequence_start}"
            )
        try:
            self.order_book.apply_snapshot(snapshot.bids, snapshot.asks, sequence)
        except ParseError as exc:
            buffer.clear()
            return self._need_resync(f"bad snapshot: {exc}")
        self.state = SyncState.LIVE
        self._crossed_run = 0
        replay, self._buffer = buffer, []
        for update in replay:
            if self._live_update(update) is SyncState.NEEDS_RESYNC:
                break
        return self.state

    def _need_resync(self, reason: str) -> SyncState:
        self.state = SyncState.NEEDS_RESYNC
        self.resync_reason = reason
        self.resync_count += 1
        self._buffer.clear()
        return SyncState.NEEDS_RESYNC

    def __repr__(self) -> str:
        return (
            f"Level2Calibrator({self.symbol!r}, state={self.state.name}, "
            f"sequence={self.order_book.last_update_id}, buffered={len(self._buffer)}, "
            f"resyncs={self.resync_count})"
        )
