"""Typed models of the futures private WebSocket messages, parsed at the edge.

* ``/contractMarket/tradeOrders`` (subject ``orderChange``, or ``symbolOrderChange`` on the
  per-symbol topic): order life cycle; sizes in lots, as strings.
* ``/contract/position:{symbol}``: ``position.change`` (the position, as REST shows it)
  and ``position.settlement`` (a funding settlement: ``fundingFee``, ``fundingRate``,
  ``qty``, ``fundingTime``).
* ``/contractAccount/wallet``: today's ``walletBalance.change`` and the older
  ``availableBalance.change`` (``availableBalance`` and ``holdBalance`` only).

``parse_private_message`` turns one decoded frame into one of these models (or None for a
subject the connector does not use).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kucoin_connector.core.errors import ParseError

from .schemas import FuturesModel, Lots, OptionalDecimal, PositionRecord, WireDecimal, parse_model

__all__ = [
    "FundingSettlement",
    "FuturesOrderChange",
    "LegacyBalanceChange",
    "PositionChange",
    "PrivateMessage",
    "WalletBalanceChange",
    "parse_private_message",
]

ORDER_SUBJECTS = frozenset({"orderChange", "symbolOrderChange"})
POSITION_CHANGE = "position.change"
POSITION_SETTLEMENT = "position.settlement"
WALLET_CHANGE = "walletBalance.change"
LEGACY_BALANCE_SUBJECTS = frozenset({"availableBalance.change"})


class FuturesOrderChange(FuturesModel):
    symbol: str
    order_id: str
    client_oid: str | None = None
    side: str
    type: str  # open | match | update | filled | canceled
    status: str  # open | match | done
    size: Lots
    filled_size: Lots = 0
    remain_size: Lots | None = None
    canceled_size: Lots | None = None
    price: OptionalDecimal = None
    match_price: OptionalDecimal = None
    match_size: Lots | None = None
    trade_id: str | None = None
    liquidity: str | None = None
    margin_mode: str | None = None
    position_side: str | None = None
    trade_type: str | None = None  # trade | liquid
    ts: int  # ns


class PositionChange(PositionRecord):
    change_reason: str | None = None


class FundingSettlement(FuturesModel):
    symbol: str  # from the topic (the data does not name it)
    funding_time: int
    qty: Lots
    mark_price: OptionalDecimal = None
    funding_rate: WireDecimal
    funding_fee: WireDecimal
    settle_currency: str
    position_side: str = "BOTH"
    ts: int | None = None


class WalletBalanceChange(FuturesModel):
    currency: str
    wallet_balance: WireDecimal
    available_balance: WireDecimal
    hold_balance: WireDecimal = Decimal(0)
    equity: OptionalDecimal = None
    timestamp: int


class LegacyBalanceChange(FuturesModel):
    currency: str
    available_balance: WireDecimal
    hold_balance: WireDecimal = Decimal(0)
    timestamp: int


PrivateMessage = (
    FuturesOrderChange
    | PositionChange
    | FundingSettlement
    | WalletBalanceChange
    | LegacyBalanceChange
)


def _symbol_of_topic(topic: str) -> str | None:
    _, sep, symbol = topic.partition(":")
    return symbol if sep and symbol else None


def parse_private_message(frame: Any) -> PrivateMessage | None:
    """One decoded ``message`` frame -> its model; None for subjects not used here."""
    if not isinstance(frame, dict) or frame.get("type") != "message":
        return None
    subject = frame.get("subject")
    data = frame.get("data")
    if not isinstance(data, dict):
        raise ParseError(f"private message {subject!r} without a data object")
    if subject in ORDER_SUBJECTS:
        return parse_model(FuturesOrderChange, data)
    if subject == POSITION_CHANGE:
        return parse_model(PositionChange, data)
    if subject == POSITION_SETTLEMENT:
        topic_symbol = _symbol_of_topic(str(frame.get("topic", "")))
        return parse_model(FundingSettlement, {"symbol": topic_symbol, **data})
    if subject == WALLET_CHANGE:
        return parse_model(WalletBalanceChange, data)
    if subject in LEGACY_BALANCE_SUBJECTS:
        return parse_model(LegacyBalanceChange, data)
    return None
