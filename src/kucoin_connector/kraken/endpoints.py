"""Kraken REST endpoints and rate limits, declared once as data.

Kraken counts two things (docs: guides/rest/ratelimits, guides/general/ratelimits):

* a REST counter per API key: every private call adds its cost (+1; +2 for the ledger and
  trade-history calls); it decays continuously at the tier's rate and a call that would
  push it past the tier's maximum is refused (``EAPI:Rate limit exceeded``). AddOrder and
  CancelOrder do not count here;
* a trading counter per pair, shared by REST, WS and FIX: AddOrder adds +1, CancelOrder
  adds a penalty that shrinks with the age of the order (:data:`CANCEL_PENALTIES`); it
  decays at the tier's rate (``EOrder:Rate limit exceeded`` past the threshold).

Both are :class:`~kucoin_connector.core.throttler.DecayingLimit` pools. The public
endpoints are limited per IP; Kraken does not publish an exact figure, so the public pool
below is a conservative assumption (burst 5, about one call per second).
"""

from __future__ import annotations

from dataclasses import dataclass

from kucoin_connector.core.throttler import DecayingLimit

from .config import KrakenTier

__all__ = [
    "ADD_ORDER",
    "ASSET_PAIRS",
    "BALANCE_EX",
    "CANCEL_ORDER",
    "CANCEL_PENALTIES",
    "CLOSED_ORDERS",
    "DEPTH",
    "GET_WS_TOKEN",
    "OPEN_ORDERS",
    "PUBLIC_LIMIT_ID",
    "QUERY_ORDERS",
    "QUERY_TRADES",
    "REST_LIMIT_ID",
    "TIME",
    "TRADES_HISTORY",
    "Endpoint",
    "TierLimits",
    "cancel_penalty",
    "rest_limits",
    "tier_limits",
    "trading_limit",
    "trading_limit_id",
]

PUBLIC_LIMIT_ID = "kraken:public"
REST_LIMIT_ID = "kraken:rest"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One REST call: its path, whether it is signed, and its REST-counter cost.

    ``rest_cost`` 0 means the call does not count on the REST counter (order placement and
    cancellation count on the pair's trading counter instead).
    """

    path: str
    private: bool
    rest_cost: int = 1


TIME = Endpoint("/0/public/Time", private=False)
ASSET_PAIRS = Endpoint("/0/public/AssetPairs", private=False)
DEPTH = Endpoint("/0/public/Depth", private=False)
ADD_ORDER = Endpoint("/0/private/AddOrder", private=True, rest_cost=0)
CANCEL_ORDER = Endpoint("/0/private/CancelOrder", private=True, rest_cost=0)
OPEN_ORDERS = Endpoint("/0/private/OpenOrders", private=True)
CLOSED_ORDERS = Endpoint("/0/private/ClosedOrders", private=True)
QUERY_ORDERS = Endpoint("/0/private/QueryOrders", private=True)
BALANCE_EX = Endpoint("/0/private/BalanceEx", private=True)
TRADES_HISTORY = Endpoint("/0/private/TradesHistory", private=True, rest_cost=2)
QUERY_TRADES = Endpoint("/0/private/QueryTrades", private=True, rest_cost=2)
GET_WS_TOKEN = Endpoint("/0/private/GetWebSocketsToken", private=True)


@dataclass(frozen=True, slots=True)
class TierLimits:
    """One tier's two counters: maximum and decay per second of each."""

    rest_max: int
    rest_decay_per_s: float
    trading_max: int
    trading_decay_per_s: float


_TIERS = {
    KrakenTier.STARTER: TierLimits(15, 0.33, 60, 1.0),
    KrakenTier.INTERMEDIATE: TierLimits(20, 0.5, 125, 2.34),
    KrakenTier.PRO: TierLimits(20, 1.0, 180, 3.75),
}

# (order age below which the penalty applies, in seconds; penalty). Docs table
# guides/general/ratelimits, "Cancel Order" row: <5s +8, <10s +6, <15s +5, <45s +4,
# <90s +2, <300s +1, older 0.
CANCEL_PENALTIES: tuple[tuple[float, int], ...] = (
    (5.0, 8),
    (10.0, 6),
    (15.0, 5),
    (45.0, 4),
    (90.0, 2),
    (300.0, 1),
)


def tier_limits(tier: KrakenTier) -> TierLimits:
    return _TIERS[tier]


def cancel_penalty(order_age_s: float) -> int:
    """What cancelling an order that has rested ``order_age_s`` seconds adds to the
    pair's trading counter."""
    for below_s, penalty in CANCEL_PENALTIES:
        if order_age_s < below_s:
            return penalty
    return 0


def rest_limits(tier: KrakenTier) -> list[DecayingLimit]:
    """The pools every Kraken connector declares up front (trading pools come per pair)."""
    limits = tier_limits(tier)
    return [
        DecayingLimit(PUBLIC_LIMIT_ID, capacity=5, decay_per_s=1.0),
        DecayingLimit(REST_LIMIT_ID, capacity=limits.rest_max, decay_per_s=limits.rest_decay_per_s),
    ]


def trading_limit_id(trading_pair: str) -> str:
    return f"kraken:trading:{trading_pair}"


def trading_limit(tier: KrakenTier, trading_pair: str) -> DecayingLimit:
    limits = tier_limits(tier)
    return DecayingLimit(
        trading_limit_id(trading_pair),
        capacity=limits.trading_max,
        decay_per_s=limits.trading_decay_per_s,
    )
