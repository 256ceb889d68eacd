"""KuCoin's documented futures example payloads (the API reference's examples, as the
official SDK's generated docs carry them), used as parser inputs. Each is checked against
the official SDK's model in test_perp_documented.py, so none is shaped to fit our parser.
Where a test needs another contract (ETHUSDTM, XBTUSDM) it changes only the documented
fields that differ (symbol, currencies, multiplier), said so where it happens.
"""

from __future__ import annotations

import copy
from typing import Any

# GET /api/v1/contracts/{symbol} (the same item shape as /api/v1/contracts/active)
CONTRACT_XBTUSDTM: dict[str, Any] = {
    "symbol": "XBTUSDTM",
    "rootSymbol": "USDT",
    "type": "FFWCSX",
    "firstOpenDate": 1585555200000,
    "expireDate": None,
    "settleDate": None,
    "baseCurrency": "XBT",
    "quoteCurrency": "USDT",
    "settleCurrency": "USDT",
    "maxOrderQty": 1000000,
    "maxPrice": 1000000.0,
    "lotSize": 1,
    "tickSize": 0.1,
    "indexPriceTickSize": 0.01,
    "multiplier": 0.001,
    "initialMargin": 0.008,
    "maintainMargin": 0.004,
    "maxRiskLimit": 100000,
    "minRiskLimit": 100000,
    "riskStep": 50000,
    "makerFeeRate": 2.0e-4,
    "takerFeeRate": 6.0e-4,
    "takerFixFee": 0.0,
    "makerFixFee": 0.0,
    "settlementFee": None,
    "isDeleverage": True,
    "isQuanto": True,
    "isInverse": False,
    "markMethod": "FairPrice",
    "fairMethod": "FundingRate",
    "fundingBaseSymbol": ".XBTINT8H",
    "fundingQuoteSymbol": ".USDTINT8H",
    "fundingRateSymbol": ".XBTUSDTMFPI8H",
    "indexSymbol": ".KXBTUSDT",
    "settlementSymbol": "",
    "status": "Open",
    "fundingFeeRate": 5.2e-5,
    "predictedFundingFeeRate": 8.3e-5,
    "fundingRateGranularity": 28800000,
    "openInterest": "6748176",
    "turnoverOf24h": 1.0346431983265533e9,
    "volumeOf24h": 12069.225,
    "markPrice": 86378.69,
    "indexPrice": 86382.64,
    "lastTradePrice": 86364,
    "nextFundingRateTime": 17752926,
    "maxLeverage": 125,
    "supportCross": True,
}


def contract_like(symbol: str, **changes: Any) -> dict[str, Any]:
    """The documented contract with only the named fields changed (another listing)."""
    contract = copy.deepcopy(CONTRACT_XBTUSDTM)
    contract["symbol"] = symbol
    contract.update(changes)
    return contract


CONTRACT_ETHUSDTM = contract_like("ETHUSDTM", baseCurrency="ETH", multiplier=0.01)
CONTRACT_XBTUSDM = contract_like(
    "XBTUSDM",
    rootSymbol="XBT",
    quoteCurrency="USD",
    settleCurrency="XBT",
    multiplier=-1,
    isInverse=True,
    isQuanto=False,
)

# GET /api/v1/level2/snapshot
FULL_ORDER_BOOK: dict[str, Any] = {
    "sequence": 1697895963339,
    "symbol": "XBTUSDM",
    "bids": [[66968, 2], [66964.8, 25596]],
    "asks": [[66968.1, 13501], [66968.7, 2032]],
    "ts": 1729168101216000000,
}

# /contractMarket/level2:{symbol}
LEVEL2_MESSAGE: dict[str, Any] = {
    "topic": "/contractMarket/level2:XBTUSDTM",
    "type": "message",
    "subject": "level2",
    "sn": 1709400450243,
    "data": {"sequence": 1709400450243, "change": "90631.2,sell,2", "timestamp": 1731897467182},
}

# POST /api/v1/orders
ADD_ORDER: dict[str, Any] = {
    "orderId": "234125150956625920",
    "clientOid": "5c52e11203aa677f33e493fb",
}

