"""Parsed futures payloads -> the core's OrderUpdate / TradeUpdate / Position / Balance.

Sizes arrive in lots and leave in amounts (``ContractSpec.amount_for``). The position
action of an order is the exchange's own ``reduceOnly`` / ``closeOrder``; that of a fill
its fee split: only ``closeFeePay`` -> CLOSE, only ``openFeePay`` -> OPEN, both (a
one-way fill that closed and reopened across zero) -> NIL, neither (no fee) -> unknown.
"""

from __future__ import annotations

from decimal import Decimal

from kucoin_connector.core.in_flight_order import InFlightOrder, OrderUpdate, TradeFee, TradeUpdate
from kucoin_connector.core.positions import FundingPayment, Position
from kucoin_connector.core.reconciler import ExchangeOrder, OrderStatus
from kucoin_connector.core.types import (
    Balance,
    OrderState,
    OrderType,
    PositionAction,
    PositionSide,
    TradeType,
)

from .contracts import ContractSpec
from .private_messages import FundingSettlement, FuturesOrderChange, WalletBalanceChange
from .schemas import AccountOverview, FundingRecord, FuturesFill, FuturesOrderDetail, PositionRecord

__all__ = [
    "balance_from_overview",
    "balance_from_wallet",
    "exchange_order_from_detail",
    "fill_position_action",
    "funding_from_record",
    "funding_from_settlement",
    "order_position_action",
    "position_from_record",
    "trade_update_from_fill",
    "updates_from_order_change",
]

NS_PER_MS = 1_000_000
_SIDES = {"BOTH": PositionSide.BOTH, "LONG": PositionSide.LONG, "SHORT": PositionSide.SHORT}
_WS_STATES = {
    "open": OrderState.OPEN,
    "filled": OrderState.FILLED,
    "canceled": OrderState.CANCELED,
}


def position_side_of(raw: str | None) -> PositionSide:
    return _SIDES.get((raw or "BOTH").upper(), PositionSide.BOTH)


def order_position_action(detail: FuturesOrderDetail) -> PositionAction:
    return PositionAction.CLOSE if detail.reduce_only or detail.close_order else PositionAction.OPEN


def fill_position_action(fill: FuturesFill) -> PositionAction | None:
    opened, closed = fill.open_fee_pay != 0, fill.close_fee_pay != 0
    if opened and closed:
        return PositionAction.NIL
    if closed:
        return PositionAction.CLOSE
    if opened:
        return PositionAction.OPEN
    return None


def _state_from_detail(detail: FuturesOrderDetail) -> OrderState:
    if detail.is_active:
        return OrderState.PARTIALLY_FILLED if detail.filled_size > 0 else OrderState.OPEN
    if detail.filled_size >= detail.size and detail.size > 0:
        return OrderState.FILLED
    return OrderState.CANCELED


def exchange_order_from_detail(detail: FuturesOrderDetail, spec: ContractSpec) -> ExchangeOrder:
    is_market = detail.type == "market"
    return ExchangeOrder(
        client_order_id=detail.client_oid or None,
        exchange_order_id=detail.id,
        trading_pair=spec.trading_pair,
        trade_type=TradeType.BUY if detail.side == "buy" else TradeType.SELL,
        order_type=OrderType.MARKET if is_market else OrderType.LIMIT,
        amount=spec.amount_for(detail.size),
        price=None if is_market else detail.price,
        quote_amount=None,
        state=_state_from_detail(detail),
        filled_base=spec.amount_for(detail.filled_size),
        created_ms=detail.created_at,
    )


def order_status_from_detail(
    detail: FuturesOrderDetail, spec: ContractSpec, order: InFlightOrder, now_ms: int
) -> OrderStatus:
    return exchange_order_from_detail(detail, spec).status(order.client_order_id, now_ms)


def trade_update_from_fill(
    fill: FuturesFill, spec: ContractSpec, client_order_id: str = ""
) -> TradeUpdate:
    return TradeUpdate(
        trade_id=fill.trade_id,
        client_order_id=client_order_id,
        exchange_order_id=fill.order_id,
        trading_pair=spec.trading_pair,
        fill_timestamp_ms=fill.trade_time // NS_PER_MS,
        fill_price=fill.price,
        fill_base_amount=spec.amount_for(fill.size),
        fill_quote_amount=fill.value,
        fee=TradeFee(asset=fill.fee_currency, amount=fill.fee),
        is_maker=_is_maker(fill.liquidity),
    )


def _is_maker(liquidity: str | None) -> bool | None:
    if liquidity == "maker":
        return True
    if liquidity == "taker":
        return False
    return None


