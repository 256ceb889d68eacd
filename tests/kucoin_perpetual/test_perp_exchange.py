"""KucoinPerpetualExchange over a scripted transport (tests/fakes.py): every request is
really rendered and signed; answers are KuCoin's documented payloads."""

from __future__ import annotations

import asyncio
import copy
import json
from decimal import Decimal
from typing import Any

import perp_payloads as doc
import pytest
from perp_venue import KEY, PASSPHRASE, SECRET, FuturesVenue, make_exchange, ok

from fakes import FakeTransport, json_response
from kucoin_connector.core.errors import OrderNotFoundError, OrderValidationError
from kucoin_connector.core.events import (
    BalanceUpdatedEvent,
    FundingPaymentEvent,
    OrderBookResyncedEvent,
    OrderFilledEvent,
    PositionChangedEvent,
)
from kucoin_connector.core.types import (
    OrderState,
    OrderType,
    PositionAction,
    PositionMode,
    PositionSide,
    TradeType,
)
from kucoin_connector.kucoin.auth import KucoinAuth
from kucoin_connector.kucoin_perpetual.errors import PositionModeChangeError
from kucoin_connector.kucoin_perpetual.orders import MarginMode, PerpetualOrderOptions


@pytest.fixture
async def started() -> Any:
    venue = FuturesVenue(position_mode=1)
    transport = FakeTransport(default=venue)
    exchange = make_exchange(transport)
    await exchange.start()
    yield exchange, venue, transport
    await exchange.stop()


def _posted_orders(transport: FakeTransport) -> list[dict[str, Any]]:
    return [
        json.loads(r.body)
        for r in transport.requests
        if r.method == "POST" and r.path == "/api/v1/orders"
    ]


async def test_start_reads_contracts_modes_balances_and_positions(started: Any) -> None:
    exchange, _, _ = started
    assert exchange.symbol_for_pair("BTC-USDT") == "XBTUSDTM"
    assert exchange.trading_rules["BTC-USDT"].min_order_size == Decimal("0.001")
    assert await exchange.position_mode() is PositionMode.HEDGE
    assert await exchange.margin_mode("BTC-USDT") is MarginMode.ISOLATED
    assert exchange.settlement_currencies() == ["USDT", "XBT"]
    assert exchange.get_balance("USDT") == Decimal("394.439280806")
    assert exchange.get_available_balance("XBT") == Decimal("290.326799096")
    position = exchange.positions.get("BTC-USDT", PositionSide.BOTH)
    assert position is not None and position.amount == Decimal("0.001")


async def test_hedge_order_is_signed_and_names_its_position(started: Any) -> None:
    exchange, _, transport = started
    order = await exchange.place_order(
        TradeType.SELL,
        "BTC-USDT",
        Decimal("0.003"),
        OrderType.LIMIT_MAKER,
        Decimal("105000.05"),
        PerpetualOrderOptions(position_action=PositionAction.OPEN, leverage=Decimal(5)),
    )
    assert order.exchange_order_id == "234125150956625920"
    assert order.current_state is OrderState.OPEN
    [body] = _posted_orders(transport)
    assert body == {
        "clientOid": "kp0",
        "side": "sell",
        "symbol": "XBTUSDTM",
        "type": "limit",
        "leverage": 5,
        "marginMode": "ISOLATED",
        "size": 3,
        "price": "105000.1",  # a sell rounds up to the 0.1 tick
        "timeInForce": "GTC",
        "postOnly": True,
        "positionSide": "SHORT",
    }
    request = next(r for r in transport.requests if r.method == "POST")
    expected = KucoinAuth(KEY, SECRET, PASSPHRASE, time_ms=lambda: 0).headers_at(
        int(request.headers["KC-API-TIMESTAMP"]), "POST", "/api/v1/orders", request.body
    )
    assert request.headers["KC-API-SIGN"] == expected["KC-API-SIGN"]
    assert exchange.order_position_action("kp0") is PositionAction.OPEN


