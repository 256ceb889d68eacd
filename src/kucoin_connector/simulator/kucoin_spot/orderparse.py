"""Parsing of order-placement bodies into the engine's ``OrderRequest``."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ..engine.models import OrderRequest
from .wire import bad_param

MAX_CLIENT_OID = 40


def decimal_field(body: dict[str, Any], name: str) -> Decimal | None:
    raw = body.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation as exc:
        raise bad_param(f"{name} is invalid") from exc
    if not value.is_finite() or value < 0:
        raise bad_param(f"{name} is invalid")
    return value


def _bool(body: dict[str, Any], name: str) -> bool:
    raw = body.get(name, False)
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise bad_param(f"{name} must be a boolean")


def _int(body: dict[str, Any], name: str) -> int:
    raw = body.get(name)
    if raw is None or raw == "":
        return 0
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise bad_param(f"{name} must be an integer") from exc


def _choice(body: dict[str, Any], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = str(body.get(name) or default)
    if value not in allowed:
        raise bad_param(f"{name} is invalid")
    return value


def parse_order(
    body: dict[str, Any], *, account_type: str, stop_required: bool = False
) -> OrderRequest:
    symbol = body.get("symbol")
    if not isinstance(symbol, str) or not symbol:
        raise bad_param("symbol is required")
    client_oid = str(body.get("clientOid") or "")
    if len(client_oid) > MAX_CLIENT_OID:
        raise bad_param("clientOid is too long")
    side = _choice(body, "side", "", ("buy", "sell"))
    stop = _choice(body, "stop", "", ("", "loss", "entry"))
    stop_price = decimal_field(body, "stopPrice")
    if stop_required and stop_price is None:
        raise bad_param("stopPrice is required")
    if stop_required and not stop:
        stop = "loss" if side == "sell" else "entry"
    if stop and stop_price is None:
        raise bad_param("stopPrice is required")
    cancel_after = _int(body, "cancelAfter")
    return OrderRequest(
        symbol=symbol,
        side=side,
        type=_choice(body, "type", "limit", ("limit", "market")),
        client_oid=client_oid,
        price=decimal_field(body, "price"),
        size=decimal_field(body, "size"),
        funds=decimal_field(body, "funds"),
        time_in_force=_choice(body, "timeInForce", "GTC", ("GTC", "GTT", "IOC", "FOK")),
        cancel_after_s=max(cancel_after, 0),
        post_only=_bool(body, "postOnly"),
        hidden=_bool(body, "hidden"),
        iceberg=_bool(body, "iceberg"),
        visible_size=decimal_field(body, "visibleSize"),
        stp=_choice(body, "stp", "", ("", "CN", "CO", "CB", "DC")),
        stop=stop,
        stop_price=stop_price,
        remark=str(body.get("remark") or ""),
        tags=str(body.get("tags") or ""),
        account_type=account_type,
    )
