"""What the paper venue remembers of each order it accepted."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kucoin_connector.core.in_flight_order import InFlightOrder, TradeFee, TradeUpdate
from kucoin_connector.core.types import OrderState

from .models import ZERO, Fill


@dataclass(slots=True)
class PaperRecord:
    order: InFlightOrder
    exchange_order_id: str
    state: OrderState = OrderState.OPEN
    acknowledged: bool = False
    filled_base: Decimal = ZERO
    trades: list[TradeUpdate] = field(default_factory=list)
    delivered_trades: list[TradeUpdate] = field(default_factory=list)

    @property
    def delivered_base(self) -> Decimal:
        return sum((t.fill_base_amount for t in self.delivered_trades), ZERO)

    @property
    def is_complete(self) -> bool:
        """A base-sized order fully executed (a market order by funds never is by size)."""
        amount = self.order.amount
        return amount > 0 and self.filled_base >= amount

    def add_fill(self, fill: Fill, fee: TradeFee) -> TradeUpdate:
        self.filled_base += fill.amount
        trade = TradeUpdate(
            trade_id=f"{self.exchange_order_id}-{len(self.trades) + 1}",
            client_order_id=self.order.client_order_id,
            exchange_order_id=self.exchange_order_id,
            trading_pair=self.order.trading_pair,
            fill_timestamp_ms=fill.ts_ms,
            fill_price=fill.price,
            fill_base_amount=fill.amount,
            fill_quote_amount=fill.price * fill.amount,
            fee=fee,
            is_maker=fill.is_maker,
        )
        self.trades.append(trade)
        return trade
