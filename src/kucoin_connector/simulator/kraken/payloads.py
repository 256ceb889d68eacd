"""Kraken's REST result shapes for orders and trades (docs: QueryOrders, TradesHistory)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..engine.models import ZERO, Fill, Order, SymbolSpec
from .formats import COST_DECIMALS, fixed, price_text, qty_text, seconds
from .ids import IdMap
from .names import PairNames


def order_status(order: Order) -> str:
    """pending | open | closed | canceled (Kraken's order states)."""
    if order.is_active:
        return "open" if order.status == "open" else "pending"
    if order.done_reason == "filled" or (order.type == "market" and order.deal_size > 0):
        return "closed"
    return "canceled"


def describe(order: Order, spec: SymbolSpec, pair: PairNames) -> str:
    size = qty_text(spec, order.size)
    if order.type == "market":
        return f"{order.side} {size} {pair.altname} @ market"
    return f"{order.side} {size} {pair.altname} @ limit {price_text(spec, order.price)}"


def descr(order: Order, spec: SymbolSpec, pair: PairNames) -> dict[str, str]:
    return {
        "pair": pair.altname,
        "type": order.side,
        "ordertype": order.type,
        "price": price_text(spec, order.price) if order.type == "limit" else "0",
        "price2": "0",
        "leverage": "none",
        "order": describe(order, spec, pair),
        "close": "",
    }


def oflags(order: Order) -> str:
    flags = ["fciq"]  # fees in quote (the engine's only way)
    if order.post_only:
        flags.insert(0, "post")
    return ",".join(flags)


def order_info(
    order: Order, spec: SymbolSpec, pair: PairNames, ids: IdMap, fills: list[Fill] | None
) -> dict[str, Any]:
    avg = order.deal_funds / order.deal_size if order.deal_size > 0 else ZERO
    info: dict[str, Any] = {
        "refid": None,
        "userref": 0,
        "cl_ord_id": order.client_oid or None,
        "status": order_status(order),
        "opentm": seconds(order.created_at_ms),
        "starttm": 0,
        "expiretm": 0,
        "descr": descr(order, spec, pair),
        "vol": qty_text(spec, order.size),
        "vol_exec": qty_text(spec, order.deal_size),
        "cost": fixed(order.deal_funds, COST_DECIMALS),
        "fee": fixed(order.fee, COST_DECIMALS),
        "price": price_text(spec, avg),
        "stopprice": "0",
        "limitprice": "0",
        "misc": "",
        "oflags": oflags(order),
        "timeinforce": order.time_in_force,
    }
    if not order.is_active:
        info["closetm"] = seconds(order.updated_at_ms)
        info["reason"] = None if order_status(order) == "closed" else "User requested"
    if fills is not None:
        info["trades"] = [ids.kraken(f.trade_id, "T") for f in reversed(fills)]
    return info


def trade_info(fill: Fill, spec: SymbolSpec, pair: PairNames, ids: IdMap) -> dict[str, Any]:
    return {
        "ordertxid": ids.kraken(fill.order_id, "O"),
        "postxid": ids.kraken(fill.trade_id, "T"),
        "pair": pair.name,
        "time": seconds(fill.created_at_ms),
        "type": fill.side,
        "ordertype": fill.type,
        "price": price_text(spec, fill.price),
        "cost": fixed(fill.funds, COST_DECIMALS),
        "fee": fixed(fill.fee, COST_DECIMALS),
        "vol": qty_text(spec, fill.size),
        "margin": fixed(ZERO, COST_DECIMALS),
        "misc": "",
        "maker": fill.liquidity == "maker",
        "trade_id": int(fill.trade_id, 16) % 1_000_000_000,
    }


def money(value: Decimal) -> str:
    return fixed(value, 10)
