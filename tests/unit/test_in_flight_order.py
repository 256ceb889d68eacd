"""InFlightOrder: state machine, fills, caps, fees, persistence round trip."""

from __future__ import annotations

import json
import logging
from decimal import Decimal

import pytest

from kucoin_connector.core.errors import (
    InvalidOrderTransitionError,
    OrderValidationError,
    ParseError,
)
from kucoin_connector.core.in_flight_order import (
    InFlightOrder,
    OrderUpdate,
    TradeFee,
    TradeUpdate,
)
from kucoin_connector.core.order_states import TRANSITIONS
from kucoin_connector.core.types import OrderState, OrderType, TradeType

D = Decimal
PAIR = "BTC-USDT"


def make_order(
    amount: str = "1",
    *,
    quote_amount: str | None = None,
    state: OrderState = OrderState.PENDING_CREATE,
    order_type: OrderType = OrderType.LIMIT,
) -> InFlightOrder:
    return InFlightOrder(
        client_order_id="cid-1",
        trading_pair=PAIR,
        order_type=order_type,
        trade_type=TradeType.BUY,
        amount=D(amount),
        creation_timestamp_ms=1_000,
        price=D("100") if order_type is not OrderType.MARKET else None,
        initial_state=state,
        quote_amount=None if quote_amount is None else D(quote_amount),
    )


def status(state: OrderState, ts: int = 2_000, eid: str | None = "eid-1") -> OrderUpdate:
    return OrderUpdate(PAIR, ts, state, client_order_id="cid-1", exchange_order_id=eid)


def fill(
    trade_id: str,
    base: str,
    price: str = "100",
    *,
    fee: str = "0.1",
    fee_asset: str = "USDT",
    ts: int = 3_000,
) -> TradeUpdate:
    return TradeUpdate(
        trade_id=trade_id,
        client_order_id="cid-1",
        exchange_order_id="eid-1",
        trading_pair=PAIR,
        fill_timestamp_ms=ts,
        fill_price=D(price),
        fill_base_amount=D(base),
        fill_quote_amount=D(base) * D(price),
        fee=TradeFee(fee_asset, D(fee)),
        is_maker=True,
    )


def test_new_order_defaults() -> None:
    order = make_order()
    assert order.is_pending_create and not order.is_open and not order.is_done
    assert order.executed_amount_base == 0 and order.average_executed_price is None
    assert order.last_update_timestamp_ms == 1_000
    assert "cid-1" in repr(order)


@pytest.mark.parametrize(("amount", "quote"), [("-1", None), ("0", None), ("1", "0"), ("0", "-5")])
def test_invalid_amounts_rejected(amount: str, quote: str | None) -> None:
    with pytest.raises(OrderValidationError):
        make_order(amount, quote_amount=quote)


def test_full_lifecycle_with_partial_fills() -> None:
    order = make_order("1")
    assert order.update_with_order_update(status(OrderState.OPEN))
    assert order.is_open and order.exchange_order_id == "eid-1"
    assert order.update_with_trade_update(fill("t1", "0.4", "100"))
    assert order.current_state is OrderState.PARTIALLY_FILLED
    assert order.update_with_trade_update(fill("t2", "0.6", "110", ts=4_000))
    assert order.executed_amount_base == D("1.0")
    assert order.executed_amount_quote == D("106.0")
    assert order.average_executed_price == D("106")
    assert order.is_fully_executed and order.remaining_amount_base == 0
    assert order.update_with_order_update(status(OrderState.FILLED, ts=5_000))
    assert order.is_filled and order.is_done
    assert order.last_update_timestamp_ms == 5_000
    assert order.cumulative_fees == {"USDT": D("0.2")}


def test_duplicate_fill_ignored() -> None:
    order = make_order("1", state=OrderState.OPEN)
    assert order.update_with_trade_update(fill("t1", "0.5"))
    assert not order.update_with_trade_update(fill("t1", "0.5"))
    assert order.executed_amount_base == D("0.5")
    assert list(order.order_fills) == ["t1"]