# GET /api/v1/orders/{orderId}
ORDER_DETAIL: dict[str, Any] = {
    "id": "236655147005071361",
    "symbol": "XBTUSDTM",
    "type": "limit",
    "side": "buy",
    "price": "0.1",
    "size": 1,
    "value": "0.0001",
    "dealValue": "0",
    "dealSize": 0,
    "stp": "",
    "stop": "",
    "stopPriceType": "",
    "stopTriggered": False,
    "stopPrice": None,
    "timeInForce": "GTC",
    "postOnly": False,
    "hidden": False,
    "iceberg": False,
    "leverage": "3",
    "forceHold": False,
    "closeOrder": False,
    "visibleSize": 0,
    "clientOid": "5c52e11203aa677f33e493fb",
    "remark": None,
    "tags": "",
    "isActive": True,
    "cancelExist": False,
    "createdAt": 1729236185949,
    "updatedAt": 1729236185949,
    "endAt": None,
    "orderTime": 1729236185885647952,
    "settleCurrency": "USDT",
    "marginMode": "ISOLATED",
    "avgDealPrice": "0",
    "filledSize": 0,
    "filledValue": "0",
    "status": "open",
    "reduceOnly": False,
}

# GET /api/v1/fills
FILLS_PAGE: dict[str, Any] = {
    "currentPage": 1,
    "pageSize": 50,
    "totalNum": 2,
    "totalPage": 1,
    "items": [
        {
            "symbol": "XBTUSDTM",
            "tradeId": "1828954878212",
            "orderId": "284486580251463680",
            "side": "buy",
            "liquidity": "taker",
            "forceTaker": False,
            "price": "86275.1",
            "size": 1,
            "value": "86.2751",
            "openFeePay": "0.05176506",
            "closeFeePay": "0",
            "stop": "",
            "feeRate": "0.00060",
            "fixFee": "0",
            "feeCurrency": "USDT",
            "subTradeType": None,
            "marginMode": "CROSS",
            "openFeeTaxPay": "0",
            "closeFeeTaxPay": "0",
            "displayType": "market",
            "fee": "0.05176506",
            "settleCurrency": "USDT",
            "orderType": "market",
            "tradeType": "trade",
            "tradeTime": 1740640088244000000,
            "createdAt": 1740640088427,
        }
    ],
}

# GET /api/v1/positions (second item of the documented list)
POSITION_XBTUSDTM: dict[str, Any] = {
    "id": "500000000000988255",
    "symbol": "XBTUSDTM",
    "autoDeposit": True,
    "crossMode": False,
    "maintMarginReq": 0.005,
    "riskLimit": 500000,
    "realLeverage": 2.97,
    "delevPercentage": 0.5,
    "openingTimestamp": 1729155616322,
    "currentTimestamp": 1730636040926,
    "currentQty": 1,
    "currentCost": 67.4309,
    "currentComm": -0.15936162,
    "unrealisedCost": 67.4309,
    "realisedGrossCost": 0.0,
    "realisedCost": -0.15936162,
    "isOpen": True,
    "markPrice": 68323.06,
    "markValue": 68.32306,
    "posCost": 67.4309,
    "posCross": 0.06225152,
    "posCrossMargin": 0,
    "posInit": 22.2769666644,
    "posComm": 0.0539821899,
    "posCommCommon": 0.0539447199,
    "posLoss": 0.26210915,
    "posMargin": 22.1310912243,
    "posFunding": -0.19982016,
    "posMaint": 0.4046228699,
    "maintMargin": 23.0232512243,
    "realisedGrossPnl": 0.0,
    "realisedPnl": -0.2402787,
    "unrealisedPnl": 0.89216,
    "unrealisedPnlPcnt": 0.0132,
    "unrealisedRoePcnt": 0.04,
    "avgEntryPrice": 67430.9,
    "liquidationPrice": 45704.44,
    "bankruptPrice": 45353.8,
    "settleCurrency": "USDT",
    "isInverse": False,
    "maintainMargin": 0.005,
    "marginMode": "ISOLATED",
    "positionSide": "BOTH",
    "leverage": 2.97,
}

# GET /api/v1/account-overview?currency=USDT
ACCOUNT_OVERVIEW_USDT: dict[str, Any] = {
    "accountEquity": 394.439280806,
    "unrealisedPNL": 20.15278,
    "marginBalance": 371.394298816,
    "positionMargin": 102.20664159,
    "orderMargin": 10.06002012,
    "frozenFunds": 0.0,
    "availableBalance": 290.326799096,
    "currency": "USDT",
    "riskRatio": 0.0065289525,
    "maxWithdrawAmount": 290.326419096,
}

