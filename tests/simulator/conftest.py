"""Fixtures for the simulator server tests: a running simulator, a tiny KuCoin signer."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import pytest

from kucoin_connector.simulator.kucoin_futures.server import KucoinFuturesSimulator
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator, SimCredentials


def b64_hmac(secret: str, message: str) -> str:
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def sign_headers(
    creds: SimCredentials,
    method: str,
    path_with_query: str,
    body: str = "",
    *,
    timestamp_ms: int | None = None,
    version: int | None = None,
    passphrase: str | None = None,
    secret: str | None = None,
    key: str | None = None,
) -> dict[str, str]:
    """KuCoin's headers, written independently of both the connector and the server."""
    ts = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    secret = creds.api_secret if secret is None else secret
    version = creds.key_version if version is None else version
    phrase = creds.passphrase if passphrase is None else passphrase
    headers = {
        "KC-API-KEY": creds.api_key if key is None else key,
        "KC-API-SIGN": b64_hmac(secret, ts + method.upper() + path_with_query + body),
        "KC-API-TIMESTAMP": ts,
        "KC-API-PASSPHRASE": b64_hmac(creds.api_secret, phrase) if version >= 2 else phrase,
        "Content-Type": "application/json",
    }
    if version >= 2:
        headers["KC-API-KEY-VERSION"] = str(version)
    return headers


class Client:
    """A small signed/unsigned REST client against one simulator."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        sim: KucoinSimulator | KucoinFuturesSimulator,
        creds: SimCredentials | None = None,
    ) -> None:
        self.session = session
        self.sim = sim
        self.creds = creds or sim.credentials

    async def raw(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        signed: bool = False,
        headers: Mapping[str, str] | None = None,
        **sign_kw: Any,
    ) -> tuple[int, Mapping[str, str], Any]:
        text = "" if body is None else json.dumps(body, separators=(",", ":"))
        hdrs = dict(headers or {})
        if signed:
            hdrs.update(sign_headers(self.creds, method, path, text, **sign_kw))
        async with self.session.request(
            method, self.sim.rest_url + path, data=text or None, headers=hdrs
        ) as resp:
            payload = await resp.json(content_type=None)
            return resp.status, resp.headers, payload

    async def data(self, method: str, path: str, *, body: Any = None, signed: bool = False) -> Any:
        status, _, payload = await self.raw(method, path, body=body, signed=signed)
        assert status == 200, (status, payload)
        assert payload["code"] == "200000", payload
        return payload["data"]

    async def get(self, path: str, *, signed: bool = True) -> Any:
        return await self.data("GET", path, signed=signed)

    async def post(self, path: str, body: Any, *, signed: bool = True) -> Any:
        return await self.data("POST", path, body=body, signed=signed)

    async def delete(self, path: str, *, signed: bool = True) -> Any:
        return await self.data("DELETE", path, signed=signed)


@pytest.fixture
async def sim() -> AsyncIterator[KucoinSimulator]:
    async with KucoinSimulator(
        seed=7,
        pairs=["BTC-USDT", "ETH-USDT"],
        activity=False,
        balances={"USDT": "100000", "BTC": "5", "ETH": "50"},
    ) as s:
        yield s


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
def client(session: aiohttp.ClientSession, sim: KucoinSimulator) -> Client:
    return Client(session, sim)


async def open_ws(
    client: Client, *, private: bool = False, connect_id: str = "cid-1"
) -> aiohttp.ClientWebSocketResponse:
    """Bullet, connect, and consume the welcome message."""
    path = "/api/v1/bullet-private" if private else "/api/v1/bullet-public"
    bullet = await client.data("POST", path, signed=private)
    server = bullet["instanceServers"][0]
    url = f"{server['endpoint']}?token={bullet['token']}&connectId={connect_id}"
    ws = await client.session.ws_connect(url)
    welcome = await ws.receive_json(timeout=5)
    assert welcome == {"id": connect_id, "type": "welcome"}
    return ws


async def subscribe(
    ws: aiohttp.ClientWebSocketResponse, topic: str, req_id: str = "sub-1", *, private: bool = False
) -> dict[str, Any]:
    await ws.send_json(
        {
            "id": req_id,
            "type": "subscribe",
            "topic": topic,
            "privateChannel": private,
            "response": True,
        }
    )
    reply: dict[str, Any] = await ws.receive_json(timeout=5)
    return reply


async def next_message(
    ws: aiohttp.ClientWebSocketResponse, topic_prefix: str = "", *, wait_s: float = 5.0
) -> dict[str, Any]:
    """The next data message whose topic starts with the prefix (others skipped)."""
    while True:
        msg: dict[str, Any] = await ws.receive_json(timeout=wait_s)
        if msg.get("type") == "message" and str(msg.get("topic", "")).startswith(topic_prefix):
            return msg
