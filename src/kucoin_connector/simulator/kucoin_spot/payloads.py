"""JSON shapes of REST answers and private WS messages, from KuCoin's docs.

Decimals are strings, timestamps ms (``orderTime``/``ts`` of orderChange in ns).
The high-frequency (``trade_hf``) endpoints differ from the classic ones where KuCoin's
do (checked against the official SDK's models, tests/oracles): an HF order without STP
has ``stp`` null (classic: ""), an HF fill's ``tradeId`` is an integer (the same number
as the string ``tradeId`` of that order's orderChange match), HF ledgers have a string
``createdAt`` and bizType names such as ``TRADE_EXCHANGE``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..engine.models import (
    Account,
    BalanceChange,
    Fill,
    HoldEntry,
    LedgerEntry,
    Order,
    SymbolSpec,
)
from .wire import dec, dumps

HF_ACCOUNT = "trade_hf"
# HF trade ids are int64 numbers on KuCoin (~1e16); ours count up from this base.
HF_TRADE_ID_BASE = 10**16
_LOW_62_BITS = (1 << 62) - 1  # base + 62 bits stays an int64

CURRENCY_NAMES = {
    "BTC": "Bitcoin",
    "ETH": "Ethereum",
    "USDT": "Tether",
    "KCS": "KuCoin Token",
    "USDC": "USD Coin",
    "SOL": "Solana",
    "XRP": "XRP",
}


def symbol_payload(spec: SymbolSpec, *, v2: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "symbol": spec.symbol,
        "name": spec.name,
        "baseCurrency": spec.base_currency,
        "quoteCurrency": spec.quote_currency,
        "feeCurrency": spec.fee_currency,
        "market": spec.market,
        "baseMinSize": dec(spec.base_min_size),
        "quoteMinSize": dec(spec.quote_min_size),
        "baseMaxSize": dec(spec.base_max_size),
        "quoteMaxSize": dec(spec.quote_max_size),
        "baseIncrement": dec(spec.base_increment),
        "quoteIncrement": dec(spec.quote_increment),
        "priceIncrement": dec(spec.price_increment),
        "priceLimitRate": dec(spec.price_limit_rate),
        "minFunds": dec(spec.min_funds),
        "isMarginEnabled": False,
        "enableTrading": spec.enable_trading,
    }
    if v2:
        data.update(
            {
                "feeCategory": 1,
                "makerFeeCoefficient": "1.00",
                "takerFeeCoefficient": "1.00",
                "st": False,
            }
        )
    return data


def currency_payload(currency: str, precision: int, *, v3: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "currency": currency,
        "name": currency,
        "fullName": CURRENCY_NAMES.get(currency, currency),
        "precision": precision,
        "confirms": None,
        "contractAddress": None,
        "isMarginEnabled": False,
        "isDebitEnabled": False,
    }
    if v3:
        data["chains"] = [
            {
                "chainName": currency,
                "chainId": currency.lower(),
                "withdrawalMinSize": "0",
                "depositMinSize": None,
                "withdrawFeeRate": "0",
                "withdrawalMinFee": "0",
                "isWithdrawEnabled": False,
                "isDepositEnabled": False,
                "confirms": 1,
                "preConfirms": 1,
                "contractAddress": "",
                "withdrawPrecision": precision,
                "maxWithdraw": None,
                "maxDeposit": None,
                "needTag": False,
            }
        ]
    else:
        data.update(
            {
                "withdrawalMinSize": "0",
                "withdrawalMinFee": "0",
                "isWithdrawEnabled": False,
                "isDepositEnabled": False,
            }
        )
    return data


def account_payload(acc: Account) -> dict[str, Any]:
    return {
        "id": acc.id,
        "currency": acc.currency,
        "type": acc.type,
        "balance": dec(acc.balance),
        "available": dec(acc.available),
        "holds": dec(acc.holds),
    }


def account_detail_payload(acc: Account) -> dict[str, Any]:
    return {
        "currency": acc.currency,
        "balance": dec(acc.balance),
        "available": dec(acc.available),
        "holds": dec(acc.holds),
    }


def hf_trade_id(trade_id: str) -> int:
    """The integer id of an HF trade, from the engine's hex id (unique while ids are)."""
    return HF_TRADE_ID_BASE + (int(trade_id, 16) & _LOW_62_BITS)


