"""The topics the futures front-end serves and how a subscription names them."""

from __future__ import annotations

from collections.abc import Iterable

from ..kucoin_spot.ws import TopicError
from ..kucoin_spot.ws_hub import Subscription

# topic -> takes symbols after ':' ("" key when it takes none)
PUBLIC_TOPICS = (
    "/contractMarket/level2",
    "/contractMarket/execution",
    "/contractMarket/tickerV2",
)
PRIVATE_TOPICS = (
    "/contractMarket/tradeOrders",
    "/contract/position",
    "/contractAccount/wallet",
)
PRIVATE_WITH_SYMBOL = ("/contractMarket/tradeOrders", "/contract/position")


def parse_topic(
    topic: str, *, symbols: Iterable[str], markets: Iterable[str], private_allowed: bool
) -> list[Subscription]:
    """``"/contractMarket/level2:XBTUSDTM,ETHUSDTM"`` -> one subscription per symbol."""
    base, _, args = topic.partition(":")
    known = set(symbols)
    if base in PRIVATE_TOPICS:
        if not private_allowed:
            raise TopicError(401, f"topic {topic} requires a private token")
        if not args:
            if base == "/contract/position":
                raise TopicError(404, f"topic {topic} is not found")
            return [(base, "")]
        if base not in PRIVATE_WITH_SYMBOL:
            raise TopicError(404, f"topic {topic} is not found")
    elif base not in PUBLIC_TOPICS or not args:
        raise TopicError(404, f"topic {topic} is not found")
    subs: list[Subscription] = []
    for key in (k.strip() for k in args.split(",")):
        if key not in known:
            raise TopicError(404, f"topic {topic} is not found")
        subs.append((base, key))
    return subs
