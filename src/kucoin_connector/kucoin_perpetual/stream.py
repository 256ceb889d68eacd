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
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kucoin_connector.core.errors import ConnectorError, ParseError, UnknownTradingPairError
from kucoin_connector.core.in_flight_order import InFlightOrder
from kucoin_connector.core.order_tracker import ClientOrderTracker
from kucoin_connector.core.positions import PositionTracker
from kucoin_connector.core.tasks import BackgroundTasks
from kucoin_connector.core.types import Balance

from .contracts import ContractBook
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

__all__ = ["PrivateStreamRouter", "StreamTargets"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StreamTargets:
    """Where the router delivers: the owner's trackers and callbacks."""

    contracts: Callable[[], ContractBook]
    order_tracker: ClientOrderTracker
    positions: PositionTracker
    set_balance: Callable[[Balance], None]
    refresh_balances: Callable[[], Awaitable[None]]
    request_reconcile: Callable[[], None]
    clock_ms: Callable[[], int]
    tasks: BackgroundTasks
    refresh_fills: Callable[[InFlightOrder], Awaitable[None]]


class PrivateStreamRouter:
    def __init__(self, targets: StreamTargets) -> None:
        self._to = targets

    def handle(self, frame: Mapping[str, Any]) -> None:
        try:
            message = parse_private_message(dict(frame))
        except ParseError as exc:
            log.warning("unreadable private message ignored (%s); reconciling", exc)
            self._to.request_reconcile()
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
        to = self._to
        if isinstance(message, FuturesOrderChange):
            self._on_order_change(message)
        elif isinstance(message, PositionChange):
            spec = to.contracts().spec_for_symbol(message.symbol)
            to.positions.apply(position_from_record(message, spec, to.clock_ms()))
        elif isinstance(message, FundingSettlement):
            spec = to.contracts().spec_for_symbol(message.symbol)
            to.positions.apply_funding(funding_from_settlement(message, spec))
        elif isinstance(message, WalletBalanceChange):
            to.set_balance(balance_from_wallet(message))
        else:
            to.tasks.spawn(self._refresh_balances())

    def _on_order_change(self, message: FuturesOrderChange) -> None:
        spec = self._to.contracts().spec_for_symbol(message.symbol)
        tracker = self._to.order_tracker
        order = tracker.fetch_order(
            client_order_id=message.client_oid, exchange_order_id=message.order_id
        )
        trade, update = updates_from_order_change(message, order, spec)
        if trade is not None:
            tracker.process_trade_update(trade)
        if update is not None:
            tracker.process_order_update(update)
        if order is None:
            return
        reported = spec.amount_for(message.filled_size)
        if reported > order.executed_amount_base:
            # Some match messages never came: the order stays in reconciliation until its
            # fills are seen.
            tracker.expect_fills(order.client_order_id, reported)
        if message.status == "done" and reported > 0:
            # A done order that traded: its fills are read once over REST, for the fills a
            # match message missed and for what each fill did to the position (the stream
            # does not say; the fill records' openFeePay / closeFeePay do).
            self._to.tasks.spawn(self._fetch_missing_fills(order))

    async def _fetch_missing_fills(self, order: InFlightOrder) -> None:
        try:
            await self._to.refresh_fills(order)
        except ConnectorError as exc:
            log.info("fills of %s not fetched now (%s); reconciliation retries", order, exc)

    async def _refresh_balances(self) -> None:
        try:
            await self._to.refresh_balances()
        except ConnectorError as exc:
            log.info("balances not refreshed after a legacy wallet message: %s", exc)