async def test_one_way_close_is_reduce_only(started: Any) -> None:
    exchange, venue, transport = started
    venue.position_mode = 0
    await exchange.position_mode(refresh=True)
    await exchange.place_order(
        TradeType.SELL,
        "BTC-USDT",
        Decimal("0.001"),
        OrderType.MARKET,
        None,
        PerpetualOrderOptions(position_action=PositionAction.CLOSE),
    )
    [body] = _posted_orders(transport)
    assert body["reduceOnly"] is True and "positionSide" not in body
    assert body["type"] == "market" and body["size"] == 1 and body["leverage"] == 1


async def test_amount_off_the_lot_grid_is_refused_before_sending(started: Any) -> None:
    exchange, _, transport = started
    with pytest.raises(OrderValidationError) as caught:
        await exchange.place_order(
            TradeType.BUY, "BTC-USDT", Decimal("0.0015"), OrderType.LIMIT, Decimal(100000)
        )
    assert caught.value.rule == "lot_size"
    assert _posted_orders(transport) == []


async def test_margin_mode_disagreement_is_refused_before_sending(started: Any) -> None:
    exchange, _, transport = started
    with pytest.raises(OrderValidationError) as caught:
        await exchange.place_order(
            TradeType.BUY,
            "BTC-USDT",
            Decimal("0.001"),
            OrderType.LIMIT,
            Decimal(100000),
            PerpetualOrderOptions(margin_mode=MarginMode.CROSS),
        )
    assert caught.value.rule == "margin_mode"
    assert _posted_orders(transport) == []


async def test_switching_position_mode_refused_is_typed(started: Any) -> None:
    exchange, venue, _ = started
    venue.overrides[("POST", "/api/v2/position/switchPositionMode")] = lambda _: json_response(
        {"code": "300000", "msg": "There are open positions or orders"}
    )
    with pytest.raises(PositionModeChangeError) as caught:
        await exchange.set_position_mode(PositionMode.ONEWAY)
    assert caught.value.code == "300000"
    assert await exchange.position_mode() is PositionMode.HEDGE  # unchanged


async def test_switching_position_mode_sends_the_wire_value(started: Any) -> None:
    exchange, venue, transport = started
    venue.overrides[("POST", "/api/v2/position/switchPositionMode")] = lambda _: ok(
        {"positionMode": 0}
    )
    assert await exchange.set_position_mode(PositionMode.ONEWAY) is PositionMode.ONEWAY
    sent = [r for r in transport.requests if r.path == "/api/v2/position/switchPositionMode"]
    assert json.loads(sent[0].body) == {"positionMode": "0"}


def _order_frame(**data: Any) -> dict[str, Any]:
    """The documented tradeOrders message with the named fields changed."""
    frame = copy.deepcopy(doc.ORDER_EVENT)
    frame["data"].update(data)
    return frame


async def test_private_stream_fills_positions_and_wallet(started: Any) -> None:
    exchange, _, _ = started
    events: list[object] = []
    exchange.add_listener(events.append)
    order = await exchange.place_order(
        TradeType.BUY, "BTC-USDT", Decimal("0.002"), OrderType.LIMIT, Decimal("91670")
    )
    oid = order.exchange_order_id
    common = {"orderId": oid, "clientOid": "kp0", "size": "2"}
    exchange.handle_private_message(_order_frame(**common))
    exchange.handle_private_message(
        _order_frame(
            **common,
            type="match",
            status="match",
            matchPrice="91670",
            matchSize="2",
            tradeId="1828954878212",
            filledSize="2",
            remainSize="0",
        )
    )
    exchange.handle_private_message(
        _order_frame(**common, type="filled", status="done", filledSize="2", remainSize="0")
    )
    assert order.current_state is OrderState.FILLED
    [fill] = [e for e in events if isinstance(e, OrderFilledEvent)]
    assert fill.amount == Decimal("0.002") and fill.price == Decimal("91670")
    assert fill.fee.asset == "USDT" and fill.fee.amount == Decimal("91670") * Decimal(
        "0.002"
    ) * Decimal("0.0002")  # maker rate of the contract
    exchange.handle_private_message(doc.POSITION_EVENT)
    exchange.handle_private_message(doc.WALLET_EVENT)
    moved = [e for e in events if isinstance(e, PositionChangedEvent)]
    assert moved[-1].entry_price == Decimal("91694.5")
    balance = [e for e in events if isinstance(e, BalanceUpdatedEvent)][-1]
    assert (balance.asset, balance.total, balance.available) == (
        "USDT",
        Decimal("81.273621258"),
        Decimal("26.144281178"),
    )


