"""Parsed KuCoin payloads -> the core's OrderUpdate / TradeUpdate / TradingRule / Balance."""

from __future__ import annotations

import logging
from decimal import Decimal

from kucoin_connector.core.in_flight_order import InFlightOrder, OrderUpdate, TradeFee, TradeUpdate
from kucoin_connector.core.reconciler import ExchangeOrder, OrderStatus
from kucoin_connector.core.types import (
    Balance,
    OrderState,
    OrderType,
    TradeType,
    TradingRule,
    split_trading_pair,
)

from .orders import ORDER_CHANGE_STATES, state_from_flags
from .private_messages import BalanceMessage, OrderChangeMessage, OrderChangeType
from .schemas import (
    Fill,
    HfOrderDetail,
    Liquidity,
    OrderDetail,
    OrderKind,
    StopOrderDetail,
    SymbolInfo,
)

log = logging.getLogger(__name__)


def trading_rule_from_symbol(info: SymbolInfo, trading_pair: str) -> TradingRule:
    min_notional = max(info.quote_min_size, info.min_funds or Decimal(0))
    return TradingRule(
        trading_pair=trading_pair,
        min_order_size=info.base_min_size,
        max_order_size=info.base_max_size,
        min_price_increment=info.price_increment,
        min_base_amount_increment=info.base_increment,
        min_quote_amount_increment=info.quote_increment,
        min_notional_size=min_notional,
        max_notional_size=info.quote_max_size,
    )


def order_status_from_detail(
    detail: OrderDetail | HfOrderDetail, order: InFlightOrder, now_ms: int
) -> OrderStatus:
    """A look-up's answer about ``order`` (the same reading as an order list's item)."""
    listed = exchange_order_from_detail(detail, order.trading_pair)
    return listed.status(order.client_order_id, now_ms)


def exchange_order_from_detail(
    detail: OrderDetail | HfOrderDetail, trading_pair: str
) -> ExchangeOrder:
    """An item of an order list (open or done) in the core's terms."""
    state = state_from_flags(
        is_active=detail.is_open,
        cancel_exist=detail.cancel_exist,
        deal_size=detail.deal_size,
        size=detail.size,
    )
    is_market = detail.order_type in (OrderKind.MARKET, OrderKind.MARKET_STOP)
    order_type = (
        OrderType.MARKET
        if is_market
        else (OrderType.LIMIT_MAKER if detail.post_only else OrderType.LIMIT)
    )
    by_funds = is_market and not detail.size and bool(detail.funds)
    return ExchangeOrder(
        client_order_id=detail.client_oid or None,
        exchange_order_id=detail.id,
        trading_pair=trading_pair,
        trade_type=TradeType.BUY if detail.side.value == "buy" else TradeType.SELL,
        order_type=order_type,
        amount=Decimal(0) if by_funds else (detail.size or Decimal(0)),
        price=None if is_market else detail.price,
        quote_amount=detail.funds if by_funds else None,
        state=state,
        filled_base=detail.deal_size,
        created_ms=detail.created_at_ms,
    )


def waiting_stop_order_status(
    stop: StopOrderDetail, order: InFlightOrder, now_ms: int
) -> OrderStatus:
    """A stop order still waiting for its trigger: accepted, open, nothing filled."""
    update = OrderUpdate(
        trading_pair=order.trading_pair,
        update_timestamp_ms=now_ms,
        new_state=OrderState.OPEN,
        client_order_id=order.client_order_id,
        exchange_order_id=stop.id,
    )
    return OrderStatus(update=update, filled_base=Decimal(0))


def trade_update_from_fill(fill: Fill, trading_pair: str, client_order_id: str = "") -> TradeUpdate:
    """A REST fill; without ``client_order_id`` (a time-window read) its order is matched
    by exchange order id."""
    return TradeUpdate(
        trade_id=fill.trade_id,
        client_order_id=client_order_id,
        exchange_order_id=fill.order_id,
        trading_pair=trading_pair,
        fill_timestamp_ms=fill.created_at_ms,
        fill_price=fill.price,
        fill_base_amount=fill.size,
        fill_quote_amount=fill.funds,
        fee=TradeFee(asset=fill.fee_currency, amount=fill.fee),
        is_maker=_is_maker(fill.liquidity),
    )


def updates_from_order_change(
    message: OrderChangeMessage,
    order: InFlightOrder | None,
    trading_pair: str,
    fee_rates: tuple[Decimal, Decimal] | None,
) -> tuple[TradeUpdate | None, OrderUpdate | None]:
    """One ``orderChange`` -> (a fill if it is a match, a state update if it changes state).

    The WS match carries no fee: it is computed from the account's maker/taker rate for the
    symbol (charged in the quote currency, as KuCoin does for spot); a REST fill of the same
    trade id later is a duplicate and ignored.
    """
    client_order_id = message.client_oid or (order.client_order_id if order else None)
    trade = None
    if message.event_type is OrderChangeType.MATCH and client_order_id is not None:
        trade = _trade_from_match(message, client_order_id, trading_pair, fee_rates)
    state = _state_of(message)
    if message.event_type is OrderChangeType.UNKNOWN:
        log.warning("order %s: unknown orderChange type ignored", message.order_id)
    if state is None:
        return trade, None
    update = OrderUpdate(
        trading_pair=trading_pair,
        update_timestamp_ms=message.ts_ms,
        new_state=state,
        client_order_id=client_order_id,
        exchange_order_id=message.order_id,
    )
    return trade, update


def _state_of(message: OrderChangeMessage) -> OrderState | None:
    if message.event_type is OrderChangeType.UPDATE:
        filled = message.filled_size or Decimal(0)
        return OrderState.PARTIALLY_FILLED if filled > 0 else OrderState.OPEN
    if message.event_type is OrderChangeType.MATCH and message.remain_size == 0:
        return None  # the "filled" message that follows completes it
    return ORDER_CHANGE_STATES.get(message.event_type.value)


def _trade_from_match(
    message: OrderChangeMessage,
    client_order_id: str,
    trading_pair: str,
    fee_rates: tuple[Decimal, Decimal] | None,
) -> TradeUpdate:
    assert message.trade_id and message.match_price is not None and message.match_size is not None
    quote = message.match_price * message.match_size
    is_maker = _is_maker(message.liquidity) if message.liquidity is not None else None
    rate = Decimal(0)
    if fee_rates is not None:
        rate = fee_rates[0] if is_maker else fee_rates[1]
    _, quote_asset = split_trading_pair(trading_pair)
    return TradeUpdate(
        trade_id=message.trade_id,
        client_order_id=client_order_id,
        exchange_order_id=message.order_id,
        trading_pair=trading_pair,
        fill_timestamp_ms=message.ts_ms,
        fill_price=message.match_price,
        fill_base_amount=message.match_size,
        fill_quote_amount=quote,
        fee=TradeFee(asset=quote_asset, amount=quote * rate),
        is_maker=is_maker,
    )


def _is_maker(liquidity: Liquidity) -> bool | None:
    if liquidity is Liquidity.MAKER:
        return True
    if liquidity is Liquidity.TAKER:
        return False
    return None


def balance_from_message(
    message: BalanceMessage, account_type: str, account_ids: set[str]
) -> Balance | None:
    """The new balance if the message is about the account in use, else None."""
    if message.account_id is not None and account_ids:
        if message.account_id not in account_ids:
            return None
    elif message.account_type.value != account_type:
        return None
    return Balance(message.currency, message.total, message.available)
