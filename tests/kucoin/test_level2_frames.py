"""L2FrameDecoder's two stages (typed ``decode_fast``, else the one generic fallback
``decode_generic``) agree with parse_l2update."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import pytest

from kucoin_connector.core.errors import ParseError
from kucoin_connector.kucoin.level2 import L2FrameDecoder, L2Update, parse_l2update
from kucoin_connector.kucoin.level2_wire import checked_update

SYM = "BTC-USDT"


def decode(frame: str | bytes, decoder: L2FrameDecoder | None = None) -> L2Update | None:
    """The two stages as the data source chains them: the typed stage (its values with
    the checks ``Level2Calibrator.on_changes`` makes), else the one generic fallback."""
    decoder = decoder or L2FrameDecoder()
    try:
        data = decoder.decode_fast(frame).data
    except msgspec.DecodeError:
        return decoder.decode_generic(frame)
    changes = data.changes
    return checked_update(
        data.symbol, data.sequenceStart, data.sequenceEnd, changes.asks, changes.bids, data.time
    )


def message(start: Any, end: Any, asks: Any = (), bids: Any = (), **extra: Any) -> dict[str, Any]:
    data = {
        "sequenceStart": start,
        "sequenceEnd": end,
        "symbol": extra.pop("symbol", SYM),
        "changes": {"asks": list(asks), "bids": list(bids)},
        **extra,
    }
    return {
        "type": "message",
        "topic": f"/market/level2:{SYM}",
        "subject": "trade.l2update",
        "data": data,
    }


def test_recorded_frames_decode_like_the_dict_path(recorded_kucoin: Any) -> None:
    decoder = L2FrameDecoder()
    messages = recorded_kucoin.messages_with_subject("trade.l2update")
    assert len(messages) > 3000
    for raw in messages:
        frame = json.dumps(raw, separators=(",", ":"))
        assert decode(frame, decoder) == parse_l2update(raw)
        assert decode(frame.encode(), decoder) == parse_l2update(raw)


@pytest.mark.parametrize(
    "raw",
    [
        message(1, 2, [["3988.62", "8", "1"]], [["3988.5", "0", "2"]], time=1700000000000),
        message(1, 2, [["3988.62", "8", "2"], ["3988.6", "1", "1"]]),
        message(5, 5, bids=[["1.5", "2", 5]]),  # sequence as a number: generic fallback
        message("7", "8", time="12"),  # string sequences: generic fallback
        message(1, 1),
    ],
)
def test_valid_variants_decode_like_the_dict_path(raw: dict[str, Any]) -> None:
    assert decode(json.dumps(raw)) == parse_l2update(raw)


@pytest.mark.parametrize(
    "raw",
    [
        {"data": None},
        {"data": {"sequenceStart": 1, "sequenceEnd": 1, "symbol": SYM}},
        message(1, 1, [["1", "1"]]),
        message(1, 1, [["1", "1", "1", "1"]]),
        message(1, 1, [["1", "1", "x"]]),
        message(1, 1, [["1", "1", 1.5]]),
        message(1, 1, [[1.0, "1", "1"]]),
        message(1, 1, [["1", None, "1"]]),
        message(1, 1, ["abc"]),
        message("a", 1),
        message(1, None),
        message(True, 1),
        message(1.0, 1),
        message(2, 1),
        message(1, 1, symbol=None),
        message(1, 1, time="soon"),
        message(1, 1, [["1", "1", "1e3"]]),
        {"data": {"sequenceStart": 1, "sequenceEnd": 1, "symbol": SYM, "changes": {"asks": []}}},
    ],
)
def test_malformed_l2updates_raise_parse_error(raw: dict[str, Any]) -> None:
    frame = json.dumps({**raw, "subject": "trade.l2update"})
    with pytest.raises(ParseError):
        decode(frame)
    with pytest.raises(ParseError):
        parse_l2update(json.loads(frame))


@pytest.mark.parametrize(
    "frame",
    [
        '{"type":"pong","id":"1"}',
        '{"type":"ack","id":"2"}',
        '{"type":"message","subject":"trade.l3match","data":{"symbol":"BTC-USDT"}}',
        '{"subject":5}',
        "[1, 2]",
        "not json",
        "",
    ],
)
def test_other_frames_are_left_to_the_generic_path(frame: str) -> None:
    assert decode(frame) is None


def test_truncated_frame_is_left_to_the_generic_path_which_reports_it() -> None:
    frame = json.dumps(message(1, 1, [["1", "1", "1"]]))
    assert decode(frame[:-1]) is None  # not JSON: WsClient logs ParseError


def test_the_fallback_refuses_data_nested_too_deeply() -> None:
    deep = "[" * 10_000 + "]" * 10_000
    frame = '{"subject":"trade.l2update","data":{"changes":' + deep + "}}"
    with pytest.raises(ParseError, match="nested deeper"):
        L2FrameDecoder().decode_generic(frame)


def test_data_source_frame_hook_builds_the_same_books_as_the_dict_path(
    recorded_kucoin: Any,
) -> None:
    from kucoin_connector.core.events import EventBus
    from kucoin_connector.core.ws import WsClient
    from kucoin_connector.kucoin.level2 import Level2Calibrator, parse_l2snapshot
    from kucoin_connector.kucoin.order_book_data_source import KucoinOrderBookDataSource

    async def no_snapshot(symbol: str) -> Any:
        raise AssertionError(symbol)

    def no_ws(
        on_message: Callable[[Any], None], on_reconnected: Callable[[], Awaitable[None]]
    ) -> WsClient:
        raise AssertionError("no WebSocket: the frames are fed by hand")

    def source() -> KucoinOrderBookDataSource:
        built = KucoinOrderBookDataSource(
            fetch_snapshot=no_snapshot,
            ws_factory=no_ws,
            events=EventBus(),
            clock_ms=lambda: 0,
            symbol_to_pair=lambda s: s,
        )
        for symbol, (_ts, data) in recorded_kucoin.snapshots.items():
            calibrator = Level2Calibrator(symbol)
            calibrator.on_snapshot(parse_l2snapshot(data))
            built._calibrators[symbol] = calibrator
        return built

    fast, slow = source(), source()
    for _ts, raw in recorded_kucoin.ws_messages:
        frame = json.dumps(raw)
        if not fast._on_frame(frame):
            fast._on_message(json.loads(frame))
        slow._on_message(raw)
    for symbol in recorded_kucoin.snapshots:
        a, b = fast.order_book(symbol), slow.order_book(symbol)
        assert (a.last_update_id, a.bids(), a.asks()) == (b.last_update_id, b.bids(), b.asks())
        assert fast.is_live(symbol) and a.bid_depth > 0
    assert fast.parse_errors == slow.parse_errors == 0
