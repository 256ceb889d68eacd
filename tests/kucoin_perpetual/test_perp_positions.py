"""Position tracker and the position / funding parsers, on documented payloads."""

from __future__ import annotations

import copy
from dataclasses import replace
from decimal import Decimal

import perp_payloads as doc

from kucoin_connector.core.events import EventBus, FundingPaymentEvent, PositionChangedEvent
from kucoin_connector.core.positions import Position, PositionTracker
from kucoin_connector.core.types import PositionSide
from kucoin_connector.kucoin_perpetual.contracts import ContractSpec
from kucoin_connector.kucoin_perpetual.private_messages import (
    FundingSettlement,
    PositionChange,
    parse_private_message,
)
from kucoin_connector.kucoin_perpetual.schemas import (
    Contract,
    FundingHistory,
    PositionRecord,
    parse_model,
)
from kucoin_connector.kucoin_perpetual.translate import (
    funding_from_record,
    funding_from_settlement,
    position_from_record,
)

SPEC = ContractSpec.from_contract(parse_model(Contract, doc.CONTRACT_XBTUSDTM))


def _tracker() -> tuple[PositionTracker, list[object]]:
    bus = EventBus()
    seen: list[object] = []
    bus.add_listener(seen.append)
    return PositionTracker(bus), seen


def test_rest_position_becomes_a_tracked_position_in_base_units() -> None:
    record = parse_model(PositionRecord, doc.POSITION_XBTUSDTM)
    position = position_from_record(record, SPEC, fallback_ms=0)
    assert position.trading_pair == "BTC-USDT"
    assert position.position_side is PositionSide.BOTH
    assert position.amount == Decimal("0.001")  # 1 lot x 0.001 BTC
    assert position.entry_price == Decimal("67430.9")
    assert position.leverage == Decimal("2.97")
    assert position.margin == Decimal("22.1310912243")
    assert position.unrealized_pnl == Decimal("0.89216")
    assert position.realized_pnl == Decimal("-0.2402787")
    assert position.liquidation_price == Decimal("45704.44")
    assert position.timestamp_ms == 1730636040926


def test_position_change_message_publishes_one_event_then_nothing_for_a_repeat() -> None:
    tracker, seen = _tracker()
    message = parse_private_message(doc.POSITION_EVENT)
    assert isinstance(message, PositionChange)
    assert message.change_reason == "positionChange"
    position = position_from_record(message, SPEC, fallback_ms=0)
    assert tracker.apply(position) is True
    assert tracker.apply(position) is False
    [event] = seen
    assert isinstance(event, PositionChangedEvent)
    assert event.amount == Decimal("0.001") and event.entry_price == Decimal("91694.5")
    assert event.realized_pnl == Decimal("0.07210716")
    assert tracker.get("BTC-USDT", PositionSide.BOTH) == position


def test_a_short_position_is_a_negative_amount_and_closing_removes_it() -> None:
    tracker, seen = _tracker()
    data = copy.deepcopy(doc.POSITION_EVENT)
    data["data"]["currentQty"] = -4
    short = position_from_record(parse_model(PositionRecord, data["data"]), SPEC, 0)
    assert short.amount == Decimal("-0.004")
    tracker.apply(short)
    data["data"]["currentQty"] = 0
    data["data"]["currentTimestamp"] += 1
    tracker.apply(position_from_record(parse_model(PositionRecord, data["data"]), SPEC, 0))
    assert tracker.positions == {}
    assert [e.amount for e in seen if isinstance(e, PositionChangedEvent)] == [
        Decimal("-0.004"),
        Decimal(0),
    ]


def test_an_older_update_never_overwrites_a_newer_one() -> None:
    tracker, _ = _tracker()
    newer = position_from_record(parse_model(PositionRecord, doc.POSITION_XBTUSDTM), SPEC, 0)
    tracker.apply(newer)
    older_data = dict(doc.POSITION_XBTUSDTM, currentTimestamp=1, currentQty=9)
    older = position_from_record(parse_model(PositionRecord, older_data), SPEC, 0)
    assert tracker.apply(older) is False
    assert tracker.get("BTC-USDT", PositionSide.BOTH) == newer