def wire_trade_id(fill: Fill) -> str:
    """The trade's id as KuCoin's endpoints and messages name it (as text): the engine's
    id for classic trades, the HF number for HF ones."""
    if fill.account_type == HF_ACCOUNT:
        return str(hf_trade_id(fill.trade_id))
    return fill.trade_id


# KuCoin's HF ledgers name business types differently from the classic ones.
HF_BIZ_TYPES = {
    "Exchange": "TRADE_EXCHANGE",
    "Transfer": "TRANSFER",
    "Deposit": "TRANSFER",
    "Withdrawal": "TRANSFER",
}


def hf_biz_type(biz_type: str) -> str:
    return HF_BIZ_TYPES.get(biz_type, "OTHER")


def ledger_payload(entry: LedgerEntry) -> dict[str, Any]:
    """An item of the classic ledgers (``GET /api/v1/accounts/ledgers``)."""
    return {
        "id": entry.id,
        "currency": entry.currency,
        "amount": dec(entry.amount),
        "fee": dec(entry.fee),
        "balance": dec(entry.balance),
        "accountType": entry.account_type.upper(),
        "bizType": entry.biz_type,
        "direction": entry.direction,
        "createdAt": entry.created_at_ms,
        "context": _context_text(entry.context),
    }


def hf_ledger_payload(entry: LedgerEntry) -> dict[str, Any]:
    """An item of ``GET /api/v1/hf/accounts/ledgers`` (createdAt a string, as KuCoin's)."""
    context = dict(entry.context)
    if "tradeId" in context:
        context["tradeId"] = str(hf_trade_id(context["tradeId"]))
    return {
        **ledger_payload(entry),
        "tax": "0",
        "bizType": hf_biz_type(entry.biz_type),
        "createdAt": str(entry.created_at_ms),
        "context": _context_text(context),
    }


def _context_text(context: dict[str, str]) -> str:
    return dumps(context) if context else ""


def hold_payload(entry: HoldEntry, now_ms: int) -> dict[str, Any]:
    return {
        "currency": entry.currency,
        "holdAmount": dec(entry.hold_amount),
        "bizType": entry.biz_type,
        "orderId": entry.order_id,
        "createdAt": now_ms,
        "updatedAt": now_ms,
    }


def order_payload(order: Order) -> dict[str, Any]:
    """Order detail: the fields both kinds share, then the classic or the HF ones."""
    data: dict[str, Any] = {
        "id": order.id,
        "symbol": order.symbol,
        "opType": order.op_type,
        "type": order.type,
        "side": order.side,
        "price": dec(order.price),
        "size": dec(order.size),
        "funds": dec(order.funds),
        "dealFunds": dec(order.deal_funds),
        "dealSize": dec(order.deal_size),
        "fee": dec(order.fee),
        "feeCurrency": order.fee_currency,
        "stp": order.stp,
        "timeInForce": order.time_in_force,
        "postOnly": order.post_only,
        "hidden": order.hidden,
        "iceberg": order.iceberg,
        "visibleSize": dec(order.visible_size),
        "cancelAfter": order.cancel_after_s,
        "channel": "API",
        "clientOid": order.client_oid,
        "remark": order.remark,
        "tags": order.tags,
        "cancelExist": order.cancel_exist,
        "createdAt": order.created_at_ms,
        "tradeType": "TRADE",
    }
    data.update(_hf_order_fields(order) if order.account_type == HF_ACCOUNT else _classic(order))
    return data


def _classic(order: Order) -> dict[str, Any]:
    return {
        "stop": order.stop,
        "stopTriggered": order.stop_triggered,
        "stopPrice": dec(order.stop_price),
        "isActive": order.is_active,
    }


def _hf_order_fields(order: Order) -> dict[str, Any]:
    done = not order.is_active
    return {
        "stp": order.stp or None,  # KuCoin's HF orders: null without STP
        "active": order.is_active,
        "inOrderBook": order.status == "open",
        "cancelledSize": dec(order.cancelled_size),
        "cancelledFunds": "0",
        "remainSize": dec(Decimal(0) if done else order.remain_size),
        "remainFunds": dec(order.remain_funds),
        "lastUpdatedAt": order.updated_at_ms,
    }


