"""PrivateStreamRouter: futures private messages into the order tracker, the position
tracker and the balances of a ``KucoinPerpetualExchange``.

``orderChange`` -> order updates and fills (fee from the contract's rates; a fill the
REST read returns later under the same trade id is a duplicate); ``position.change`` ->
the position; ``position.settlement`` -> a funding payment; ``walletBalance.change`` (and
the older ``availableBalance.change``, which lacks a total, so REST is asked) -> the
balance of that settlement currency.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kucoin_connector.core.errors import ConnectorError, ParseError, UnknownTradingPairError

from .private_messages import (
    FundingSettlement,
    FuturesOrderChange,
    LegacyBalanceChange,
    PositionChange,
    WalletBalanceChange,
    parse_private_message,
)
from .translate import (
    balance_from_wallet,
    funding_from_settlement,
    position_from_record,
    updates_from_order_change,
)

if TYPE_CHECKING:
    from .exchange import KucoinPerpetualExchange

__all__ = ["PrivateStreamRouter"]

log = logging.getLogger(__name__)


class PrivateStreamRouter:
    def __init__(self, exchange: KucoinPerpetualExchange) -> None:
        self._exchange = exchange

    def handle(self, frame: Mapping[str, Any]) -> None:
        try:
            message = parse_private_message(dict(frame))
        except ParseError as exc:
            log.warning("unreadable private message ignored (%s); reconciling", exc)
            self._exchange.request_reconcile()
            return
        if message is None:
            return
        try:
            self._route(message)
        except UnknownTradingPairError:
            log.info("private message for an unmapped contract ignored")

    def _route(
        self,
        message: FuturesOrderChange
        | PositionChange
        | FundingSettlement
        | WalletBalanceChange
        | LegacyBalanceChange,
    ) -> None:
        exchange = self._exchange
        if isinstance(message, FuturesOrderChange):
            self._on_order_change(message)
        elif isinstance(message, PositionChange):
            spec = exchange.contracts.spec_for_symbol(message.symbol)
            exchange.positions.apply(position_from_record(message, spec, exchange._clock()))
        elif isinstance(message, FundingSettlement):
            if message.symbol is None:
                raise UnknownTradingPairError("")
            spec = exchange.contracts.spec_for_symbol(message.symbol)
            exchange.positions.apply_funding(funding_from_settlement(message, spec))
        elif isinstance(message, WalletBalanceChange):
            exchange.set_balance(balance_from_wallet(message))
        else:
            exchange._tasks.spawn(self._refresh_balances())

    def _on_order_change(self, message: FuturesOrderChange) -> None:
        exchange = self._exchange
        spec = exchange.contracts.spec_for_symbol(message.symbol)
        tracker = exchange.order_tracker
        order = tracker.fetch_order(
            client_order_id=message.client_oid, exchange_order_id=message.order_id
        )
        trade, update = updates_from_order_change(message, order, spec)
        if trade is not None:
            tracker.process_trade_update(trade)
        if update is not None:
            tracker.process_order_update(update)

    async def _refresh_balances(self) -> None:
        try:
            await self._exchange.refresh_balances()
        except ConnectorError as exc:
            log.info("balances not refreshed after a legacy wallet message: %s", exc)
