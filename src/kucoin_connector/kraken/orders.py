"""Kraken's REST order and trade records, parsed into the core's types.

Order info (OpenOrders, ClosedOrders, QueryOrders; keyed by txid): ``status``
(pending|open|closed|canceled|expired), ``opentm`` (Unix seconds, float), ``descr``
(``pair`` as the altname, ``type``, ``ordertype``, ``price``), ``vol``, ``vol_exec``,
``oflags``, ``cl_ord_id``, optionally ``trades`` (trade txids). A ``closed`` order with
``vol_exec < vol`` (an IOC or market remainder) ended unfilled in part: CANCELED with its
fills. Trade info (TradesHistory, QueryTrades): ``ordertxid``, ``pair`` (REST name),
``time``, ``price``, ``cost``, ``fee`` (in the quote currency, per the docs), ``vol``,
``maker`` (when present).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from kucoin_connector.core.errors import ParseError
from kucoin_connector.core.in_flight_order import TradeFee, TradeUpdate
from kucoin_connector.core.reconciler import ExchangeOrder
from kucoin_connector.core.types import OrderState, OrderType, TradeType

from .pairs import PairMap

__all__ = [
    "KrakenOrder",
    "KrakenTrade",
    "exchange_order",
    "parse_orders",
    "parse_trades",
    "trade_update",
]


class _Descr(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    pair: str
    type: str
    ordertype: str
    price: Decimal = Decimal(0)


class KrakenOrder(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    status: str
    opentm: Decimal
    descr: _Descr
    vol: Decimal
    vol_exec: Decimal = Decimal(0)
    oflags: str = ""
    cl_ord_id: str | None = None
    trades: list[str] = []


class KrakenTrade(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    ordertxid: str
    pair: str
    time: Decimal
    price: Decimal
    cost: Decimal
    fee: Decimal
    vol: Decimal
    maker: bool | None = None


def parse_orders(raw: Any) -> dict[str, KrakenOrder]:
    """``{txid: order info}`` -> parsed orders (a ParseError names the txid, not values)."""
    if not isinstance(raw, dict):
        raise ParseError("Kraken order list is not an object")
    try:
        return {str(txid): KrakenOrder.model_validate(info) for txid, info in raw.items()}
    except ValidationError as exc:
        raise ParseError(f"Kraken order info: {exc.error_count()} bad fields") from None


def parse_trades(raw: Any) -> dict[str, KrakenTrade]:
    if not isinstance(raw, dict):
        raise ParseError("Kraken trade list is not an object")
    try:
        return {str(txid): KrakenTrade.model_validate(info) for txid, info in raw.items()}
    except ValidationError as exc:
        raise ParseError(f"Kraken trade info: {exc.error_count()} bad fields") from None


def _state(order: KrakenOrder) -> OrderState:
    if order.status in ("pending", "open"):
        return OrderState.PARTIALLY_FILLED if order.vol_exec > 0 else OrderState.OPEN
    if order.status == "closed":
        return OrderState.FILLED if order.vol_exec >= order.vol else OrderState.CANCELED
    if order.status in ("canceled", "expired"):
        return OrderState.CANCELED
    raise ParseError(f"unknown Kraken order status {order.status!r}")


def _order_type(order: KrakenOrder) -> OrderType:
    if order.descr.ordertype == "market":
        return OrderType.MARKET
    if order.descr.ordertype == "limit":
        return OrderType.LIMIT_MAKER if "post" in order.oflags.split(",") else OrderType.LIMIT
    raise ParseError(f"unsupported Kraken order type {order.descr.ordertype!r}")


def _side(side: str) -> TradeType:
    if side == "buy":
        return TradeType.BUY
    if side == "sell":
        return TradeType.SELL
    raise ParseError(f"unknown Kraken side {side!r}")


def exchange_order(txid: str, order: KrakenOrder, pairs: PairMap) -> ExchangeOrder:
    order_type = _order_type(order)
    return ExchangeOrder(
        client_order_id=order.cl_ord_id or None,
        exchange_order_id=txid,
        trading_pair=pairs.trading_pair(order.descr.pair),
        trade_type=_side(order.descr.type),
        order_type=order_type,
        amount=order.vol,
        price=order.descr.price if order_type is not OrderType.MARKET else None,
        quote_amount=None,
        state=_state(order),
        filled_base=order.vol_exec,
        created_ms=int(order.opentm * 1000),
    )


def trade_update(
    trade_id: str, trade: KrakenTrade, pairs: PairMap, client_order_id: str
) -> TradeUpdate:
    trading_pair = pairs.trading_pair(trade.pair)
    quote = trading_pair.partition("-")[2]
    return TradeUpdate(
        trade_id=trade_id,
        client_order_id=client_order_id,
        exchange_order_id=trade.ordertxid,
        trading_pair=trading_pair,
        fill_timestamp_ms=int(trade.time * 1000),
        fill_price=trade.price,
        fill_base_amount=trade.vol,
        fill_quote_amount=trade.cost,
        fee=TradeFee(asset=quote, amount=trade.fee),
        is_maker=trade.maker,
    )
