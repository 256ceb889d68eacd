"""The order transition table (core/order_states.py), walked pair by pair."""

from __future__ import annotations

import ast
import inspect
import itertools
from decimal import Decimal

import pytest

from kucoin_connector.core import order_states
from kucoin_connector.core.errors import ConnectorError, InvalidOrderTransitionError
from kucoin_connector.core.in_flight_order import InFlightOrder, OrderUpdate
from kucoin_connector.core.order_states import (
    DONE_STATES,
    EXISTS_STATES,
    FILL_MOVES_STATES,
    FINAL_STATES,
    OPEN_STATES,
    TRANSITIONS,
    UNPLACED_STATES,
    check_transition,
    may_transition,
)
from kucoin_connector.core.types import OrderState, OrderType, TradeType

S = OrderState
PAIRS = list(itertools.product(OrderState, repeat=2))


def order_in(state: OrderState) -> InFlightOrder:
    """An order in ``state``, set up the way the connector gets it there."""
    start = S.PLACEMENT_UNKNOWN if state is S.WRITTEN_OFF else state
    order = InFlightOrder(
        "cid-1",
        "BTC-USDT",
        OrderType.LIMIT,
        TradeType.BUY,
        Decimal(1),
        1_000,
        price=Decimal(100),
        initial_state=start,
    )
    if state is S.WRITTEN_OFF:
        assert order.write_off(1_500, "placement not found on the exchange")
    assert order.current_state is state
    return order


def snapshot(order: InFlightOrder) -> tuple[object, ...]:
    return (order.current_state, order.last_update_timestamp_ms, order.written_off_ms, order.reason)


@pytest.mark.parametrize(("current", "new"), PAIRS, ids=[f"{a.name}->{b.name}" for a, b in PAIRS])
def test_transition_method_follows_the_table(current: OrderState, new: OrderState) -> None:
    order = order_in(current)
    if new in TRANSITIONS[current]:
        order._transition(new, 5_000, "why")
        assert order.current_state is new and order.last_update_timestamp_ms == 5_000
        assert order.reason == "why"
        assert order.written_off_ms == (5_000 if new is S.WRITTEN_OFF else None)
        assert order.is_written_off is (new is S.WRITTEN_OFF)
    else:
        before = snapshot(order)
        with pytest.raises(InvalidOrderTransitionError) as info:
            order._transition(new, 5_000, "why")
        assert (info.value.current, info.value.new) == (current, new)
        assert snapshot(order) == before


@pytest.mark.parametrize(("current", "new"), PAIRS, ids=[f"{a.name}->{b.name}" for a, b in PAIRS])
def test_exchange_updates_are_tolerant(current: OrderState, new: OrderState) -> None:
    """The same table through update_with_order_update: an illegal move is ignored."""
    order = order_in(current)
    update = OrderUpdate("BTC-USDT", 5_000, new, client_order_id="cid-1")
    changed = order.update_with_order_update(update)
    assert changed is (new in TRANSITIONS[current])
    assert order.current_state is (new if changed else current)


def test_every_state_has_a_row_and_no_row_names_its_own_state() -> None:
    assert set(TRANSITIONS) == set(OrderState)
    for state, targets in TRANSITIONS.items():
        assert isinstance(targets, frozenset) and targets <= set(OrderState)
        assert state not in targets, state  # repeating a state is a no-op, not a move


def test_table_lists_each_transition_exactly_once_in_the_source() -> None:
    """A repeated key or target would vanish silently in a dict or set literal."""
    tree = ast.parse(inspect.getsource(order_states))
    (table,) = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.AnnAssign) and ast.unparse(node.target) == "TRANSITIONS"
    ]
    assert isinstance(table, ast.Call)
    (rows,) = table.args
    assert isinstance(rows, ast.Dict)
    listed: list[tuple[str, str]] = []
    for key, value in zip(rows.keys, rows.values, strict=True):
        assert key is not None and isinstance(value, ast.Call)
        targets: list[ast.expr] = []
        if value.args:  # frozenset({...}); a final state's row is frozenset()
            literal = value.args[0]
            assert isinstance(literal, ast.Set)
            targets = literal.elts
        listed += [(ast.unparse(key), ast.unparse(target)) for target in targets]
    assert len(listed) == len(set(listed))
    assert len(rows.keys) == len(OrderState)
    assert len(listed) == sum(len(targets) for targets in TRANSITIONS.values())


def test_table_shape() -> None:
    assert set(FINAL_STATES) == {S.FILLED, S.CANCELED, S.FAILED}
    assert set(DONE_STATES) == {*FINAL_STATES, S.WRITTEN_OFF}
    # Known to exist, or written off: never back to an unplaced state.
    for state in set(OrderState) - set(UNPLACED_STATES):
        assert not TRANSITIONS[state] & set(UNPLACED_STATES), state
    # Only an unknown placement is written off; a written-off order can only be revived.
    assert [s for s in OrderState if S.WRITTEN_OFF in TRANSITIONS[s]] == [S.PLACEMENT_UNKNOWN]
    assert TRANSITIONS[S.WRITTEN_OFF] == set(EXISTS_STATES)
    # A fill moves these to PARTIALLY_FILLED: that move must be legal.
    for state in FILL_MOVES_STATES:
        assert S.PARTIALLY_FILLED in TRANSITIONS[state], state
    # Every state is reachable from a new order.
    seen, todo = {S.PENDING_CREATE}, [S.PENDING_CREATE]
    while todo:
        for target in TRANSITIONS[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    assert seen == set(OrderState)
    assert set(OPEN_STATES) == {S.OPEN, S.PARTIALLY_FILLED, S.PENDING_CANCEL}


def test_state_predicates_use_the_groups() -> None:
    for state in OrderState:
        assert state.is_done is (state in DONE_STATES)
        assert state.is_open is (state in OPEN_STATES)
        assert order_in(state).is_done is state.is_done
        assert order_in(state).is_open is state.is_open
    assert order_in(S.WRITTEN_OFF).is_failure is False


def test_check_transition_and_its_error() -> None:
    check_transition(S.OPEN, S.FILLED)
    assert may_transition(S.OPEN, S.FILLED) and not may_transition(S.FILLED, S.OPEN)
    with pytest.raises(InvalidOrderTransitionError) as info:
        check_transition(S.FILLED, S.OPEN)
    assert isinstance(info.value, ConnectorError)
    assert info.value.current is S.FILLED and info.value.new is S.OPEN
    assert "FILLED" in str(info.value) and "OPEN" in str(info.value)
