"""KuCoin level-2 messages at the edge: bytes or decoded JSON -> typed, checked values.

Two decode stages, no more (``L2FrameDecoder``): the typed msgspec stage (``decode_fast``,
today's exact frame; its values go to ``Level2Calibrator.on_changes``) and ONE generic
fallback for whatever it refuses (``decode_generic`` -> ``parse_l2update``, also the
parser of an already decoded message). ``parse_l2snapshot`` parses the REST snapshot.
One integer rule (``_sequence``: an int or ASCII digits) and one change-sequence parser
and sorter (``in_sequence``) serve every route (``Level2Calibrator.on_changes`` skips the
sort for a side already in order, checked by the same rule). Anything malformed is a
``Level2ParseError`` (a ``ParseError`` naming the symbol when the message named one): the
shape and the string types, and the sequences: ``sequenceStart``, ``sequenceEnd``, each
change's own and the snapshot's are integers in [0, ``MAX_SEQUENCE``] (KuCoin's are Java
longs), ``sequenceStart <= sequenceEnd``, each change's sequence within [sequenceStart,
sequenceEnd]. Frames nested too deeply for a decoder are refused (``RecursionError``
never escapes; a generic decode is bounded by ``MAX_JSON_DEPTH``).

Prices and sizes are checked against the bounds of ``core.order_book`` (``check_level``:
finite, not negative, at most 1e15, no level at price 0) where their floats are computed
anyway: by the book for every change it applies, by ``Level2Calibrator`` for those it
buffers or drops. Checking them here as well would double the float parsing (~0.2 us a
value) on every message.
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import msgspec

from kucoin_connector.core.errors import ParseError
from kucoin_connector.core.json_depth import MAX_JSON_DEPTH, json_too_deep

Change = tuple[str, str, int]
WireChange = tuple[str, str, str]  # (price, size, sequence) exactly as KuCoin sends it
MAX_SEQUENCE = 2**63 - 1
_ROWS = (list, tuple)
_BY_SEQUENCE = itemgetter(2)
_PREVIEW = reprlib.Repr()
_PREVIEW.maxlevel, _PREVIEW.maxlist, _PREVIEW.maxstring = 3, 4, 40


class Level2ParseError(ParseError):
    """A malformed level-2 message or snapshot; ``symbol`` if the message named one."""

    def __init__(self, message: str, symbol: str | None = None) -> None:
        super().__init__(message)
        self.symbol = symbol


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


def preview(value: Any) -> str:
    """A short repr for error messages, safe on any nesting depth."""
    return _PREVIEW.repr(value)[:200]


def _as_int(value: Any, what: str) -> int:
    try:
        number = _sequence(value)
    except ValueError:
        number = -1
    if 0 <= number <= MAX_SEQUENCE:
        return number
    raise ParseError(f"{what} must be an integer in [0, 2**63), got {preview(value)}")


def _sequence(value: Any) -> int:
    """THE integer parser of level2 values: an ``int``, or a string of ASCII digits;
    ``ValueError`` otherwise. Callers check the range."""
    if type(value) is str:
        if value.isascii() and value.isdigit():
            return int(value)
    elif type(value) is int:
        return value
    raise ValueError(value)


def _sequence_range(start: Any, end: Any) -> tuple[int, int]:
    if type(start) is int is type(end) and 0 <= start <= end <= MAX_SEQUENCE:
        return start, end
    start = _as_int(start, "l2update sequenceStart")
    end = _as_int(end, "l2update sequenceEnd")
    if start > end:
        raise ParseError(f"l2update sequenceStart {start} > sequenceEnd {end}")
    return start, end


class OutOfRange(ValueError):
    """A change's own sequence is outside the range asked of ``in_sequence``."""


