"""Turns engine, position and wallet events into KuCoin Futures WebSocket messages.

Public: ``/contractMarket/level2:{symbol}`` — ONE change per message
(``"change": "price,side,size"``) with its own consecutive ``sequence`` (unlike spot's
batched ``trade.l2update``); ``/contractMarket/execution:{symbol}`` (subject ``match``);
``/contractMarket/tickerV2:{symbol}``. Private: ``/contractMarket/tradeOrders``
(``orderChange``) and ``/contractMarket/tradeOrders:{symbol}`` (``symbolOrderChange``),
``/contract/position:{symbol}`` (``position.change``, ``position.settlement``) and
``/contractAccount/wallet`` (``walletBalance.change``). Payloads are built at once (the
objects keep changing) and sent on the next loop iteration, in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from ..engine.clock import SimClock
from ..engine.engine import MatchingEngine
from ..engine.margin import FundingPayment, MarginWallet
from ..engine.models import BalanceChange, Fill, Order, Trade
from ..engine.positions import Position, PositionBook, PositionMode
from ..kucoin_spot.publisher import message
from ..kucoin_spot.wire import dec
from ..kucoin_spot.ws_hub import WsHub
from .candles_feed import LimitCandles
from .contracts import ContractDef
from .payloads import position_payload

ORDER_TYPES = {
    "open": ("open", "open"),
    "match": ("match", "match"),
    "update": ("update", "open"),
    "filled": ("filled", "done"),
    "canceled": ("canceled", "done"),
}
# Fields of the REST position that KuCoin's position.change message does not carry
# (its documented example, in the SDK's tests and ccxt's comments).
REST_ONLY_POSITION_FIELDS = (
    "id",
    "isInverse",
    "maintainMargin",
    "posCommCommon",
    "posCrossMargin",
)
LEVEL2 = "/contractMarket/level2"
EXECUTION = "/contractMarket/execution"
TICKER = "/contractMarket/tickerV2"
ORDERS = "/contractMarket/tradeOrders"
POSITION = "/contract/position"
WALLET = "/contractAccount/wallet"


class FuturesPublisher:
    """Engine listener + position/wallet listener of the futures front-end."""

    def __init__(
        self,
        hub: WsHub,
        clock: SimClock,
        contracts: dict[str, ContractDef],
        mark_price: Callable[[str], Decimal],
    ) -> None:
        self.hub = hub
        self.clock = clock
        self.contracts = contracts
        self.mark_price = mark_price
        self.positions: PositionBook | None = None
        self.engine: MatchingEngine | None = None
        self._pending: list[Callable[[], None]] = []
        self._scheduled = False
        self._touched: set[str] = set()
        self.candles: LimitCandles | None = None  # set by the server (candles_feed)

    # ---- engine events -------------------------------------------------------------
    def on_level2_change(
        self, symbol: str, side: str, price: Decimal, size: Decimal, sequence: int, time_ms: int
    ) -> None:
        data = {
            "sequence": sequence,
            "change": f"{dec(price)},{side},{int(size)}",
            "timestamp": time_ms,
        }
        msg = message(f"{LEVEL2}:{symbol}", "level2", data)
        self._touched.add(symbol)
        self._queue(partial(self._send, LEVEL2, symbol, msg))

    def on_trade(self, trade: Trade) -> None:
        data = {
            "symbol": trade.symbol,
            "sequence": trade.sequence,
            "side": trade.taker_side,
            "size": int(trade.size),
            "price": dec(trade.price),
            "takerOrderId": trade.taker_order_id,
            "makerOrderId": trade.maker_order_id,
            "tradeId": trade.trade_id,
            "ts": trade.time_ms * 1_000_000,
        }
        msg = message(f"{EXECUTION}:{trade.symbol}", "match", data)
        self._queue(partial(self._send, EXECUTION, trade.symbol, msg))
        if self.candles is not None:
            self._queue(partial(self.candles.publish, trade.symbol))

    def on_order_event(
        self,
        order: Order,
        event_type: str,
        fill: Fill | None,
        old_size: Decimal | None,
        time_ms: int,
    ) -> None:
        kind = ORDER_TYPES.get(event_type)
        if kind is None:
            return  # received / stop / triggered: KuCoin Futures sends no orderChange
        data = _order_change(order, kind, fill, old_size, time_ms)
        user = order.user_id
        msg_all = message(ORDERS, "orderChange", data, private=True, user_id=user)
        topic = f"{ORDERS}:{order.symbol}"
        msg_sym = message(topic, "symbolOrderChange", data, private=True, user_id=user)
        self._queue(partial(self._send, ORDERS, "", msg_all, user))
        self._queue(partial(self._send, ORDERS, order.symbol, msg_sym, user))

    def on_balance_change(self, change: BalanceChange) -> None:
        """Spot accounts are unused by the futures front-end."""

    # ---- position and wallet events ------------------------------------------------
    def on_position_change(self, position: Position, reason: str, time_ms: int) -> None:
        contract = self.contracts[position.symbol]
        mode = (
            self.positions.position_mode(position.user_id)
            if self.positions is not None
            else PositionMode.ONE_WAY
        )
        mark = self.mark_price(position.symbol)
        data = position_payload(position, contract, mark, mode, time_ms)
        for rest_only in REST_ONLY_POSITION_FIELDS:
            del data[rest_only]
        data["changeReason"] = {
            "fill": "positionChange",
            "liquidation": "liquidation",
            "funding": "fundingSettlement",
        }.get(reason, reason)
        user, symbol = position.user_id, position.symbol
        msg = message(f"{POSITION}:{symbol}", "position.change", data, private=True, user_id=user)
        self._queue(partial(self._send, POSITION, symbol, msg, user))

    def on_funding(self, payment: FundingPayment) -> None:
        pos = payment.position
        data = {
            "fundingTime": payment.time_ms,
            "qty": int(pos.size) * pos.direction,
            "markPrice": float(payment.mark_price),
            "fundingRate": float(payment.rate),
            "fundingFee": float(-payment.amount),
            "ts": payment.time_ms * 1_000_000,
            "settleCurrency": self.contracts[payment.symbol].settle,
        }
        book = self.positions
        if book is not None and book.position_mode(pos.user_id) is PositionMode.HEDGE:
            data["positionSide"] = pos.side.value  # which of the two positions paid
        user, symbol = payment.user_id, payment.symbol
        msg = message(
            f"{POSITION}:{symbol}", "position.settlement", data, private=True, user_id=user
        )
        self._queue(partial(self._send, POSITION, symbol, msg, user))

    def on_wallet_change(self, wallet: MarginWallet, reason: str, time_ms: int) -> None:
        unrealised = self._unrealised(wallet.user_id, wallet.currency)
        data = {
            "walletBalance": dec(wallet.balance),
            "availableBalance": dec(wallet.available),
            "holdBalance": dec(wallet.order_margin),
            "isolatedOrderMargin": dec(wallet.order_margin),
            "isolatedPosMargin": dec(wallet.position_margin),
            "isolatedUnPnl": dec(unrealised),
            "isolatedFundingFeeMargin": "0",
            "crossOrderMargin": "0",
            "crossPosMargin": "0",
            "crossUnPnl": "0",
            "equity": dec(wallet.balance + unrealised),
            "totalCrossMargin": "0",
            "version": str(time_ms),
            "currency": wallet.currency,
            "timestamp": str(time_ms),
        }
        user = wallet.user_id
        msg = message(WALLET, "walletBalance.change", data, private=True, user_id=user)
        self._queue(partial(self._send, WALLET, "", msg, user))

    def _unrealised(self, user_id: str, currency: str) -> Decimal:
        """The user's unrealised PnL at the mark, over its positions settled in
        ``currency`` (the simulator's positions are isolated: each is its own)."""
        if self.positions is None:
            return Decimal(0)
        total = Decimal(0)
        for pos in self.positions.positions(user_id):
            contract = self.contracts.get(pos.symbol)
            if pos.qty and contract is not None and contract.settle == currency:
                total += pos.unrealised_pnl(contract.terms(), self.mark_price(pos.symbol))
        return total

    # ---- sending -------------------------------------------------------------------
    def _send(self, base: str, key: str, msg: dict[str, Any], user_id: str | None = None) -> None:
        self.hub.publish(base, key, msg, user_id=user_id)

    def _queue(self, action: Callable[[], None]) -> None:
        self._pending.append(action)
        if self._scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # setup time: flushed by the next flush()
        self._scheduled = True
        loop.call_soon(self.flush)

    def flush(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, []
        for action in pending:
            action()
        touched, self._touched = self._touched, set()
        for symbol in sorted(touched):
            self._publish_ticker(symbol)

    def _publish_ticker(self, symbol: str) -> None:
        if self.engine is None or not self.hub.has_subscribers(TICKER, symbol):
            return
        bid, ask = self.engine.best_bid_ask(symbol)
        data = {
            "symbol": symbol,
            "sequence": self.engine.sequence(symbol),
            "bestBidSize": int(bid[1]) if bid else 0,
            "bestBidPrice": dec(bid[0]) if bid else "",
            "bestAskPrice": dec(ask[0]) if ask else "",
            "bestAskSize": int(ask[1]) if ask else 0,
            "ts": self.clock.now_ms() * 1_000_000,
        }
        self._send(TICKER, symbol, message(f"{TICKER}:{symbol}", "tickerV2", data))


def _order_change(
    order: Order, kind: tuple[str, str], fill: Fill | None, old_size: Decimal | None, time_ms: int
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "symbol": order.symbol,
        "orderType": order.type,
        "side": order.side,
        "orderId": order.id,
        "clientOid": order.client_oid,
        "type": kind[0],
        "status": kind[1],
        "size": str(int(order.size)),
        "filledSize": str(int(order.deal_size)),
        "canceledSize": str(int(order.cancelled_size)),
        "remainSize": str(int(order.remain_size if order.is_active else 0)),
        "price": dec(order.price),
        "marginMode": order.margin_mode or "ISOLATED",
        "positionSide": order.position_side or "BOTH",
        "orderTime": order.created_at_ms * 1_000_000,
        "ts": time_ms * 1_000_000,
        "tradeType": "trade",
    }
    if old_size is not None:
        data["oldSize"] = str(int(old_size))
    if fill is not None:
        data.update(
            {
                "matchPrice": dec(fill.price),
                "matchSize": str(int(fill.size)),
                "tradeId": fill.trade_id,
                "liquidity": fill.liquidity,
                "feeType": "takerFee" if fill.liquidity == "taker" else "makerFee",
            }
        )
    return data
