"""Every REST route and WebSocket topic of the KuCoin Futures front-end, parsed by the
official SDK's futures model for it (strict, unknown fields named).

Routes are enumerated from the running simulator's router and topics from its topic
tables: one with neither a case in ``futures_cases`` nor a justified ``NO_SDK_MODEL``
entry fails. The simulator is driven for real: fills that open and partly close a
position, resting orders, funding (``settle_funding``), a mark price
(``set_mark_price``), then hedge mode with a long and a short position.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from pydantic import ValidationError

from kucoin_connector.simulator.kucoin_futures import KucoinFuturesSimulator
from kucoin_connector.simulator.kucoin_futures.candles_feed import LIMIT_CANDLE
from kucoin_connector.simulator.kucoin_futures.server import WS_PATH
from kucoin_connector.simulator.kucoin_futures.ws_topics import PRIVATE_TOPICS, PUBLIC_TOPICS
from oracles.futures_cases import (
    CASES,
    DOCUMENTED_BEYOND_SDK,
    ENUM_BEYOND_SDK,
    NO_SDK_MODEL,
    SYM,
    WS_CASES,
    WS_NO_SDK_MODEL,
    FCase,
    forder,
)
from oracles.sdk_oracle import check_shape, ford, fpos, unknown_fields
from simulator.conftest import Client, open_ws


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
async def fsim() -> AsyncIterator[KucoinFuturesSimulator]:
    async with KucoinFuturesSimulator(seed=7, activity=False, balances={"USDT": "100000"}) as sim:
        yield sim


async def test_every_route_has_an_oracle(fsim: KucoinFuturesSimulator) -> None:
    app = fsim.served_app  # the app as served: its router is the list of routes
    assert app is not None
    served = {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None
        and route.method != "HEAD"
        and not route.resource.canonical.startswith("/admin/")  # the simulator's own
    } - {("GET", WS_PATH)}
    covered = {(c.method, c.route) for c in CASES}
    assert len(covered) == len(CASES), "a route has two cases"
    assert served - covered - set(NO_SDK_MODEL) == set(), "routes without an SDK oracle"
    assert covered - served == set(), "cases for routes the simulator does not serve"
    assert set(NO_SDK_MODEL) - served == set(), "stale NO_SDK_MODEL entries"


def test_every_topic_has_an_oracle() -> None:
    covered = {c.base for c in WS_CASES}
    served = set(PUBLIC_TOPICS) | set(PRIVATE_TOPICS) | {LIMIT_CANDLE}
    assert served - covered - set(WS_NO_SDK_MODEL) == set(), "topics without an SDK oracle"
    assert covered - served == set(), "cases for topics the simulator does not serve"
    assert set(WS_NO_SDK_MODEL) <= served, "stale WS_NO_SDK_MODEL entries"


# ---- checking one answer ------------------------------------------------------------
def _known_to_sdk(data: Any) -> tuple[Any, set[str]]:
    """``data`` with the enum values of ``ENUM_BEYOND_SDK`` replaced by ones the SDK
    knows, and the names of the fields replaced."""
    if isinstance(data, list):
        pairs = [_known_to_sdk(item) for item in data]
        found: set[str] = set().union(*(p[1] for p in pairs))
        return [p[0] for p in pairs], found
    if not isinstance(data, dict):
        return data, set()
    out: dict[str, Any] = {}
    replaced: set[str] = set()
    for key, value in data.items():
        values, known = ENUM_BEYOND_SDK.get(key, (set(), ""))
        if isinstance(value, str) and value in values:
            out[key], replaced = known, replaced | {key}
        else:
            out[key], inner = _known_to_sdk(value)
            replaced |= inner
    return out, replaced


def check(model: Any, data: Any, label: str, beyond: set[str], failures: list[str]) -> None:
    """Strict parse (a documented enum value beyond the SDK must be its only error),
    then the unknown-field check."""
    known, replaced = _known_to_sdk(data)
    if replaced:
        try:
            check_shape(model, data)
        except ValidationError as exc:
            wrong = {str(e["loc"][-1]) for e in exc.errors()} - replaced
            if wrong:
                failures.append(f"{label}: besides {replaced}: {exc}")
    try:
        check_shape(model, known)
    except (ValidationError, AssertionError) as exc:
        failures.append(f"{label} -> {model.__name__}: {exc}")
    unknown = unknown_fields(model, data) - beyond
    if unknown:
        failures.append(f"{label}: fields unknown to KuCoin {unknown}")


def _fill(template: Any, ids: dict[str, str]) -> Any:
    if isinstance(template, str):
        return template.format(**ids)
    if isinstance(template, dict):
        return {k: _fill(v, ids) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, ids) for v in template]
    return template


async def _market(client: Client, coid: str, side: str, size: int, **extra: Any) -> None:
    body = {"clientOid": coid, "symbol": SYM, "side": side, "type": "market", "leverage": 5}
    await client.post("/api/v1/orders", {**body, "size": size, **extra})


async def _setup(client: Client, fsim: KucoinFuturesSimulator) -> dict[str, str]:
    """A position opened by 5 lots and closed by 2 (fills with open and close fees),
    funding settled, the mark price moved, two resting orders."""
    book = await client.get(f"/api/v1/level2/snapshot?symbol={SYM}", signed=False)
    ids = {"low_bid": str(int(book["bids"][-1][0] * 0.9))}
    await _market(client, "t-open", "buy", 5)
    await _market(client, "t-close", "sell", 2, reduceOnly=True)
    fsim.settle_funding(SYM)
    fsim.set_mark_price(SYM, Decimal(str(book["asks"][0][0])) + 10)
    for name in ("r-keep", "r-coid"):
        placed = await client.post("/api/v1/orders", _fill(forder(name), ids))
        ids[name.replace("-", "_")] = placed["orderId"]
    return ids


async def _run(client: Client, cases: list[FCase], ids: dict[str, str]) -> list[str]:
    failures: list[str] = []
    for case in cases:
        path = _fill(case.call, ids)
        body = _fill(case.body, ids) if case.method == "POST" else None
        data = await client.data(case.method, path, body=body, signed=True)
        beyond = DOCUMENTED_BEYOND_SDK.get(case.route, set())
        check(case.model, data, f"{case.method} {case.route}", beyond, failures)
        assert data not in ([], {}, None, ""), f"{case.route} answered nothing to check"
    return failures


async def test_every_response_fits_the_sdk_model(
    session: aiohttp.ClientSession, fsim: KucoinFuturesSimulator
) -> None:
    client = Client(session, fsim)
    ids = await _setup(client, fsim)
    failures = await _run(client, CASES, ids)
    assert failures == [], "\n\n".join(failures)


async def test_hedge_mode_positions_fit_the_sdk_model(
    session: aiohttp.ClientSession, fsim: KucoinFuturesSimulator
) -> None:
    client = Client(session, fsim)
    await client.post("/api/v2/position/switchPositionMode", {"positionMode": "1"})
    await _market(client, "h-long", "buy", 3, positionSide="LONG")
    await _market(client, "h-short", "sell", 2, positionSide="SHORT")
    failures: list[str] = []
    positions = await client.get("/api/v1/positions")
    assert {p["positionSide"] for p in positions} == {"LONG", "SHORT"}
    beyond = DOCUMENTED_BEYOND_SDK["/api/v1/positions"]
    check(fpos.GetPositionListResp, positions, "hedge positions", beyond, failures)
    orders = await client.get("/api/v1/orders?status=done")
    assert {o["positionSide"] for o in orders["items"]} == {"LONG", "SHORT"}
    beyond = DOCUMENTED_BEYOND_SDK["/api/v1/orders"]
    check(ford.GetOrderListResp, orders, "hedge orders", beyond, failures)
    assert failures == [], "\n\n".join(failures)


# every orderChange type the driven orders go through (market taker, resting, cancel)
ORDER_EVENT_TYPES = {"open", "match", "filled", "canceled"}


# ---- WebSocket ----------------------------------------------------------------------
async def _subscribe_all(ws: aiohttp.ClientWebSocketResponse) -> None:
    topics = list(dict.fromkeys(case.topic for case in WS_CASES))
    for n, topic in enumerate(topics):
        private = topic.partition(":")[0] in PRIVATE_TOPICS
        request = {"id": f"s{n}", "type": "subscribe", "topic": topic, "response": True}
        await ws.send_json({**request, "privateChannel": private})
    acks: set[str] = set()
    while len(acks) < len(topics):
        reply = await ws.receive_json(timeout=5)
        assert reply["type"] == "ack", reply
        acks.add(reply["id"])


async def test_every_message_fits_the_sdk_model(
    session: aiohttp.ClientSession, fsim: KucoinFuturesSimulator
) -> None:
    client = Client(session, fsim)
    ws = await open_ws(client, private=True)
    await _subscribe_all(ws)
    ids = await _setup(client, fsim)
    await client.delete(f"/api/v1/orders/{ids['r_keep']}")
    by_kind = {(c.topic, c.subject): c for c in WS_CASES}
    seen: set[tuple[str, str]] = set()
    order_types: set[str] = set()
    failures: list[str] = []
    while seen != set(by_kind) or not order_types >= ORDER_EVENT_TYPES:
        message = await ws.receive_json(timeout=5)
        if message.get("type") != "message":
            continue
        kind = (str(message["topic"]), str(message["subject"]))
        assert kind in by_kind, f"a message no case covers: {kind}"
        label = f"{message['topic']} ({kind[1]})"
        beyond = DOCUMENTED_BEYOND_SDK.get(by_kind[kind].base, set())
        check(by_kind[kind].model, message["data"], label, beyond, failures)
        seen.add(kind)
        if kind[1] == "orderChange":
            order_types.add(message["data"]["type"])
    await ws.close()
    assert failures == [], "\n\n".join(failures)


def test_a_wrong_futures_shape_is_reported() -> None:
    """The oracle has teeth: a position size as a string, a hedge side next to a wrong
    field, and a field KuCoin does not send are each reported."""
    position = {"symbol": SYM, "currentQty": 5, "positionSide": "BOTH"}
    failures: list[str] = []
    check(fpos.GetPositionDetailsResp, position, "ok", set(), failures)
    assert failures == []
    check(fpos.GetPositionDetailsResp, {**position, "currentQty": "5"}, "str", set(), failures)
    hedged = {**position, "positionSide": "LONG", "isOpen": "yes"}
    check(fpos.GetPositionDetailsResp, hedged, "hedged", set(), failures)
    check(fpos.GetPositionDetailsResp, {**position, "isActive": True}, "extra", set(), failures)
    assert [f.partition(":")[0].split(" ")[0] for f in failures] == [
        "str",
        "hedged",
        "hedged",
        "extra",
    ]
