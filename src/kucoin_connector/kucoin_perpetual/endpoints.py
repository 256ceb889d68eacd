"""Every KuCoin futures REST endpoint the connector uses, declared once, as data.

Weights and pools from KuCoin's futures API specification: signed calls consume the
``futures`` pool (per user, VIP0 2000 / 30 s), unsigned ones the ``public`` pool (per IP,
2000 / 30 s). Each endpoint also has its own limit id (its name) linked to its pool.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from kucoin_connector.core.errors import ConfigurationError
from kucoin_connector.core.throttler import RateLimit
from kucoin_connector.kucoin.endpoints import (
    Endpoint,
    PoolLimit,
    declare,
    index_endpoints,
    pooled_limits,
)

__all__ = ["ENDPOINTS", "FUTURES_POOL", "FUTURES_POOLS", "PUBLIC_POOL", "pool_of", "rate_limits"]

PUBLIC_POOL = "public"
FUTURES_POOL = "futures"


_ep = declare


_ALL: tuple[Endpoint, ...] = (
    _ep("server_time", "GET", "/api/v1/timestamp", signed=False, weight=2),
    _ep("contracts_active", "GET", "/api/v1/contracts/active", signed=False, weight=3),
    _ep("level2_snapshot", "GET", "/api/v1/level2/snapshot", signed=False, weight=3),
    _ep("bullet_public", "POST", "/api/v1/bullet-public", signed=False, weight=10),
    _ep("bullet_private", "POST", "/api/v1/bullet-private", signed=True, weight=10),
    _ep("account_overview", "GET", "/api/v1/account-overview", signed=True, weight=5),
    _ep("place_order", "POST", "/api/v1/orders", signed=True, weight=2),
    _ep("cancel_order", "DELETE", "/api/v1/orders/{orderId}", signed=True, weight=1),
    _ep(
        "cancel_order_by_client_oid",
        "DELETE",
        "/api/v1/orders/client-order/{clientOid}",
        signed=True,
        weight=1,
    ),
    _ep("get_order", "GET", "/api/v1/orders/{orderId}", signed=True, weight=5),
    _ep("get_order_by_client_oid", "GET", "/api/v1/orders/byClientOid", signed=True, weight=5),
    _ep("list_orders", "GET", "/api/v1/orders", signed=True, weight=2),
    _ep("fills", "GET", "/api/v1/fills", signed=True, weight=5),
    _ep("positions", "GET", "/api/v1/positions", signed=True, weight=2),
    _ep("funding_history", "GET", "/api/v1/funding-history", signed=True, weight=5),
    _ep("get_margin_mode", "GET", "/api/v2/position/getMarginMode", signed=True, weight=2),
    _ep("change_margin_mode", "POST", "/api/v2/position/changeMarginMode", signed=True, weight=2),
    _ep("get_position_mode", "GET", "/api/v2/position/getPositionMode", signed=True, weight=2),
    _ep(
        "switch_position_mode",
        "POST",
        "/api/v2/position/switchPositionMode",
        signed=True,
        weight=2,
    ),
    _ep("change_cross_leverage", "POST", "/api/v2/changeCrossUserLeverage", signed=True, weight=2),
)


ENDPOINTS: Mapping[str, Endpoint] = index_endpoints(_ALL)
"""name -> Endpoint (read-only)."""

FUTURES_POOLS: Mapping[str, PoolLimit] = MappingProxyType(
    {PUBLIC_POOL: PoolLimit(2000, 30.0), FUTURES_POOL: PoolLimit(2000, 30.0)}
)
"""VIP0 budgets: public 2000 / 30 s per IP, futures 2000 / 30 s per user."""


def pool_of(endpoint: Endpoint) -> str:
    return FUTURES_POOL if endpoint.signed else PUBLIC_POOL


def rate_limits(pools: Mapping[str, PoolLimit] | None = None) -> list[RateLimit]:
    """The throttler table: both pools, one weighted limit per endpoint, the WS limits."""
    chosen = FUTURES_POOLS if pools is None else pools
    missing = {PUBLIC_POOL, FUTURES_POOL} - set(chosen)
    if missing:
        raise ConfigurationError(f"futures rate-limit pools lack {sorted(missing)}")
    return pooled_limits(chosen, ENDPOINTS.values(), pool_of)
