"""The connector parses KuCoin's real shapes: every REST response and private message it
reads, fed from KuCoin's documented examples (as the official SDK's own tests hold them)
or from the SDK's models built with documented values, never from our simulator.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from kucoin_connector.core.errors import ParseError
from kucoin_connector.core.types import OrderState
from kucoin_connector.kucoin.level2_wire import parse_l2snapshot
from kucoin_connector.kucoin.private_messages import (
    BalanceMessage,
    OrderChangeMessage,
    OrderChangeStatus,
    OrderChangeType,
    parse_private_frame,
)
from kucoin_connector.kucoin.schemas import (
    Account,
    AccountType,
    BulletResponse,
    CancelledOrders,
    Fill,
    HfFillsPage,
    HfOrderDetail,
    Liquidity,
    OrderDetail,
    OrderKind,
    Page,
    PlaceOrderResponse,
    Side,
    StopOrderDetail,
    SymbolInfo,
    TradeFeeRate,
    parse_list,
    parse_model,
    parse_server_time_ms,
)
from kucoin_connector.kucoin.translate import (
    balance_from_message,
    trade_update_from_fill,
    updates_from_order_change,
)
from oracles.sdk_oracle import documented_example, od, ws_private

D = Decimal


def wire(sdk_model: Any) -> Any:
    """An SDK model instance as KuCoin sends it (``to_dict`` keeps enum objects)."""
    return json.loads(sdk_model.to_json())


def market(test_name: str) -> Any:
    return documented_example("spot.market", "api_market_test", test_name)["data"]


def order_api(test_name: str) -> Any:
    return documented_example("spot.order", "api_order_test", test_name)["data"]


def private_frame(test_name: str) -> Any:
    return documented_example("spot.spot_private", "api_spot_private_test", test_name)


# --------------------------------------------------------------------------- public REST


def test_server_time() -> None:
    assert parse_server_time_ms(market("test_get_server_time_resp_model")) == 1729100692873


def test_symbols_v2() -> None:
    symbols = parse_list(SymbolInfo, market("test_get_all_symbols_resp_model"))
    btc = symbols[0]
    assert (btc.symbol, btc.base_currency, btc.quote_currency) == ("BTC-USDT", "BTC", "USDT")
    assert btc.price_increment > 0 and btc.base_increment > 0 and btc.enable_trading


@pytest.mark.parametrize(
    "test_name", ["test_get_part_order_book_resp_model", "test_get_full_order_book_resp_model"]
)
def test_level2_snapshots(test_name: str) -> None:
    raw = market(test_name)
    snapshot = parse_l2snapshot(raw)
    assert snapshot.sequence == int(raw["sequence"])
    assert [list(level) for level in snapshot.bids][:1] == [list(raw["bids"][0])]
    assert [list(level) for level in snapshot.asks][:1] == [list(raw["asks"][0])]


@pytest.mark.parametrize(
    "test_name", ["test_get_public_token_resp_model", "test_get_private_token_resp_model"]
)
def test_bullets(test_name: str) -> None:
    raw = market(test_name)
    bullet = parse_model(BulletResponse, raw)
    server = bullet.instance_servers[0]
    assert server.endpoint == "wss://ws-api-spot.kucoin.com/"
    assert (server.ping_interval_ms, server.ping_timeout_ms) == (18000, 10000)
    assert raw["token"] not in repr(bullet)


# --------------------------------------------------------------------------- accounts, fees


def test_accounts() -> None:
    raw = documented_example(
        "account.account", "api_account_test", "test_get_spot_account_list_resp_model"
    )["data"]
    accounts = parse_list(Account, raw)
    assert [(a.id, a.account_type) for a in accounts] == [
        ("548674591753", AccountType.TRADE),
        ("63355cd156298d0001b66e61", AccountType.MAIN),
    ]
    assert accounts[0].balance == D("26.66759503") and accounts[0].holds == 0


def test_an_hf_account_type_parses_too() -> None:
    """Asked ``type=trade_hf`` KuCoin answers that type (the SDK's enum does not list it)."""
    item = {
        **documented_example(
            "account.account", "api_account_test", "test_get_spot_account_list_resp_model"
        )["data"][0],
        "type": "trade_hf",
    }
    assert parse_model(Account, item).account_type is AccountType.TRADE_HF


def test_trade_fees() -> None:
    raw = documented_example("account.fee", "api_fee_test", "test_get_spot_actual_fee_resp_model")
    rates = parse_list(TradeFeeRate, raw["data"])
    assert [(r.symbol, r.maker_fee_rate, r.taker_fee_rate) for r in rates] == [
        ("BTC-USDT", D("0.001"), D("0.001")),
        ("ETH-USDT", D("0.001"), D("0.001")),
    ]


# --------------------------------------------------------------------------- orders


@pytest.mark.parametrize(
    "test_name",
    [
        "test_add_order_resp_model",
        "test_add_order_old_resp_model",
        "test_add_stop_order_resp_model",
    ],
)
def test_placement_answers(test_name: str) -> None:
    raw = order_api(test_name)
    placed = parse_model(PlaceOrderResponse, raw)
    assert placed.order_id == raw["orderId"] and len(placed.order_id) >= 20


def test_classic_cancel_answers() -> None:
    by_id = parse_model(CancelledOrders, order_api("test_cancel_order_by_order_id_old_resp_model"))
    assert len(by_id.order_ids) == 1
    by_coid = parse_model(
        CancelledOrders, order_api("test_cancel_order_by_client_oid_old_resp_model")
    )
    assert by_coid.order_ids == ("67c3252a63d25e0007f91de9",)
    assert by_coid.client_oid == "5c52e11203aa677f331e493fb"


@pytest.mark.parametrize(
    "test_name",
    ["test_get_order_by_order_id_resp_model", "test_get_order_by_client_oid_resp_model"],
)
def test_hf_order_detail_with_null_stp(test_name: str) -> None:
    raw = order_api(test_name)
    assert raw["stp"] is None  # KuCoin's HF orders carry a null stp
    detail = parse_model(HfOrderDetail, raw)
    assert detail.stp is None and detail.tags is None
    assert detail.order_type is OrderKind.LIMIT and detail.side is Side.BUY
    assert detail.deal_size == D("0.00001") and not detail.is_open
    assert detail.created_at_ms == 1729577515444


def test_hf_open_and_closed_lists() -> None:
    open_orders = parse_list(HfOrderDetail, order_api("test_get_open_orders_resp_model"))
    assert [o.is_open for o in open_orders] == [True]
    assert open_orders[0].remain_size == D("0.00001")
    closed = order_api("test_get_closed_orders_resp_model")
    done = parse_list(HfOrderDetail, closed["items"])
    assert [o.is_open for o in done] == [False] and isinstance(closed["lastId"], int)


@pytest.mark.parametrize(
    "test_name",
    ["test_get_order_by_order_id_old_resp_model", "test_get_order_by_client_oid_old_resp_model"],
)
def test_classic_order_detail(test_name: str) -> None:
    raw = order_api(test_name)
    detail = parse_model(OrderDetail, raw)
    assert detail.id == raw["id"] and detail.is_open is raw["isActive"]
    assert detail.stp is None  # classic "" reads as no STP


def test_classic_order_page() -> None:
    page = parse_model(Page[OrderDetail], order_api("test_get_orders_list_old_resp_model"))
    assert (page.current_page, page.total_page) == (1, 1)
    assert page.items[0].id == "674a9a872033a50007e2790d" and page.items[0].cancel_exist


def test_waiting_stop_order() -> None:
    items = parse_list(StopOrderDetail, order_api("test_get_stop_order_by_client_oid_resp_model"))
    assert items[0].is_waiting and items[0].client_oid == "2b700942b5db41cebe578cff48960e09"


# --------------------------------------------------------------------------- fills


def test_hf_fills_integer_trade_id() -> None:
    raw = order_api("test_get_trade_history_resp_model")
    assert isinstance(raw["items"][0]["tradeId"], int)  # KuCoin's HF fills: an integer
    page = parse_model(HfFillsPage, raw)
    fill = page.items[0]
    assert fill.trade_id == "11029373945659392" and fill.id == "19814995255305"
    assert (fill.price, fill.size, fill.fee) == (D("67717.6"), D("0.00001"), D("0.000677176"))
    assert fill.liquidity is Liquidity.TAKER and page.last_id == 19814995255305


def test_classic_fills_page() -> None:
    page = parse_model(Page[Fill], order_api("test_get_trade_history_old_resp_model"))
    fill = page.items[0]
    assert fill.trade_id == "10862827223795713" and fill.order_type is OrderKind.MARKET
    update = trade_update_from_fill(fill, "DOGE-USDT", "my-order")
    assert update.fill_quote_amount == D("4.0739") and update.fee.amount == D("0.0040739")


def test_hf_fill_and_its_ws_match_share_one_trade_id() -> None:
    """KuCoin sends an HF trade's id as an integer over REST and as a string in the
    orderChange match: both must name one trade, or the fill would count twice."""
    trade_id = 11029373945659392
    rest = {**order_api("test_get_trade_history_resp_model")["items"][0], "tradeId": trade_id}
    event = wire(
        ws_private.OrderV2Event(
            symbol="BTC-USDT",
            order_type=ws_private.OrderV2Event.OrderTypeEnum.LIMIT,
            side=ws_private.OrderV2Event.SideEnum.BUY,
            order_id=rest["orderId"],
            client_oid="my-order",
            type=ws_private.OrderV2Event.TypeEnum.MATCH,
            status=ws_private.OrderV2Event.StatusEnum.MATCH,
            order_time=1729577515444,
            ts=1729577515473000000,
            price="67717.6",
            size="0.00001",
            filled_size="0.00001",
            remain_size="0",
            match_price="67717.6",
            match_size="0.00001",
            trade_id=str(trade_id),
            liquidity=ws_private.OrderV2Event.LiquidityEnum.TAKER,
            fee_type=ws_private.OrderV2Event.FeeTypeEnum.TAKER_FEE,
        )
    )
    message = parse_model(OrderChangeMessage, event)
    ws_trade, _ = updates_from_order_change(message, None, "BTC-USDT", (D("0.001"), D("0.001")))
    rest_trade = trade_update_from_fill(parse_model(Fill, rest), "BTC-USDT", "my-order")
    assert ws_trade is not None and ws_trade.trade_id == rest_trade.trade_id == str(trade_id)


def test_a_fill_the_sdk_model_builds_parses() -> None:
    item = wire(
        od.GetTradeHistoryItems(
            id=1,
            symbol="BTC-USDT",
            trade_id=10046097631627265,
            order_id="6705f6350dc7210007d6a36d",
            counter_order_id="6705f6350dc7210007d6a36e",
            side=od.GetTradeHistoryItems.SideEnum.SELL,
            liquidity=od.GetTradeHistoryItems.LiquidityEnum.MAKER,
            force_taker=False,
            price="61000",
            size="0.5",
            funds="30500",
            fee="-3.05",
            fee_rate="-0.0001",
            fee_currency="USDT",
            stop="",
            trade_type="TRADE",
            type=od.GetTradeHistoryItems.TypeEnum.LIMIT,
            created_at=1728443957539,
        )
    )
    fill = parse_model(Fill, item)
    assert fill.trade_id == "10046097631627265" and fill.fee == D("-3.05")
    assert fill.liquidity is Liquidity.MAKER and fill.side is Side.SELL


# --------------------------------------------------------------------------- private WS


def test_order_v1_open_message() -> None:
    frame = private_frame("test_order_v1_resp_model")
    message = parse_private_frame(json.dumps(frame))
    assert isinstance(message, OrderChangeMessage)
    assert message.event_type is OrderChangeType.OPEN and message.status is OrderChangeStatus.OPEN
    assert message.order_time_ms == 1730211033305 and message.ts_ms == 1730211033335
    assert message.remain_size == D("0.00001") and message.trade_id is None
    _, update = updates_from_order_change(message, None, "BTC-USDT", None)
    assert update is not None and update.new_state is OrderState.OPEN


def test_order_v2_received_message() -> None:
    frame = private_frame("test_order_v2_resp_model")
    message = parse_private_frame(json.dumps(frame))
    assert isinstance(message, OrderChangeMessage)
    assert message.event_type is OrderChangeType.RECEIVED
    assert message.status is OrderChangeStatus.NEW and message.order_type is OrderKind.MARKET
    assert parse_model(OrderChangeMessage, frame["data"]) == message


def test_balance_message() -> None:
    frame = private_frame("test_account_resp_model")
    message = parse_private_frame(json.dumps(frame))
    assert isinstance(message, BalanceMessage)
    assert message.time_ms == 1730269283892  # KuCoin sends "time" as a string
    assert message.account_type is AccountType.TRADE
    assert message.relation_context is not None
    assert message.relation_context.order_id == "6721d0632db25b0007071fdc"
    balance = balance_from_message(message, "trade", {"548674591753"})
    assert balance is not None and balance.total == D("21.133773386762")
    assert balance_from_message(message, "trade", {"another-account"}) is None


def test_a_malformed_documented_message_is_refused() -> None:
    data = {**private_frame("test_order_v1_resp_model")["data"], "side": "sideways"}
    with pytest.raises(ParseError):
        parse_model(OrderChangeMessage, data)