def test_over_fill_rejected_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    order = make_order("1", state=OrderState.OPEN)
    assert order.update_with_trade_update(fill("t1", "0.7"))
    assert not order.update_with_trade_update(fill("t2", "0.4"))
    assert order.executed_amount_base == D("0.7")
    assert "t2" not in order.order_fills
    assert any("inconsistent fill t2" in r.getMessage() for r in caplog.records)
    assert order.update_with_trade_update(fill("t3", "0.3"))  # exactly fits
    assert order.is_fully_executed


@pytest.mark.parametrize("base", ["0", "-0.1"])
def test_non_positive_fill_rejected(base: str) -> None:
    order = make_order("1", state=OrderState.OPEN)
    assert not order.update_with_trade_update(fill("t1", base))
    assert order.order_fills == {}


def hostile(trade_id: str, **numbers: str) -> TradeUpdate:
    """A fill of 0.5 at 100 (fee 0.1) with some of its numbers replaced."""
    true = fill(trade_id, "0.5")
    return TradeUpdate(
        trade_id=trade_id,
        client_order_id="cid-1",
        exchange_order_id="eid-1",
        trading_pair=PAIR,
        fill_timestamp_ms=3_000,
        fill_price=D(numbers.get("price", str(true.fill_price))),
        fill_base_amount=D(numbers.get("base", str(true.fill_base_amount))),
        fill_quote_amount=D(numbers.get("quote", str(true.fill_quote_amount))),
        fee=TradeFee("USDT", D(numbers.get("fee", str(true.fee.amount)))),
    )


@pytest.mark.parametrize(
    "numbers",
    [
        {"price": "0"},
        {"price": "-0"},
        {"price": "-100"},
        {"price": "NaN"},
        {"price": "Infinity"},
        {"base": "NaN"},
        {"base": "-0"},
        {"quote": "-1"},
        {"quote": "sNaN"},
        {"quote": "Infinity"},
        {"fee": "-0.1"},
        {"fee": "NaN"},
        {"fee": "-Infinity"},
    ],
)
def test_hostile_fill_rejected_and_not_recorded(numbers: dict[str, str]) -> None:
    order = make_order("1", state=OrderState.OPEN)
    assert not order.update_with_trade_update(hostile("T", **numbers))
    assert order.order_fills == {} and order.executed_amount_base == 0
    assert order.is_open and order.cumulative_fees == {}


def test_zero_price_fill_does_not_shadow_the_true_fill(caplog: pytest.LogCaptureFixture) -> None:
    order = make_order("1", state=OrderState.OPEN)
    assert not order.update_with_trade_update(hostile("T", price="0", quote="0"))
    assert "inconsistent fill T rejected (non-positive price)" in caplog.text
    assert order.update_with_trade_update(fill("T", "0.5"))  # same trade id, true numbers
    assert order.order_fills["T"].fill_price == D("100")
    assert order.executed_amount_quote == D("50.0") and order.average_executed_price == D(100)


def test_zero_quote_and_zero_fee_are_accepted() -> None:
    order = make_order("1", state=OrderState.OPEN)
    assert order.update_with_trade_update(hostile("T", quote="0", fee="0"))
    assert order.current_state is OrderState.PARTIALLY_FILLED


def test_market_order_by_funds_is_capped_on_quote() -> None:
    order = make_order("0", quote_amount="100", state=OrderState.OPEN, order_type=OrderType.MARKET)
    assert order.is_by_funds
    assert order.update_with_trade_update(fill("t1", "0.6", "100"))  # 60 quote
    assert not order.update_with_trade_update(fill("t2", "0.5", "100"))  # 110 > 100
    assert order.update_with_trade_update(fill("t3", "0.4", "100"))  # 100 exactly
    assert order.executed_amount_base == D("1.0")
    assert order.executed_amount_quote == D("100.0")
    assert order.is_fully_executed


def test_fees_summed_per_asset_and_kept_per_fill() -> None:
    order = make_order("3", state=OrderState.OPEN)
    order.update_with_trade_update(fill("t1", "1", fee="0.1", fee_asset="USDT"))
    order.update_with_trade_update(fill("t2", "1", fee="0.001", fee_asset="KCS"))
    order.update_with_trade_update(fill("t3", "1", fee="0.2", fee_asset="USDT"))
    assert order.cumulative_fees == {"USDT": D("0.3"), "KCS": D("0.001")}
    assert order.order_fills["t2"].fee == TradeFee("KCS", D("0.001"))


