"""Every REST route the simulator serves, parsed by the official SDK's model for it.

The routes are enumerated from the app's router: a route with neither an oracle case nor
a justified entry in ``NO_SDK_MODEL`` fails ``test_every_route_has_an_oracle``. A new
case is one line in ``CASES``: method, route, SDK model, the concrete call (formatted
with the ids ``_setup`` creates) and, for a POST, its body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from pydantic import ValidationError

from kucoin_connector.simulator.kucoin_spot.app import ADMIN_PREFIX, WS_PATH, build_app
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator
from oracles.sdk_oracle import acct, check_shape, fee, mkt, mmkt, od, unknown_fields, xfer
from simulator.conftest import Client

SYM = "BTC-USDT"


@dataclass(frozen=True)
class Case:
    method: str
    route: str  # as registered in the router
    model: Any  # the SDK's generated response model
    call: str  # concrete path and query, formatted with the ids from _setup
    body: dict[str, Any] = field(default_factory=dict)


def order(coid: str, price: str = "{low_bid}", **extra: str) -> dict[str, Any]:
    body = {"clientOid": coid, "symbol": SYM, "side": "buy", "type": "limit"}
    return {**body, "price": price, "size": "0.001", **extra}


# Run in this order: reads first, then single cancels, then the cancel-alls.
CASES: list[Case] = [
    # ---- public
    Case("GET", "/api/v1/timestamp", mkt.GetServerTimeResp, "/api/v1/timestamp"),
    Case("GET", "/api/v1/status", mkt.GetServiceStatusResp, "/api/v1/status"),
    # v1 symbols/currencies: the SDK generates only the v2/v3 models; v1 items are a
    # subset of their fields with the same types, so the newer models read them.
    Case("GET", "/api/v1/symbols", mkt.GetAllSymbolsResp, "/api/v1/symbols"),
    Case("GET", "/api/v2/symbols", mkt.GetAllSymbolsResp, "/api/v2/symbols"),
    Case("GET", "/api/v2/symbols/{symbol}", mkt.GetSymbolResp, f"/api/v2/symbols/{SYM}"),
    Case("GET", "/api/v1/currencies", mkt.GetAllCurrenciesResp, "/api/v1/currencies"),
    Case("GET", "/api/v1/currencies/{currency}", mkt.GetCurrencyResp, "/api/v1/currencies/BTC"),
    Case("GET", "/api/v3/currencies", mkt.GetAllCurrenciesResp, "/api/v3/currencies"),
    Case("GET", "/api/v3/currencies/{currency}", mkt.GetCurrencyResp, "/api/v3/currencies/BTC"),
    Case("GET", "/api/v1/markets", mkt.GetMarketListResp, "/api/v1/markets"),
    Case("GET", "/api/v1/prices", mkt.GetFiatPriceResp, "/api/v1/prices"),
    Case(
        "GET",
        "/api/v1/market/orderbook/level1",
        mkt.GetTickerResp,
        f"/api/v1/market/orderbook/level1?symbol={SYM}",
    ),
    Case(
        "GET",
        "/api/v1/market/orderbook/level2_20",
        mkt.GetPartOrderBookResp,
        f"/api/v1/market/orderbook/level2_20?symbol={SYM}",
    ),
    Case(
        "GET",
        "/api/v1/market/orderbook/level2_100",
        mkt.GetPartOrderBookResp,
        f"/api/v1/market/orderbook/level2_100?symbol={SYM}",
    ),
    Case(
        "GET",
        "/api/v3/market/orderbook/level2",
        mkt.GetFullOrderBookResp,
        f"/api/v3/market/orderbook/level2?symbol={SYM}",
    ),
    Case("GET", "/api/v1/market/allTickers", mkt.GetAllTickersResp, "/api/v1/market/allTickers"),
    Case("GET", "/api/v1/market/stats", mkt.Get24hrStatsResp, f"/api/v1/market/stats?symbol={SYM}"),
    Case(
        "GET",
        "/api/v1/market/histories",
        mkt.GetTradeHistoryResp,
        f"/api/v1/market/histories?symbol={SYM}",
    ),
    Case(
        "GET",
        "/api/v1/market/candles",
        mkt.GetKlinesResp,
        f"/api/v1/market/candles?symbol={SYM}&type=1min",
    ),
    Case("POST", "/api/v1/bullet-public", mkt.GetPublicTokenResp, "/api/v1/bullet-public"),
    Case("POST", "/api/v1/bullet-private", mkt.GetPrivateTokenResp, "/api/v1/bullet-private"),
    Case("GET", "/api/v3/margin/symbols", mmkt.GetCrossMarginSymbolsResp, "/api/v3/margin/symbols"),
    Case(
        "GET",
        "/api/v1/isolated/symbols",
        mmkt.GetIsolatedMarginSymbolsResp,
        "/api/v1/isolated/symbols",
    ),
    # ---- accounts
    Case("GET", "/api/v1/accounts", acct.GetSpotAccountListResp, "/api/v1/accounts"),
    Case(
        "GET",
        "/api/v1/accounts/{accountId}",
        acct.GetSpotAccountDetailResp,
        "/api/v1/accounts/{acc}",
    ),
    Case("GET", "/api/v1/accounts/ledgers", acct.GetSpotLedgerResp, "/api/v1/accounts/ledgers"),
    Case(
        "GET",
        "/api/v1/hf/accounts/ledgers",
        acct.GetSpotHfLedgerResp,
        "/api/v1/hf/accounts/ledgers",
    ),
    Case(
        "GET",
        "/api/v1/hf/accounts/opened",
        acct.GetSpotAccountTypeResp,
        "/api/v1/hf/accounts/opened",
    ),
    Case("GET", "/api/v2/user-info", acct.GetAccountInfoResp, "/api/v2/user-info"),
    Case("GET", "/api/v1/user/api-key", acct.GetApikeyInfoResp, "/api/v1/user/api-key"),
    Case(
        "GET", "/api/v1/trade-fees", fee.GetSpotActualFeeResp, f"/api/v1/trade-fees?symbols={SYM}"
    ),
    Case("GET", "/api/v1/base-fee", fee.GetBasicFeeResp, "/api/v1/base-fee"),
    Case(
        "POST",
        "/api/v2/accounts/inner-transfer",
        xfer.InnerTransferResp,
        "/api/v2/accounts/inner-transfer",
        {"clientOid": "t-1", "currency": "USDT", "from": "trade", "to": "main", "amount": "1"},
    ),
    # ---- classic orders, stop orders, fills
    Case("POST", "/api/v1/orders", od.AddOrderOldResp, "/api/v1/orders", order("c-new")),
    Case("GET", "/api/v1/orders", od.GetOrdersListOldResp, "/api/v1/orders?status=done"),
    Case("GET", "/api/v1/limit/orders", od.GetRecentOrdersListOldResp, "/api/v1/limit/orders"),
    Case("GET", "/api/v1/orders/{orderId}", od.GetOrderByOrderIdOldResp, "/api/v1/orders/{c_keep}"),
    Case(
        "GET",
        "/api/v1/order/client-order/{clientOid}",
        od.GetOrderByClientOidOldResp,
        "/api/v1/order/client-order/c-keep",
    ),
    Case("GET", "/api/v1/fills", od.GetTradeHistoryOldResp, "/api/v1/fills"),
    Case("GET", "/api/v1/limit/fills", od.GetRecentTradeHistoryOldResp, "/api/v1/limit/fills"),
    Case(
        "POST",
        "/api/v1/stop-order",
        od.AddStopOrderResp,
        "/api/v1/stop-order",
        order("s-new", stop="loss", stopPrice="{stop_price}"),
    ),
    Case("GET", "/api/v1/stop-order", od.GetStopOrdersListResp, "/api/v1/stop-order"),
    Case(
        "GET",
        "/api/v1/stop-order/{orderId}",
        od.GetStopOrderByOrderIdResp,
        "/api/v1/stop-order/{s_keep}",
    ),
    Case(
        "GET",
        "/api/v1/stop-order/queryOrderByClientOid",
        od.GetStopOrderByClientOidResp,
        "/api/v1/stop-order/queryOrderByClientOid?clientOid=s-keep",
    ),
    # ---- HF orders and fills
    Case("POST", "/api/v1/hf/orders", od.AddOrderResp, "/api/v1/hf/orders", order("h-new")),
    Case(
        "POST",
        "/api/v1/hf/orders/sync",
        od.AddOrderSyncResp,
        "/api/v1/hf/orders/sync",
        order("h-sync"),
    ),
    Case(
        "GET",
        "/api/v1/hf/orders/active",
        od.GetOpenOrdersResp,
        f"/api/v1/hf/orders/active?symbol={SYM}",
    ),
    Case(
        "GET",
        "/api/v1/hf/orders/active/symbols",
        od.GetSymbolsWithOpenOrderResp,
        "/api/v1/hf/orders/active/symbols",
    ),
    Case(
        "GET",
        "/api/v1/hf/orders/done",
        od.GetClosedOrdersResp,
        f"/api/v1/hf/orders/done?symbol={SYM}",
    ),
    Case(
        "GET",
        "/api/v1/hf/orders/{orderId}",
        od.GetOrderByOrderIdResp,
        f"/api/v1/hf/orders/{{h_keep}}?symbol={SYM}",
    ),
    Case(
        "GET",
        "/api/v1/hf/orders/client-order/{clientOid}",
        od.GetOrderByClientOidResp,
        f"/api/v1/hf/orders/client-order/h-keep?symbol={SYM}",
    ),
    Case("GET", "/api/v1/hf/fills", od.GetTradeHistoryResp, f"/api/v1/hf/fills?symbol={SYM}"),
    # ---- single cancels
    Case(
        "DELETE",
        "/api/v1/orders/{orderId}",
        od.CancelOrderByOrderIdOldResp,
        "/api/v1/orders/{c_keep}",
    ),
    Case(
        "DELETE",
        "/api/v1/order/client-order/{clientOid}",
        od.CancelOrderByClientOidOldResp,
        "/api/v1/order/client-order/c-coid",
    ),
    Case(
        "DELETE",
        "/api/v1/stop-order/{orderId}",
        od.CancelStopOrderByOrderIdResp,
        "/api/v1/stop-order/{s_keep}",
    ),
    Case(
        "DELETE",
        "/api/v1/stop-order/cancelOrderByClientOid",
        od.CancelStopOrderByClientOidResp,
        "/api/v1/stop-order/cancelOrderByClientOid?clientOid=s-coid",
    ),
    Case(
        "DELETE",
        "/api/v1/hf/orders/{orderId}",
        od.CancelOrderByOrderIdResp,
        f"/api/v1/hf/orders/{{h_keep}}?symbol={SYM}",
    ),
    Case(
        "DELETE",
        "/api/v1/hf/orders/client-order/{clientOid}",
        od.CancelOrderByClientOidResp,
        f"/api/v1/hf/orders/client-order/h-coid?symbol={SYM}",
    ),
    # ---- cancel-alls
    Case(
        "DELETE",
        "/api/v1/stop-order/cancel",
        od.BatchCancelStopOrderResp,
        "/api/v1/stop-order/cancel",
    ),
    Case("DELETE", "/api/v1/orders", od.BatchCancelOrderOldResp, "/api/v1/orders"),
    Case(
        "DELETE",
        "/api/v1/hf/orders",
        od.CancelAllOrdersBySymbolResp,
        f"/api/v1/hf/orders?symbol={SYM}",
    ),
    Case(
        "DELETE",
        "/api/v1/hf/orders/cancelAll",
        od.CancelAllOrdersResp,
        "/api/v1/hf/orders/cancelAll",
    ),
]

# Routes served for older clients that the SDK 1.3.2 has no model for (KuCoin retired them).
NO_SDK_MODEL: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/accounts"): "create account: retired, not in the SDK",
    ("GET", "/api/v1/accounts/{accountId}/ledgers"): "per-account ledgers: retired (v1 docs)",
    ("GET", "/api/v1/accounts/{accountId}/holds"): "per-account holds: retired (v1 docs)",
    ("POST", "/api/v1/accounts/inner-transfer"): "inner transfer v1: retired for v2",
    ("GET", "/api/v1/market/orderbook/level3"): "level3 order book: retired, not in the SDK",
    ("GET", "/api/v3/market/orderbook/level3"): "level3 order book: retired, not in the SDK",
}


# Fields KuCoin documents that the SDK's model leaves out (any other unknown field fails).
DOCUMENTED_BEYOND_SDK: dict[str, set[str]] = {
    # the v1 currency shape (seed docs, "Get Currency Detail"); the SDK models only v3
    "/api/v1/currencies": {
        "[].withdrawalMinSize",
        "[].withdrawalMinFee",
        "[].isWithdrawEnabled",
        "[].isDepositEnabled",
    },
    "/api/v1/currencies/{currency}": {
        "withdrawalMinSize",
        "withdrawalMinFee",
        "isWithdrawEnabled",
        "isDepositEnabled",
    },
    # the placement echoes the clientOid, as the HF placements do (harmless to a client)
    "/api/v1/stop-order": {"clientOid"},
}


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
    return template


async def _setup(client: Client) -> dict[str, str]:
    """Fills on both account kinds, resting orders to read and cancel, stop orders."""
    book = await client.get(f"/api/v1/market/orderbook/level2_20?symbol={SYM}", signed=False)
    best_ask = book["asks"][0][0]
    ids = {"low_bid": str(int(float(book["bids"][-1][0]) * 0.9)), "stop_price": "1000"}
    taker = order("c-taker", price=best_ask)
    await client.post("/api/v1/orders", taker)
    await client.post("/api/v1/hf/orders", {**taker, "clientOid": "h-taker"})
    await client.post("/api/v1/accounts/inner-transfer", await _v1_transfer(client))
    for name in ("c-keep", "c-coid"):
        placed = await client.post("/api/v1/orders", _fill(order(name), ids))
        ids[name.replace("-", "_")] = placed["orderId"]
    for name in ("h-keep", "h-coid"):
        placed = await client.post("/api/v1/hf/orders", _fill(order(name), ids))
        ids[name.replace("-", "_")] = placed["orderId"]
    for name in ("s-keep", "s-coid"):
        body = order(name, stop="loss", stopPrice="{stop_price}")
        ids[name.replace("-", "_")] = (await client.post("/api/v1/stop-order", _fill(body, ids)))[
            "orderId"
        ]
    accounts = await client.get("/api/v1/accounts?currency=USDT&type=trade")
    ids["acc"] = accounts[0]["id"]
    return ids


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
