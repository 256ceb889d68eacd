"""Kraken's documented example payloads (docs.kraken.com, REST reference pages), used as
parser inputs unchanged. Each constant names its page."""

from __future__ import annotations

from typing import Any

# api-reference/account-data/get-open-orders (request filtered by cl_ord_id)
OPEN_ORDERS: dict[str, Any] = {
    "error": [],
    "result": {
        "open": {
            "OQCLML-BW3P3-BUCMWZ": {
                "refid": "None",
                "userref": 0,
                "status": "open",
                "opentm": 1688666559.8974,
                "starttm": 0,
                "expiretm": 0,
                "descr": {
                    "pair": "XBTUSD",
                    "type": "buy",
                    "ordertype": "limit",
                    "price": "30010.0",
                    "price2": "0",
                    "leverage": "none",
                    "order": "buy 1.25000000 XBTUSD @ limit 30010.0",
                    "close": "",
                },
                "vol": "1.25000000",
                "vol_exec": "0.37500000",
                "cost": "11253.7",
                "fee": "0.00000",
                "price": "30010.0",
                "stopprice": "0.00000",
                "limitprice": "0.00000",
                "misc": "",
                "oflags": "fciq",
                "trades": ["TCCCTY-WE2O6-P3NB37"],
            },
            "OB5VMB-B4U2U-DK2WRW": {
                "refid": "None",
                "userref": 45326,
                "status": "open",
                "opentm": 1688665899.5699,
                "starttm": 0,
                "expiretm": 0,
                "descr": {
                    "pair": "XBTUSD",
                    "type": "buy",
                    "ordertype": "limit",
                    "price": "14500.0",
                    "price2": "0",
                    "leverage": "5:1",
                    "order": "buy 0.27500000 XBTUSD @ limit 14500.0 with 5:1 leverage",
                    "close": "",
                },
                "vol": "0.27500000",
                "vol_exec": "0.00000000",
                "cost": "0.00000",
                "fee": "0.00000",
                "price": "0.00000",
                "stopprice": "0.00000",
                "limitprice": "0.00000",
                "misc": "",
                "oflags": "fciq",
            },
        }
    },
}

# api-reference/account-data/query-trades-info
QUERY_TRADES: dict[str, Any] = {
    "error": [],
    "result": {
        "THVRQM-33VKH-UCI7BS": {
            "ordertxid": "OQCLML-BW3P3-BUCMWZ",
            "postxid": "TKH2SE-M7IF5-CFI7LT",
            "pair": "XXBTZUSD",
            "time": 1688667796.8802,
            "type": "buy",
            "ordertype": "limit",
            "price": "30010.00000",
            "cost": "600.20000",
            "fee": "0.00000",
            "vol": "0.02000000",
            "margin": "0.00000",
            "misc": "",
            "trade_id": 93748276,
            "maker": True,
        },
        "TTEUX3-HDAAA-RC2RUO": {
            "ordertxid": "OH76VO-UKWAD-PSBDX6",
            "postxid": "TKH2SE-M7IF5-CFI7LT",
            "pair": "XXBTZEUR",
            "time": 1688082549.3138,
            "type": "buy",
            "ordertype": "limit",
            "price": "27732.00000",
            "cost": "0.20020",
            "fee": "0.00000",
            "vol": "0.00020000",
            "margin": "0.00000",
            "misc": "",
            "trade_id": 74625834,
            "maker": True,
        },
    },
}

# api-reference/account-data/get-extended-balance (amounts as JSON numbers)
BALANCE_EX_TEXT = (
    '{"error": [], "result": {"ZUSD": {"balance": 25435.21, "hold_trade": 8249.76},'
    ' "XXBT": {"balance": 1.2435, "hold_trade": 0.8423}}}'
)

# api-reference/account-data/get-websockets-token
WS_TOKEN: dict[str, Any] = {
    "error": [],
    "result": {"token": "1Dwc4lzSwNWOAwkMdqhssNNFhs1ed606d1WcF3XfEMw", "expires": 900},
}

# api-reference/spot-websocket-v2/executions: the three documented updates of one order
# (pending_new, new, then a trade), in the order Kraken sends them
EXECUTIONS_PENDING_NEW = """{"channel": "executions", "type": "update", "data": [
 {"order_id": "OK4GJX-KSTLS-7DZZO5", "order_userref": 3, "symbol": "BTC/USD",
  "order_qty": 0.005, "cum_cost": 0.0, "time_in_force": "GTC", "exec_type": "pending_new",
  "side": "sell", "order_type": "limit", "limit_price_type": "static", "limit_price": 26500.0,
  "stop_price": 0.0, "order_status": "pending_new", "fee_usd_equiv": 0.0,
  "fee_ccy_pref": "fciq", "timestamp": "2023-09-22T10:33:05.709950Z"}], "sequence": 8}"""
EXECUTIONS_NEW = """{"channel": "executions", "type": "update", "data": [
 {"timestamp": "2023-09-22T10:33:05.709982Z", "order_status": "new", "exec_type": "new",
  "order_userref": 3, "order_id": "OK4GJX-KSTLS-7DZZO5"}], "sequence": 9}"""
EXECUTIONS_TRADE = """{"channel": "executions", "type": "update", "data": [
 {"order_id": "OK4GJX-KSTLS-7DZZO5", "order_userref": 3, "exec_id": "TGBB7L-HT5LX-J3BZ4A",
  "exec_type": "trade", "trade_id": 62887576, "symbol": "BTC/USD", "side": "sell",
  "last_qty": 0.005, "last_price": 26599.9, "liquidity_ind": "t", "cost": 132.9995,
  "order_type": "limit", "timestamp": "2023-09-22T10:33:05.709993Z",
  "order_status": "partially_filled", "cum_qty": 0.005, "cum_cost": 132.9995,
  "avg_price": 26599.9, "fee_usd_equiv": 0.3458,
  "fees": [{"asset": "USD", "qty": 0.3458}]}], "sequence": 10}"""

# api-reference/market-data/get-server-time
TIME: dict[str, Any] = {
    "error": [],
    "result": {"unixtime": 1688669448, "rfc1123": "Thu, 06 Jul 23 18:50:48 +0000"},
}

# api-reference/market-data/get-order-book
DEPTH: dict[str, Any] = {
    "error": [],
    "result": {
        "XXBTZUSD": {
            "asks": [
                ["30384.10000", "2.059", 1688671659],
                ["30387.90000", "1.500", 1688671380],
                ["30393.70000", "9.871", 1688671261],
            ],
            "bids": [
                ["30297.00000", "1.115", 1688671636],
                ["30296.70000", "2.002", 1688671674],
                ["30289.80000", "5.001", 1688671673],
            ],
        }
    },
}
