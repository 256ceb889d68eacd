"""KuCoin authentication as the simulator checks it: every 40000x code, v1/v2 keys, 429."""

from __future__ import annotations

import time

import aiohttp
import pytest

from kucoin_connector.simulator.kucoin_spot.auth import (
    ApiKey,
    AuthFailure,
    KeyStore,
    verify_request,
)
from kucoin_connector.simulator.kucoin_spot.ratelimit import RateLimitConfig
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator

from .conftest import Client, sign_headers

SEED_KEY = ApiKey(
    "5c2db93503aa674c74a31734",
    "f03a5284-5c39-4aaa-9b20-dea10bdcf8e3",
    "Abc123456",
    "u",
    key_version=1,
)
SEED_HEADERS = {
    "KC-API-KEY": "5c2db93503aa674c74a31734",
    "KC-API-SIGN": "7QP/oM0ykidMdrfNEUmng8eZjg/ZvPafjIqmxiVfYu4=",
    "KC-API-TIMESTAMP": "1547015186532",
    "KC-API-PASSPHRASE": "Abc123456",
}


def _store() -> KeyStore:
    store = KeyStore()
    store.add(SEED_KEY)
    return store


def test_seed_vector_verifies() -> None:
    key = verify_request(
        _store(),
        SEED_HEADERS,
        "POST",
        "/api/v1/deposit-addresses",
        b'{"currency":"BTC"}',
        now_ms=1547015186532 + 4000,
    )
    assert key.user_id == "u"
    assert "f03a" not in repr(key) and "Abc123456" not in repr(key)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"KC-API-SIGN": ""}, "400001"),
        ({"KC-API-TIMESTAMP": "1547015176532"}, "400002"),
        ({"KC-API-TIMESTAMP": "soon"}, "400002"),
        ({"KC-API-KEY": "nope"}, "400003"),
        ({"KC-API-PASSPHRASE": "wrong"}, "400004"),
        ({"KC-API-KEY-VERSION": "2"}, "400004"),
        ({"KC-API-SIGN": "7QP/oM0ykidMdrfNEUmng8eZjg/ZvPafjIqmxiVfYu5="}, "400005"),
    ],
)
def test_seed_vector_failures(change: dict[str, str], code: str) -> None:
    with pytest.raises(AuthFailure) as info:
        verify_request(
            _store(),
            {**SEED_HEADERS, **change},
            "POST",
            "/api/v1/deposit-addresses",
            b'{"currency":"BTC"}',
            now_ms=1547015186532,
        )
    assert info.value.code == code and info.value.status == 401


def test_body_bytes_are_part_of_the_signature() -> None:
    with pytest.raises(AuthFailure) as info:
        verify_request(
            _store(),
            SEED_HEADERS,
            "POST",
            "/api/v1/deposit-addresses",
            b'{"currency": "BTC"}',
            now_ms=1547015186532,
        )
    assert info.value.code == "400005"


async def _status(
    client: Client, method: str = "GET", path: str = "/api/v1/accounts", **kw: object
) -> tuple[int, str]:
    status, _, payload = await client.raw(method, path, signed=True, **kw)  # type: ignore[arg-type]
    return status, payload["code"]


async def test_v2_key_accepted_and_each_error(client: Client) -> None:
    assert await _status(client) == (200, "200000")
    assert await _status(client, key="unknown") == (401, "400003")
    assert await _status(client, passphrase="wrong") == (401, "400004")
    assert await _status(client, version=1) == (401, "400004")
    assert await _status(client, secret="other-secret") == (401, "400005")
    stale = int(time.time() * 1000) - 6000
    assert await _status(client, timestamp_ms=stale) == (401, "400002")
    status, _, payload = await client.raw("GET", "/api/v1/accounts")
    assert (status, payload["code"]) == (401, "400001")


async def test_v1_key_plain_passphrase(client: Client, sim: KucoinSimulator) -> None:
    v1 = Client(
        client.session, sim, sim.add_api_key("v1-key", "v1-secret", "v1-pass", key_version=1)
    )
    assert await _status(v1) == (200, "200000")
    assert await _status(v1, passphrase="bad") == (401, "400004")


async def test_signature_covers_query_string(client: Client) -> None:
    path = "/api/v1/orders?status=active&symbol=BTC-USDT"
    assert await _status(client, path=path) == (200, "200000")
    headers = sign_headers(client.creds, "GET", "/api/v1/orders")  # query left out
    async with client.session.get(client.sim.rest_url + path, headers=headers) as resp:
        assert resp.status == 401 and (await resp.json())["code"] == "400005"


async def test_ip_whitelist_and_permissions(client: Client, sim: KucoinSimulator) -> None:
    far = Client(
        client.session, sim, sim.add_api_key("ip-key", "s", "p", ip_whitelist=["10.1.2.3"])
    )
    assert await _status(far) == (403, "400006")
    reader = Client(
        client.session, sim, sim.add_api_key("ro-key", "s", "p", permissions=["General"])
    )
    assert await _status(reader) == (200, "200000")
    body = {"clientOid": "x", "symbol": "BTC-USDT", "side": "buy", "price": "1", "size": "1"}
    status, _, payload = await reader.raw("POST", "/api/v1/orders", body=body, signed=True)
    assert (status, payload["code"]) == (403, "400007")


async def test_rate_limit_429_with_headers(session: aiohttp.ClientSession) -> None:
    limits = RateLimitConfig(public_per_window=3, private_per_window=2, window_s=60)
    async with KucoinSimulator(activity=False, rate_limits=limits) as sim:
        client = Client(session, sim)
        for remaining in (2, 1, 0):
            status, headers, _ = await client.raw("GET", "/api/v1/timestamp")
            assert status == 200 and headers["gw-ratelimit-remaining"] == str(remaining)
        status, headers, payload = await client.raw("GET", "/api/v1/timestamp")
        assert status == 429 and payload["code"] == "429000"
        assert headers["gw-ratelimit-limit"] == "3" and headers["gw-ratelimit-remaining"] == "0"
        assert 0 < int(headers["gw-ratelimit-reset"]) <= 60_000
        for _ in range(2):  # the private pool is separate (per key)
            assert (await client.raw("GET", "/api/v1/accounts", signed=True))[0] == 200
        assert (await client.raw("GET", "/api/v1/accounts", signed=True))[0] == 429
