"""KuCoin WebSocket topics and how they are batched into subscribe frames.

KuCoin takes several symbols in one topic, ``/market/level2:BTC-USDT,ETH-USDT``, in
subscribe and unsubscribe frames alike, and answers one ack per frame; each message
still carries its own single-symbol topic (``/market/level2:BTC-USDT``). So the
connector remembers topics one symbol each and ``batch_topics`` joins the ones sent
together: one frame per topic base, at most ``MAX_TOPICS_PER_SUBSCRIBE`` symbols a frame.

Limits (sources):
- ``MAX_TOPICS_PER_SUBSCRIBE`` = 100: the seed documentation ("Subscribe to a maximum of
  100 topics", WebSocket limits) and today's ("maximum number of batch subscriptions at a
  time: 100 topics"). With 100 topics a connection (level2 + match per symbol) a frame
  carries at most 50 symbols anyway.
- ``UPLINK_LIMIT``: today's documentation allows 100 client messages / 10 s per connection
  (pings included). Subscribe frames are paced by ``SUBSCRIBE_PACING``, 80 / 10 s: the
  remaining 20 leave room for pings (one per ~18 s) and margin.
"""

from __future__ import annotations

from collections.abc import Sequence

from kucoin_connector.core.throttler import RateLimit
from kucoin_connector.core.ws_subscriptions import Frame

__all__ = [
    "MAX_TOPICS_PER_SUBSCRIBE",
    "SUBSCRIBE_PACING",
    "UPLINK_LIMIT",
    "batch_topics",
    "market_topics",
    "split_topic",
]

MAX_TOPICS_PER_SUBSCRIBE = 100
UPLINK_LIMIT = RateLimit("ws_uplink", limit=100, time_interval_s=10.0)
SUBSCRIBE_PACING = RateLimit("ws_subscribe_frames", limit=80, time_interval_s=10.0)


def split_topic(topic: str) -> tuple[str, list[str]]:
    """``/market/level2:A,B`` -> (``/market/level2``, [``A``, ``B``]); no ':' -> (topic, [])."""
    base, sep, args = topic.partition(":")
    return base, (args.split(",") if sep and args else [])


def market_topics(symbol: str) -> list[str]:
    """The topics the order book data source follows for one symbol."""
    return [f"/market/level2:{symbol}", f"/market/match:{symbol}"]


def batch_topics(
    topics: Sequence[str], max_per_frame: int = MAX_TOPICS_PER_SUBSCRIBE
) -> list[Frame]:
    """Group single-symbol topics of the same base into comma frames (order kept);
    a topic without exactly one ``:symbol`` (private topics...) goes alone."""
    if max_per_frame < 1:
        raise ValueError("max_per_frame must be >= 1")
    frames: list[Frame] = []
    open_batches: dict[str, list[tuple[str, str]]] = {}  # base -> [(symbol, topic)]
    order: list[str | tuple[str, str]] = []  # a base (batched) or ("", topic) alone
    for topic in dict.fromkeys(topics):
        base, args = split_topic(topic)
        if len(args) != 1 or not args[0]:
            order.append(("", topic))
            continue
        if base not in open_batches:
            open_batches[base] = []
            order.append(base)
        open_batches[base].append((args[0], topic))
    for item in order:
        if isinstance(item, tuple):
            frames.append((item[1], (item[1],)))
            continue
        batch = open_batches[item]
        for i in range(0, len(batch), max_per_frame):
            chunk = batch[i : i + max_per_frame]
            symbols = ",".join(symbol for symbol, _ in chunk)
            frames.append((f"{item}:{symbols}", tuple(topic for _, topic in chunk)))
    return frames
