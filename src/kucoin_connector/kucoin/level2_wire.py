"""KuCoin level-2 messages at the edge: bytes or decoded JSON -> typed, checked values.

``parse_l2update`` (a decoded ``trade.l2update`` message), ``L2FrameDecoder`` (a raw
frame, typed msgspec structs, no generic JSON tree) and ``parse_l2snapshot`` (the REST
snapshot) all check the same and raise ``Level2ParseError`` (a ``ParseError`` naming the
symbol when the message named one) for anything else: the shape and the string types,
and the sequences: ``sequenceStart``, ``sequenceEnd``, each change's own and the
snapshot's are integers in [0, ``MAX_SEQUENCE``] (KuCoin's are Java longs),
``sequenceStart <= sequenceEnd``, each change's sequence within [sequenceStart,
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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from kucoin_connector.core.errors import ParseError
from kucoin_connector.core.json_depth import MAX_JSON_DEPTH, json_too_deep

Change = tuple[str, str, int]
WireChange = tuple[str, str, str]  # (price, size, sequence) exactly as KuCoin sends it
MAX_SEQUENCE = 2**63 - 1
_SEQUENCE_TYPES = frozenset({int, str})
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
    kind = type(value)
    if kind is str and value.isascii() and value.isdigit():
        value, kind = int(value), int
    if kind is int and 0 <= value <= MAX_SEQUENCE:
        return int(value)
    raise ParseError(f"{what} must be an integer in [0, 2**63), got {preview(value)}")


def _sequence_range(start: Any, end: Any) -> tuple[int, int]:
    start = _as_int(start, "l2update sequenceStart")
    end = _as_int(end, "l2update sequenceEnd")
    if start > end:
        raise ParseError(f"l2update sequenceStart {start} > sequenceEnd {end}")
    return start, end


def _bad_changes(raw: Any, start: int, end: int, side: str) -> ParseError:
    """Why ``raw`` is not a list of [price, size, sequence in [start, end]] (error path)."""
    for change in raw if type(raw) in (list, tuple) else ():
        try:
            sequence = change[2]
            if type(sequence) not in _SEQUENCE_TYPES or len(change) != 3:
                continue
            sequence = int(sequence)
        except (LookupError, TypeError, ValueError):
            continue
        if not start <= sequence <= end:
            return ParseError(
                f"l2update {side} change sequence {sequence} outside [{start}, {end}]"
            )
    return ParseError(f"l2update changes.{side} must be [price, size, sequence]: {preview(raw)}")


def _changes(raw: Any, start: int, end: int, side: str) -> list[Change]:
    """``[[price, size, sequence in [start, end]], ...]`` -> tuples; one comprehension."""
    if type(raw) is not list:
        raise ParseError(f"l2update changes.{side} must be a list, got {type(raw).__name__}")
    try:
        out = [
            (change[0], change[1], sequence)
            for change in raw
            if type(change) is list
            and len(change) == 3
            and type(change[0]) is str is type(change[1])
            and type(change[2]) in _SEQUENCE_TYPES
            and start <= (sequence := int(change[2])) <= end
        ]
    except ValueError:
        out = []
    if len(out) != len(raw):
        raise _bad_changes(raw, start, end, side)
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
        raise Level2ParseError(f"not a level2 update message ({exc!r:.200})") from None
    if type(symbol) is not str:
        raise Level2ParseError(f"l2update symbol must be a string, got {preview(symbol)}")
    try:
        if not (type(start) is int is type(end) and 0 <= start <= end <= MAX_SEQUENCE):
            start, end = _sequence_range(start, end)
        time_ms = data.get("time")
        if time_ms is not None and type(time_ms) is not int:
            time_ms = _as_int(time_ms, "l2update time")
        asks = [] if raw_asks == [] else _changes(raw_asks, start, end, "asks")
        bids = [] if raw_bids == [] else _changes(raw_bids, start, end, "bids")
    except ParseError as exc:
        raise Level2ParseError(f"{symbol}: {exc}", symbol) from None
    return L2Update(symbol, start, end, asks, bids, time_ms)


def _int_sequences(wire: list[WireChange], start: int, end: int, side: str) -> list[Change]:
    """Wire changes -> (price, size, int sequence in [start, end]); ParseError otherwise."""
    try:
        out = [
            (price, size, sequence)
            for price, size, wire_sequence in wire
            if start <= (sequence := int(wire_sequence)) <= end
        ]
    except ValueError:
        out = []
    if len(out) != len(wire):
        raise _bad_changes(wire, start, end, side)
    return out


def wire_update(
    symbol: str,
    start: int,
    end: int,
    wire_asks: list[WireChange],
    wire_bids: list[WireChange],
    time_ms: int | None,
) -> L2Update:
    """Typed wire values -> ``L2Update``, with the same checks and the same
    ``Level2ParseError`` as ``parse_l2update``."""
    try:
        if not 0 <= start <= end <= MAX_SEQUENCE:
            start, end = _sequence_range(start, end)
        asks = _int_sequences(wire_asks, start, end, "asks")
        bids = _int_sequences(wire_bids, start, end, "bids")
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


def _typed_update(data: WireL2Data) -> L2Update:
    changes = data.changes
    return wire_update(
        data.symbol, data.sequenceStart, data.sequenceEnd, changes.asks, changes.bids, data.time
    )


def too_deep(frame: object) -> Level2ParseError:
    return Level2ParseError(f"frame nested deeper than {MAX_JSON_DEPTH} levels ({frame})")


class L2FrameDecoder:
    """Raw WebSocket frame -> ``L2Update``, without building the generic JSON tree.

    Fast path (``decode_fast``, one C call): the whole frame straight into typed structs
    (``subject`` must be ``trade.l2update``, today's exact shape); it raises
    ``msgspec.DecodeError`` on anything else (and ``RecursionError`` on absurd nesting in
    a field it skips: callers turn that into ``too_deep``). ``decode_slow`` handles
    those frames: the envelope with ``data`` kept raw (any other message costs a shallow
    scan and is left to the caller), then ``data`` into the typed structs; whatever the
    strict typed stage refuses (a sequence sent as a string, a malformed change...) is
    decoded generically (depth-bounded) and handed to ``parse_l2update``: same result,
    same ``ParseError``, as the dict path. One instance per owner (no module state).
    """

    __slots__ = ("_data", "_envelope", "_generic", "decode_fast")

    def __init__(self) -> None:
        self.decode_fast = msgspec.json.Decoder(WireL2Frame).decode
        self._envelope = msgspec.json.Decoder(_WireEnvelope)
        self._data = msgspec.json.Decoder(WireL2Data)
        self._generic = msgspec.json.Decoder()

    def decode(self, frame: str | bytes) -> L2Update | None:
        """The frame's update; None if it is not a ``trade.l2update`` message (or not a
        JSON object): the caller handles it generically. ParseError if malformed."""
        try:
            data = self.decode_fast(frame).data
        except msgspec.DecodeError:  # another message, or not today's exact shape
            return self.decode_slow(frame)
        except RecursionError:
            raise too_deep("typed decode") from None
        return _typed_update(data)

    def decode_slow(self, frame: str | bytes) -> L2Update | None:
        """``decode`` for a frame that ``decode_fast`` refused."""
        try:
            return self._two_stage(frame)
        except RecursionError:
            raise too_deep("typed decode") from None

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
