"""Fixtures for the Kraken front-end: a running simulator and a Kraken signer written here
from Kraken's REST authentication guide (not from the simulator's or a connector's code)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
from collections.abc import AsyncIterator, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from kucoin_connector.simulator.kraken import KrakenCredentials, KrakenSimulator


def kraken_sign(secret_b64: str, url_path: str, nonce: str, body: bytes) -> str:
    """API-Sign: HMAC-SHA512 keyed by the decoded secret, over the URI path followed by
    the raw SHA-256 of nonce + POST data; base64."""
    sha = hashlib.sha256(nonce.encode("utf-8") + body).digest()
    mac = hmac.new(base64.b64decode(secret_b64), url_path.encode("utf-8") + sha, hashlib.sha512)
    return base64.b64encode(mac.digest()).decode()


class KrakenClient:
    """A tiny Kraken REST client against one simulator; nonces count up from 1."""

    def __init__(
        self, session: aiohttp.ClientSession, sim: KrakenSimulator, creds: KrakenCredentials
    ) -> None:
        self.session = session
        self.sim = sim
        self.creds = creds
        self.nonces = itertools.count(1_000)

    async def public(self, method: str, **params: Any) -> Any:
        url = f"{self.sim.rest_url}/0/public/{method}"
        async with self.session.get(url, params={k: str(v) for k, v in params.items()}) as r:
            assert r.status == 200
            return await r.json(loads=lambda t: json.loads(t, parse_float=Decimal))

    async def private_raw(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        nonce: int | None = None,
        as_json: bool = False,
        sign_body: bytes | None = None,
        creds: KrakenCredentials | None = None,
    ) -> Any:
        creds = creds or self.creds
        nonce_text = str(next(self.nonces) if nonce is None else nonce)
        fields = {"nonce": nonce_text, **{k: str(v) for k, v in (params or {}).items()}}
        if as_json:
            body = json.dumps(fields).encode()
            content_type = "application/json"
        else:
            body = urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded"
        path = f"/0/private/{method}"
        signed = body if sign_body is None else sign_body
        headers = {
            "API-Key": creds.api_key,
            "API-Sign": kraken_sign(creds.api_secret, path, nonce_text, signed),
            "Content-Type": content_type,
        }
        async with self.session.post(self.sim.rest_url + path, data=body, headers=headers) as r:
            assert r.status == 200
            return await r.json()

    async def private(self, method: str, params: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        payload = await self.private_raw(method, params, **kw)
        assert payload["error"] == [], payload
        return payload["result"]


@pytest.fixture
async def ksim() -> AsyncIterator[KrakenSimulator]:
    async with KrakenSimulator(
        pairs=["BTC-USD", "ETH-USD"],
        activity=False,
        balances={"USD": "100000", "BTC": "5", "ETH": "50"},
    ) as sim:
        yield sim


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
def kclient(session: aiohttp.ClientSession, ksim: KrakenSimulator) -> KrakenClient:
    return KrakenClient(session, ksim, ksim.credentials)
