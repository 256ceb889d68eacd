"""Every fault the simulator can inject, observed from a real client."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator

from .conftest import Client, next_message, open_ws, sign_headers, subscribe

ORDER = {
    "clientOid": "f-1",
    "symbol": "BTC-USDT",
    "side": "buy",
    "type": "limit",
    "price": "20000",
    "size": "0.001",
}


async def _l2_seq_after_orders(
    client: Client, ws: aiohttp.ClientWebSocketResponse, n: int, tag: str = "o"
) -> list[int]:
    for i in range(n):
        await client.post(
            "/api/v1/orders", {**ORDER, "clientOid": f"{tag}{i}", "price": str(20000 - i)}
        )
    seqs = []
    for _ in range(n):
        try:
            msg = await next_message(ws, "/market/level2", wait_s=0.5)
        except TimeoutError:
            break
        seqs.append(msg["data"]["sequenceStart"])
    return seqs


async def _l2_ws(client: Client) -> aiohttp.ClientWebSocketResponse:
    ws = await open_ws(client)
    await subscribe(ws, "/market/level2:BTC-USDT")
    return ws


async def test_drop_next_message(client: Client, sim: KucoinSimulator) -> None:
    ws = await _l2_ws(client)
    sim.faults.drop_ws("/market/level2", count=1)
    seqs = await _l2_seq_after_orders(client, ws, 3)
    assert len(seqs) == 2 and seqs[1] == seqs[0] + 1  # the first one is gone
    await ws.close()


async def test_duplicate_message(client: Client, sim: KucoinSimulator) -> None:
    ws = await _l2_ws(client)
    sim.faults.duplicate_ws("/market/level2", count=1)
    await client.post("/api/v1/orders", ORDER)
    first = await next_message(ws, "/market/level2")
    second = await next_message(ws, "/market/level2")
    assert first == second
    await ws.close()


async def test_reorder_messages(client: Client, sim: KucoinSimulator) -> None:
    ws = await _l2_ws(client)
    sim.faults.reorder_ws("/market/level2", count=1)
    seqs = await _l2_seq_after_orders(client, ws, 2)
    assert seqs == [seqs[1] + 1, seqs[1]]
    await ws.close()


async def test_delay_message(client: Client, sim: KucoinSimulator) -> None:
    ws = await _l2_ws(client)
    sim.faults.delay_ws("/market/level2", 0.5, count=1)
    await client.post("/api/v1/orders", ORDER)
    with pytest.raises(TimeoutError):
        await next_message(ws, "/market/level2", wait_s=0.1)
    assert (await next_message(ws, "/market/level2", wait_s=5))["subject"] == "trade.l2update"
    await ws.close()


async def test_probability_rule_is_seeded(client: Client, sim: KucoinSimulator) -> None:
    ws = await _l2_ws(client)
    sim.faults.drop_ws("/market/level2", probability=1.0)
    assert await _l2_seq_after_orders(client, ws, 2) == []
    sim.faults.clear()
    assert len(await _l2_seq_after_orders(client, ws, 1, tag="again")) == 1
    await ws.close()


async def test_close_connections(client: Client, sim: KucoinSimulator) -> None:
    public = await open_ws(client, connect_id="pub")
    private = await open_ws(client, private=True, connect_id="priv")
    assert sim.faults.close_ws(private=True) == 1
    assert (await private.receive(timeout=5)).type == aiohttp.WSMsgType.CLOSE
    await public.send_json({"id": "p", "type": "ping"})
    assert (await public.receive_json(timeout=5))["type"] == "pong"
    assert sim.faults.close_ws() == 1
    assert (await public.receive(timeout=5)).type == aiohttp.WSMsgType.CLOSE
    await public.close()
    await private.close()


async def test_expire_tokens(client: Client, sim: KucoinSimulator) -> None:
    bullet = await client.data("POST", "/api/v1/bullet-public")
    ws = await open_ws(client)
    sim.faults.expire_tokens()
    assert (await ws.receive(timeout=5)).type == aiohttp.WSMsgType.CLOSE
    url = f"{sim.ws_url}?token={bullet['token']}&connectId=again"
    old = await client.session.ws_connect(url)
    assert (await old.receive_json(timeout=5))["type"] == "error"
    await old.close()
    await ws.close()
    fresh = await open_ws(client)  # a new bullet works
    await fresh.close()


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_http_error_for_next_requests(
    client: Client, sim: KucoinSimulator, status: int
) -> None:
    sim.faults.http("/api/v1/timestamp", status=status, count=2)
    for _ in range(2):
        code, headers, payload = await client.raw("GET", "/api/v1/timestamp")
        assert code == status
        if status == 429:
            assert payload["code"] == "429000" and "gw-ratelimit-reset" in headers
    code, _, payload = await client.raw("GET", "/api/v1/timestamp")
    assert code == 200 and payload["code"] == "200000"


async def test_http_delay(client: Client, sim: KucoinSimulator) -> None:
    sim.faults.delay_http("/api/v1/timestamp", 1.0)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.raw("GET", "/api/v1/timestamp"), 0.2)
    assert await client.get("/api/v1/timestamp", signed=False)


async def test_order_placed_but_response_lost(client: Client, sim: KucoinSimulator) -> None:
    sim.faults.drop_order_response()
    with pytest.raises(aiohttp.ClientError):
        await client.raw(
            "POST", "/api/v1/orders", body={**ORDER, "clientOid": "lost-1"}, signed=True
        )
    order = await client.get("/api/v1/order/client-order/lost-1")
    assert order["clientOid"] == "lost-1" and order["isActive"] is True
    assert await client.post("/api/v1/orders", {**ORDER, "clientOid": "next-1"})


async def test_clock_skew(client: Client, sim: KucoinSimulator) -> None:
    before = await client.get("/api/v1/timestamp", signed=False)
    sim.faults.skew_clock(60_000)
    after = await client.get("/api/v1/timestamp", signed=False)
    assert after - before >= 59_000
    code, _, payload = await client.raw("GET", "/api/v1/accounts", signed=True)
    assert code == 401 and payload["code"] == "400002"
    status, _, payload = await client.raw(
        "GET", "/api/v1/accounts", signed=True, timestamp_ms=after
    )
    assert status == 200
    sim.faults.clear()
    assert sim.clock.skew_ms == 0


async def test_admin_route(client: Client, sim: KucoinSimulator) -> None:
    async def admin(spec: Any) -> Any:
        async with client.session.post(sim.rest_url + "/admin/faults", json=spec) as resp:
            assert resp.status == 200
            return await resp.json()

    ws = await _l2_ws(client)
    await admin(
        {
            "faults": [
                {"type": "ws_drop", "topic_prefix": "/market/level2", "count": 1},
                {"type": "http", "path": "/api/v1/status", "status": 503},
                {"type": "skew_clock", "ms": 10},
                {"type": "drop_order_response", "count": 1},
            ]
        }
    )
    assert (await client.raw("GET", "/api/v1/status"))[0] == 503
    assert sim.clock.skew_ms == 10 and sim.faults.drop_order_responses == 1
    assert len(sim.faults.ws_rules) == 1
    result = await admin({"type": "close_ws"})
    assert result["data"][0]["closed"] == 1
    await admin({"type": "expire_tokens"})
    await admin({"type": "clear"})
    assert sim.faults.ws_rules == [] and sim.clock.skew_ms == 0
    async with client.session.post(sim.rest_url + "/admin/faults", json={"type": "nope"}) as resp:
        assert resp.status == 400
    await ws.close()


def test_signer_helper_matches_seed_vector() -> None:
    from kucoin_connector.simulator.kucoin_spot.server import SimCredentials

    creds = SimCredentials(
        "5c2db93503aa674c74a31734",
        "f03a5284-5c39-4aaa-9b20-dea10bdcf8e3",
        "Abc123456",
        key_version=1,
    )
    headers = sign_headers(
        creds, "POST", "/api/v1/deposit-addresses", '{"currency":"BTC"}', timestamp_ms=1547015186532
    )
    assert headers["KC-API-SIGN"] == "7QP/oM0ykidMdrfNEUmng8eZjg/ZvPafjIqmxiVfYu4="
