"""The oracle's table of spot REST routes: each served route, the SDK model of its answer
and a concrete call (formatted with the ids ``test_sdk_models_rest._setup`` creates).

A new route is one ``Case`` line here, or a justified ``NO_SDK_MODEL`` entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from oracles.sdk_oracle import acct, fee, mkt, mmkt, od, xfer

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


def oco(coid: str) -> dict[str, Any]:
    """A buy OCO: the limit leg below the book, the stop-limit leg above it."""
    body = {"clientOid": coid, "symbol": SYM, "side": "buy", "price": "{low_bid}"}
    return {**body, "size": "0.001", "stopPrice": "{oco_stop}", "limitPrice": "{oco_limit}"}


DCP = "/api/v1/hf/orders/dead-cancel-all"
HF_TEST = "/api/v1/hf/orders/test"
C_TEST = "/api/v1/orders/test"
OCO_ID = "/api/v3/oco/order/{o_keep}"


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
    Case(
        "GET",
        "/api/v1/hf/orders/active/page",
        od.GetOpenOrdersByPageResp,
        f"/api/v1/hf/orders/active/page?symbol={SYM}&pageNum=1&pageSize=20",
    ),
    Case("POST", "/api/v1/hf/orders/test", od.AddOrderTestResp, HF_TEST, order("h-test")),
    Case("POST", "/api/v1/orders/test", od.AddOrderTestOldResp, C_TEST, order("c-test")),
    # batches: one order placed, one refused (off the price tick), both shapes checked
    Case(
        "POST",
        "/api/v1/orders/multi",
        od.BatchAddOrdersOldResp,
        "/api/v1/orders/multi",
        {"symbol": SYM, "orderList": [order("cb-1"), order("cb-2", price="{off_tick}")]},
    ),
    Case(
        "POST",
        "/api/v1/hf/orders/multi",
        od.BatchAddOrdersResp,
        "/api/v1/hf/orders/multi",
        {"orderList": [order("hb-1"), order("hb-2", price="{off_tick}")]},
    ),
    Case(
        "POST",
        "/api/v1/hf/orders/multi/sync",
        od.BatchAddOrdersSyncResp,
        "/api/v1/hf/orders/multi/sync",
        {"orderList": [order("hs-1"), order("hs-2", price="{off_tick}")]},
    ),
    Case(
        "POST",
        "/api/v1/hf/orders/alter",
        od.ModifyOrderResp,
        "/api/v1/hf/orders/alter",
        {"symbol": SYM, "orderId": "{h_alter}", "newSize": "0.002"},
    ),
    # dead-connection protection: set first (a day long, one symbol), then queried
    Case("POST", DCP, od.SetDcpResp, DCP, {"timeout": 86400, "symbols": SYM}),
    Case("GET", f"{DCP}/query", od.GetDcpResp, f"{DCP}/query"),
    # ---- OCO (classic account)
    Case("POST", "/api/v3/oco/order", od.AddOcoOrderResp, "/api/v3/oco/order", oco("o-new")),
    Case("GET", "/api/v3/oco/orders", od.GetOcoOrderListResp, "/api/v3/oco/orders?pageSize=10"),
    Case("GET", "/api/v3/oco/order/{orderId}", od.GetOcoOrderByOrderIdResp, OCO_ID),
    Case(
        "GET",
        "/api/v3/oco/order/details/{orderId}",
        od.GetOcoOrderDetailByOrderIdResp,
        "/api/v3/oco/order/details/{o_keep}",
    ),
    Case(
        "GET",
        "/api/v3/oco/client-order/{clientOid}",
        od.GetOcoOrderByClientOidResp,
        "/api/v3/oco/client-order/o-keep",
    ),
    # ---- transfers and the account mode
    Case(
        "GET",
        "/api/v1/accounts/transferable",
        xfer.GetTransferQuotasResp,
        "/api/v1/accounts/transferable?currency=USDT&type=TRADE",
    ),
    Case(
        "POST",
        "/api/v3/accounts/universal-transfer",
        xfer.FlexTransferResp,
        "/api/v3/accounts/universal-transfer",
        {
            "clientOid": "u-1",
            "type": "INTERNAL",
            "currency": "USDT",
            "amount": "1",
            "fromAccountType": "TRADE",
            "toAccountType": "MAIN",
        },
    ),
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
    Case(
        "DELETE",
        "/api/v1/hf/orders/cancel/{orderId}",
        od.CancelPartialOrderResp,
        f"/api/v1/hf/orders/cancel/{{h_part}}?symbol={SYM}&cancelSize=0.0005",
    ),
    Case(
        "DELETE",
        "/api/v1/hf/orders/sync/{orderId}",
        od.CancelOrderByOrderIdSyncResp,
        f"/api/v1/hf/orders/sync/{{h_sc}}?symbol={SYM}",
    ),
    Case(
        "DELETE",
        "/api/v1/hf/orders/sync/client-order/{clientOid}",
        od.CancelOrderByClientOidSyncResp,
        f"/api/v1/hf/orders/sync/client-order/h-sc-coid?symbol={SYM}",
    ),
    Case("DELETE", "/api/v3/oco/order/{orderId}", od.CancelOcoOrderByOrderIdResp, OCO_ID),
    Case(
        "DELETE",
        "/api/v3/oco/client-order/{clientOid}",
        od.CancelOcoOrderByClientOidResp,
        "/api/v3/oco/client-order/o-coid",
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
    Case("DELETE", "/api/v3/oco/orders", od.BatchCancelOcoOrdersResp, "/api/v3/oco/orders"),
]

# Routes served for older clients that the SDK 1.3.2 has no model for (KuCoin retired them).
NO_SDK_MODEL: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/accounts"): "create account: retired, not in the SDK",
    ("GET", "/api/v1/accounts/{accountId}/ledgers"): "per-account ledgers: retired (v1 docs)",
    ("GET", "/api/v1/accounts/{accountId}/holds"): "per-account holds: retired (v1 docs)",
    ("POST", "/api/v1/accounts/inner-transfer"): "inner transfer v1: retired for v2",
    ("GET", "/api/v1/market/orderbook/level3"): "level3 order book: retired, not in the SDK",
    ("GET", "/api/v3/market/orderbook/level3"): "level3 order book: retired, not in the SDK",
    # the SDK declares only the v2 (UTA) route and generates no model for it; the v1 shape
    # is ccxt's recorded answer (reference brief, section on the account-mode probe)
    ("GET", "/api/ua/v1/account/mode"): "account mode: no SDK model (UTA, v2 only)",
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