def in_sequence(changes: Sequence[Sequence[Any]], first: int, last: int) -> list[Change]:
    """THE change-sequence parser and sorter (every route uses it): ``(price, size,
    sequence)`` -> ``(price, size, int sequence)`` sorted by that sequence (stable).
    A sequence must pass ``_sequence`` (else ``ValueError``); ``OutOfRange`` unless
    every one is in [first, last]. One and two changes (nearly every KuCoin message
    side) take a fast case: docs/fast-paths.md has its figure, and
    ``test_level2_differential`` checks it against ``sort_changes``."""
    count = len(changes)
    if count == 1:
        price, size, wire = changes[0]
        if type(wire) is str and wire.isdigit() and wire.isascii():  # _sequence inlined
            sequence = int(wire)
        else:
            sequence = _sequence(wire)
        if first <= sequence <= last:
            return [(price, size, sequence)]
        raise OutOfRange
    if count == 2:
        (price, size, wire), (price2, size2, wire2) = changes
        one = int(wire) if type(wire) is str and wire.isdigit() and wire.isascii() else -1
        two = int(wire2) if type(wire2) is str and wire2.isdigit() and wire2.isascii() else -1
        if one < 0 or two < 0:  # not today's digit strings: the general code decides
            return sort_changes(changes, first, last)
        if one > two:
            one, two, price, size, price2, size2 = two, one, price2, size2, price, size
        if first <= one and two <= last:
            return [(price, size, one), (price2, size2, two)]
        raise OutOfRange
    return sort_changes(changes, first, last)


def sort_changes(changes: Sequence[Sequence[Any]], first: int, last: int) -> list[Change]:
    """``in_sequence`` without its one-change fast case (the equivalence test's reference).
    ``_sequence``'s rule is inlined in the comprehension (a call per change costs ~0.15 us;
    ``test_level2_differential`` checks both agree on any value)."""
    out = sorted(
        [
            (c[0], c[1], int(wire))
            for c in changes
            if type(wire := c[2]) is int
            or (type(wire) is str and wire.isdigit() and wire.isascii())
        ],
        key=_BY_SEQUENCE,
    )
    if len(out) != len(changes):
        raise ValueError("a change sequence is not an integer")
    if out and (out[0][2] < first or out[-1][2] > last):
        raise OutOfRange
    return out


def _bad_changes(raw: Any, start: int, end: int, side: str) -> ParseError:
    """Why ``raw`` is not a list of [price, size, sequence in [start, end]] (error path)."""
    for change in raw if type(raw) in _ROWS else ():
        try:
            sequence = _sequence(change[2]) if len(change) == 3 else None
        except (LookupError, TypeError, ValueError):
            continue
        if sequence is not None and not start <= sequence <= end:
            return ParseError(
                f"l2update {side} change sequence {sequence} outside [{start}, {end}]"
            )
    return ParseError(f"l2update changes.{side} must be [price, size, sequence]: {preview(raw)}")


def _changes(raw: Any, start: int, end: int, side: str) -> list[Change]:
    """``[[price, size, sequence in [start, end]], ...]`` -> sorted int-sequence tuples."""
    if type(raw) not in _ROWS:
        raise ParseError(f"l2update changes.{side} must be a list, got {type(raw).__name__}")
    if not all(
        type(change) in _ROWS and len(change) == 3 and type(change[0]) is str is type(change[1])
        for change in raw
    ):
        raise _bad_changes(raw, start, end, side)
    try:
        return in_sequence(raw, start, end)
    except ValueError:  # OutOfRange included
        raise _bad_changes(raw, start, end, side) from None


def parse_l2update(message: Mapping[str, Any]) -> L2Update:
    """THE generic parser: a whole decoded ``trade.l2update`` WS message (``data.time``
    optional) -> ``L2Update`` (each side sorted by sequence), or ``Level2ParseError``."""
    try:
        data = message["data"]
        changes = data["changes"]
        symbol = data["symbol"]
        start = data["sequenceStart"]
        end = data["sequenceEnd"]
        raw_asks = changes["asks"]
        raw_bids = changes["bids"]
    except (KeyError, TypeError, IndexError) as exc:
        raise Level2ParseError(f"not a level2 update message ({exc!r:.200})") from None
    if type(symbol) is not str:
        raise Level2ParseError(f"l2update symbol must be a string, got {preview(symbol)}")
    time_ms = data.get("time")
    return checked_update(symbol, start, end, raw_asks, raw_bids, time_ms)