def test_a_rest_read_closes_positions_it_no_longer_lists() -> None:
    tracker, seen = _tracker()
    held = position_from_record(parse_model(PositionRecord, doc.POSITION_XBTUSDTM), SPEC, 0)
    tracker.apply(held)
    tracker.replace_all([], timestamp_ms=held.timestamp_ms + 1)
    assert tracker.positions == {}
    closing = seen[-1]
    assert isinstance(closing, PositionChangedEvent) and closing.amount == 0


def test_hedge_positions_are_tracked_per_side() -> None:
    tracker, _ = _tracker()
    for side, qty in (("LONG", 2), ("SHORT", -3)):
        data = dict(doc.POSITION_XBTUSDTM, positionSide=side, currentQty=qty)
        tracker.apply(position_from_record(parse_model(PositionRecord, data), SPEC, 0))
    long = tracker.get("BTC-USDT", PositionSide.LONG)
    short = tracker.get("BTC-USDT", PositionSide.SHORT)
    assert long is not None and long.amount == Decimal("0.002")
    assert short is not None and short.amount == Decimal("-0.003")
    assert len(tracker.for_pair("BTC-USDT")) == 2


def test_a_hedge_short_is_negative_whatever_the_sign_of_its_quantity() -> None:
    data = dict(doc.POSITION_XBTUSDTM, positionSide="SHORT", currentQty=3)
    short = position_from_record(parse_model(PositionRecord, data), SPEC, 0)
    assert short.amount == Decimal("-0.003")


def test_funding_payment_keeps_the_exchange_sign() -> None:
    """The documented record: a long paid 0.000641 x 87.13992 ~ 0.05585669 (negative)."""
    tracker, seen = _tracker()
    history = parse_model(FundingHistory, doc.FUNDING_HISTORY)
    [record] = history.data_list
    payment = funding_from_record(record, SPEC)
    assert payment.position_side is PositionSide.BOTH  # from the record's context
    assert payment.amount == Decimal("-0.05585669")
    paid = (payment.funding_rate * Decimal("87.13992")).quantize(Decimal("1e-8"))
    assert paid == -payment.amount  # rate x position cost, to the record's 8 places
    assert tracker.apply_funding(payment) is True
    assert tracker.apply_funding(payment) is False  # the same settlement twice
    [event] = seen
    assert isinstance(event, FundingPaymentEvent)
    assert event.amount == Decimal("-0.05585669") and event.settlement_currency == "USDT"


def test_funding_settlement_message_received_is_positive() -> None:
    """A settlement the account received carries a positive fee; sign passed through."""
    frame = {
        "topic": "/contract/position:XBTUSDTM",
        "type": "message",
        "subject": "position.settlement",
        "data": {
            "fundingTime": 1551770400000,
            "qty": 100,
            "markPrice": 3610.85,
            "fundingRate": -0.002966,
            "fundingFee": 0.1071,
            "ts": 1547697294838004923,
            "settleCurrency": "USDT",
        },
    }
    message = parse_private_message(frame)
    assert isinstance(message, FundingSettlement) and message.symbol == "XBTUSDTM"
    payment = funding_from_settlement(message, SPEC)
    assert payment.amount == Decimal("0.1071") and payment.funding_rate == Decimal("-0.002966")
    assert payment.timestamp_ms == 1551770400000


def test_position_equality_ignores_only_the_timestamp() -> None:
    base = Position(
        "BTC-USDT",
        PositionSide.BOTH,
        Decimal(1),
        Decimal(2),
        Decimal(3),
        Decimal(4),
        Decimal(5),
        Decimal(6),
        None,
        "USDT",
        1,
    )
    later = replace(base, timestamp_ms=2)
    assert base.same_state(later) and base != later
