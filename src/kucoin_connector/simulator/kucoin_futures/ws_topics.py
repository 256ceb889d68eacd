"""The topics the futures front-end serves and how a subscription names them."""

from __future__ import annotations

from collections.abc import Iterable

from ..kucoin_spot.ws import ParsedTopic, TopicError
from ..kucoin_spot.ws_hub import Subscription
from .candles_feed import LIMIT_CANDLE, parse_candle_topic

PUBLIC_TOPICS = (
    "/contractMarket/level2",
    "/contractMarket/execution",
    "/contractMarket/tickerV2",
    "/contract/instrument",  # mark.index.price, funding.rate
    "/contractMarket/level2Depth5",
    "/contractMarket/level2Depth50",
)
PRIVATE_TOPICS = (
    "/contractMarket/tradeOrders",  # all symbols, or ":SYMBOL" (symbolOrderChange)
    "/contract/position",  # ":SYMBOL" only
    "/contractAccount/wallet",  # no symbol
)
PRIVATE_WITH_SYMBOL = ("/contractMarket/tradeOrders", "/contract/position")


def parse_topic(
    topic: str, *, symbols: Iterable[str], markets: Iterable[str], private_allowed: bool
) -> ParsedTopic:
    """``"/contractMarket/level2:XBTUSDTM,ETHUSDTM"`` -> one subscription per symbol; the
    valid symbols of a list are served and the first unknown one is refused."""
    base, _, args = topic.partition(":")
    if base == LIMIT_CANDLE:
        return parse_candle_topic(topic, set(symbols))
    not_found = TopicError(404, f"topic {topic} is not found")
    if base in PRIVATE_TOPICS:
        if not private_allowed:
            return ParsedTopic([], TopicError(401, f"topic {topic} requires a private token"))
        if not args.strip():
            if base == "/contract/position":
                return ParsedTopic([], not_found)
            return ParsedTopic([(base, "")])
        if base not in PRIVATE_WITH_SYMBOL:
            return ParsedTopic([], not_found)
    elif base not in PUBLIC_TOPICS or not args.strip():
        return ParsedTopic([], not_found)
    known = set(symbols)
    subs: list[Subscription] = []
    refused: TopicError | None = None
    for key in (k.strip() for k in args.split(",")):
        if key in known:
            subs.append((base, key))
        elif refused is None:
            refused = TopicError(404, f"topic {base}:{key} is not found")
    return ParsedTopic(subs, refused)
