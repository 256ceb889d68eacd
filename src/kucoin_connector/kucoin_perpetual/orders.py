"""Perpetual order options and the ``POST /api/v1/orders`` body.

``PerpetualOrderOptions`` extends the core ``OrderOptions`` (it travels through
``ExchangeBase`` unchanged) with what a futures order needs: the position action (OPEN or
CLOSE, sent as ``reduceOnly`` when closing), ``close_position`` (KuCoin's ``closeOrder``:
close the whole position, no size), leverage and margin mode.

In Hedge mode every order names the position it acts on, ``positionSide`` upper-case
``LONG``/``SHORT``: opening, a buy acts on LONG and a sell on SHORT; closing, a sell acts
on LONG and a buy on SHORT. In One-way mode no ``positionSide`` is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from kucoin_connector.core.errors import OrderValidationError
from kucoin_connector.core.types import (
    OrderOptions,
    OrderType,
    PositionAction,
    PositionMode,
    PositionSide,
    SelfTradePrevention,
    TimeInForce,
    TradeType,
)

__all__ = [
    "MarginMode",
    "OrderRequest",
    "PerpetualOrderOptions",
    "order_body",
    "position_side_for",
]

_TIME_IN_FORCE = {TimeInForce.GTC: "GTC", TimeInForce.IOC: "IOC"}
_STP = {
    SelfTradePrevention.CANCEL_NEWEST: "CN",
    SelfTradePrevention.CANCEL_OLDEST: "CO",
    SelfTradePrevention.CANCEL_BOTH: "CB",
}


class MarginMode(StrEnum):
    """A symbol's margin mode on KuCoin Futures."""

    ISOLATED = "ISOLATED"
    CROSS = "CROSS"


@dataclass(frozen=True, slots=True)
class PerpetualOrderOptions(OrderOptions):
    """Core options plus the futures ones (see the module docstring)."""

    position_action: PositionAction = PositionAction.OPEN
    close_position: bool = False
    leverage: Decimal | None = None  # a whole number; None: the leverage set for the pair
    margin_mode: MarginMode | None = None  # None: the pair's margin mode


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """One order ready to encode: every exchange-facing value decided."""

    client_oid: str
    symbol: str
    trade_type: TradeType
    order_type: OrderType
    lots: int
    price: Decimal | None
    leverage: Decimal
    margin_mode: MarginMode
    position_mode: PositionMode
    options: PerpetualOrderOptions


def position_side_for(trade_type: TradeType, action: PositionAction) -> PositionSide:
    """The hedge-mode position an order acts on."""
    buying = trade_type is TradeType.BUY
    if action is PositionAction.CLOSE:
        return PositionSide.SHORT if buying else PositionSide.LONG
    return PositionSide.LONG if buying else PositionSide.SHORT


def _check_options(request: OrderRequest) -> None:
    options = request.options
    if options.time_in_force not in _TIME_IN_FORCE:
        raise OrderValidationError("futures orders are GTC or IOC", rule="time_in_force")
    if options.stop is not None or options.quote_amount is not None:
        raise OrderValidationError(
            "stop orders and quote amounts are not supported on futures", rule="order_type"
        )
    if options.close_position and options.position_action is not PositionAction.CLOSE:
        raise OrderValidationError("close_position needs position_action CLOSE", rule="close")
    if options.position_action is PositionAction.NIL:
        raise OrderValidationError("position_action must be OPEN or CLOSE", rule="position")
    leverage = request.leverage
    if not leverage.is_finite() or leverage <= 0 or leverage != leverage.to_integral_value():
        raise OrderValidationError("leverage must be a positive whole number", rule="leverage")


def order_body(request: OrderRequest) -> dict[str, Any]:
    """The JSON body of ``POST /api/v1/orders`` (OrderValidationError if impossible)."""
    _check_options(request)
    options = request.options
    body: dict[str, Any] = {
        "clientOid": request.client_oid,
        "side": request.trade_type.value.lower(),
        "symbol": request.symbol,
        "type": "market" if request.order_type is OrderType.MARKET else "limit",
        "leverage": int(request.leverage),
        "marginMode": request.margin_mode.value,
    }
    if options.close_position:
        body["closeOrder"] = True
    else:
        body["size"] = request.lots
    if request.order_type is not OrderType.MARKET:
        if request.price is None:
            raise OrderValidationError("a limit order needs a price", rule="price")
        body["price"] = format(request.price, "f")
        body["timeInForce"] = _TIME_IN_FORCE[options.time_in_force]
    if request.order_type is OrderType.LIMIT_MAKER:
        body["postOnly"] = True
    if options.position_action is PositionAction.CLOSE and not options.close_position:
        body["reduceOnly"] = True
    if request.position_mode is PositionMode.HEDGE:
        side = position_side_for(request.trade_type, options.position_action)
        body["positionSide"] = side.value
    if options.hidden:
        body["hidden"] = True
    if options.self_trade_prevention in _STP:
        body["stp"] = _STP[options.self_trade_prevention]
    if options.remark:
        body["remark"] = options.remark
    return body
