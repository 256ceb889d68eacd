"""KuCoin level-2 market data: the seed's calibration, sans-I/O.

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

Implausible sequences never move the book or the buffer: a message covering more than
its number of changes plus ``max_sequence_skip`` sequence numbers (KuCoin numbers every
change; its own example skips one) is a gap -> NEEDS_RESYNC, in any state. A stale
message ending more than ``max_sequence_lag`` behind a LIVE book means the book's
sequence (a snapshot's) cannot be true -> NEEDS_RESYNC.

Malformed input (``level2_wire`` has the parsers and their shape/sequence checks): a
message or snapshot refused by a parser for this symbol (the owner calls ``reject``) or
found bad here is never applied: it is counted in ``parse_errors``, the book is dropped
at once (it may hold the first changes of that message: never a partial message or a
poisoned level) -> NEEDS_RESYNC, and the method that found it raises its
``Level2ParseError``. Found here: a price or size outside the book's bounds
(``core.order_book.check_level``), checked by the book for every change it applies and
here for every change it will not see (buffered, stale, dropped, or while NEEDS_RESYNC),
so that a bad value is refused whatever the state and the route; a bad sequence on the
hot path.

``resync_count`` counts the transitions into NEEDS_RESYNC; ``resync_reason`` says why the
current NEEDS_RESYNC happened (None in the other states).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Any

from kucoin_connector.core.errors import ConfigurationError, ParseError
from kucoin_connector.core.order_book import OrderBook, check_level

from .level2_wire import (
    MAX_SEQUENCE,
    Change,
    L2FrameDecoder,
    L2Snapshot,
    L2Update,
    Level2ParseError,
    WireChange,
    checked_update,
    in_sequence,
    parse_l2snapshot,
    parse_l2update,
)

__all__ = [
    "MAX_SEQUENCE",
    "Change",
    "L2FrameDecoder",
    "L2Snapshot",
    "L2Update",
    "Level2Calibrator",
    "Level2ParseError",
    "SyncState",
    "WireChange",
    "parse_l2snapshot",
    "parse_l2update",
]


def _in_order(changes: Sequence[Sequence[Any]], first: int, last: int) -> bool:
    """True when every change's sequence passes ``_sequence``'s rule (an int or ASCII
    digits), lies in [first, last] and none is below the one before: the side is
    already what ``in_sequence`` would return (but for the sequences' type, which the
    book ignores), without building a tuple. False: ``in_sequence`` decides. ValueError
    on a change that is not a triple (as ``in_sequence``)."""
    previous = first
    for _, _, wire in changes:
        if type(wire) is str and wire.isdigit() and wire.isascii():
            sequence = int(wire)
        elif type(wire) is int:
            sequence = wire
        else:
            return False
        if not previous <= sequence <= last:
            return False
        previous = sequence
    return True


class SyncState(Enum):
    """Where a book's calibration stands: BUFFERING (waiting for a snapshot), LIVE (every update
    applied in sequence), NEEDS_RESYNC (a gap; a new snapshot is needed).
    """

    BUFFERING = "BUFFERING"
    LIVE = "LIVE"
    NEEDS_RESYNC = "NEEDS_RESYNC"


_LIVE, _BUFFERING = SyncState.LIVE, SyncState.BUFFERING
_NEEDS_RESYNC = SyncState.NEEDS_RESYNC


class Level2Calibrator:
    """Keeps one symbol's ``OrderBook`` in sync from l2updates and snapshots (no I/O)."""

    def __init__(
        self,
        symbol: str,
        *,
        max_buffered_updates: int = 20_000,
        max_crossed_updates: int = 50,
        max_sequence_skip: int = 1_000,
        max_sequence_lag: int = 1_000_000,
    ) -> None:
        if (
            max_buffered_updates < 1
            or max_crossed_updates < 0
            or max_sequence_skip < 1
            or max_sequence_lag < 1
        ):
            raise ConfigurationError(
                "max_buffered_updates, max_sequence_skip, max_sequence_lag >= 1 and "
                "max_crossed_updates >= 0"
            )
        self.symbol = symbol
        self.state = SyncState.BUFFERING
        self.order_book = OrderBook()
        self.resync_reason: str | None = None
        self.resync_count = 0
        self.ignored_updates = 0  # stale/duplicate messages dropped (observability)
        self.parse_errors = 0  # malformed messages/snapshots of this symbol (observability)
        self._max_buffered = max_buffered_updates
        self._max_crossed = max_crossed_updates
        self._max_skip = max_sequence_skip
        self._max_lag = max_sequence_lag
        self._buffer: list[L2Update] = []
        self._crossed_run = 0

    @property
    def buffered_updates(self) -> int:
        """How many updates wait for the snapshot."""
        return len(self._buffer)

    def reset(self) -> None:
        """Forget the book and the buffer: back to BUFFERING (owner then fetches a snapshot)."""
        self.order_book.clear()
        self._buffer.clear()
        self._crossed_run = 0
        self.resync_reason = None
        self.state = SyncState.BUFFERING

    def reject(self, error: ParseError) -> SyncState:
        """A malformed message or snapshot of this symbol, refused by a parser or found
        here: counted, never applied; the book (which may hold the first changes of that
        message) is dropped -> NEEDS_RESYNC. Rejections while NEEDS_RESYNC only count."""
        self.parse_errors += 1
        self.order_book.clear()
        if self.state is _NEEDS_RESYNC:
            return _NEEDS_RESYNC
        return self._need_resync(f"malformed: {error}")

    def _refuse(self, error: ParseError) -> Level2ParseError:
        """``reject`` and the error for the caller to raise."""
        self.reject(error)
        if isinstance(error, Level2ParseError):
            return error
        return Level2ParseError(f"{self.symbol}: {error}", self.symbol)

    # ------------------------------------------------------------------ updates
    def on_update(self, update: L2Update) -> SyncState:
        """Feed one parsed update: ``on_changes`` of its values (the same code)."""
        if update.symbol != self.symbol:
            raise ConfigurationError(f"{update.symbol} update fed to the {self.symbol} calibrator")
        return self.on_changes(update.sequence_start, update.sequence_end, update.asks, update.bids)

    def on_changes(
        self,
        start: int,
        end: int,
        asks: Sequence[Sequence[Any]],
        bids: Sequence[Sequence[Any]],
    ) -> SyncState:
        """THE entry point for one l2update of this symbol (the caller routes by symbol):
        its sequence range and its (price, size, sequence) changes, sequences as ints or
        digit strings (as typed off the wire). Level2ParseError (after ``reject``) for
        whatever ``parse_l2update`` or the book refuses.

        Fast case (LIVE, the message starts right after the book, spans fewer than
        ``max_sequence_skip`` sequences, every change in [start, end]): a side already in
        sequence order goes to the book as it is (no tuple built), else ``in_sequence``
        sorts it; the value checks are the book's. Anything else goes through the
        parser's checks (``checked_update``) and the general state machine (``_route``)."""
        book = self.order_book
        if (
            start == book.last_update_id + 1
            and start <= end < start + self._max_skip
            and self.state is _LIVE
        ):
            # Each side in sequence order, every change in [start, end]. A side already in
            # order (nearly all: KuCoin sends one or two changes, in order) goes to the book
            # as it is; one change is checked inline (when start == end, first against the
            # spelling of start: KuCoin's one-change messages). Else the sorter decides.
            try:
                if len(asks) == 1:
                    _, _, wire = asks[0]  # _sequence's rule inlined
                    if type(wire) is not str or (
                        (start != end or wire != str(start))  # start's spelling: in range
                        and not (wire.isdigit() and wire.isascii() and start <= int(wire) <= end)
                    ):
                        asks = in_sequence(asks, start, end)
                elif asks and not _in_order(asks, start, end):
                    asks = in_sequence(asks, start, end)
                if len(bids) == 1:
                    _, _, wire = bids[0]
                    if type(wire) is not str or (
                        (start != end or wire != str(start))  # start's spelling: in range
                        and not (wire.isdigit() and wire.isascii() and start <= int(wire) <= end)
                    ):
                        bids = in_sequence(bids, start, end)
                elif bids and not _in_order(bids, start, end):
                    bids = in_sequence(bids, start, end)
            except (ValueError, TypeError, LookupError):  # the general path decides
                pass
            else:  # _write() inlined: the hot path
                try:
                    crossed = book.apply_changes(bids, asks, end)
                except ParseError as exc:
                    raise self._refuse(ParseError(f"bad change at {end}: {exc}")) from None
                if crossed:
                    return self._crossed()
                if self._crossed_run:
                    self._crossed_run = 0
                return _LIVE
        try:
            update = checked_update(self.symbol, start, end, asks, bids)
        except ParseError as exc:
            raise self._refuse(exc) from None
        return self._route(update)

    def _route(self, update: L2Update) -> SyncState:
        """The state machine for a checked update (each side sorted by sequence)."""
        state = self.state
        start, end = update.sequence_start, update.sequence_end
        if end - start >= len(update.asks) + len(update.bids) + self._max_skip:
            if state is _NEEDS_RESYNC:
                return state
            return self._need_resync(
                f"implausible sequence range [{start}, {end}] for "
                f"{len(update.asks) + len(update.bids)} changes"
            )
        if state is _LIVE:
            return self._live_update(update)
        self._check_values(update.asks, update.bids)  # no book will check them now
        if state is _NEEDS_RESYNC:
            return state
        return self._buffer_update(update)

    def _check_values(self, *sides: Iterable[tuple[str, str, object]]) -> None:
        """``check_level`` for changes the book will not see; ``reject`` and raise."""
        try:
            for changes in sides:
                for price, size, _ in changes:
                    check_level(price, size)
        except ParseError as exc:
            raise self._refuse(ParseError(f"bad change: {exc}")) from None

    def _live_update(self, update: L2Update) -> SyncState:
        last = self.order_book.last_update_id
        if update.sequence_end <= last:
            if last - update.sequence_end > self._max_lag:
                return self._need_resync(
                    f"book sequence {last} implausibly far ahead of the stream "
                    f"({update.sequence_end})"
                )
            self._check_values(update.asks, update.bids)
            self.ignored_updates += 1
            return _LIVE
        if update.sequence_start > last + 1:
            self._check_values(update.asks, update.bids)
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

    def _apply(self, update: L2Update, last: int) -> SyncState:
        """Apply the changes newer than ``last`` (each side is in sequence order),
        advance the sequence, watch crossing. Price "0" is sequence-only."""
        asks, bids = update.asks, update.bids
        if asks and asks[0][2] <= last:
            self._check_values(asks)  # the stale ones never reach the book
            asks = [change for change in asks if change[2] > last]
        if bids and bids[0][2] <= last:
            self._check_values(bids)
            bids = [change for change in bids if change[2] > last]
        return self._write(bids, asks, update.sequence_end)

    def _write(
        self,
        bids: Sequence[tuple[str, str, object]],
        asks: Sequence[tuple[str, str, object]],
        end: int,
    ) -> SyncState:
        """The one book write of a message: changes in sequence order, all newer."""
        try:
            crossed = self.order_book.apply_changes(bids, asks, end)
        except ParseError as exc:
            raise self._refuse(ParseError(f"bad change at {end}: {exc}")) from None
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
        """Feed a snapshot. Level2ParseError (after ``reject``) if the book refuses it or
        a buffered update it replays."""
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
            raise self._refuse(ParseError(f"bad snapshot: {exc}")) from None
        self.state = SyncState.LIVE
        self._crossed_run = 0
        replay, self._buffer = buffer, []
        for update in replay:
            if self._live_update(update) is _NEEDS_RESYNC:
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
            f"resyncs={self.resync_count}, parse_errors={self.parse_errors})"
        )
