"""Order bodies: one-way vs hedge (positionSide), reduce-only and close, post-only, IOC."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from kucoin_connector.core.errors import OrderValidationError
from kucoin_connector.core.types import (
    OrderType,
    PositionAction,
    PositionMode,
    PositionSide,
    TimeInForce,
    TradeType,
)
from kucoin_connector.kucoin_perpetual.orders import (
    MarginMode,
    OrderRequest,
    PerpetualOrderOptions,
    order_body,
    position_side_for,
)


def _request(
    trade_type: TradeType = TradeType.BUY,
    order_type: OrderType = OrderType.LIMIT,
    mode: PositionMode = PositionMode.ONEWAY,
    **options: object,
) -> OrderRequest:
    return OrderRequest(
        client_oid="kp1",
        symbol="XBTUSDTM",
        trade_type=trade_type,
        order_type=order_type,
        lots=3,
        price=None if order_type is OrderType.MARKET else Decimal("105000.0"),
        leverage=Decimal("5"),
        margin_mode=MarginMode.ISOLATED,
        position_mode=mode,
        options=PerpetualOrderOptions(**options),  # type: ignore[arg-type]
    )


def test_one_way_limit_open_body() -> None:
    assert order_body(_request()) == {
        "clientOid": "kp1",
        "side": "buy",
        "symbol": "XBTUSDTM",
        "type": "limit",
        "leverage": 5,
        "marginMode": "ISOLATED",
        "size": 3,
        "price": "105000.0",
        "timeInForce": "GTC",
    }


def test_one_way_close_is_reduce_only_without_position_side() -> None:
    body = order_body(_request(TradeType.SELL, position_action=PositionAction.CLOSE))
    assert body["reduceOnly"] is True
    assert "positionSide" not in body


@pytest.mark.parametrize(
    ("trade_type", "action", "side"),
    [
        (TradeType.BUY, PositionAction.OPEN, "LONG"),
        (TradeType.SELL, PositionAction.OPEN, "SHORT"),
        (TradeType.SELL, PositionAction.CLOSE, "LONG"),
        (TradeType.BUY, PositionAction.CLOSE, "SHORT"),
    ],
)
def test_hedge_orders_name_their_position(
    trade_type: TradeType, action: PositionAction, side: str
) -> None:
    body = order_body(_request(trade_type, mode=PositionMode.HEDGE, position_action=action))
    assert body["positionSide"] == side
    assert body.get("reduceOnly", False) is (action is PositionAction.CLOSE)
    assert position_side_for(trade_type, action) is PositionSide(side)


def test_market_close_position_sends_close_order_and_no_size() -> None:
    body = order_body(
        _request(
            TradeType.SELL,
            OrderType.MARKET,
            position_action=PositionAction.CLOSE,
            close_position=True,
        )
    )
    assert body["closeOrder"] is True and body["type"] == "market"
    assert "size" not in body and "price" not in body and "reduceOnly" not in body


def test_limit_maker_is_post_only_and_ioc_is_sent() -> None:
    assert order_body(_request(order_type=OrderType.LIMIT_MAKER))["postOnly"] is True
    body = order_body(_request(time_in_force=TimeInForce.IOC))
    assert body["timeInForce"] == "IOC"


@pytest.mark.parametrize(
    "options",
    [
        {"time_in_force": TimeInForce.FOK},
        {"time_in_force": TimeInForce.GTT},
        {"close_position": True},  # close_position without CLOSE
        {"position_action": PositionAction.NIL},
    ],
)
def test_impossible_futures_orders_are_refused(options: dict[str, object]) -> None:
    request = replace(_request(), options=PerpetualOrderOptions(**options))  # type: ignore[arg-type]
    with pytest.raises(OrderValidationError):
        order_body(request)


@pytest.mark.parametrize("leverage", [Decimal(0), Decimal("2.5"), Decimal(-3)])
def test_leverage_must_be_a_positive_whole_number(leverage: Decimal) -> None:
    with pytest.raises(OrderValidationError):
        order_body(replace(_request(), leverage=leverage))
