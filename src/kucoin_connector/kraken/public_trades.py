"""Kraken's public ``trade`` channel (WS v2), parsed at the edge into typed trades.

Docs (WS v2 ``trade``): ``{"channel": "trade", "type": "update"|"snapshot", "data": [{"symbol",
"side", "price", "qty", "ord_type", "trade_id", "timestamp"}]}``; ``side`` is the taker's.
The snapshot replays recent history: it is not subscribed (``snapshot: false``) and, if it
comes anyway, skipped, so listeners only see trades printed after they subscribed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from kucoin_connector.core.errors import ParseError
from kucoin_connector.core.types import TradeType

__all__ = ["KrakenTrade", "parse_v2_trades", "trade_topic"]

_TRADE_PREFIX = "trade:"
_SIDES = {"buy": TradeType.BUY, "sell": TradeType.SELL}


def trade_topic(ws_symbol: str) -> str:
    return _TRADE_PREFIX + ws_symbol


def trade_topic_symbol(topic: str) -> str | None:
    """The WS v2 symbol of a ``trade:`` topic; None for any other topic."""
    return topic[len(_TRADE_PREFIX) :] if topic.startswith(_TRADE_PREFIX) else None


@dataclass(frozen=True, slots=True)
class KrakenTrade:
    ws_symbol: str
    price: Decimal
    qty: Decimal
    taker_side: TradeType | None


def _positive(raw: Any, what: str) -> Decimal:
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise ParseError(f"trade {what} {str(raw)[:40]!r} is not a decimal") from None
    if not value.is_finite() or value <= 0:
        raise ParseError(f"trade {what} {str(raw)[:40]!r} is not positive")
    return value


def _trade(item: Any) -> KrakenTrade:
    if not isinstance(item, dict) or not isinstance(item.get("symbol"), str):
        raise ParseError("trade item without a symbol")
    return KrakenTrade(
        ws_symbol=item["symbol"],
        price=_positive(item.get("price"), "price"),
        qty=_positive(item.get("qty"), "qty"),
        taker_side=_SIDES.get(str(item.get("side"))),
    )


def parse_v2_trades(message: Any) -> list[KrakenTrade] | None:
    """The new trades of a decoded v2 message (numbers kept as strings); None when the
    message is not on the ``trade`` channel; [] for a snapshot (history, not news)."""
    if not isinstance(message, dict) or message.get("channel") != "trade":
        return None
    kind = message.get("type")
    if kind == "snapshot":
        return []
    if kind != "update":
        raise ParseError(f"trade message of type {kind!r}")
    data = message.get("data")
    if not isinstance(data, list):
        raise ParseError("trade message without a data list")
    return [_trade(item) for item in data]
