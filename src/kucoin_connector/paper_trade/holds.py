"""What an order holds at placement, as the venue reserves it.

A limit buy holds ``price * amount * (1 + taker fee)`` of quote (it may take), a sell
holds its base amount, a market order by funds holds its funds, and a market order by size
holds what walking the visible book would cost it.
"""

from __future__ import annotations

from decimal import Decimal

from kucoin_connector.core.types import OrderType, TradeType, split_trading_pair

from .fill_model import PaperMatcher
from .models import ZERO, PaperOrderRequest
from .walk import WalkLimits, walk_book


def hold_for(
    request: PaperOrderRequest, matcher: PaperMatcher, trading_pair: str, taker_rate: Decimal
) -> tuple[str, Decimal]:
    """(asset, amount) to reserve for ``request``."""
    base, quote = split_trading_pair(trading_pair)
    is_buy = request.side is TradeType.BUY
    if request.order_type is not OrderType.MARKET:
        assert request.price is not None
        if is_buy:
            return quote, request.price * request.amount * (1 + taker_rate)
        return base, request.amount
    if request.quote_amount is not None and is_buy:
        return quote, request.quote_amount
    if request.quote_amount is None and not is_buy:
        return base, request.amount
    limits = WalkLimits(
        amount=request.amount if request.quote_amount is None else None,
        funds=request.quote_amount,
        is_buy=is_buy,
        base_increment=request.base_increment,
        taker_fee_rate=taker_rate,
    )
    executions = walk_book(matcher.visible_for_taker(request.side), limits)
    if is_buy:
        cost = sum((p * a for p, a in executions), ZERO)
        return quote, cost * (1 + taker_rate)
    return base, sum((a for _, a in executions), ZERO)
