"""Accounts, ledgers, holds, inner transfers, fees, user info and margin stubs."""

from __future__ import annotations

import zlib
from decimal import Decimal, InvalidOperation
from typing import Any

from ..engine.models import LedgerEntry
from .auth import PERMISSION_TRADE
from .payloads import (
    account_detail_payload,
    account_payload,
    hf_ledger_payload,
    hold_payload,
    ledger_payload,
)
from .routing import Ctx, Route
from .wire import bad_param, int_param, paginate, require

ACCOUNT_TYPE_ALIASES = {
    "main": "main",
    "trade": "trade",
    "trade_hf": "trade_hf",
    "MAIN": "main",
    "TRADE": "trade",
    "TRADE_HF": "trade_hf",
}


def _account_type(raw: str | None) -> str | None:
    if raw is None or raw == "":
        return None
    value = ACCOUNT_TYPE_ALIASES.get(raw)
    if value is None:
        raise bad_param(f"invalid account type {raw}")
    return value


# Listed only when asked for by type: KuCoin's docs (and the SDK's enum) give /api/v1/accounts
# the types main and trade; asked ``?type=trade_hf`` KuCoin answered items of type
# "trade_hf" (recorded by ccxt, PR 20733), which clients still rely on.
UNLISTED_BY_DEFAULT = ("trade_hf",)


async def list_accounts(ctx: Ctx) -> Any:
    wanted = _account_type(ctx.query.get("type"))
    accounts = ctx.state.accounts.list_accounts(
        ctx.user_id, ctx.query.get("currency") or None, wanted
    )
    if wanted is None:
        accounts = [a for a in accounts if a.type not in UNLISTED_BY_DEFAULT]
    return [account_payload(a) for a in accounts]


async def get_account(ctx: Ctx) -> Any:
    acc = ctx.state.accounts.account_by_id(ctx.user_id, ctx.request.match_info["accountId"])
    return account_detail_payload(acc)


async def create_account(ctx: Ctx) -> Any:
    body = ctx.json()
    acc_type = _account_type(require(body, "type"))
    acc = ctx.state.accounts.account(ctx.user_id, require(body, "currency"), acc_type or "")
    return {"id": acc.id}


def _ledger_entries(ctx: Ctx, account_type: str | None, currency: str | None) -> list[LedgerEntry]:
    q = ctx.query
    return ctx.state.accounts.ledgers(
        ctx.user_id,
        currency=currency,
        account_type=account_type,
        direction=q.get("direction") or None,
        start_ms=int_param(q, "startAt"),
        end_ms=int_param(q, "endAt"),
    )


def _ledgers(ctx: Ctx, account_type: str | None, currency: str | None) -> list[Any]:
    entries = _ledger_entries(ctx, account_type, currency)
    biz_type = ctx.query.get("bizType")
    return [ledger_payload(e) for e in entries if not biz_type or e.biz_type == biz_type]


async def ledgers(ctx: Ctx) -> Any:
    currencies = ctx.query.get("currency")
    items = _ledgers(ctx, None, None)
    if currencies:
        wanted = set(currencies.split(","))
        items = [i for i in items if i["currency"] in wanted]
    items = [i for i in items if i["accountType"] in ("MAIN", "TRADE")]
    return paginate(items, ctx.query)


async def account_ledgers(ctx: Ctx) -> Any:
    acc = ctx.state.accounts.account_by_id(ctx.user_id, ctx.request.match_info["accountId"])
    items = [i for i in _ledgers(ctx, acc.type, acc.currency)]
    return paginate(items, ctx.query)


async def hf_ledgers(ctx: Ctx) -> Any:
    """KuCoin's HF ledgers: HF bizType names, a string createdAt, newest first."""
    entries = _ledger_entries(ctx, "trade_hf", ctx.query.get("currency") or None)
    items = [hf_ledger_payload(e) for e in entries]
    biz_type = ctx.query.get("bizType")
    if biz_type:
        items = [i for i in items if i["bizType"] == biz_type]
    limit = int_param(ctx.query, "limit") or 100
    return items[:limit]


async def holds(ctx: Ctx) -> Any:
    entries = ctx.state.accounts.holds(ctx.user_id, ctx.request.match_info["accountId"])
    return paginate([hold_payload(e, ctx.now_ms()) for e in entries], ctx.query)


def _amount(body: dict[str, Any]) -> Decimal:
    try:
        return Decimal(str(require(body, "amount")))
    except InvalidOperation as exc:
        raise bad_param("amount is invalid") from exc