def _fill_value(spec: ContractSpec, price: Decimal, lots: int) -> Decimal:
    """Notional in the settlement currency: linear price x amount, inverse amount / price."""
    amount = spec.amount_for(lots)
    return amount / price if spec.is_inverse else price * amount


def updates_from_order_change(
    message: FuturesOrderChange, order: InFlightOrder | None, spec: ContractSpec
) -> tuple[TradeUpdate | None, OrderUpdate | None]:
    """One ``orderChange`` -> (a fill if it is a match, a state update if it changes state).

    The message carries no fee: it is the contract's maker/taker rate times the fill's
    value, in the settlement currency; the REST fill of the same trade id, later, is a
    duplicate and ignored.
    """
    client_order_id = message.client_oid or (order.client_order_id if order else None)
    ts_ms = message.ts // NS_PER_MS
    trade = None
    if (
        message.type == "match"
        and client_order_id
        and message.trade_id
        and message.match_price is not None
        and message.match_size
    ):
        is_maker = _is_maker(message.liquidity)
        value = _fill_value(spec, message.match_price, message.match_size)
        rate = spec.maker_fee_rate if is_maker else spec.taker_fee_rate
        trade = TradeUpdate(
            trade_id=message.trade_id,
            client_order_id=client_order_id,
            exchange_order_id=message.order_id,
            trading_pair=spec.trading_pair,
            fill_timestamp_ms=ts_ms,
            fill_price=message.match_price,
            fill_base_amount=spec.amount_for(message.match_size),
            fill_quote_amount=value,
            fee=TradeFee(asset=spec.settle_currency, amount=value * rate),
            is_maker=is_maker,
        )
    state = _ws_state(message)
    if state is None:
        return trade, None
    update = OrderUpdate(
        trading_pair=spec.trading_pair,
        update_timestamp_ms=ts_ms,
        new_state=state,
        client_order_id=client_order_id,
        exchange_order_id=message.order_id,
    )
    return trade, update


def _ws_state(message: FuturesOrderChange) -> OrderState | None:
    if message.type == "update":
        return OrderState.PARTIALLY_FILLED if message.filled_size > 0 else OrderState.OPEN
    if message.type == "match":
        if message.remain_size == 0:
            return None  # the "filled" message that follows completes it
        return OrderState.PARTIALLY_FILLED
    return _WS_STATES.get(message.type)


def position_from_record(record: PositionRecord, spec: ContractSpec, fallback_ms: int) -> Position:
    leverage = record.real_leverage or record.leverage or Decimal(0)
    liquidation = record.liquidation_price
    side = position_side_of(record.position_side)
    lots = record.current_qty
    if side is PositionSide.LONG:
        lots = abs(lots)
    elif side is PositionSide.SHORT:
        lots = -abs(lots)  # the sign of a hedge-mode quantity is not documented: the side is
    return Position(
        trading_pair=spec.trading_pair,
        position_side=side,
        amount=spec.amount_for(lots),
        entry_price=record.avg_entry_price,
        leverage=leverage,
        margin=record.pos_margin,
        unrealized_pnl=record.unrealised_pnl,
        realized_pnl=record.realised_pnl,
        liquidation_price=liquidation if liquidation else None,
        settlement_currency=record.settle_currency,
        timestamp_ms=record.current_timestamp or fallback_ms,
    )


def funding_from_record(record: FundingRecord, spec: ContractSpec) -> FundingPayment:
    return FundingPayment(
        trading_pair=spec.trading_pair,
        position_side=position_side_of(record.position_side),
        amount=record.funding,
        funding_rate=record.funding_rate,
        settlement_currency=record.settle_currency,
        timestamp_ms=record.time_point,
    )


def funding_from_settlement(message: FundingSettlement, spec: ContractSpec) -> FundingPayment:
    return FundingPayment(
        trading_pair=spec.trading_pair,
        position_side=position_side_of(message.position_side),
        amount=message.funding_fee,
        funding_rate=message.funding_rate,
        settlement_currency=message.settle_currency,
        timestamp_ms=message.funding_time,
    )


def balance_from_overview(overview: AccountOverview) -> Balance:
    """Total = account equity (margin balance plus unrealised PnL); available as reported."""
    return Balance(overview.currency, overview.account_equity, overview.available_balance)


def balance_from_wallet(message: WalletBalanceChange) -> Balance:
    total = message.equity if message.equity is not None else message.wallet_balance
    return Balance(message.currency, total, message.available_balance)