# GET /api/v1/funding-history
FUNDING_HISTORY: dict[str, Any] = {
    "dataList": [
        {
            "id": 1472387374042586,
            "symbol": "XBTUSDTM",
            "timePoint": 1731470400000,
            "fundingRate": 6.41e-4,
            "markPrice": 87139.92,
            "positionQty": 1,
            "positionCost": 87.13992,
            "funding": -0.05585669,
            "settleCurrency": "USDT",
            "context": '{"marginMode": "ISOLATED", "positionSide": "BOTH"}',
            "marginMode": "ISOLATED",
        }
    ],
    "hasMore": True,
}

# GET /api/v2/position/getMarginMode
MARGIN_MODE: dict[str, Any] = {"symbol": "XBTUSDTM", "marginMode": "ISOLATED"}

# /contractMarket/tradeOrders
ORDER_EVENT: dict[str, Any] = {
    "topic": "/contractMarket/tradeOrders:XBTUSDTM",
    "type": "message",
    "subject": "symbolOrderChange",
    "userId": "633559791e1cbc0001f319bc",
    "channelType": "private",
    "data": {
        "symbol": "XBTUSDTM",
        "side": "buy",
        "canceledSize": "0",
        "orderId": "247899236673269761",
        "liquidity": "maker",
        "marginMode": "ISOLATED",
        "type": "open",
        "orderTime": 1731916985768138917,
        "size": "1",
        "filledSize": "0",
        "price": "91670",
        "remainSize": "1",
        "status": "open",
        "ts": 1731916985789000000,
    },
}

# /contract/position:{symbol}, subject position.change
POSITION_EVENT: dict[str, Any] = {
    "topic": "/contract/position:XBTUSDTM",
    "type": "message",
    "data": {
        "symbol": "XBTUSDTM",
        "maintMarginReq": 0.005,
        "riskLimit": 500000,
        "realLeverage": 4.9685590767,
        "crossMode": False,
        "delevPercentage": 0.10,
        "openingTimestamp": 1731916913097,
        "autoDeposit": True,
        "currentTimestamp": 1731924561514,
        "currentQty": 1,
        "currentCost": 91.5306,
        "currentComm": 0.09179284,
        "unrealisedCost": 91.6945,
        "realisedCost": -0.07210716,
        "isOpen": True,
        "markPrice": 91839.79,
        "markValue": 91.83979,
        "posCost": 91.6945,
        "posCross": 0,
        "posInit": 18.3389,
        "posComm": 0.06602004,
        "posLoss": 0,
        "posMargin": 18.40492004,
        "posFunding": 0,
        "posMaint": 0.5634627025,
        "maintMargin": 18.55021004,
        "avgEntryPrice": 91694.5,
        "liquidationPrice": 73853.0426625,
        "bankruptPrice": 73355.6,
        "settleCurrency": "USDT",
        "changeReason": "positionChange",
        "riskLimitLevel": 2,
        "realisedGrossCost": -0.1639,
        "realisedGrossPnl": 0.1639,
        "realisedPnl": 0.07210716,
        "unrealisedPnl": 0.14529,
        "unrealisedPnlPcnt": 0.0016,
        "unrealisedRoePcnt": 0.0079,
        "leverage": 4.9685590767,
        "marginMode": "ISOLATED",
        "positionSide": "BOTH",
    },
    "subject": "position.change",
    "userId": "633559791e1cbc0001f319bc",
    "channelType": "private",
}

# /contractAccount/wallet, subject walletBalance.change
WALLET_EVENT: dict[str, Any] = {
    "topic": "/contractAccount/wallet",
    "type": "message",
    "subject": "walletBalance.change",
    "id": "673b0bb925b4bc0001fadfef",
    "userId": "633559791e1cbc0001f319bc",
    "channelType": "private",
    "data": {
        "crossPosMargin": "0",
        "isolatedOrderMargin": "18.1188",
        "holdBalance": "0",
        "equity": "81.273621258",
        "version": "1337",
        "availableBalance": "26.144281178",
        "isolatedPosMargin": "36.80984008",
        "walletBalance": "81.072921258",
        "isolatedFundingFeeMargin": "0",
        "crossUnPnl": "0",
        "totalCrossMargin": "26.144281178",
        "currency": "USDT",
        "isolatedUnPnl": "0.2007",
        "crossOrderMargin": "0",
        "timestamp": "1731916996764",
    },
}
