"""Parsing of KuCoin Futures order bodies into the engine's ``OrderRequest`` (lots)."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from ..engine.models import OrderRequest
from ..kucoin_spot.wire import bad_param
from .contracts import ContractDef

MAX_CLIENT_OID = 40
STOP_KINDS = {"down": "loss", "up": "entry"}  # KuCoin Futures -> the engine's stop kinds


def _decimal(body: dict[str, Any], name: str) -> Decimal | None:
    raw = body.get(name)
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise bad_param(f"{name} is invalid")
    try:
        value = Decimal(str(raw))
    except InvalidOperation as exc:
        raise bad_param(f"{name} is invalid") from exc
    if not value.is_finite() or value <= 0:
        raise bad_param(f"{name} is invalid")
    return value


def _bool(body: dict[str, Any], name: str) -> bool:
    raw = body.get(name, False)
    if isinstance(raw, bool):
        return raw
    if raw in ("true", "false"):
        return bool(raw == "true")
    raise bad_param(f"{name} must be a boolean")


def _lots(body: dict[str, Any], contract: ContractDef, price: Decimal | None) -> Decimal:
    """Exactly one of ``size`` (lots), ``qty`` (base units, a multiple of the multiplier)
    or ``valueQty`` (settlement currency, limit orders: whole lots at the price)."""
    given = [n for n in ("size", "qty", "valueQty") if body.get(n) not in (None, "")]
    if len(given) != 1:
        raise bad_param("exactly one of size, qty or valueQty is required")
    amount = _decimal(body, given[0])
    assert amount is not None
    if given[0] == "size":
        lots = amount
    elif given[0] == "qty":
        lots = amount / contract.multiplier
    else:
        if price is None:
            raise bad_param("valueQty needs a price")
        lots = (amount / (price * contract.multiplier)).to_integral_value(rounding=ROUND_DOWN)
    if lots != lots.to_integral_value() or lots < 1:
        raise bad_param(f"{given[0]} must be a whole number of lots (at least 1)")
    return lots


def parse_order(body: dict[str, Any], contract: ContractDef) -> OrderRequest:
    client_oid = body.get("clientOid")
    if not isinstance(client_oid, str) or not client_oid or len(client_oid) > MAX_CLIENT_OID:
        raise bad_param("clientOid is required (at most 40 characters)")
    side = body.get("side")
    if side not in ("buy", "sell"):
        raise bad_param("side must be buy or sell")
    kind = body.get("type", "limit") or "limit"
    if kind not in ("limit", "market"):
        raise bad_param("type must be limit or market")
    price = _decimal(body, "price") if kind == "limit" else None
    if kind == "limit" and price is None:
        raise bad_param("price is required for limit orders")
    close_order = _bool(body, "closeOrder")
    leverage = _decimal(body, "leverage")
    if leverage is None and not close_order:
        raise bad_param("leverage is required")
    tif = body.get("timeInForce", "GTC") or "GTC"
    if tif not in ("GTC", "IOC"):
        raise bad_param("timeInForce must be GTC or IOC")
    post_only = _bool(body, "postOnly")
    if post_only and tif == "IOC":
        raise bad_param("postOnly is not allowed with IOC")
    stop = body.get("stop", "") or ""
    if stop and stop not in STOP_KINDS:
        raise bad_param("stop must be up or down")
    margin_mode = body.get("marginMode", "") or ""
    if margin_mode not in ("", "ISOLATED", "CROSS"):
        raise bad_param("marginMode must be ISOLATED or CROSS")
    lots = (
        Decimal(1)
        if close_order and not any(body.get(n) for n in ("size", "qty", "valueQty"))
        else _lots(body, contract, price)
    )
    return OrderRequest(
        symbol=contract.symbol,
        side=side,
        type=kind,
        client_oid=client_oid,
        price=price,
        size=lots,
        time_in_force=tif,
        post_only=post_only,
        hidden=_bool(body, "hidden"),
        iceberg=_bool(body, "iceberg"),
        visible_size=_decimal(body, "visibleSize"),
        stp=body.get("stp", "") or "",
        stop=STOP_KINDS.get(stop, ""),
        stop_price=_decimal(body, "stopPrice") if stop else None,
        remark=str(body.get("remark", "") or ""),
        position_side=str(body.get("positionSide", "") or ""),
        leverage=leverage,
        margin_mode=margin_mode,
        reduce_only=_bool(body, "reduceOnly"),
        close_order=close_order,
    )