@pytest.mark.parametrize("done", [OrderState.FILLED, OrderState.CANCELED, OrderState.FAILED])
def test_done_states_are_final(done: OrderState) -> None:
    order = make_order()
    order.update_with_order_update(status(done))
    for other in OrderState:
        if other is not done:
            assert not order.update_with_order_update(status(other, ts=9_000))
    assert order.current_state is done
    assert order.last_update_timestamp_ms == 2_000


def test_same_state_again_is_not_a_change() -> None:
    order = make_order()
    assert order.update_with_order_update(status(OrderState.OPEN))
    assert not order.update_with_order_update(status(OrderState.OPEN, ts=2_500))


def test_cancelled_order_still_accepts_earlier_fills() -> None:
    order = make_order("1", state=OrderState.OPEN)
    order.update_with_order_update(status(OrderState.CANCELED))
    assert order.update_with_trade_update(fill("t1", "0.3"))
    assert order.is_cancelled
    assert order.executed_amount_base == D("0.3")


@pytest.mark.parametrize("start", [OrderState.PENDING_CREATE, OrderState.PLACEMENT_UNKNOWN])
@pytest.mark.parametrize("target", list(OrderState))
def test_unplaced_states_move_where_the_table_says(start: OrderState, target: OrderState) -> None:
    order = make_order(state=start)
    order.update_with_order_update(status(target, eid=None))
    legal = target in TRANSITIONS[start]
    assert order.current_state is (target if legal else start)
    # Everything but going back (or writing off a placement not even sent) is legal.
    assert legal is (
        target is not start
        and target is not OrderState.PENDING_CREATE
        and (start is OrderState.PLACEMENT_UNKNOWN or target is not OrderState.WRITTEN_OFF)
    )


def test_stale_update_ignored_with_a_debug_log(caplog: pytest.LogCaptureFixture) -> None:
    order = make_order(state=OrderState.PARTIALLY_FILLED)
    with caplog.at_level(logging.DEBUG, logger="kucoin_connector.core.in_flight_order"):
        assert not order.update_with_order_update(status(OrderState.OPEN, eid=None))
    assert order.current_state is OrderState.PARTIALLY_FILLED
    assert "OPEN after PARTIALLY_FILLED ignored" in caplog.text
    assert order.last_update_timestamp_ms == 1_000


def test_direct_illegal_transition_raises() -> None:
    order = make_order(state=OrderState.FILLED)
    with pytest.raises(InvalidOrderTransitionError) as info:
        order._transition(OrderState.OPEN, 2_000)
    assert (info.value.current, info.value.new) == (OrderState.FILLED, OrderState.OPEN)
    assert order.is_filled and order.last_update_timestamp_ms == 1_000


def test_placed_order_cannot_go_back_to_unplaced_states() -> None:
    order = make_order(state=OrderState.OPEN)
    assert not order.update_with_order_update(status(OrderState.PENDING_CREATE, eid=None))
    assert not order.update_with_order_update(status(OrderState.PLACEMENT_UNKNOWN, eid=None))
    assert order.is_open
    assert order.update_with_order_update(status(OrderState.PENDING_CANCEL))
    assert order.is_pending_cancel_confirmation and order.is_open


def test_open_with_fills_is_partially_filled() -> None:
    order = make_order("1", state=OrderState.PENDING_CANCEL)
    order.update_with_trade_update(fill("t1", "0.5"))
    assert order.current_state is OrderState.PENDING_CANCEL
    order.update_with_order_update(status(OrderState.OPEN))  # e.g. the cancel was refused
    assert order.current_state in (OrderState.PARTIALLY_FILLED,)