async def test_fill_position_action_comes_from_the_fee_split(started: Any) -> None:
    exchange, venue, _ = started
    fills = copy.deepcopy(doc.FILLS_PAGE)
    venue.overrides[("GET", "/api/v1/fills")] = lambda _: ok(fills)
    order = await exchange.place_order(
        TradeType.BUY, "BTC-USDT", Decimal("0.001"), OrderType.MARKET, None
    )
    fills["items"][0]["orderId"] = order.exchange_order_id
    [update] = await exchange._fetch_trade_updates(order)
    assert update.fill_base_amount == Decimal("0.001")
    assert update.fill_quote_amount == Decimal("86.2751")
    assert update.fill_timestamp_ms == 1740640088244
    assert exchange.fill_position_action("1828954878212") is PositionAction.OPEN


async def test_level2_gap_resyncs_that_symbol(started: Any) -> None:
    exchange, venue, transport = started
    snapshots = iter([16, 19])
    venue.overrides[("GET", "/api/v1/level2/snapshot")] = lambda _: ok(
        dict(doc.FULL_ORDER_BOOK, symbol="XBTUSDTM", sequence=next(snapshots))
    )
    events: list[object] = []
    exchange.add_listener(events.append, OrderBookResyncedEvent)
    assert exchange.book_needs_snapshot("BTC-USDT")
    assert await exchange.resync_book("BTC-USDT") is True
    book = exchange.get_order_book("BTC-USDT")
    assert book.best_bid_level() == (Decimal("66968"), Decimal("0.002"))
    assert exchange.handle_level2_message("XBTUSDTM", {"sequence": 17, "change": "66968,buy,0"})
    assert book.best_bid == Decimal("66964.8")
    assert not exchange.handle_level2_message("XBTUSDTM", {"sequence": 19, "change": "1,buy,1"})
    assert exchange.book_needs_snapshot("BTC-USDT")
    [resynced] = events
    assert isinstance(resynced, OrderBookResyncedEvent) and resynced.trading_pair == "BTC-USDT"
    assert await exchange.resync_book("BTC-USDT") is True  # the snapshot at 19 takes over
    calls = [r for r in transport.requests if r.path == "/api/v1/level2/snapshot"]
    assert len(calls) == 2 and all("symbol=XBTUSDTM" in r.url for r in calls)


async def test_funding_history_publishes_each_settlement_once(started: Any) -> None:
    exchange, venue, transport = started
    venue.overrides[("GET", "/api/v1/funding-history")] = lambda _: ok(doc.FUNDING_HISTORY)
    events: list[object] = []
    exchange.add_listener(events.append, FundingPaymentEvent)
    [payment] = await exchange.refresh_funding("BTC-USDT", 1731400000000, 1731500000000)
    await exchange.refresh_funding("BTC-USDT", 1731400000000, 1731500000000)
    assert payment.amount == Decimal("-0.05585669")
    assert len(events) == 1
    [request, _] = [r for r in transport.requests if r.path == "/api/v1/funding-history"]
    assert "symbol=XBTUSDTM" in request.url and "startAt=1731400000000" in request.url


async def test_legacy_wallet_message_refreshes_balances_over_rest(started: Any) -> None:
    exchange, _, transport = started
    before = sum(r.path == "/api/v1/account-overview" for r in transport.requests)
    exchange.handle_private_message(
        {
            "topic": "/contractAccount/wallet",
            "type": "message",
            "subject": "availableBalance.change",
            "data": {
                "availableBalance": 5923,
                "holdBalance": 2312,
                "currency": "USDT",
                "timestamp": 1553842862614,
            },
        }
    )
    async with asyncio.timeout(5):  # a guard, not a timing assertion
        while sum(r.path == "/api/v1/account-overview" for r in transport.requests) <= before:  # noqa: ASYNC110
            await asyncio.sleep(0.001)


