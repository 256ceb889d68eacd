"""Replay of real recorded KuCoin traffic (tests/data/recorded) through the real parsing and
calibration code, with the recording's own oracle: every ``trade.ticker`` whose ``sequence``
is a sequence the rebuilt book passes through must show exactly the book's best levels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from kucoin_connector.kucoin.level2 import (
    Level2Calibrator,
    SyncState,
    parse_l2snapshot,
    parse_l2update,
)

BestLevels = tuple[tuple[Decimal, Decimal] | None, tuple[Decimal, Decimal] | None]
# decides, per symbol, before which received message (index) its snapshot is fed
Injection = Callable[[Any, str], int]


@dataclass
class ReplayResult:
    calibrators: dict[str, Level2Calibrator]
    seen: dict[tuple[str, int], BestLevels] = field(default_factory=dict)
    crossed_states: int = 0
    live_updates: int = 0
    checks: int = 0
    mismatches: list[str] = field(default_factory=list)

    def record(self, calibrator: Level2Calibrator) -> None:
        book = calibrator.order_book
        if book.is_crossed():
            self.crossed_states += 1
        key = (calibrator.symbol, book.last_update_id)
        self.seen[key] = (book.best_bid_level(), book.best_ask_level())


def _at_receive_time(recorded: Any, symbol: str) -> int:
    """The faithful position: the first WS message received after the snapshot was."""
    snapshot_ts = recorded.snapshots[symbol][0]
    for index, (ts, _message) in enumerate(recorded.ws_messages):
        if ts > snapshot_ts:
            return index
    return len(recorded.ws_messages)


def _at_start(recorded: Any, symbol: str) -> int:
    return 0


def _at_end(recorded: Any, symbol: str) -> int:
    return len(recorded.ws_messages)


def _right_after_snapshot_sequence(recorded: Any, symbol: str) -> int:
    """Buffer ends exactly at the update whose range holds the snapshot sequence."""
    sequence = int(recorded.snapshots[symbol][1]["sequence"])
    for index, (_ts, message) in enumerate(recorded.ws_messages):
        if message.get("subject") != "trade.l2update":
            continue
        data = message["data"]
        if data["symbol"] == symbol and data["sequenceStart"] <= sequence <= data["sequenceEnd"]:
            return index + 1
    raise AssertionError(f"{symbol}: stream never holds the snapshot sequence {sequence}")


def replay(recorded: Any, injection: Injection) -> ReplayResult:
    feed_before: dict[int, list[str]] = {}
    for symbol in recorded.snapshots:
        feed_before.setdefault(injection(recorded, symbol), []).append(symbol)
    calibrators = {s: Level2Calibrator(s) for s in recorded.snapshots}
    result = ReplayResult(calibrators)
    tickers = []
    for index in range(len(recorded.ws_messages) + 1):
        for symbol in feed_before.get(index, ()):
            calibrator = calibrators[symbol]
            snapshot = parse_l2snapshot(recorded.snapshots[symbol][1])
            assert calibrator.on_snapshot(snapshot) is SyncState.LIVE, calibrator.resync_reason
            result.record(calibrator)
        if index == len(recorded.ws_messages):
            break
        message = recorded.ws_messages[index][1]
        subject = message.get("subject")
        if subject == "trade.ticker":
            tickers.append(message)
        elif subject == "trade.l2update":
            update = parse_l2update(message)
            if update.symbol not in calibrators:
                continue
            calibrator = calibrators[update.symbol]
            state = calibrator.on_update(update)
            assert state is not SyncState.NEEDS_RESYNC, calibrator.resync_reason
            if state is SyncState.LIVE:
                result.live_updates += 1
                result.record(calibrator)
    _check_tickers(result, tickers)
    return result


def _check_tickers(result: ReplayResult, tickers: list[dict[str, Any]]) -> None:
    for ticker in tickers:
        symbol = ticker["topic"].rpartition(":")[2]
        data = ticker["data"]
        levels = result.seen.get((symbol, int(data["sequence"])))
        if levels is None:
            continue
        result.checks += 1
        expected = (
            (Decimal(data["bestBid"]), Decimal(data["bestBidSize"])),
            (Decimal(data["bestAsk"]), Decimal(data["bestAskSize"])),
        )
        if levels != expected:
            result.mismatches.append(f"{symbol}@{data['sequence']}: {levels} != {expected}")


def _books(result: ReplayResult) -> dict[str, Any]:
    return {
        symbol: (c.order_book.last_update_id, c.order_book.bids(), c.order_book.asks())
        for symbol, c in result.calibrators.items()
    }


@pytest.fixture(scope="module")
def faithful(recorded_kucoin: Any) -> ReplayResult:
    return replay(recorded_kucoin, _at_receive_time)


def test_recording_holds_nine_snapshots_and_the_l2_stream(recorded_kucoin: Any) -> None:
    assert len(recorded_kucoin.snapshots) == 9
    assert len(recorded_kucoin.messages_with_subject("trade.l2update")) == 3853
    assert len(recorded_kucoin.messages_with_subject("trade.ticker")) == 830


def test_every_l2update_parses_including_sequence_only_entries(recorded_kucoin: Any) -> None:
    updates = [parse_l2update(m) for m in recorded_kucoin.messages_with_subject("trade.l2update")]
    changes = [c for u in updates for c in (*u.asks, *u.bids)]
    assert len(changes) == 3853  # one change per message in this recording
    assert sum(1 for price, size, _ in changes if price == "0" and size == "0") == 1355
    assert all(u.time_ms is None for u in updates)  # 2021 format: no data.time
    assert all(
        u.sequence_start == u.sequence_end == c[2] for u in updates for c in (*u.asks, *u.bids)
    )


def test_faithful_replay_matches_every_ticker_and_never_crosses(
    faithful: ReplayResult,
) -> None:
    assert all(c.state is SyncState.LIVE for c in faithful.calibrators.values())
    assert all(c.resync_count == 0 for c in faithful.calibrators.values())
    assert faithful.crossed_states == 0
    assert faithful.mismatches == []
    assert faithful.checks >= 780
    assert {symbol for symbol, _seq in faithful.seen} == set(faithful.calibrators)


def test_faithful_replay_books_are_deep_and_sorted(faithful: ReplayResult) -> None:
    for calibrator in faithful.calibrators.values():
        book = calibrator.order_book
        bids, asks = book.bids(), book.asks()
        assert len(bids) > 50 and len(asks) > 50
        assert [p for p, _ in bids] == sorted((p for p, _ in bids), reverse=True)
        assert [p for p, _ in asks] == sorted(p for p, _ in asks)
        assert all(size > 0 for _, size in bids + asks)
        assert bids[0][0] < asks[0][0]


def test_updates_covered_by_each_snapshot_are_dropped(
    recorded_kucoin: Any, faithful: ReplayResult
) -> None:
    """Every l2update ending at or below its symbol's snapshot sequence is dropped, whether
    it was buffered before the snapshot or arrived after it (48 in this recording)."""
    covered = dict.fromkeys(recorded_kucoin.snapshots, 0)
    for raw in recorded_kucoin.messages_with_subject("trade.l2update"):
        parsed = parse_l2update(raw)
        if parsed.sequence_end <= int(recorded_kucoin.snapshots[parsed.symbol][1]["sequence"]):
            covered[parsed.symbol] += 1
    assert sum(covered.values()) == 48
    assert {s: c.ignored_updates for s, c in faithful.calibrators.items()} == covered


@pytest.mark.parametrize(
    "injection",
    [_at_start, _right_after_snapshot_sequence, _at_end],
    ids=["before-stream", "right-after-snapshot-sequence", "after-whole-stream"],
)
def test_snapshot_position_does_not_change_the_result(
    recorded_kucoin: Any, faithful: ReplayResult, injection: Injection
) -> None:
    result = replay(recorded_kucoin, injection)
    assert result.crossed_states == 0
    assert result.mismatches == []
    assert _books(result) == _books(faithful)
    assert {s: c.ignored_updates for s, c in result.calibrators.items()} == {
        s: c.ignored_updates for s, c in faithful.calibrators.items()
    }
    if injection is _at_start:
        # live from the very beginning: every state after the snapshot is observable
        assert result.checks >= faithful.checks
