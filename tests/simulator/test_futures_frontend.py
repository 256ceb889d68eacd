"""The KuCoin Futures front-end over real HTTP and WebSocket, shapes checked by the official
SDK's futures models (called directly, so a wrong shape raises)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from kucoin_universal_sdk.generate.futures.fundingfees.model_get_current_funding_rate_resp import (
    GetCurrentFundingRateResp,
)
from kucoin_universal_sdk.generate.futures.futures_private.model_balance_event import BalanceEvent
from kucoin_universal_sdk.generate.futures.futures_private.model_order_event import OrderEvent
from kucoin_universal_sdk.generate.futures.futures_private.model_position_event import (
    PositionEvent,
)
from kucoin_universal_sdk.generate.futures.market.model_get_all_symbols_resp import (
    GetAllSymbolsResp,
)
from kucoin_universal_sdk.generate.futures.market.model_get_full_order_book_resp import (
    GetFullOrderBookResp,
)
from kucoin_universal_sdk.generate.futures.market.model_get_ticker_resp import GetTickerResp
from kucoin_universal_sdk.generate.futures.order.model_get_order_by_order_id_resp import (
    GetOrderByOrderIdResp,
)
from kucoin_universal_sdk.generate.futures.order.model_get_trade_history_resp import (
    GetTradeHistoryResp,
)
from kucoin_universal_sdk.generate.futures.positions.model_get_position_list_resp import (
    GetPositionListResp,
)

from kucoin_connector.simulator.kucoin_futures import KucoinFuturesSimulator

from .conftest import Client

D = Decimal
SYMBOL = "XBTUSDTM"


@pytest.fixture
async def fsim() -> AsyncIterator[KucoinFuturesSimulator]:
    async with KucoinFuturesSimulator(activity=False, balances={"USDT": "10000"}) as sim:
        yield sim


@pytest.fixture
async def fclient(fsim: KucoinFuturesSimulator) -> AsyncIterator[Client]:
    async with aiohttp.ClientSession() as session:
        yield Client(session, fsim)


def _order(side: str, size: int, price: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "clientOid": f"c-{side}-{size}-{price}-{len(extra)}",
        "symbol": SYMBOL,
        "side": side,
        "type": "limit" if price else "market",
        "leverage": 10,
        "size": size,
        **extra,
    }
    if price:
        body["price"] = price
    return body


async def test_contracts_and_public_market_data_parse_with_the_sdk(fclient: Client) -> None:
    contracts = await fclient.get("/api/v1/contracts/active", signed=False)
    parsed = GetAllSymbolsResp.from_dict(contracts)
    assert parsed is not None and parsed.data is not None
    xbt = next(c for c in parsed.data if c.symbol == SYMBOL)
    assert xbt.multiplier == 0.001 and xbt.next_funding_rate_time is not None
    book = await fclient.get(f"/api/v1/level2/snapshot?symbol={SYMBOL}", signed=False)
    assert GetFullOrderBookResp.from_dict(book) is not None
    assert book["bids"] and book["asks"] and book["bids"][0][0] < book["asks"][0][0]
    ticker = await fclient.get(f"/api/v1/ticker?symbol={SYMBOL}", signed=False)
    assert GetTickerResp.from_dict(ticker) is not None
    funding = await fclient.get(f"/api/v1/funding-rate/{SYMBOL}/current", signed=False)
    assert GetCurrentFundingRateResp.from_dict(funding) is not None
    status, _, body = await fclient.raw("GET", "/api/v1/no/such/route")
    assert (status, body) == (404, {"code": "404000", "msg": "Url Not Found"})


async def test_a_fill_opens_a_position_with_margin_and_the_fill_splits_its_fee(
    fsim: KucoinFuturesSimulator, fclient: Client
) -> None:
    _, ask = fsim.engine.best_bid_ask(SYMBOL)
    assert ask is not None
    placed = await fclient.post("/api/v1/orders", _order("buy", 5))
    order = await fclient.get(f"/api/v1/orders/{placed['orderId']}")
    detail = GetOrderByOrderIdResp.from_dict(order)
    assert detail is not None and detail.status is not None
    assert order["status"] == "done" and order["filledSize"] == 5
    positions = await fclient.get("/api/v1/positions")
    parsed = GetPositionListResp.from_dict(positions)
    assert parsed is not None and parsed.data is not None
    (pos,) = positions
    assert pos["currentQty"] == 5 and pos["symbol"] == SYMBOL
    engine_pos = fsim.margin.positions.position(
        fsim.user_id, SYMBOL, fsim.margin.positions.resolve_side(fsim.user_id, "")
    )
    assert D(str(pos["avgEntryPrice"])) == engine_pos.entry_price
    fills = await fclient.get(f"/api/v1/fills?orderId={placed['orderId']}")
    assert GetTradeHistoryResp.from_dict(fills) is not None
    fill = fills["items"][0]
    assert fill["closeFeePay"] == "0" and D(fill["openFeePay"]) == D(fill["fee"]) > 0
    overview = await fclient.get("/api/v1/account-overview?currency=USDT")
    wallet = fsim.margin.ledger.wallet(fsim.user_id, "USDT")
    assert D(str(overview["positionMargin"])) == wallet.position_margin > 0
    assert D(str(overview["availableBalance"])) == wallet.available


async def test_position_mode_switch_is_refused_with_a_position_then_hedge_orders(
    fsim: KucoinFuturesSimulator, fclient: Client
) -> None:
    assert await fclient.get("/api/v2/position/getPositionMode") == {"positionMode": 0}
    await fclient.post("/api/v1/orders", _order("buy", 2))
    _, _, body = await fclient.raw(
        "POST", "/api/v2/position/switchPositionMode", body={"positionMode": "1"}, signed=True
    )
    assert body["code"] != "200000"
    await fclient.post("/api/v1/orders", _order("sell", 2, reduceOnly=True))
    switched = await fclient.post("/api/v2/position/switchPositionMode", {"positionMode": "1"})
    assert switched == {"positionMode": 1}
    await fclient.post("/api/v1/orders", _order("buy", 3, positionSide="LONG"))
    await fclient.post("/api/v1/orders", _order("sell", 1, positionSide="SHORT"))
    rows = {p["positionSide"]: p for p in await fclient.get("/api/v1/positions")}
    assert rows["LONG"]["currentQty"] == 3 and rows["SHORT"]["currentQty"] == -1


async def test_margin_mode_mismatch_is_kucoins_330005_and_lots_must_be_whole(
    fclient: Client,
) -> None:
    mode = await fclient.get(f"/api/v2/position/getMarginMode?symbol={SYMBOL}")
    assert mode == {"symbol": SYMBOL, "marginMode": "ISOLATED"}
    _, _, body = await fclient.raw(
        "POST", "/api/v1/orders", body=_order("buy", 1, "100", marginMode="CROSS"), signed=True
    )
    assert body["code"] == "330005"
    status, _, body = await fclient.raw(
        "POST", "/api/v1/orders", body={**_order("buy", 1, "100"), "size": 1.5}, signed=True
    )
    assert (status, body["code"]) == (400, "400100")
    qty_order = {k: v for k, v in _order("buy", 1, "100").items() if k != "size"}
    placed = await fclient.post("/api/v1/orders", {**qty_order, "qty": "0.002"})  # 2 lots
    order = await fclient.get(f"/api/v1/orders/{placed['orderId']}")
    assert order["size"] == 2


async def test_level2_messages_carry_one_change_and_consecutive_sequences(
    fsim: KucoinFuturesSimulator, fclient: Client
) -> None:
    bullet = await fclient.post("/api/v1/bullet-public", {}, signed=False)
    url = f"{bullet['instanceServers'][0]['endpoint']}?token={bullet['token']}&connectId=f1"
    async with fclient.session.ws_connect(url) as ws:
        assert (await ws.receive_json(timeout=5))["type"] == "welcome"
        topic = f"/contractMarket/level2:{SYMBOL}"
        await ws.send_json({"id": "s1", "type": "subscribe", "topic": topic, "response": True})
        assert (await ws.receive_json(timeout=5))["type"] == "ack"
        book = await fclient.get(f"/api/v1/level2/snapshot?symbol={SYMBOL}", signed=False)
        await fclient.post("/api/v1/orders", _order("buy", 7, "50000"))
        await fclient.post("/api/v1/orders", _order("buy", 4))  # takes from the asks
        seen: list[dict[str, Any]] = []
        while len(seen) < 2:
            msg = await ws.receive_json(timeout=5)
            if msg.get("type") == "message":
                seen.append(msg)
        await asyncio.sleep(0)
    first = seen[0]
    assert first["subject"] == "level2" and first["data"]["change"] == "50000,buy,7"
    assert first["data"]["sequence"] == book["sequence"] + 1
    assert seen[1]["data"]["sequence"] == book["sequence"] + 2


async def test_funding_is_settled_at_the_mark_price_and_recorded(
    fsim: KucoinFuturesSimulator, fclient: Client
) -> None:
    await fclient.post("/api/v1/orders", _order("buy", 10))
    wallet = fsim.margin.ledger.wallet(fsim.user_id, "USDT")
    before = wallet.balance
    (payment,) = [p for p in fsim.settle_funding(SYMBOL) if p.user_id == fsim.user_id]
    assert wallet.balance == before - payment.amount and payment.amount > 0  # longs pay
    history = await fclient.get(f"/api/v1/funding-history?symbol={SYMBOL}")
    record = history["dataList"][0]
    assert D(str(record["funding"])) == -payment.amount
    expected = -D(str(record["fundingRate"])) * D(str(record["positionCost"]))
    assert D(str(record["funding"])) == expected


async def test_private_topics_report_orders_positions_and_wallet(
    fsim: KucoinFuturesSimulator, fclient: Client
) -> None:
    bullet = await fclient.post("/api/v1/bullet-private", {})
    url = f"{bullet['instanceServers'][0]['endpoint']}?token={bullet['token']}&connectId=p1"
    topics = [
        "/contractMarket/tradeOrders",
        f"/contract/position:{SYMBOL}",
        "/contractAccount/wallet",
    ]
    by_subject: dict[str, list[dict[str, Any]]] = {}
    async with fclient.session.ws_connect(url) as ws:
        assert (await ws.receive_json(timeout=5))["type"] == "welcome"
        for i, topic in enumerate(topics):
            await ws.send_json(
                {"id": f"s{i}", "type": "subscribe", "topic": topic, "response": True}
            )
            assert (await ws.receive_json(timeout=5))["type"] == "ack"
        placed = await fclient.post("/api/v1/orders", _order("buy", 3))

        def done() -> bool:
            orders = by_subject.get("orderChange", [])
            filled = any(d["type"] == "filled" for d in orders)
            return filled and {"position.change", "walletBalance.change"} <= by_subject.keys()

        while not done():
            msg = await ws.receive_json(timeout=5)
            if msg.get("type") == "message":
                by_subject.setdefault(msg["subject"], []).append(msg["data"])
    for data in by_subject["orderChange"]:
        assert OrderEvent.from_dict(data) is not None
    filled = [d for d in by_subject["orderChange"] if d["orderId"] == placed["orderId"]]
    assert [d["type"] for d in filled][-1] == "filled" and filled[-1]["status"] == "done"
    assert sum(int(d["matchSize"]) for d in filled if d["type"] == "match") == 3
    position = by_subject["position.change"][-1]
    assert PositionEvent.from_dict(position) is not None and position["currentQty"] == 3
    wallet = by_subject["walletBalance.change"][-1]
    assert BalanceEvent.from_dict(wallet) is not None
    ledger = fsim.margin.ledger.wallet(fsim.user_id, "USDT")
    assert D(wallet["availableBalance"]) == ledger.available
