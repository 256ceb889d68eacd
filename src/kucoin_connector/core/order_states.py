"""The order life cycle as data: which state may follow which, and the state groups.

``TRANSITIONS`` maps every :class:`OrderState` to the states it may move to, each legal
move listed exactly once. A state maps to itself nowhere: an update repeating the current
state is a no-op, not a transition. ``InFlightOrder`` changes state only through
:func:`check_transition`; the tracker and the connector reason with the groups below.

Reading the rows: the exchange may skip states (an order can be FILLED or CANCELED before
its OPEN message arrives), so a state lists every later one it may jump to. An order known
to exist never goes back to an unplaced state (stale updates are ignored). WRITTEN_OFF is
done but revivable: the exchange may show the order after all. FILLED, CANCELED and FAILED
are final (fills that happened before a cancel are still accepted: a fill is not a state
change; see ``InFlightOrder``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from kucoin_connector.core.errors import InvalidOrderTransitionError
from kucoin_connector.core.types import OrderState

_S = OrderState

# fmt: off
TRANSITIONS: Mapping[OrderState, frozenset[OrderState]] = MappingProxyType({
    # Request being sent: its answer, a stream message or a look-up may say anything.
    _S.PENDING_CREATE: frozenset({
        _S.PLACEMENT_UNKNOWN, _S.OPEN, _S.PARTIALLY_FILLED, _S.PENDING_CANCEL,
        _S.FILLED, _S.CANCELED, _S.FAILED,
    }),
    # Answer lost: resolved by look-up, or written off after repeated "not found".
    _S.PLACEMENT_UNKNOWN: frozenset({
        _S.OPEN, _S.PARTIALLY_FILLED, _S.PENDING_CANCEL, _S.FILLED, _S.CANCELED,
        _S.FAILED, _S.WRITTEN_OFF,
    }),
    # Resting on the book.
    _S.OPEN: frozenset({_S.PARTIALLY_FILLED, _S.PENDING_CANCEL, _S.FILLED, _S.CANCELED}),
    # Some fills: never OPEN again (an OPEN report for an order with fills means this).
    _S.PARTIALLY_FILLED: frozenset({_S.PENDING_CANCEL, _S.FILLED, _S.CANCELED}),
    # Cancel requested: it may be refused (OPEN / PARTIALLY_FILLED again) or overtaken.
    _S.PENDING_CANCEL: frozenset({_S.OPEN, _S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELED}),
    # Given up as never placed, but the exchange shows it after all: revived.
    _S.WRITTEN_OFF: frozenset({_S.OPEN, _S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELED}),
    # Final.
    _S.FILLED: frozenset(),
    _S.CANCELED: frozenset(),
    _S.FAILED: frozenset(),
})
# fmt: on

# The groups are tuples, not sets: membership is then an identity test, whereas a set
# would hash the member (Enum.__hash__ runs in Python) on the order-update hot path.

#: No further event is expected: final, or written off (failed, though revivable).
DONE_STATES: tuple[OrderState, ...] = (_S.FILLED, _S.CANCELED, _S.FAILED, _S.WRITTEN_OFF)
#: No transition at all leaves them.
FINAL_STATES: tuple[OrderState, ...] = tuple(s for s in OrderState if not TRANSITIONS[s])
#: On the exchange's book (``InFlightOrder.is_open``); a "not found" answer for one of
#: these is suspicious and, repeated, makes the order lost.
OPEN_STATES: tuple[OrderState, ...] = (_S.OPEN, _S.PARTIALLY_FILLED, _S.PENDING_CANCEL)
#: Placement not confirmed: whether the order exists is not known yet.
UNPLACED_STATES: tuple[OrderState, ...] = (_S.PENDING_CREATE, _S.PLACEMENT_UNKNOWN)
#: Reported by the exchange, so the order exists there (OrderCreatedEvent is due).
EXISTS_STATES: tuple[OrderState, ...] = (_S.OPEN, _S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELED)
#: States a fill moves to PARTIALLY_FILLED (a fill proves the order exists and has fills).
FILL_MOVES_STATES: tuple[OrderState, ...] = (
    _S.PENDING_CREATE,
    _S.PLACEMENT_UNKNOWN,
    _S.OPEN,
    _S.WRITTEN_OFF,
)


def may_transition(current: OrderState, new: OrderState) -> bool:
    """True if the table lets ``current`` move to ``new`` (never for ``current`` itself)."""
    return new in TRANSITIONS[current]


def check_transition(current: OrderState, new: OrderState) -> None:
    """Raise :class:`InvalidOrderTransitionError` unless ``current`` may move to ``new``."""
    if new not in TRANSITIONS[current]:
        raise InvalidOrderTransitionError(current, new)
