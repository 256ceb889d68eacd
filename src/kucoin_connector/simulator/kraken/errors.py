"""Kraken's error strings, and the one table from the engine's Reject reasons to them.

Strings from docs.kraken.com (guides/general/errors and the endpoint pages). Marked
``unverified``: the wording for a reused ``cl_ord_id`` and for a pair in cancel-only mode.
"""

from __future__ import annotations

from ..engine.models import EngineError, Reject

INVALID_ARGUMENTS = "EGeneral:Invalid arguments"
UNKNOWN_PAIR = "EQuery:Unknown asset pair"
UNKNOWN_ORDER = "EOrder:Unknown order"
INSUFFICIENT_FUNDS = "EOrder:Insufficient funds"
POST_ONLY = "EOrder:Post only order"
ORDER_MINIMUM = "EOrder:Order minimum not met"
COST_MINIMUM = "EOrder:Cost minimum not met"
UNKNOWN_METHOD = "EGeneral:Unknown method"
PERMISSION_DENIED = "EGeneral:Permission denied"
SERVICE_UNAVAILABLE = "EService:Unavailable"

KRAKEN_ERRORS: dict[Reject, str] = {
    Reject.INVALID_PARAMETER: INVALID_ARGUMENTS,
    Reject.ORDER_NOT_FOUND: UNKNOWN_ORDER,
    Reject.DUPLICATE_CLIENT_ID: INVALID_ARGUMENTS + ":cl_ord_id",  # unverified
    Reject.TOO_MANY_ORDERS: "EOrder:Orders limit exceeded",
    Reject.INSUFFICIENT_FUNDS: INSUFFICIENT_FUNDS,
    Reject.UNKNOWN_SYMBOL: UNKNOWN_PAIR,
    Reject.TRADING_DISABLED: "EService:Market in cancel_only mode",  # unverified
    Reject.MARGIN_MODE_MISMATCH: INVALID_ARGUMENTS,
    Reject.POSITION_MODE_LOCKED: INVALID_ARGUMENTS,
}


class KrakenError(Exception):
    """A refusal answered as ``{"error": [error], "result": {}}``."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error

    @classmethod
    def from_engine(cls, exc: EngineError) -> KrakenError:
        return cls(KRAKEN_ERRORS.get(exc.reason, INVALID_ARGUMENTS))


def invalid(field: str) -> KrakenError:
    return KrakenError(f"{INVALID_ARGUMENTS}:{field}")
