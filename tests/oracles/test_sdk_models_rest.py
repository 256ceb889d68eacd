"""Every REST route the simulator serves, parsed by the official SDK's model for it.

The routes are enumerated from the app's router: a route with neither an oracle case nor
a justified entry in ``NO_SDK_MODEL`` fails ``test_every_route_has_an_oracle``. A new
case is one line in ``spot_rest_cases.CASES``: method, route, SDK model, the concrete call
(formatted with the ids ``_setup`` creates) and, for a POST, its body.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from pydantic import ValidationError

from kucoin_connector.simulator.kucoin_spot.app import build_app
from kucoin_connector.simulator.kucoin_spot.http_faults import ADMIN_PREFIX, WS_PATH
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator
from oracles.sdk_oracle import acct, check_shape, od, unknown_fields
from oracles.spot_rest_cases import CASES, DOCUMENTED_BEYOND_SDK, NO_SDK_MODEL, SYM, oco, order
from simulator.conftest import Client


def served_routes() -> set[tuple[str, str]]:
    """(method, route template) of every REST route of a fresh simulator app."""
    sim = KucoinSimulator(activity=False)
    app = build_app(sim.state, sim.services)
    routes = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if route.method == "HEAD" or path == WS_PATH or path.startswith(ADMIN_PREFIX):
            continue
        routes.add((route.method, path))
    return routes


def test_every_route_has_an_oracle() -> None:
    covered = {(c.method, c.route) for c in CASES}
    assert len(covered) == len(CASES), "a route has two cases"
    served = served_routes()
    assert served - covered - set(NO_SDK_MODEL) == set(), "routes without an SDK oracle"
    assert covered - served == set(), "cases for routes the simulator does not serve"
    assert set(NO_SDK_MODEL) - served == set(), "stale NO_SDK_MODEL entries"


# Margin stubs: the simulator has no margin trading, so these lists stay empty.
EMPTY_BY_DESIGN = {"/api/v3/margin/symbols", "/api/v1/isolated/symbols"}


def _is_empty(data: Any) -> bool:
    if isinstance(data, dict) and "items" in data:
        return not data["items"]
    return data in ([], {}, None, "")


def _fill(template: Any, ids: dict[str, str]) -> Any:
    if isinstance(template, str):
        return template.format(**ids)
    if isinstance(template, dict):
        return {k: _fill(v, ids) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, ids) for v in template]
    return template


async def _setup(client: Client) -> dict[str, str]:
    """Fills on both account kinds, resting orders to read and cancel, stop and OCO orders."""
    book = await client.get(f"/api/v1/market/orderbook/level2_20?symbol={SYM}", signed=False)
    best_ask = book["asks"][0][0]
    low_bid = int(float(book["bids"][-1][0]) * 0.9)
    ids = {
        "low_bid": str(low_bid),
        "off_tick": f"{low_bid}.005",
        "stop_price": "1000",
        "oco_stop": str(int(float(best_ask) * 1.05)),
        "oco_limit": str(int(float(best_ask) * 1.06)),
    }
    taker = order("c-taker", price=best_ask)
    await client.post("/api/v1/orders", taker)
    await client.post("/api/v1/hf/orders", {**taker, "clientOid": "h-taker"})
    await client.post("/api/v1/accounts/inner-transfer", await _v1_transfer(client))
    await _place_all(client, ids)
    accounts = await client.get("/api/v1/accounts?currency=USDT&type=trade")
    ids["acc"] = accounts[0]["id"]
    return ids


async def _place_all(client: Client, ids: dict[str, str]) -> None:
    """Resting orders of every kind; each id under its clientOid with ``_`` for ``-``."""
    placements: list[tuple[str, str, dict[str, Any]]] = [
        (path, name, order(name))
        for path, names in (
            ("/api/v1/orders", ("c-keep", "c-coid")),
            ("/api/v1/hf/orders", ("h-keep", "h-coid", "h-alter", "h-part", "h-sc", "h-sc-coid")),
        )
        for name in names
    ]
    placements += [
        ("/api/v1/stop-order", name, order(name, stop="loss", stopPrice="{stop_price}"))
        for name in ("s-keep", "s-coid")
    ]
    placements += [("/api/v3/oco/order", name, oco(name)) for name in ("o-keep", "o-coid")]
    for path, name, body in placements:
        placed = await client.post(path, _fill(body, ids))
        ids[name.replace("-", "_")] = placed["orderId"]


async def _v1_transfer(client: Client) -> dict[str, str]:
    """A v1 transfer main <- trade (a ledger entry of another kind)."""
    main = await client.post("/api/v1/accounts", {"type": "main", "currency": "USDT"})
    trade = await client.get("/api/v1/accounts?currency=USDT&type=trade")
    return {
        "clientOid": "t-v1",
        "payAccountId": trade[0]["id"],
        "recAccountId": main["id"],
        "amount": "5",
    }


async def test_every_response_fits_the_sdk_model(session: aiohttp.ClientSession) -> None:
    async with KucoinSimulator(seed=7, pairs=[SYM, "ETH-USDT"], activity=False) as sim:
        client = Client(session, sim)
        ids = await _setup(client)
        failures: list[str] = []
        for case in CASES:
            path = _fill(case.call, ids)
            body = _fill(case.body, ids) if case.method == "POST" else None
            data = await client.data(case.method, path, body=body, signed=True)
            try:
                check_shape(case.model, data)
            except (ValidationError, AssertionError) as exc:
                failures.append(f"{case.method} {case.route} -> {case.model.__name__}: {exc}")
            unknown = unknown_fields(case.model, data) - DOCUMENTED_BEYOND_SDK.get(
                case.route, set()
            )
            if unknown:
                failures.append(f"{case.method} {case.route}: fields unknown to KuCoin {unknown}")
            if case.route not in EMPTY_BY_DESIGN:
                assert not _is_empty(data), f"{case.route} answered nothing to check"
        assert failures == [], "\n\n".join(failures)


def test_a_wrong_shape_raises() -> None:
    """The oracle has teeth: an HF fill with a string tradeId is refused."""
    fill = {"id": 1, "symbol": SYM, "tradeId": "11116472408358913", "orderId": "o-1"}
    with pytest.raises(ValidationError):
        check_shape(od.GetTradeHistoryResp, {"items": [fill], "lastId": 1})
    check_shape(od.GetTradeHistoryResp, {"items": [{**fill, "tradeId": 11116472408358913}]})
    with pytest.raises(ValidationError):
        check_shape(acct.GetSpotAccountListResp, [{"id": "1", "type": "trade_hf"}])
    # the classic batch answers an object holding the list, not the bare list
    placed = {"symbol": SYM, "status": "success", "id": "o-1"}
    check_shape(od.BatchAddOrdersOldResp, {"data": [placed]})
    with pytest.raises(ValidationError):
        check_shape(od.BatchAddOrdersOldResp, [placed])


def test_fields_kucoin_does_not_send_are_found() -> None:
    """A classic field on an HF order, a misspelt one in a list item: both named."""
    assert unknown_fields(od.GetOrderByOrderIdResp, {"id": "o-1", "isActive": True}) == {"isActive"}
    page = {"items": [{"tradeId": 1, "tradeid": 1}], "lastId": 1}
    assert unknown_fields(od.GetTradeHistoryResp, page) == {"items[].tradeid"}
    assert unknown_fields(acct.GetSpotAccountListResp, [{"id": "1", "typ": "main"}]) == {"[].typ"}


@pytest.fixture
async def session() -> Any:
    async with aiohttp.ClientSession() as s:
        yield s


async def test_hf_accounts_are_listed_only_when_asked_by_type(
    session: aiohttp.ClientSession,
) -> None:
    """KuCoin's account list (and the SDK's enum) has types main and trade; asked
    ``type=trade_hf`` KuCoin answered that type (recorded by ccxt), which the SDK's
    model cannot read: that answer is kept for the clients that ask it."""
    async with KucoinSimulator(seed=3, pairs=[SYM], activity=False) as sim:
        client = Client(session, sim)
        listed = await client.get("/api/v1/accounts")
        assert {a["type"] for a in listed} == {"trade"}
        check_shape(acct.GetSpotAccountListResp, listed)
        hf = await client.get("/api/v1/accounts?type=trade_hf")
        assert {a["type"] for a in hf} == {"trade_hf"} and len(hf) == len(listed)
