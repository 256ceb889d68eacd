"""Endpoint declarations and the rate-limit table built from them."""

from __future__ import annotations

import dataclasses

import pytest

from kucoin_connector.core.errors import ConfigurationError
from kucoin_connector.core.throttler import AsyncThrottler, LinkedLimit
from kucoin_connector.kucoin.endpoints import (
    ENDPOINTS,
    PRIVATE_POOL,
    PUBLIC_POOL,
    TODAY_POOLS,
    WS_CONNECT_LIMIT_ID,
    WS_SUBSCRIBE_LIMIT_ID,
    Endpoint,
    PoolLimit,
    rate_limits,
)

EXPECTED = {
    "server_time": ("GET", "/api/v1/timestamp", False),
    "service_status": ("GET", "/api/v1/status", False),
    "symbols": ("GET", "/api/v2/symbols", False),
    "symbols_v1": ("GET", "/api/v1/symbols", False),
    "ticker": ("GET", "/api/v1/market/orderbook/level1", False),
    "all_tickers": ("GET", "/api/v1/market/allTickers", False),
    "orderbook_level2_20": ("GET", "/api/v1/market/orderbook/level2_20", False),
    "orderbook_level2_100": ("GET", "/api/v1/market/orderbook/level2_100", False),
    "orderbook_full": ("GET", "/api/v3/market/orderbook/level2", True),
    "bullet_public": ("POST", "/api/v1/bullet-public", False),
    "bullet_private": ("POST", "/api/v1/bullet-private", True),
    "accounts": ("GET", "/api/v1/accounts", True),
    "trade_fees": ("GET", "/api/v1/trade-fees", True),
    "place_order": ("POST", "/api/v1/orders", True),
    "cancel_order": ("DELETE", "/api/v1/orders/{orderId}", True),
    "cancel_order_by_client_oid": ("DELETE", "/api/v1/order/client-order/{clientOid}", True),
    "cancel_all_orders": ("DELETE", "/api/v1/orders", True),
    "get_order": ("GET", "/api/v1/orders/{orderId}", True),
    "get_order_by_client_oid": ("GET", "/api/v1/order/client-order/{clientOid}", True),
    "list_orders": ("GET", "/api/v1/orders", True),
    "fills": ("GET", "/api/v1/fills", True),
    "place_stop_order": ("POST", "/api/v1/stop-order", True),
    "cancel_stop_order": ("DELETE", "/api/v1/stop-order/{orderId}", True),
    "get_stop_order_by_client_oid": ("GET", "/api/v1/stop-order/queryOrderByClientOid", True),
    "hf_place_order": ("POST", "/api/v1/hf/orders", True),
    "hf_cancel_order": ("DELETE", "/api/v1/hf/orders/{orderId}", True),
    "hf_cancel_order_by_client_oid": (
        "DELETE",
        "/api/v1/hf/orders/client-order/{clientOid}",
        True,
    ),
    "hf_cancel_all_by_symbol": ("DELETE", "/api/v1/hf/orders", True),
    "hf_cancel_all": ("DELETE", "/api/v1/hf/orders/cancelAll", True),
    "hf_get_order": ("GET", "/api/v1/hf/orders/{orderId}", True),
    "hf_get_order_by_client_oid": ("GET", "/api/v1/hf/orders/client-order/{clientOid}", True),
    "hf_active_orders": ("GET", "/api/v1/hf/orders/active", True),
    "hf_fills": ("GET", "/api/v1/hf/fills", True),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_endpoint_declared_as_documented(name: str) -> None:
    endpoint = ENDPOINTS[name]
    assert endpoint.name == name
    assert (endpoint.method, endpoint.path, endpoint.signed) == EXPECTED[name]


def test_endpoints_mapping_is_immutable_and_endpoints_frozen() -> None:
    with pytest.raises(TypeError):
        ENDPOINTS["x"] = ENDPOINTS["symbols"]  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ENDPOINTS["symbols"].path = "/x"  # type: ignore[misc]


def test_method_and_path_pairs_are_unique() -> None:
    pairs = [(e.method, e.path) for e in ENDPOINTS.values()]
    assert len(pairs) == len(set(pairs))


def test_every_endpoint_limit_id_is_declared_in_rate_limits() -> None:
    declared = {rl.limit_id for rl in rate_limits()}
    assert {PUBLIC_POOL, PRIVATE_POOL, WS_CONNECT_LIMIT_ID, WS_SUBSCRIBE_LIMIT_ID} <= declared
    for endpoint in ENDPOINTS.values():
        assert endpoint.limit_id in declared, endpoint.name


def test_default_is_todays_weighted_pools() -> None:
    assert rate_limits() == rate_limits(weighted_pools=TODAY_POOLS)
    table = {rl.limit_id: rl for rl in rate_limits()}
    assert (table[PUBLIC_POOL].limit, table[PUBLIC_POOL].time_interval_s) == (2000, 30.0)
    bullet = ENDPOINTS["bullet_public"]
    assert table[bullet.limit_id].linked_limits == (LinkedLimit(PUBLIC_POOL, bullet.weight),)


def test_seed_pools_option_counts_requests_in_two_pools() -> None:
    table = {rl.limit_id: rl for rl in rate_limits(seed_pools=True)}
    assert (table[PUBLIC_POOL].limit, table[PUBLIC_POOL].time_interval_s) == (100, 10.0)
    assert (table[PRIVATE_POOL].limit, table[PRIVATE_POOL].time_interval_s) == (200, 10.0)
    for endpoint in ENDPOINTS.values():
        limit = table[endpoint.limit_id]
        expected_pool = PRIVATE_POOL if endpoint.signed else PUBLIC_POOL
        assert limit.linked_limits == (LinkedLimit(expected_pool, 1),)
        assert limit.weight == 1


def test_configurable_request_counts() -> None:
    table = {rl.limit_id: rl for rl in rate_limits(public_per_10s=50, private_per_10s=75)}
    assert table[PUBLIC_POOL].limit == 50
    assert table[PRIVATE_POOL].limit == 75


def test_weighted_pools_use_endpoint_weights() -> None:
    table = {rl.limit_id: rl for rl in rate_limits(weighted_pools=TODAY_POOLS)}
    assert (table[PRIVATE_POOL].limit, table[PRIVATE_POOL].time_interval_s) == (4000, 30.0)
    assert (table[PUBLIC_POOL].limit, table[PUBLIC_POOL].time_interval_s) == (2000, 30.0)
    cancel_all = ENDPOINTS["hf_cancel_all"]
    assert cancel_all.weight > 1
    assert table["hf_cancel_all"].linked_limits == (LinkedLimit(PRIVATE_POOL, cancel_all.weight),)
    assert table["all_tickers"].linked_limits == (
        LinkedLimit(PUBLIC_POOL, ENDPOINTS["all_tickers"].weight),
    )


def test_weighted_pools_must_define_both_pools() -> None:
    with pytest.raises(ConfigurationError):
        rate_limits(weighted_pools={PUBLIC_POOL: PoolLimit(10, 1.0)})


def test_request_counts_and_weighted_pools_are_exclusive() -> None:
    with pytest.raises(ConfigurationError):
        rate_limits(seed_pools=True, weighted_pools=TODAY_POOLS)


@pytest.mark.parametrize("bad", [0, -5])
def test_bad_pool_numbers_are_rejected(bad: int) -> None:
    with pytest.raises(ConfigurationError):
        rate_limits(public_per_10s=bad)


@pytest.mark.parametrize("share", [1.0, 0.5, 0.1])
@pytest.mark.parametrize("weighted", [False, True])
def test_throttler_accepts_the_table(share: float, weighted: bool) -> None:
    table = rate_limits(weighted_pools=TODAY_POOLS) if weighted else rate_limits(seed_pools=True)
    throttler = AsyncThrottler(table, limits_share=share)
    for endpoint in ENDPOINTS.values():
        assert throttler.has_limit(endpoint.limit_id)


async def test_throttler_charges_the_linked_pool() -> None:
    throttler = AsyncThrottler(rate_limits(weighted_pools=TODAY_POOLS), clock=lambda: 0.0)
    await throttler.acquire("hf_cancel_all")
    await throttler.acquire("symbols")
    assert throttler.current_usage(PRIVATE_POOL) == ENDPOINTS["hf_cancel_all"].weight
    assert throttler.current_usage(PUBLIC_POOL) == ENDPOINTS["symbols"].weight


def test_format_path_fills_and_quotes_placeholders() -> None:
    endpoint = ENDPOINTS["hf_get_order_by_client_oid"]
    assert endpoint.placeholders == frozenset({"clientOid"})
    assert (
        endpoint.format_path(clientOid="my id/1?x=#&%")
        == "/api/v1/hf/orders/client-order/my%20id%2F1%3Fx%3D%23%26%25"
    )
    assert ENDPOINTS["cancel_order"].format_path(orderId="5bd6e9286d99522a52e458de") == (
        "/api/v1/orders/5bd6e9286d99522a52e458de"
    )
    assert ENDPOINTS["get_order"].format_path(orderId=12345) == "/api/v1/orders/12345"


def test_format_path_without_placeholders() -> None:
    assert ENDPOINTS["place_order"].format_path() == "/api/v1/orders"
    assert ENDPOINTS["place_order"].placeholders == frozenset()


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("cancel_order", {}),
        ("cancel_order", {"clientOid": "x"}),
        ("cancel_order", {"orderId": "a", "extra": "b"}),
        ("place_order", {"orderId": "a"}),
        ("cancel_order", {"orderId": ""}),
    ],
)
def test_format_path_rejects_wrong_parameters(name: str, params: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError):
        ENDPOINTS[name].format_path(**params)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"method": "get"},
        {"method": "PATCHY"},
        {"path": "api/v1/x"},
        {"path": "/api/v1/x?symbol=1"},
        {"weight": 0},
    ],
)
def test_endpoint_validates_its_declaration(kwargs: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "name": "x",
        "method": "GET",
        "path": "/api/v1/x",
        "signed": False,
        "limit_id": "x",
        "weight": 1,
    }
    fields.update(kwargs)
    with pytest.raises(ConfigurationError):
        Endpoint(**fields)  # type: ignore[arg-type]