async def inner_transfer_v2(ctx: Ctx) -> Any:
    body = ctx.json()
    src = _account_type(require(body, "from"))
    dst = _account_type(require(body, "to"))
    transfer_id = ctx.state.accounts.inner_transfer(
        ctx.user_id, require(body, "currency"), src or "", dst or "", _amount(body)
    )
    return {"orderId": transfer_id}


async def inner_transfer_v1(ctx: Ctx) -> Any:
    body = ctx.json()
    src = ctx.state.accounts.account_by_id(ctx.user_id, require(body, "payAccountId"))
    dst = ctx.state.accounts.account_by_id(ctx.user_id, require(body, "recAccountId"))
    if src.currency != dst.currency:
        raise bad_param("accounts of different currencies")
    transfer_id = ctx.state.accounts.inner_transfer(
        ctx.user_id, src.currency, src.type, dst.type, _amount(body)
    )
    return {"orderId": transfer_id}


async def hf_opened(ctx: Ctx) -> Any:
    return True


async def user_info(ctx: Ctx) -> Any:
    return {
        "level": 0,
        "subQuantity": 0,
        "spotSubQuantity": 0,
        "marginSubQuantity": 0,
        "futuresSubQuantity": 0,
        "optionSubQuantity": 0,
        "maxSubQuantity": 5,
        "maxDefaultSubQuantity": 5,
        "maxSpotSubQuantity": 0,
        "maxMarginSubQuantity": 0,
        "maxFuturesSubQuantity": 0,
        "maxOptionSubQuantity": 0,
    }


def numeric_uid(user_id: str) -> int:
    """KuCoin's uid is an integer: the simulator's user id, numbered stably."""
    return 10_000_000 + zlib.crc32(user_id.encode()) % 90_000_000


async def api_key_info(ctx: Ctx) -> Any:
    key = ctx.request.headers.get("KC-API-KEY", "")
    found = ctx.state.keys.get(key)
    perms = ",".join(sorted(found.permissions)) if found else ""
    return {
        "uid": numeric_uid(ctx.user_id),
        "subName": "",
        "remark": "simulator",
        "apiKey": key,
        "apiVersion": found.key_version if found else 2,
        "permission": perms,
        "ipWhitelist": "",
        "isMaster": True,
        "createdAt": 0,
    }


async def trade_fees(ctx: Ctx) -> Any:
    symbols = require(ctx.query, "symbols").split(",")
    maker, taker = ctx.state.engine.fee_rates(ctx.user_id)
    for symbol in symbols:
        ctx.state.engine.symbol_spec(symbol)
    return [{"symbol": s, "takerFeeRate": str(taker), "makerFeeRate": str(maker)} for s in symbols]


async def base_fee(ctx: Ctx) -> Any:
    maker, taker = ctx.state.engine.fee_rates(ctx.user_id)
    return {"takerFeeRate": str(taker), "makerFeeRate": str(maker)}


async def margin_symbols(ctx: Ctx) -> Any:
    return {"timestamp": ctx.now_ms(), "items": []}


async def isolated_symbols(ctx: Ctx) -> Any:
    return []


T = PERMISSION_TRADE
ROUTES = [
    Route("GET", "/api/v1/accounts", list_accounts, signed=True),
    Route("POST", "/api/v1/accounts", create_account, signed=True),
    Route("GET", "/api/v1/accounts/ledgers", ledgers, signed=True),
    Route("GET", "/api/v1/hf/accounts/ledgers", hf_ledgers, signed=True),
    Route("GET", "/api/v1/hf/accounts/opened", hf_opened, signed=True),
    Route("GET", "/api/v1/accounts/{accountId}", get_account, signed=True),
    Route("GET", "/api/v1/accounts/{accountId}/ledgers", account_ledgers, signed=True),
    Route("GET", "/api/v1/accounts/{accountId}/holds", holds, signed=True),
    Route("POST", "/api/v2/accounts/inner-transfer", inner_transfer_v2, signed=True, permission=T),
    Route("POST", "/api/v1/accounts/inner-transfer", inner_transfer_v1, signed=True, permission=T),
    Route("GET", "/api/v2/user-info", user_info, signed=True),
    Route("GET", "/api/v1/user/api-key", api_key_info, signed=True),
    Route("GET", "/api/v1/trade-fees", trade_fees, signed=True),
    Route("GET", "/api/v1/base-fee", base_fee, signed=True),
    Route("GET", "/api/v3/margin/symbols", margin_symbols),
    Route("GET", "/api/v1/isolated/symbols", isolated_symbols, signed=True),
]
