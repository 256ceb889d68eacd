"""Every KuCoin spot REST endpoint the connector uses, declared once, as data.

Each endpoint has its own rate-limit id (its name), linked to a pool: ``public`` (per IP)
for unsigned endpoints and ``private`` (per user) for signed ones. ``rate_limits()`` turns
the declarations into the throttler table:

- default: today's weighted pools (``TODAY_POOLS``: public 2000 / 30 s per IP, spot
  4000 / 30 s per user), every call consuming its endpoint's ``weight`` in its pool;
  ``weighted_pools=...`` for your own budgets (e.g. a higher VIP level);
- ``seed_pools=True`` (or explicit ``public_per_10s`` / ``private_per_10s``): the seed
  documentation's request-count pools, 100 requests / 10 s public and 200 requests / 10 s
  private, every call weighing 1.

``Endpoint.weight`` holds today's documented weight (resource-pool cost) of each call.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import quote

from kucoin_connector.core.errors import ConfigurationError
from kucoin_connector.core.throttler import LinkedLimit, RateLimit

__all__ = [
    "ENDPOINTS",
    "PRIVATE_POOL",
    "PUBLIC_POOL",
    "SEED_POOLS",
    "TODAY_POOLS",
    "WS_CONNECT_LIMIT_ID",
    "WS_SUBSCRIBE_LIMIT_ID",
    "Endpoint",
    "PoolLimit",
    "rate_limits",
]

PUBLIC_POOL = "public"
PRIVATE_POOL = "private"
WS_CONNECT_LIMIT_ID = "ws_connect"
WS_SUBSCRIBE_LIMIT_ID = "ws_subscribe"

_METHODS = frozenset({"GET", "POST", "PUT", "DELETE"})
_FORMATTER = string.Formatter()


@dataclass(frozen=True)
class Endpoint:
    """One REST endpoint. ``path`` may hold ``{orderId}``-style placeholders."""

    name: str
    method: str
    path: str
    signed: bool
    limit_id: str
    weight: int = 1

    def __post_init__(self) -> None:
        if self.method not in _METHODS:
            raise ConfigurationError(f"endpoint {self.name}: bad method {self.method!r}")
        if not self.path.startswith("/") or "?" in self.path:
            raise ConfigurationError(f"endpoint {self.name}: path must be '/...' w/o query")
        if self.weight < 1:
            raise ConfigurationError(f"endpoint {self.name}: weight must be >= 1")

    @property
    def pool(self) -> str:
        """The rate-limit pool: private (per user) when signed, else public (per IP)."""
        return PRIVATE_POOL if self.signed else PUBLIC_POOL

    @property
    def placeholders(self) -> frozenset[str]:
        return frozenset(
            field for _, field, _, _ in _FORMATTER.parse(self.path) if field is not None
        )

    def format_path(self, **params: str | int) -> str:
        """The path with every placeholder filled, each value URL-quoted (no '/' kept).

        ConfigurationError when a placeholder is missing, unexpected or empty.
        """
        expected = self.placeholders
        given = frozenset(params)
        if given != expected:
            raise ConfigurationError(
                f"endpoint {self.name} needs path parameters {sorted(expected)}, "
                f"got {sorted(given)}"
            )
        quoted: dict[str, str] = {}
        for key, value in params.items():
            text = str(value)
            if not text:
                raise ConfigurationError(f"endpoint {self.name}: empty path parameter {key}")
            quoted[key] = quote(text, safe="")
        return self.path.format(**quoted)


def declare(name: str, method: str, path: str, *, signed: bool, weight: int) -> Endpoint:
    """An endpoint whose rate-limit id is its name (KuCoin's futures table uses it too)."""
    return Endpoint(name, method, path, signed, limit_id=name, weight=weight)


_ep = declare


_ALL: tuple[Endpoint, ...] = (
    # public market data and service
    _ep("server_time", "GET", "/api/v1/timestamp", signed=False, weight=3),
    _ep("service_status", "GET", "/api/v1/status", signed=False, weight=3),
    _ep("symbols", "GET", "/api/v2/symbols", signed=False, weight=4),
    _ep("symbols_v1", "GET", "/api/v1/symbols", signed=False, weight=4),
    _ep("ticker", "GET", "/api/v1/market/orderbook/level1", signed=False, weight=2),
    _ep("all_tickers", "GET", "/api/v1/market/allTickers", signed=False, weight=15),
    _ep("orderbook_level2_20", "GET", "/api/v1/market/orderbook/level2_20", signed=False, weight=2),
    _ep(
        "orderbook_level2_100",
        "GET",
        "/api/v1/market/orderbook/level2_100",
        signed=False,
        weight=4,
    ),
    _ep("orderbook_full", "GET", "/api/v3/market/orderbook/level2", signed=True, weight=3),
    _ep("bullet_public", "POST", "/api/v1/bullet-public", signed=False, weight=10),
    _ep("bullet_private", "POST", "/api/v1/bullet-private", signed=True, weight=10),
    # accounts
    _ep("accounts", "GET", "/api/v1/accounts", signed=True, weight=5),
    _ep("inner_transfer", "POST", "/api/v2/accounts/inner-transfer", signed=True, weight=1),
    _ep("trade_fees", "GET", "/api/v1/trade-fees", signed=True, weight=3),
    # classic orders (account type "trade")
    _ep("place_order", "POST", "/api/v1/orders", signed=True, weight=2),
    _ep("cancel_order", "DELETE", "/api/v1/orders/{orderId}", signed=True, weight=3),
    _ep(
        "cancel_order_by_client_oid",
        "DELETE",
        "/api/v1/order/client-order/{clientOid}",
        signed=True,
        weight=5,
    ),
    _ep("cancel_all_orders", "DELETE", "/api/v1/orders", signed=True, weight=20),
    _ep("get_order", "GET", "/api/v1/orders/{orderId}", signed=True, weight=2),
    _ep(
        "get_order_by_client_oid",
        "GET",
        "/api/v1/order/client-order/{clientOid}",
        signed=True,
        weight=3,
    ),
    _ep("list_orders", "GET", "/api/v1/orders", signed=True, weight=2),
    _ep("fills", "GET", "/api/v1/fills", signed=True, weight=10),
    # stop orders
    _ep("place_stop_order", "POST", "/api/v1/stop-order", signed=True, weight=2),
    _ep("cancel_stop_order", "DELETE", "/api/v1/stop-order/{orderId}", signed=True, weight=3),
    _ep(
        "cancel_stop_order_by_client_oid",
        "DELETE",
        "/api/v1/stop-order/cancelOrderByClientOid",
        signed=True,
        weight=5,
    ),
    _ep(
        "get_stop_order_by_client_oid",
        "GET",
        "/api/v1/stop-order/queryOrderByClientOid",
        signed=True,
        weight=3,
    ),
    # high-frequency orders (account type "trade_hf"); most take ?symbol=
    _ep("hf_place_order", "POST", "/api/v1/hf/orders", signed=True, weight=1),
    _ep("hf_cancel_order", "DELETE", "/api/v1/hf/orders/{orderId}", signed=True, weight=1),
    _ep(
        "hf_cancel_order_by_client_oid",
        "DELETE",
        "/api/v1/hf/orders/client-order/{clientOid}",
        signed=True,
        weight=1,
    ),
    _ep("hf_cancel_all_by_symbol", "DELETE", "/api/v1/hf/orders", signed=True, weight=2),
    _ep("hf_cancel_all", "DELETE", "/api/v1/hf/orders/cancelAll", signed=True, weight=30),
    _ep("hf_get_order", "GET", "/api/v1/hf/orders/{orderId}", signed=True, weight=2),
    _ep(
        "hf_get_order_by_client_oid",
        "GET",
        "/api/v1/hf/orders/client-order/{clientOid}",
        signed=True,
        weight=2,
    ),
    _ep("hf_active_orders", "GET", "/api/v1/hf/orders/active", signed=True, weight=2),
    _ep("hf_done_orders", "GET", "/api/v1/hf/orders/done", signed=True, weight=2),
    _ep("hf_fills", "GET", "/api/v1/hf/fills", signed=True, weight=2),
)


def index_endpoints(endpoints: Iterable[Endpoint]) -> Mapping[str, Endpoint]:
    """name -> Endpoint, read-only; a name declared twice is a ConfigurationError."""
    table: dict[str, Endpoint] = {}
    for endpoint in endpoints:
        if endpoint.name in table:
            raise ConfigurationError(f"duplicate endpoint name {endpoint.name!r}")
        table[endpoint.name] = endpoint
    return MappingProxyType(table)


ENDPOINTS: Mapping[str, Endpoint] = index_endpoints(_ALL)
"""name -> Endpoint (read-only)."""


@dataclass(frozen=True, slots=True)
class PoolLimit:
    """A pool's budget: ``limit`` units per ``time_interval_s`` seconds."""

    limit: int
    time_interval_s: float


SEED_POOLS: Mapping[str, PoolLimit] = MappingProxyType(
    {PUBLIC_POOL: PoolLimit(100, 10.0), PRIVATE_POOL: PoolLimit(200, 10.0)}
)
"""The seed documentation's limits: requests per 10 s, by IP (public) and user (private)."""

TODAY_POOLS: Mapping[str, PoolLimit] = MappingProxyType(
    {PUBLIC_POOL: PoolLimit(2000, 30.0), PRIVATE_POOL: PoolLimit(4000, 30.0)}
)
"""Today's weighted resource pools (VIP0): public 2000 / 30 s per IP, spot 4000 / 30 s."""

# WebSocket budgets from the seed: 30 connects per minute, 120 (un)subscribes per minute.
WS_LIMITS = (
    RateLimit(limit_id=WS_CONNECT_LIMIT_ID, limit=30, time_interval_s=60.0),
    RateLimit(limit_id=WS_SUBSCRIBE_LIMIT_ID, limit=120, time_interval_s=60.0),
)


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _check_pool(name: str, pool: PoolLimit) -> None:
    if isinstance(pool.limit, bool) or not isinstance(pool.limit, int) or pool.limit < 1:
        raise ConfigurationError(f"rate-limit pool {name}: limit must be a positive int")
    if not pool.time_interval_s > 0:
        raise ConfigurationError(f"rate-limit pool {name}: interval must be > 0")


def rate_limits(
    public_per_10s: int | None = None,
    private_per_10s: int | None = None,
    *,
    weighted_pools: Mapping[str, PoolLimit] | None = None,
    seed_pools: bool = False,
) -> list[RateLimit]:
    """The throttler table: the two pools, one limit per endpoint, and the WS limits.

    Default: today's weighted pools (``TODAY_POOLS``), each call consuming its endpoint's
    weight. ``weighted_pools`` (must define ``public`` and ``private``): those budgets,
    weighted likewise. ``seed_pools=True`` or a ``public_per_10s`` / ``private_per_10s``
    count: the seed's request-count pools (100 / 200 per 10 s unless given), every call
    weighing 1.
    """
    counted = seed_pools or public_per_10s is not None or private_per_10s is not None
    if counted and weighted_pools is not None:
        raise ConfigurationError("give request counts (seed pools) or weighted_pools, not both")
    if counted:
        weighted = False
        pools: Mapping[str, PoolLimit] = {
            PUBLIC_POOL: PoolLimit(_or(public_per_10s, SEED_POOLS[PUBLIC_POOL].limit), 10.0),
            PRIVATE_POOL: PoolLimit(_or(private_per_10s, SEED_POOLS[PRIVATE_POOL].limit), 10.0),
        }
    else:
        weighted = True
        pools = weighted_pools if weighted_pools is not None else TODAY_POOLS
        missing = {PUBLIC_POOL, PRIVATE_POOL} - set(pools)
        if missing:
            raise ConfigurationError(f"weighted_pools lacks {sorted(missing)}")
    for pool_name, pool in pools.items():
        _check_pool(pool_name, pool)
    return pooled_limits(pools, ENDPOINTS.values(), lambda e: e.pool, weighted=weighted)


def pooled_limits(
    pools: Mapping[str, PoolLimit],
    endpoints: Iterable[Endpoint],
    pool_of: Callable[[Endpoint], str],
    *,
    weighted: bool = True,
) -> list[RateLimit]:
    """The throttler table: each pool, one limit per endpoint linked to its pool (an
    endpoint consumes its weight, or 1 when not ``weighted``), and the WS limits."""
    table = [
        RateLimit(limit_id=name, limit=pool.limit, time_interval_s=pool.time_interval_s)
        for name, pool in pools.items()
    ]
    declared = {limit.limit_id for limit in table}
    for endpoint in endpoints:
        if endpoint.limit_id in declared:  # endpoints may share one limit id
            continue
        declared.add(endpoint.limit_id)
        pool_name = pool_of(endpoint)
        pool = pools[pool_name]
        weight = min(endpoint.weight, pool.limit) if weighted else 1
        table.append(
            RateLimit(
                limit_id=endpoint.limit_id,
                limit=pool.limit,
                time_interval_s=pool.time_interval_s,
                weight=weight,
                linked_limits=(LinkedLimit(pool_name, weight),),
            )
        )
    table.extend(WS_LIMITS)
    return table
