"""API keys as on KuCoin, over real HTTP: versions 1/2/3 and the version header, any number
of keys, each user's keys seeing only that user's balances and orders."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from kucoin_connector.core.errors import ConfigurationError
from kucoin_connector.simulator.kucoin_spot.server import (
    DEFAULT_USER,
    KucoinSimulator,
    SimCredentials,
)

HEADER_VERSIONS = (None, "1", "2", "3", "4", "two")
PASSPHRASE_FORMS = ("plain", "signed")


def _b64_hmac(secret: str, message: str) -> str:
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _headers(
    creds: SimCredentials,
    method: str,
    path: str,
    body: str = "",
    *,
    header_version: str | None,
    passphrase_form: str,
) -> dict[str, str]:
    """Headers built from the docs with the version header and passphrase chosen freely."""
    ts = str(int(time.time() * 1000))
    phrase = creds.passphrase
    headers = {
        "KC-API-KEY": creds.api_key,
        "KC-API-SIGN": _b64_hmac(creds.api_secret, ts + method + path + body),
        "KC-API-TIMESTAMP": ts,
        "KC-API-PASSPHRASE": phrase
        if passphrase_form == "plain"
        else _b64_hmac(creds.api_secret, phrase),
        "Content-Type": "application/json",
    }
    if header_version is not None:
        headers["KC-API-KEY-VERSION"] = header_version
    return headers


def _as_kucoin_would(key_version: int, header: str | None, form: str) -> bool:
    if key_version == 1:
        return header in (None, "1") and form == "plain"
    return header in ("2", "3") and form == "signed"


async def _call(
    session: aiohttp.ClientSession,
    sim: KucoinSimulator,
    creds: SimCredentials,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
) -> tuple[int, Any]:
    text = "" if body is None else json.dumps(body, separators=(",", ":"))
    version = str(creds.key_version) if creds.key_version >= 2 else None
    form = "signed" if creds.key_version >= 2 else "plain"
    headers = _headers(creds, method, path, text, header_version=version, passphrase_form=form)
    async with session.request(
        method, sim.rest_url + path, data=text or None, headers=headers
    ) as resp:
        return resp.status, await resp.json()


@pytest.mark.parametrize("key_version", [1, 2, 3])
async def test_every_version_header_and_passphrase_combination(key_version: int) -> None:
    async with (
        KucoinSimulator(activity=False) as sim,
        aiohttp.ClientSession() as session,
    ):
        creds = sim.add_api_key(f"k-v{key_version}", "sec:ret", "pass", key_version=key_version)
        outcomes, expected = {}, {}
        for header in HEADER_VERSIONS:
            for form in PASSPHRASE_FORMS:
                headers = _headers(
                    creds, "GET", "/api/v1/accounts", header_version=header, passphrase_form=form
                )
                async with session.get(sim.rest_url + "/api/v1/accounts", headers=headers) as r:
                    payload = await r.json()
                outcomes[header, form] = (r.status, payload["code"], payload.get("msg"))
                expected[header, form] = (
                    (200, "200000", None)
                    if _as_kucoin_would(key_version, header, form)
                    else (401, "400004", "Invalid KC-API-PASSPHRASE")
                )
        assert outcomes == expected


async def _usdt_balances(
    session: aiohttp.ClientSession, sim: KucoinSimulator, creds: SimCredentials
) -> set[Decimal]:
    status, payload = await _call(session, sim, creds, "GET", "/api/v1/accounts?currency=USDT")
    assert status == 200, payload
    return {Decimal(a["balance"]) for a in payload["data"]}


async def _active_client_oids(
    session: aiohttp.ClientSession, sim: KucoinSimulator, creds: SimCredentials
) -> set[str]:
    status, payload = await _call(session, sim, creds, "GET", "/api/v1/orders?status=active")
    assert status == 200, payload
    return {o["clientOid"] for o in payload["data"]["items"]}


async def test_each_users_keys_see_only_that_users_balances_and_orders() -> None:
    async with (
        KucoinSimulator(activity=False, balances={"USDT": "1000"}) as sim,
        aiohttp.ClientSession() as session,
    ):
        mine = sim.credentials
        also_mine = sim.add_api_key("k-also-mine", "s1", "p1", key_version=1)
        alice = sim.add_api_key("k-alice", "s2", "p2", key_version=3, user_id="alice")
        alice_v1 = sim.add_api_key("k-alice-v1", "s3", "p3", key_version=1, user_id="alice")
        assert also_mine.user_id == DEFAULT_USER and alice.user_id == "alice"
        sim.fund_user("alice", {"USDT": "7"})
        for creds, balance in ((mine, 1000), (also_mine, 1000), (alice, 7), (alice_v1, 7)):
            assert await _usdt_balances(session, sim, creds) == {Decimal(balance)}
        order = {"symbol": "BTC-USDT", "side": "buy", "price": "100", "size": "0.01"}
        for creds, oid in ((also_mine, "mine-1"), (alice_v1, "alice-1")):
            status, payload = await _call(
                session, sim, creds, "POST", "/api/v1/orders", {**order, "clientOid": oid}
            )
            assert status == 200, payload
        assert await _active_client_oids(session, sim, mine) == {"mine-1"}
        assert await _active_client_oids(session, sim, alice) == {"alice-1"}
        status, payload = await _call(
            session, sim, alice, "GET", "/api/v1/order/client-order/mine-1"
        )
        assert payload["code"] != "200000" or payload["data"] is None


@pytest.mark.parametrize("version", [0, 4, -1])
async def test_add_api_key_refuses_unknown_versions(version: int) -> None:
    sim = KucoinSimulator(activity=False)
    with pytest.raises(ConfigurationError, match="version"):
        sim.add_api_key("k-bad", "s", "p", key_version=version)
    with pytest.raises(ConfigurationError, match="version"):
        KucoinSimulator(activity=False, key_version=version)
    assert [c.api_key for c in sim.api_keys] == ["sim-api-key"]


def test_add_api_key_refuses_a_key_twice_and_empty_fields() -> None:
    sim = KucoinSimulator(activity=False)
    sim.add_api_key("k-1", "s", "p")
    with pytest.raises(ConfigurationError, match="already"):
        sim.add_api_key("k-1", "other", "other", user_id="bob")
    with pytest.raises(ConfigurationError):
        sim.add_api_key("k-2", "", "p")
    assert [(c.api_key, c.user_id) for c in sim.api_keys] == [
        ("sim-api-key", DEFAULT_USER),
        ("k-1", DEFAULT_USER),
    ]
    assert sim.user_ids() == {DEFAULT_USER}