@pytest.mark.parametrize("start", [OrderState.PENDING_CREATE, OrderState.PLACEMENT_UNKNOWN])
def test_fill_proves_existence(start: OrderState) -> None:
    order = make_order("1", state=start)
    assert order.update_with_trade_update(fill("t1", "0.5"))
    assert order.current_state is OrderState.PARTIALLY_FILLED
    assert order.exchange_order_id == "eid-1"


def test_placement_unknown_predicates() -> None:
    order = make_order(state=OrderState.PLACEMENT_UNKNOWN)
    assert order.is_placement_unknown and not order.is_pending_create
    order.update_with_order_update(status(OrderState.FAILED))
    assert order.is_failure and order.is_done


def test_failure_reason_kept() -> None:
    order = make_order()
    order.update_with_order_update(
        OrderUpdate(PAIR, 2_000, OrderState.FAILED, client_order_id="cid-1", reason="balance")
    )
    assert order.reason == "balance"


def test_exchange_order_id_set_once(caplog: pytest.LogCaptureFixture) -> None:
    order = make_order()
    assert order.update_with_order_update(status(OrderState.OPEN, eid="eid-1"))
    assert not order.update_with_order_update(status(OrderState.OPEN, eid="other"))
    assert order.exchange_order_id == "eid-1"
    assert any("conflicting exchange order id" in r.getMessage() for r in caplog.records)
    # A conflicting id does not block the state itself.
    assert order.update_with_order_update(status(OrderState.CANCELED, eid="other"))
    assert order.is_cancelled and order.exchange_order_id == "eid-1"


def test_update_for_another_client_order_id_ignored() -> None:
    order = make_order()
    update = OrderUpdate(PAIR, 2_000, OrderState.OPEN, client_order_id="cid-2")
    assert not order.update_with_order_update(update)
    assert order.is_pending_create


def test_to_dict_is_json_safe_and_round_trips() -> None:
    order = make_order("2", state=OrderState.OPEN)
    order.update_with_order_update(status(OrderState.OPEN))
    order.update_with_trade_update(fill("t1", "0.5", "100.5", fee="0.01"))
    order.update_with_trade_update(fill("t2", "0.25", "101", fee="0.002", fee_asset="KCS"))
    data = json.loads(json.dumps(order.to_dict()))
    assert data["amount"] == "2" and data["price"] == "100"
    restored = InFlightOrder.from_dict(data)
    assert restored.to_dict() == order.to_dict()
    assert restored.executed_amount_base == order.executed_amount_base
    assert restored.executed_amount_quote == order.executed_amount_quote
    assert restored.cumulative_fees == order.cumulative_fees
    assert restored.order_fills == order.order_fills
    assert restored.current_state is OrderState.PARTIALLY_FILLED
    assert restored.last_update_timestamp_ms == order.last_update_timestamp_ms


def test_round_trip_market_by_funds() -> None:
    order = make_order("0", quote_amount="50", order_type=OrderType.MARKET)
    restored = InFlightOrder.from_dict(json.loads(json.dumps(order.to_dict())))
    assert restored.quote_amount == D("50") and restored.price is None and restored.is_by_funds


@pytest.mark.parametrize(
    "patch",
    [{"amount": "abc"}, {"current_state": "NOPE"}, {"order_fills": [{"trade_id": "x"}]}],
)
def test_from_dict_rejects_malformed_records(patch: dict[str, object]) -> None:
    data = make_order().to_dict() | patch
    with pytest.raises(ParseError):
        InFlightOrder.from_dict(data)


# ----- written-off placements ---------------------------------------------------------


def written_off() -> InFlightOrder:
    order = make_order(state=OrderState.PLACEMENT_UNKNOWN)
    assert order.write_off(2_000, "placement not found on the exchange")
    assert order.current_state is OrderState.WRITTEN_OFF
    assert order.is_done and order.is_written_off and not order.is_failure
    assert not order.is_open and order.last_update_timestamp_ms == 2_000
    assert order.written_off_ms == 2_000 and order.reason == "placement not found on the exchange"
    return order


@pytest.mark.parametrize("state", [s for s in OrderState if s is not OrderState.PLACEMENT_UNKNOWN])
def test_only_an_unknown_placement_can_be_written_off(state: OrderState) -> None:
    order = make_order(state=state)
    assert not order.write_off(2_000, "gone")
    assert order.current_state is state and order.reason is None
    assert order.is_written_off is (state is OrderState.WRITTEN_OFF)


