"""Updates for orders not tracked yet, kept until their order is (bounded, with a TTL).

Exchange events may race the placement response: an update that names an order the
tracker does not know yet is parked here by client order id (or by exchange order id when
it carries none) and handed back when that order starts being tracked.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import TypeAlias

from kucoin_connector.core.in_flight_order import OrderUpdate, TradeUpdate

logger = logging.getLogger(__name__)

Update: TypeAlias = OrderUpdate | TradeUpdate

BY_CLIENT_ID = "cid"
BY_EXCHANGE_ID = "eid"


class PendingUpdates:
    """Updates for orders not tracked yet: bounded, with a TTL, in arrival order.

    ``_arrivals`` holds (received_ms, key, sequence) in arrival order, so pruning pops
    only the expired head (receipt times come from the injected clock, assumed monotonic):
    an entry whose update was already consumed or dropped is simply skipped.
    """

    def __init__(
        self, clock_ms: Callable[[], int], ttl_ms: int, max_keys: int, max_per_key: int
    ) -> None:
        self._clock_ms = clock_ms
        self._ttl_ms = ttl_ms
        self._max_keys = max_keys
        self._max_per_key = max_per_key
        self._seq = 0
        # (kind, id) -> deque[(sequence, received_ms, update)]
        self._items: dict[tuple[str, str], deque[tuple[int, int, Update]]] = {}
        self._arrivals: deque[tuple[int, tuple[str, str], int]] = deque()

    def __len__(self) -> int:
        return sum(len(items) for items in self._items.values())

    def add(self, kind: str, key: str, update: Update) -> None:
        entries = self._items.get((kind, key))
        if entries is None:
            if len(self._items) >= self._max_keys:
                oldest = next(iter(self._items))
                dropped = self._items.pop(oldest)
                logger.warning(
                    "pending buffer full: dropped %d updates for %s", len(dropped), oldest
                )
            entries = self._items[(kind, key)] = deque()
        if len(entries) >= self._max_per_key:
            logger.warning("pending buffer for %s %s full: update dropped", kind, key)
            return
        self._seq += 1
        received_ms = self._clock_ms()
        entries.append((self._seq, received_ms, update))
        self._arrivals.append((received_ms, (kind, key), self._seq))

    def pop(self, kind: str, key: str | None) -> list[tuple[int, Update]]:
        if key is None or not self._items:
            return []
        entries = self._items.pop((kind, key), None)
        if entries is None:
            return []
        if not self._items:
            self._arrivals.clear()  # nothing left to expire
        return [(seq, update) for seq, _, update in entries]

    def prune(self, now_ms: int) -> None:
        arrivals = self._arrivals
        if not arrivals or now_ms - arrivals[0][0] < self._ttl_ms:
            return
        dropped: dict[tuple[str, str], int] = {}
        while arrivals and now_ms - arrivals[0][0] >= self._ttl_ms:
            _, key, seq = arrivals.popleft()
            entries = self._items.get(key)
            if entries and entries[0][0] == seq:
                entries.popleft()
                dropped[key] = dropped.get(key, 0) + 1
                if not entries:
                    del self._items[key]
        if not self._items:
            arrivals.clear()
        for key, count in dropped.items():
            logger.info("dropped %d expired updates for unknown order %s", count, key)