def checked_update(
    symbol: str, start: Any, end: Any, asks: Any, bids: Any, time_ms: Any = None
) -> L2Update:
    """The checks of ``parse_l2update`` on values already picked out of a message."""
    try:
        start, end = _sequence_range(start, end)
        if time_ms is not None and type(time_ms) is not int:
            time_ms = _as_int(time_ms, "l2update time")
        asks = _changes(asks, start, end, "asks")
        bids = _changes(bids, start, end, "bids")
    except ParseError as exc:
        raise Level2ParseError(f"{symbol}: {exc}", symbol) from None
    return L2Update(symbol, start, end, asks, bids, time_ms)


class _WireChanges(msgspec.Struct, gc=False):
    asks: list[WireChange]
    bids: list[WireChange]


class WireL2Data(msgspec.Struct, gc=False):
    """KuCoin's ``data`` of a ``trade.l2update`` exactly as sent today (strict types)."""

    changes: _WireChanges
    sequenceStart: int  # the wire names
    sequenceEnd: int
    symbol: str
    time: int | None = None


class _WireEnvelope(msgspec.Struct, gc=False):
    subject: str = ""
    data: msgspec.Raw = msgspec.Raw(b"")


class WireL2Frame(msgspec.Struct, gc=False, tag_field="subject", tag="trade.l2update"):
    """A whole ``trade.l2update`` frame in today's exact shape (any other subject fails)."""

    data: WireL2Data


def too_deep(frame: object) -> Level2ParseError:
    return Level2ParseError(f"frame nested deeper than {MAX_JSON_DEPTH} levels ({frame})")


class L2FrameDecoder:
    """Raw WebSocket frame -> typed level2 values, in two stages and no more.

    ``decode_fast`` (the typed stage, one C call): the whole frame straight into typed
    structs (``subject`` must be ``trade.l2update``, today's exact shape: integer message
    sequences, string changes); ``msgspec.DecodeError`` on anything else (and
    ``RecursionError`` on absurd nesting in a field it skips: callers turn that into
    ``too_deep``). The caller hands its values to ``Level2Calibrator.on_changes``.

    ``decode_generic`` (the one fallback, for a frame the typed stage refused): the
    envelope with ``data`` kept raw (any other subject costs a shallow scan and returns
    None: the caller handles the frame generically), then ``data`` decoded generically
    (depth-bounded) and checked by ``parse_l2update``. One instance per owner.
    """

    __slots__ = ("_envelope", "_generic", "decode_fast")

    def __init__(self) -> None:
        self.decode_fast = msgspec.json.Decoder(WireL2Frame).decode
        self._envelope = msgspec.json.Decoder(_WireEnvelope)
        self._generic = msgspec.json.Decoder()

    def decode_generic(self, frame: str | bytes) -> L2Update | None:
        """The frame's update; None if it is not a ``trade.l2update`` message (or not a
        JSON object). Level2ParseError if malformed."""
        try:
            envelope = self._envelope.decode(frame)
        except msgspec.DecodeError:
            return None
        except RecursionError:
            raise too_deep("typed decode") from None
        if envelope.subject != "trade.l2update":
            return None
        raw = envelope.data
        if json_too_deep(bytes(raw)):
            raise too_deep("generic decode")
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
            raise ParseError(f"snapshot level must be [price, size]: {preview(level)}")
        price, size = level
        if type(price) is not str or type(size) is not str:
            raise ParseError(f"snapshot price and size must be strings: {preview(level)}")
        out.append((price, size))  # values: the book's checks, as it loads them
    return out


def parse_l2snapshot(data: Mapping[str, Any]) -> L2Snapshot:
    """Parse the REST ``data`` object of the level2 snapshot endpoints."""
    try:
        sequence, bids, asks = data["sequence"], data["bids"], data["asks"]
    except (KeyError, TypeError) as exc:
        raise Level2ParseError(f"not a level2 snapshot ({exc!r:.200})") from None
    try:
        return L2Snapshot(
            _as_int(sequence, "snapshot sequence"), _levels(bids, "bids"), _levels(asks, "asks")
        )
    except ParseError as exc:
        raise Level2ParseError(str(exc)) from None
