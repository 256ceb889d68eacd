"""The oracle's table of KuCoin Futures REST routes and WebSocket topics: each served one,
the SDK model of its answer (or message ``data``) and a concrete call, formatted with
the ids ``test_sdk_models_futures._setup`` creates.

A new route or topic is one line here, or a justified ``NO_SDK_MODEL`` entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from oracles.sdk_oracle import acct, fee, ffund, fmkt, ford, fpos, fws_private, fws_public

SYM = "XBTUSDTM"


@dataclass(frozen=True)
class FCase:
    method: str
    route: str  # as registered in the router
    model: Any  # the SDK's generated response model
    call: str  # concrete path and query, formatted with the ids from _setup
    body: dict[str, Any] = field(default_factory=dict)


def forder(coid: str, price: str = "{low_bid}", **extra: Any) -> dict[str, Any]:
    body = {"clientOid": coid, "symbol": SYM, "side": "buy", "type": "limit", "leverage": 5}
    return {**body, "price": price, "size": 1, **extra}


# Run in this order: reads first, then placements, single cancels, the cancel-all.
CASES: list[FCase] = [
    # ---- public
    FCase("GET", "/api/v1/timestamp", fmkt.GetServerTimeResp, "/api/v1/timestamp"),
    FCase("GET", "/api/v1/status", fmkt.GetServiceStatusResp, "/api/v1/status"),
    FCase("GET", "/api/v1/contracts/active", fmkt.GetAllSymbolsResp, "/api/v1/contracts/active"),
    FCase("GET", "/api/v1/contracts/{symbol}", fmkt.GetSymbolResp, f"/api/v1/contracts/{SYM}"),
    FCase("GET", "/api/v1/ticker", fmkt.GetTickerResp, f"/api/v1/ticker?symbol={SYM}"),
    FCase(
        "GET",
        "/api/v1/level2/snapshot",
        fmkt.GetFullOrderBookResp,
        f"/api/v1/level2/snapshot?symbol={SYM}",
    ),
    FCase(
        "GET",
        "/api/v1/level2/depth20",
        fmkt.GetPartOrderBookResp,
        f"/api/v1/level2/depth20?symbol={SYM}",
    ),
    FCase(
        "GET",
        "/api/v1/level2/depth100",
        fmkt.GetPartOrderBookResp,
        f"/api/v1/level2/depth100?symbol={SYM}",
    ),
    FCase(
        "GET",
        "/api/v1/trade/history",
        fmkt.GetTradeHistoryResp,
        f"/api/v1/trade/history?symbol={SYM}",
    ),
    FCase(
        "GET",
        "/api/v1/kline/query",
        fmkt.GetKlinesResp,
        f"/api/v1/kline/query?symbol={SYM}&granularity=1",
    ),
    FCase(
        "GET",
        "/api/v1/funding-rate/{symbol}/current",
        ffund.GetCurrentFundingRateResp,
        f"/api/v1/funding-rate/{SYM}/current",
    ),
    FCase(
        "GET",
        "/api/v1/mark-price/{symbol}/current",
        fmkt.GetMarkPriceResp,
        f"/api/v1/mark-price/{SYM}/current",
    ),
    FCase(
        "GET",
        "/api/v1/index/query",
        fmkt.GetSpotIndexPriceResp,
        "/api/v1/index/query?symbol=.KXBTUSDT",
    ),
    FCase("POST", "/api/v1/bullet-public", fmkt.GetPublicTokenResp, "/api/v1/bullet-public"),
    FCase("POST", "/api/v1/bullet-private", fmkt.GetPrivateTokenResp, "/api/v1/bullet-private"),
    # ---- account, positions, funding
    FCase(
        "GET",
        "/api/v1/account-overview",
        acct.GetFuturesAccountResp,
        "/api/v1/account-overview?currency=USDT",
    ),
    FCase(
        "GET", "/api/v1/trade-fees", fee.GetFuturesActualFeeResp, f"/api/v1/trade-fees?symbol={SYM}"
    ),
    FCase("GET", "/api/v1/positions", fpos.GetPositionListResp, "/api/v1/positions"),
    FCase("GET", "/api/v1/position", fpos.GetPositionDetailsResp, f"/api/v1/position?symbol={SYM}"),
    FCase(
        "GET",
        "/api/v1/funding-history",
        ffund.GetPrivateFundingHistoryResp,
        f"/api/v1/funding-history?symbol={SYM}",
    ),
    FCase(
        "GET",
        "/api/v2/position/getMarginMode",
        fpos.GetMarginModeResp,
        f"/api/v2/position/getMarginMode?symbol={SYM}",
    ),
    FCase(
        "POST",
        "/api/v2/position/changeMarginMode",
        fpos.SwitchMarginModeResp,
        "/api/v2/position/changeMarginMode",
        {"symbol": "SOLUSDTM", "marginMode": "CROSS"},
    ),
    FCase(
        "POST",
        "/api/v2/changeCrossUserLeverage",
        fpos.ModifyMarginLeverageResp,
        "/api/v2/changeCrossUserLeverage",
        {"symbol": "SOLUSDTM", "leverage": "3"},
    ),
    FCase(
        "GET",
        "/api/v2/getCrossUserLeverage",
        fpos.GetCrossMarginLeverageResp,
        "/api/v2/getCrossUserLeverage?symbol=SOLUSDTM",
    ),
    # ---- orders and fills
    FCase("GET", "/api/v1/orders", ford.GetOrderListResp, "/api/v1/orders?status=active"),
    FCase("GET", "/api/v1/orders/{orderId}", ford.GetOrderByOrderIdResp, "/api/v1/orders/{r_keep}"),
    FCase(
        "GET",
        "/api/v1/orders/byClientOid",
        ford.GetOrderByClientOidResp,
        "/api/v1/orders/byClientOid?clientOid=r-keep",
    ),
    FCase(
        "GET",
        "/api/v1/recentDoneOrders",
        ford.GetRecentClosedOrdersResp,
        "/api/v1/recentDoneOrders",
    ),
    FCase("GET", "/api/v1/fills", ford.GetTradeHistoryResp, f"/api/v1/fills?symbol={SYM}"),
    FCase("GET", "/api/v1/recentFills", ford.GetRecentTradeHistoryResp, "/api/v1/recentFills"),
    FCase(
        "GET",
        "/api/v1/openOrderStatistics",
        ford.GetOpenOrderValueResp,
        f"/api/v1/openOrderStatistics?symbol={SYM}",
    ),
    FCase("POST", "/api/v1/orders", ford.AddOrderResp, "/api/v1/orders", forder("r-new")),
    FCase(
        "POST", "/api/v1/orders/test", ford.AddOrderTestResp, "/api/v1/orders/test", forder("r-t")
    ),
    FCase(
        "DELETE", "/api/v1/orders/{orderId}", ford.CancelOrderByIdResp, "/api/v1/orders/{r_keep}"
    ),
    FCase(
        "DELETE",
        "/api/v1/orders/client-order/{clientOid}",
        ford.CancelOrderByClientOidResp,
        f"/api/v1/orders/client-order/r-coid?symbol={SYM}",
    ),
    FCase("DELETE", "/api/v1/orders", ford.CancelAllOrdersV1Resp, f"/api/v1/orders?symbol={SYM}"),
]

# Routes the SDK 1.3.2 has no model for.
NO_SDK_MODEL: dict[tuple[str, str], str] = {
    # hedge mode launched 2025-09-12, after the SDK (Kucoin/kucoin-universal-sdk#70);
    # shapes from ccxt's set_position_mode / fetch_position_mode (reference brief 1.3)
    ("GET", "/api/v2/position/getPositionMode"): "position mode: not in the SDK 1.3.2",
    ("POST", "/api/v2/position/switchPositionMode"): "position mode: not in the SDK 1.3.2",
}

# Hedge mode came after the SDK 1.3.2: an order then names its position side (ccxt's
# recorded orderChange message carries it; on the REST order it is unverified).
HEDGE_ORDER_FIELD = "positionSide"

# Fields KuCoin sends that the SDK's model leaves out, per route or topic (any other
# unknown field fails).
DOCUMENTED_BEYOND_SDK: dict[str, set[str]] = {
    # in KuCoin's position-detail example (the SDK's own test); the list holds the same
    # objects
    "/api/v1/position": {"riskLimitLevel"},
    "/api/v1/positions": {"[].riskLimitLevel"},
    "/api/v1/orders": {f"items[].{HEDGE_ORDER_FIELD}"},
    "/api/v1/orders/{orderId}": {HEDGE_ORDER_FIELD},
    "/api/v1/orders/byClientOid": {HEDGE_ORDER_FIELD},
    "/api/v1/recentDoneOrders": {f"[].{HEDGE_ORDER_FIELD}"},
    # in KuCoin's position.change example (the SDK's own test; ccxt's comments)
    "/contract/position": {"riskLimitLevel", "changeReason"},
    "/contractMarket/tradeOrders": {HEDGE_ORDER_FIELD},
}


@dataclass(frozen=True)
class FWsCase:
    topic: str  # the subscription
    subject: str
    model: Any  # the SDK's generated event model of its ``data``

    @property
    def base(self) -> str:
        return self.topic.partition(":")[0]


WS_CASES: list[FWsCase] = [
    FWsCase(f"/contractMarket/level2:{SYM}", "level2", fws_public.OrderbookIncrementEvent),
    FWsCase(f"/contractMarket/execution:{SYM}", "match", fws_public.ExecutionEvent),
    FWsCase(f"/contractMarket/tickerV2:{SYM}", "tickerV2", fws_public.TickerV2Event),
    FWsCase(f"/contractMarket/level2Depth5:{SYM}", "level2", fws_public.OrderbookLevel5Event),
    FWsCase(f"/contractMarket/level2Depth50:{SYM}", "level2", fws_public.OrderbookLevel50Event),
    FWsCase(f"/contract/instrument:{SYM}", "mark.index.price", fws_public.InstrumentEvent),
    FWsCase(f"/contractMarket/limitCandle:{SYM}_1min", "candle.stick", fws_public.KlinesEvent),
    FWsCase(f"/contract/instrument:{SYM}", "funding.rate", fws_public.InstrumentEvent),
    FWsCase("/contractMarket/tradeOrders", "orderChange", fws_private.AllOrderEvent),
    FWsCase(f"/contractMarket/tradeOrders:{SYM}", "symbolOrderChange", fws_private.OrderEvent),
    FWsCase(f"/contract/position:{SYM}", "position.change", fws_private.PositionEvent),
    FWsCase(f"/contract/position:{SYM}", "position.settlement", fws_private.PositionEvent),
    FWsCase("/contractAccount/wallet", "walletBalance.change", fws_private.BalanceEvent),
]

WS_NO_SDK_MODEL: dict[str, str] = {}

# Enum values KuCoin sends that the SDK's enums lack: per field, the values and one the
# SDK knows to check the rest of the payload with.
ENUM_BEYOND_SDK: dict[str, tuple[set[str], str]] = {
    # hedge mode (after the SDK 1.3.2, whose enum has BOTH only); ccxt sends LONG/SHORT
    "positionSide": ({"LONG", "SHORT"}, "BOTH"),
}