async def test_cross_leverage_is_set_on_the_exchange(started: Any) -> None:
    exchange, venue, transport = started
    venue.overrides[("POST", "/api/v2/position/changeMarginMode")] = lambda _: ok(
        {"symbol": "XBTUSDTM", "marginMode": "CROSS"}
    )
    venue.overrides[("POST", "/api/v2/changeCrossUserLeverage")] = lambda _: ok(True)
    assert await exchange.set_margin_mode("BTC-USDT", MarginMode.CROSS) is MarginMode.CROSS
    await exchange.set_leverage("BTC-USDT", Decimal("8"))
    [sent] = [r for r in transport.requests if r.path == "/api/v2/changeCrossUserLeverage"]
    assert json.loads(sent.body) == {"symbol": "XBTUSDTM", "leverage": "8"}
    await exchange.place_order(
        TradeType.BUY,
        "BTC-USDT",
        Decimal("0.001"),
        OrderType.LIMIT,
        Decimal(90000),
        PerpetualOrderOptions(margin_mode=MarginMode.CROSS),
    )
    [body] = _posted_orders(transport)
    assert body["marginMode"] == "CROSS" and body["leverage"] == 8
    assert body["positionSide"] == "LONG"


async def test_cancel_uses_the_exchange_order_id(started: Any) -> None:
    exchange, venue, transport = started
    venue.overrides[("DELETE", "/api/v1/orders/234125150956625920")] = lambda _: ok(
        {"cancelledOrderIds": ["234125150956625920"]}
    )
    order = await exchange.place_order(
        TradeType.BUY, "BTC-USDT", Decimal("0.001"), OrderType.LIMIT, Decimal(90000)
    )
    await exchange._cancel_order_on_exchange(order)
    last = transport.requests[-1]
    assert (last.method, last.path) == ("DELETE", "/api/v1/orders/234125150956625920")


async def test_unknown_client_oid_is_order_not_found(started: Any) -> None:
    exchange, venue, _ = started
    venue.overrides[("GET", "/api/v1/orders/byClientOid")] = lambda _: ok(None)
    order = await exchange.place_order(
        TradeType.BUY, "BTC-USDT", Decimal("0.001"), OrderType.LIMIT, Decimal(90000)
    )
    with pytest.raises(OrderNotFoundError):
        await exchange._fetch_order_status(order)
    venue.overrides[("GET", "/api/v1/orders/byClientOid")] = lambda _: ok(
        dict(doc.ORDER_DETAIL, clientOid=order.client_order_id, reduceOnly=True)
    )
    status = await exchange._fetch_order_status(order)
    assert status.update.new_state is OrderState.OPEN
    assert exchange.order_position_action(order.client_order_id) is PositionAction.CLOSE


async def test_a_lost_match_is_recovered_from_rest_fills(started: Any) -> None:
    exchange, venue, transport = started
    fills = copy.deepcopy(doc.FILLS_PAGE)
    venue.overrides[("GET", "/api/v1/fills")] = lambda _: ok(fills)
    order = await exchange.place_order(
        TradeType.BUY, "BTC-USDT", Decimal("0.001"), OrderType.LIMIT, Decimal("86275.1")
    )
    fills["items"][0]["orderId"] = order.exchange_order_id
    common = {"orderId": order.exchange_order_id, "clientOid": order.client_order_id}
    # the match message was lost: only "filled" arrives
    exchange.handle_private_message(
        _order_frame(**common, type="filled", status="done", filledSize="1", remainSize="0")
    )
    async with asyncio.timeout(5):  # a guard, not a timing assertion
        while order.executed_amount_base < Decimal("0.001"):  # noqa: ASYNC110
            await asyncio.sleep(0.001)
    assert order.current_state is OrderState.FILLED
    assert [trade.trade_id for trade in order.order_fills.values()] == ["1828954878212"]
    assert exchange.fill_position_action("1828954878212") is PositionAction.OPEN
    assert any(r.path == "/api/v1/fills" for r in transport.requests)
