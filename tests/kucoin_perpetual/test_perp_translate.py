"""Order look-ups, fills and stream order changes translated from documented payloads."""

from __future__ import annotations

import copy
from decimal import Decimal

import perp_payloads as doc
import pytest

from kucoin_connector.core.types import OrderState, PositionAction, TradeType
from kucoin_connector.kucoin_perpetual.contracts import ContractSpec
from kucoin_connector.kucoin_perpetual.private_messages import (
    FuturesOrderChange,
    LegacyBalanceChange,
    parse_private_message,
)
from kucoin_connector.kucoin_perpetual.schemas import (
    Contract,
    FillsPage,
    FuturesOrderDetail,
    parse_model,
)
from kucoin_connector.kucoin_perpetual.translate import (
    exchange_order_from_detail,
    fill_position_action,
    order_position_action,
    trade_update_from_fill,
    updates_from_order_change,
)

SPEC = ContractSpec.from_contract(parse_model(Contract, doc.CONTRACT_XBTUSDTM))
INVERSE = ContractSpec.from_contract(parse_model(Contract, doc.CONTRACT_XBTUSDM))


def _detail(**changes: object) -> FuturesOrderDetail:
    return parse_model(FuturesOrderDetail, dict(doc.ORDER_DETAIL, **changes))


def test_documented_order_is_an_open_opening_buy_in_base_units() -> None:
    detail = _detail()
    listed = exchange_order_from_detail(detail, SPEC)
    assert listed.state is OrderState.OPEN and listed.trade_type is TradeType.BUY
    assert listed.amount == Decimal("0.001") and listed.price == Decimal("0.1")
    assert listed.client_order_id == "5c52e11203aa677f33e493fb"
    assert order_position_action(detail) is PositionAction.OPEN


@pytest.mark.parametrize(
    ("changes", "state"),
    [
        ({"filledSize": 1, "isActive": False, "status": "done"}, OrderState.FILLED),
        ({"isActive": False, "cancelExist": True, "status": "done"}, OrderState.CANCELED),
        ({"size": 3, "filledSize": 1}, OrderState.PARTIALLY_FILLED),
    ],
)
def test_order_states_from_the_exchange_flags(
    changes: dict[str, object], state: OrderState
) -> None:
    assert exchange_order_from_detail(_detail(**changes), SPEC).state is state


@pytest.mark.parametrize("flag", ["reduceOnly", "closeOrder"])
def test_reduce_only_or_close_orders_are_closing(flag: str) -> None:
    assert order_position_action(_detail(**{flag: True})) is PositionAction.CLOSE


@pytest.mark.parametrize(
    ("open_fee", "close_fee", "action"),
    [
        ("0.05176506", "0", PositionAction.OPEN),
        ("0", "0.05176506", PositionAction.CLOSE),
        ("0.02", "0.03", PositionAction.NIL),
        ("0", "0", None),
    ],
)
def test_fill_position_action_from_the_fee_split(
    open_fee: str, close_fee: str, action: PositionAction | None
) -> None:
    page = copy.deepcopy(doc.FILLS_PAGE)
    page["items"][0].update(openFeePay=open_fee, closeFeePay=close_fee)
    [fill] = parse_model(FillsPage, page).items
    assert fill_position_action(fill) is action


def test_documented_fill_in_base_units_with_its_own_fee() -> None:
    [fill] = parse_model(FillsPage, doc.FILLS_PAGE).items
    update = trade_update_from_fill(fill, SPEC, "kp7")
    assert update.client_order_id == "kp7" and update.trade_id == "1828954878212"
    assert update.fill_base_amount == Decimal("0.001")
    assert update.fee.amount == Decimal("0.05176506") and update.fee.asset == "USDT"
    assert update.is_maker is False


def _change(**data: object) -> FuturesOrderChange:
    frame = copy.deepcopy(doc.ORDER_EVENT)
    frame["data"].update(data)
    message = parse_private_message(frame)
    assert isinstance(message, FuturesOrderChange)
    return message


def test_stream_open_and_cancel_states() -> None:
    _, opened = updates_from_order_change(_change(clientOid="kp1"), None, SPEC)
    assert opened is not None and opened.new_state is OrderState.OPEN
    assert opened.update_timestamp_ms == 1731916985789  # ts is in ns
    _, cancelled = updates_from_order_change(
        _change(clientOid="kp1", type="canceled", status="done", canceledSize="1"), None, SPEC
    )
    assert cancelled is not None and cancelled.new_state is OrderState.CANCELED


def test_inverse_match_value_and_fee_are_in_the_settlement_coin() -> None:
    message = _change(
        symbol="XBTUSDM",
        clientOid="kp2",
        type="match",
        status="match",
        matchPrice="50000",
        matchSize="100",
        tradeId="t1",
        liquidity="taker",
        remainSize="0",
        filledSize="1",
    )
    trade, update = updates_from_order_change(message, None, INVERSE)
    assert update is None  # the "filled" message completes it
    assert trade is not None and trade.fill_base_amount == Decimal(100)  # 100 USD
    assert trade.fill_quote_amount == Decimal("0.002")  # 100 USD / 50000 = 0.002 XBT
    assert trade.fee.asset == "XBT" and trade.fee.amount == Decimal("0.002") * Decimal("0.0006")


def test_legacy_wallet_subject_is_understood() -> None:
    frame = {
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
    message = parse_private_message(frame)
    assert isinstance(message, LegacyBalanceChange)
    assert message.available_balance == Decimal(5923)
