"""Transfer quotas, the universal transfer and the account-mode probe, over HTTP."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from .conftest import Client
from .sdk_responses import FlexTransferResp, GetTransferQuotasResp

D = Decimal
UNIVERSAL = "/api/v3/accounts/universal-transfer"


async def _balance(client: Client, currency: str, kind: str) -> Decimal:
    accounts = await client.get(f"/api/v1/accounts?currency={currency}&type={kind}")
    return sum((D(a["balance"]) for a in accounts), D(0))


async def test_transferable_reports_holds_and_is_not_an_account_id(client: Client) -> None:
    await client.post(
        "/api/v1/orders",
        {"clientOid": "h1", "symbol": "BTC-USDT", "side": "sell", "price": "90000", "size": "2"},
    )
    data = await client.get("/api/v1/accounts/transferable?currency=BTC&type=TRADE")
    quota = GetTransferQuotasResp.from_dict(data)
    assert quota is not None
    assert (quota.currency, D(quota.balance), D(quota.holds)) == ("BTC", D(5), D(2))
    assert D(quota.available) == D(quota.transferable) == D(3)
    empty = GetTransferQuotasResp.from_dict(
        await client.get("/api/v1/accounts/transferable?currency=ETH&type=MAIN")
    )
    assert empty is not None and D(empty.transferable) == D(0)


async def test_universal_internal_transfer_moves_funds_and_writes_ledgers(client: Client) -> None:
    body = {
        "clientOid": "t-1",
        "type": "INTERNAL",
        "currency": "USDT",
        "amount": "250.5",
        "fromAccountType": "TRADE",
        "toAccountType": "MAIN",
    }
    resp = FlexTransferResp.from_dict(await client.post(UNIVERSAL, body))
    assert resp is not None and resp.order_id
    assert await _balance(client, "USDT", "trade") == D("99749.5")
    assert await _balance(client, "USDT", "main") == D("250.5")
    ledgers = await client.get("/api/v1/accounts/ledgers?currency=USDT&bizType=Transfer")
    moves = {(i["accountType"], i["direction"], D(i["amount"])) for i in ledgers["items"]}
    assert moves == {("TRADE", "out", D("250.5")), ("MAIN", "in", D("250.5"))}
    assert all(resp.order_id in i["context"] for i in ledgers["items"])

    hf = {**body, "clientOid": "t-2", "fromAccountType": "TRADE_HF", "amount": "1"}
    await client.post(UNIVERSAL, hf)
    assert await _balance(client, "USDT", "trade_hf") == D("99999")
    assert await _balance(client, "USDT", "main") == D("251.5")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"type": "PARENT_TO_SUB", "toUserId": "someone"}, "400100"),
        ({"type": "SUB_TO_PARENT", "fromUserId": "someone"}, "400100"),
        ({"toAccountType": "MARGIN"}, "400100"),
        ({"toAccountType": "TRADE"}, "400100"),  # same account
        ({"amount": "0"}, "400100"),
        ({"amount": "0.000000001"}, "400100"),  # finer than the currency precision
        ({"amount": "1000000"}, "200004"),
        ({"clientOid": ""}, "400100"),
    ],
)
async def test_universal_transfer_refusals_move_nothing(
    client: Client, change: dict[str, Any], code: str
) -> None:
    body = {
        "clientOid": "t-x",
        "type": "INTERNAL",
        "currency": "USDT",
        "amount": "10",
        "fromAccountType": "TRADE",
        "toAccountType": "MAIN",
        **change,
    }
    _, _, payload = await client.raw("POST", UNIVERSAL, body=body, signed=True)
    assert payload["code"] == code, payload
    assert await _balance(client, "USDT", "trade") == D(100000)
    assert await _balance(client, "USDT", "main") == D(0)


async def test_a_transfer_client_oid_is_used_once(client: Client) -> None:
    body = {
        "clientOid": "once",
        "type": "INTERNAL",
        "currency": "BTC",
        "amount": "1",
        "fromAccountType": "TRADE",
        "toAccountType": "MAIN",
    }
    await client.post(UNIVERSAL, body)
    _, _, payload = await client.raw("POST", UNIVERSAL, body=body, signed=True)
    assert payload["code"] == "400100"
    assert await _balance(client, "BTC", "main") == D(1)


async def test_account_mode_is_classic(client: Client) -> None:
    data = await client.get("/api/ua/v1/account/mode")
    assert data["selfAccountMode"] == "CLASSIC"
    status, _, payload = await client.raw("GET", "/api/ua/v1/account/mode")
    assert payload["code"] == "400001" and status == 401  # signed route
