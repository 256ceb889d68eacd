"""Pure helpers of the matching engine: sizing, crossing, fills and their settlement."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from kucoin_connector.core.errors import ConfigurationError
from kucoin_connector.simulator.engine.accounts import Accounts
from kucoin_connector.simulator.engine.book import BookSide
from kucoin_connector.simulator.engine.models import (
    BUY,
    LIMIT,
    ZERO,
    Fill,
    Order,
    OrderRequest,
    SymbolSpec,
    Trade,
)

ONE = Decimal(1)


def floor_to(value: Decimal, increment: Decimal) -> Decimal:
    return (value / increment).to_integral_value(rounding=ROUND_FLOOR) * increment


def taker_capacity(spec: SymbolSpec, taker: Order, price: Decimal, taker_rate: Decimal) -> Decimal:
    """How much base the taker can still execute at ``price`` (its size, funds or hold)."""
    if taker.type == LIMIT:
        return taker.remain_size
    inc = spec.base_increment
    if taker.side == BUY:
        if taker.size and not taker.hold_currency:
            return taker.remain_size
        unit = price * (ONE + taker_rate)
        budget = taker.remain_funds if taker.funds else taker.hold_remaining
        qty = floor_to(budget / unit, inc)
        if qty * unit > budget:
            qty -= inc
        return min(qty, taker.remain_size) if taker.size else qty
    if taker.size:
        return taker.remain_size
    qty = floor_to(taker.remain_funds / price, inc)
    return min(qty, floor_to(taker.hold_remaining, inc))


def fok_fillable(side_book: BookSide, order: Order) -> bool:
    """Whether the opposite side can fill ``order`` completely (STP makes own orders stop
    the count: FOK forces CN)."""
    need = order.remain_size
    stp = bool(order.stp)
    for price in side_book.prices():
        if not crosses(order, price):
            return False
        for maker in side_book.levels[price]:
            if stp and maker.user_id == order.user_id:
                return False
            need -= maker.remain_size
            if need <= 0:
                return True
    return False


def apply_fill(order: Order, qty: Decimal, funds: Decimal, fee: Decimal, now: int) -> None:
    order.deal_size += qty
    order.deal_funds += funds
    order.fee += fee
    if order.size:
        order.remain_size -= qty
    order.updated_at_ms = now


def crosses(order: Order, opposite_price: Decimal) -> bool:
    return opposite_price <= order.price if order.side == BUY else opposite_price >= order.price


def check_rates(maker: Decimal, taker: Decimal) -> None:
    if maker < 0 or taker < 0 or maker > taker or taker >= 1:
        raise ConfigurationError("fee rates must satisfy 0 <= maker <= taker < 1")


def settle_fill(
    accounts: Accounts,
    spec: SymbolSpec,
    buyer: Order,
    seller: Order,
    qty: Decimal,
    funds: Decimal,
    buy_fee: Decimal,
    sell_fee: Decimal,
    trade_id: str,
) -> None:
    """Move one fill's funds: the buyer pays ``funds + buy_fee`` quote out of its hold
    (a limit buy's hold share is ``qty*price*(1+taker)``, the unused part returns to
    available) and receives ``qty`` base; the seller gives ``qty`` base out of its hold
    and receives ``funds - sell_fee`` quote; the exchange collects both fees."""
    quote, base = spec.quote_currency, spec.base_currency
    out = funds + buy_fee
    held = min(qty * buyer.hold_unit if buyer.hold_unit else out, buyer.hold_remaining)
    buyer.hold_remaining -= held
    ctx = {"orderId": buyer.id, "tradeId": trade_id, "symbol": spec.symbol}
    accounts.settle_out(
        accounts.account(buyer.user_id, quote, buyer.account_type), out, buy_fee, held, ctx
    )
    accounts.settle_in(accounts.account(buyer.user_id, base, buyer.account_type), qty, ZERO, ctx)
    held = min(qty, seller.hold_remaining)
    seller.hold_remaining -= held
    ctx = {"orderId": seller.id, "tradeId": trade_id, "symbol": spec.symbol}
    accounts.settle_out(
        accounts.account(seller.user_id, base, seller.account_type), qty, ZERO, held, ctx
    )
    accounts.settle_in(
        accounts.account(seller.user_id, quote, seller.account_type),
        funds - sell_fee,
        sell_fee,
        ctx,
    )
    accounts.collect_fee(quote, buy_fee + sell_fee)


def build_order(
    order_id: str, seq: int, user_id: str, req: OrderRequest, spec: SymbolSpec, now: int
) -> Order:
    """A new order from an accepted request (FOK with STP forces CN; GTT gets its deadline)."""
    size = req.size if req.size is not None else ZERO
    funds = req.funds if req.funds is not None else ZERO
    fok = req.time_in_force == "FOK"
    order = Order(
        id=order_id,
        user_id=user_id,
        symbol=spec.symbol,
        side=req.side,
        type=req.type,
        client_oid=req.client_oid,
        price=req.price if req.price is not None else ZERO,
        size=size,
        funds=funds,
        time_in_force=req.time_in_force,
        cancel_after_s=req.cancel_after_s,
        post_only=req.post_only,
        hidden=req.hidden,
        iceberg=req.iceberg,
        visible_size=req.visible_size if req.visible_size is not None else ZERO,
        stp="CN" if fok and req.stp else req.stp,
        stop=req.stop,
        stop_price=req.stop_price if req.stop_price is not None else ZERO,
        remark=req.remark,
        tags=req.tags,
        account_type=req.account_type,
        fee_currency=spec.quote_currency,
        created_at_ms=now,
        updated_at_ms=now,
        seq=seq,
        remain_size=size,
        remain_funds=funds,
        status="stop" if req.stop else "new",
        position_side=req.position_side,
        leverage=req.leverage if req.leverage is not None else ZERO,
        margin_mode=req.margin_mode,
        reduce_only=req.reduce_only,
        close_order=req.close_order,
    )
    if req.time_in_force == "GTT":
        order.expire_at_ms = now + req.cancel_after_s * 1000
    return order


def make_fill(
    order: Order, counter: Order, trade: Trade, liquidity: str, fee: Decimal, rate: Decimal
) -> Fill:
    """``order``'s side of a trade (``counter`` is the other order)."""
    return Fill(
        trade.trade_id,
        order.id,
        counter.id,
        order.user_id,
        order.symbol,
        order.side,
        liquidity,
        trade.price,
        trade.size,
        trade.price * trade.size,
        fee,
        rate,
        order.fee_currency,
        order.stop,
        order.type,
        trade.time_ms,
        order.account_type,
        liquidity == "taker" and order.type == LIMIT,
    )