def test_an_order_created_written_off_has_the_mark() -> None:
    order = make_order(state=OrderState.WRITTEN_OFF)
    assert order.is_written_off and order.written_off_ms == 1_000


@pytest.mark.parametrize(
    "target",
    [OrderState.OPEN, OrderState.PARTIALLY_FILLED, OrderState.FILLED, OrderState.CANCELED],
)
def test_written_off_order_revived_by_an_existence_state(target: OrderState) -> None:
    order = written_off()
    assert order.update_with_order_update(status(target, ts=5_000))
    assert order.current_state is target and not order.is_written_off
    assert order.written_off_ms is None and order.reason is None
    assert order.exchange_order_id == "eid-1" and order.last_update_timestamp_ms == 5_000


@pytest.mark.parametrize(
    "target",
    [
        OrderState.PENDING_CREATE,
        OrderState.PLACEMENT_UNKNOWN,
        OrderState.PENDING_CANCEL,
        OrderState.FAILED,
    ],
)
def test_written_off_order_ignores_non_existence_states(target: OrderState) -> None:
    order = written_off()
    assert not order.update_with_order_update(status(target, eid=None))
    assert order.is_written_off and order.written_off_ms == 2_000


def test_written_off_order_revived_by_a_fill() -> None:
    order = written_off()
    assert order.update_with_trade_update(fill("t1", "0.4"))
    assert order.current_state is OrderState.PARTIALLY_FILLED and not order.is_written_off
    assert order.executed_amount_base == D("0.4") and order.exchange_order_id == "eid-1"
    assert order.update_with_order_update(status(OrderState.CANCELED))
    assert order.is_cancelled
    for other in OrderState:  # done again, and final this time
        if other is not OrderState.CANCELED:
            assert not order.update_with_order_update(status(other, ts=9_000))
    assert order.is_cancelled


def test_ordinary_failure_stays_final_even_after_a_fill() -> None:
    order = make_order(state=OrderState.PLACEMENT_UNKNOWN)
    order.update_with_order_update(status(OrderState.FAILED))  # rejected: not written off
    assert not order.is_written_off
    assert not order.update_with_order_update(status(OrderState.OPEN))
    order.update_with_trade_update(fill("t1", "0.4"))
    assert order.is_failure


def test_written_off_mark_round_trips() -> None:
    order = written_off()
    data = json.loads(json.dumps(order.to_dict()))
    assert data["written_off_ms"] == 2_000
    assert data["current_state"] == "WRITTEN_OFF"
    restored = InFlightOrder.from_dict(data)
    assert restored.to_dict() == order.to_dict()
    assert restored.is_written_off and restored.reason == order.reason
    assert restored.written_off_ms == 2_000
    assert restored.update_with_order_update(status(OrderState.OPEN))  # still revivable
    plain = InFlightOrder.from_dict(make_order().to_dict() | {"written_off_ms": None})
    assert not plain.is_written_off


def test_old_written_off_record_is_read_as_written_off() -> None:
    """Before WRITTEN_OFF was a state, a written-off order was FAILED + written_off_ms."""
    old = written_off().to_dict() | {"current_state": "FAILED"}
    restored = InFlightOrder.from_dict(old)
    assert restored.current_state is OrderState.WRITTEN_OFF and restored.written_off_ms == 2_000
    rejected = InFlightOrder.from_dict(old | {"written_off_ms": None})
    assert rejected.is_failure and rejected.written_off_ms is None


def test_written_off_record_without_its_mark_uses_the_last_update() -> None:
    data = written_off().to_dict() | {"written_off_ms": None, "last_update_timestamp_ms": 2_500}
    assert InFlightOrder.from_dict(data).written_off_ms == 2_500


def test_written_off_mark_ignored_on_other_states() -> None:
    data = make_order(state=OrderState.OPEN).to_dict() | {"written_off_ms": 5}
    assert InFlightOrder.from_dict(data).written_off_ms is None
