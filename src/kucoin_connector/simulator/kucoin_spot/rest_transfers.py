"""Transfer quotas (``/api/v1/accounts/transferable``) and the universal transfer
(``/api/v3/accounts/universal-transfer``), INTERNAL only: the simulator's users have no
sub-accounts, and its account types are main, trade and trade_hf."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ..engine.models import ZERO
from .auth import PERMISSION_TRANSFER
from .routing import Ctx, Route
from .services import services
from .wire import bad_param, dec, require

# KuCoin's account-type names (upper case on these routes) -> the simulator's.
ACCOUNT_TYPES = {"MAIN": "main", "TRADE": "trade", "TRADE_HF": "trade_hf"}
# Types KuCoin knows that the simulator has no account for.
OTHER_TYPES = ("MARGIN", "ISOLATED", "MARGIN_V2", "ISOLATED_V2", "CONTRACT", "OPTION")
SUB_ACCOUNT_TYPES = ("PARENT_TO_SUB", "SUB_TO_PARENT")
MAX_CLIENT_OID = 128


def _account_type(raw: str, name: str) -> str:
    value = ACCOUNT_TYPES.get(raw.upper())
    if value is not None:
        return value
    if raw.upper() in OTHER_TYPES:
        raise bad_param(f"{name} {raw} is not available on this exchange")
    raise bad_param(f"{name} is invalid")


async def transferable(ctx: Ctx) -> Any:
    currency = require(ctx.query, "currency")
    account_type = _account_type(require(ctx.query, "type"), "type")
    acc = ctx.state.accounts.find(ctx.user_id, currency, account_type)
    balance, available = (acc.balance, acc.available) if acc else (ZERO, ZERO)
    return {
        "currency": currency,
        "balance": dec(balance),
        "available": dec(available),
        "holds": dec(balance - available),
        "transferable": dec(available),
    }


def _amount(ctx: Ctx, body: dict[str, Any], currency: str) -> Decimal:
    try:
        amount = Decimal(str(require(body, "amount")))
    except InvalidOperation as exc:
        raise bad_param("amount is invalid") from exc
    step = Decimal(1).scaleb(-ctx.state.precision(currency))
    if not amount.is_finite() or amount <= 0 or amount % step != 0:
        raise bad_param("amount must be a positive multiple of the currency precision")
    return amount


def _client_oid(ctx: Ctx, body: dict[str, Any]) -> str:
    client_oid = require(body, "clientOid")
    if len(client_oid) > MAX_CLIENT_OID:
        raise bad_param("clientOid is too long")
    if (ctx.user_id, client_oid) in services(ctx).transfer_client_oids:
        raise bad_param("clientOid already exists")
    return client_oid


async def universal_transfer(ctx: Ctx) -> Any:
    body = ctx.json()
    kind = require(body, "type")
    if kind in SUB_ACCOUNT_TYPES:
        raise bad_param(f"{kind}: this user has no sub-account")
    if kind != "INTERNAL":
        raise bad_param("type is invalid")
    for name in ("fromUserId", "toUserId"):
        if body.get(name) not in (None, "", ctx.user_id):
            raise bad_param(f"{name} must be the caller for an INTERNAL transfer")
    client_oid = _client_oid(ctx, body)
    currency = require(body, "currency")
    src = _account_type(require(body, "fromAccountType"), "fromAccountType")
    dst = _account_type(require(body, "toAccountType"), "toAccountType")
    transfer_id = ctx.state.accounts.inner_transfer(
        ctx.user_id, currency, src, dst, _amount(ctx, body, currency)
    )
    services(ctx).transfer_client_oids.add((ctx.user_id, client_oid))
    return {"orderId": transfer_id}


ROUTES = [
    Route("GET", "/api/v1/accounts/transferable", transferable, signed=True),
    Route(
        "POST",
        "/api/v3/accounts/universal-transfer",
        universal_transfer,
        signed=True,
        permission=PERMISSION_TRANSFER,
    ),
]