# What a stop order's detail leaves out of an order's (it has not traded yet).
NOT_IN_STOP_ORDERS = (
    "opType",
    "dealFunds",
    "dealSize",
    "fee",
    "cancelExist",
    "stopTriggered",
    "isActive",
)


def stop_order_payload(order: Order, user_id: str) -> dict[str, Any]:
    data = {k: v for k, v in order_payload(order).items() if k not in NOT_IN_STOP_ORDERS}
    data.update(
        {
            "userId": user_id,
            "status": "NEW" if order.status == "stop" else "TRIGGERED",
            "orderTime": order.created_at_ms * 1_000_000,
            "domainId": "kucoin",
            "tradeSource": "USER",
        }
    )
    return data


def fill_payload(fill: Fill, *, numeric_id: int | None = None) -> dict[str, Any]:
    hf = fill.account_type == HF_ACCOUNT
    data: dict[str, Any] = {
        "symbol": fill.symbol,
        "tradeId": hf_trade_id(fill.trade_id) if hf else fill.trade_id,
        "orderId": fill.order_id,
        "counterOrderId": fill.counter_order_id,
        "side": fill.side,
        "liquidity": fill.liquidity,
        "forceTaker": fill.force_taker,
        "price": dec(fill.price),
        "size": dec(fill.size),
        "funds": dec(fill.funds),
        "fee": dec(fill.fee),
        "feeRate": dec(fill.fee_rate),
        "feeCurrency": fill.fee_currency,
        "stop": fill.stop,
        "type": fill.type,
        "createdAt": fill.created_at_ms,
        "tradeType": "TRADE",
    }
    if numeric_id is not None:
        data["id"] = numeric_id
    return data


ORDER_CHANGE_STATUS = {
    "received": "new",
    "open": "open",
    "match": "match",
    "update": "open",
    "filled": "done",
    "canceled": "done",
}


def order_change_payload(
    order: Order, event_type: str, fill: Fill | None, old_size: Decimal | None, time_ns: int
) -> dict[str, Any]:
    """``data`` of a ``/spotMarket/tradeOrders`` ``orderChange`` message."""
    data: dict[str, Any] = {
        "symbol": order.symbol,
        "orderType": order.type,
        "side": order.side,
        "orderId": order.id,
        "type": event_type,
        "orderTime": order.created_at_ms * 1_000_000,
        "price": dec(order.price) if order.type == "limit" else "",
        "clientOid": order.client_oid,
        "status": ORDER_CHANGE_STATUS.get(event_type, "open"),
        "filledSize": dec(order.deal_size),
        "remainSize": dec(
            Decimal(0) if event_type in ("filled", "canceled") else order.remain_size
        ),
        "ts": time_ns,
    }
    if order.size > 0:
        data["size"] = dec(order.size)
        data["originSize"] = dec(order.size)
    if order.funds > 0:
        data["funds"] = dec(order.funds)
        data["originFunds"] = dec(order.funds)
        data["remainFunds"] = dec(order.remain_funds)
    if event_type == "canceled":
        data["canceledSize"] = dec(order.cancelled_size)
    if fill is not None:
        data.update(
            {
                "liquidity": fill.liquidity,
                "matchPrice": dec(fill.price),
                "matchSize": dec(fill.size),
                "tradeId": wire_trade_id(fill),  # a string; for HF the REST fill's number
                "feeType": "takerFee" if fill.liquidity == "taker" else "makerFee",
            }
        )
    if old_size is not None:
        data["oldSize"] = dec(old_size)
    return data


def balance_payload(change: BalanceChange) -> dict[str, Any]:
    """``data`` of an ``/account/balance`` ``account.balance`` message."""
    return {
        "accountId": change.account_id,
        "currency": change.currency,
        "total": dec(change.total),
        "available": dec(change.available),
        "availableChange": dec(change.available_change),
        "hold": dec(change.hold),
        "holdChange": dec(change.hold_change),
        "relationEvent": change.relation_event,
        "relationEventId": change.relation_event_id,
        "relationContext": {"orderId": change.relation_event_id}
        if change.relation_event.startswith("trade")
        else {},
        "time": str(change.time_ms),
    }
