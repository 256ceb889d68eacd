"""What each book subscription depth has been told, and the updates that keep it right.

Per (symbol, depth) the last sent top-``depth`` levels as exact wire strings. An update
carries every level of the new view whose quantity changed, and ``qty 0`` for a level of
the old view that left the book; a level pushed below the depth by an insert is not
deleted (clients truncate to their depth after every update, as Kraken documents).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..engine.engine import MatchingEngine
from .checksum import book_checksum
from .formats import price_text, qty_text

Levels = list[tuple[str, str]]  # (price, qty) as printed, best first


@dataclass
class BookView:
    asks: Levels
    bids: Levels

    @property
    def checksum(self) -> int:
        return book_checksum(self.asks, self.bids)


def _changes(old: Levels, new: Levels, depth: int, ascending: bool) -> Levels:
    old_map = dict(old)
    new_map = dict(new)
    out = [(p, q) for p, q in new if old_map.get(p) != q]
    full = len(new) >= depth
    worst = float(new[-1][0]) if new else 0.0
    for price, _ in old:
        if price in new_map:
            continue
        beyond = float(price) > worst if ascending else float(price) < worst
        if full and beyond:
            continue  # fell out of scope: the client truncates it
        zero = "0" if "." not in _qty_template(old) else _zero_like(_qty_template(old))
        out.append((price, zero))
    return out


def _qty_template(levels: Levels) -> str:
    return levels[0][1] if levels else "0"


def _zero_like(qty: str) -> str:
    decimals = len(qty.partition(".")[2])
    return "0." + "0" * decimals if decimals else "0"


class BookViews:
    def __init__(self, engine: MatchingEngine) -> None:
        self.engine = engine
        self._views: dict[tuple[str, int], BookView] = {}

    def current(self, symbol: str, depth: int) -> BookView:
        spec = self.engine.symbol_spec(symbol)
        _, bids, asks = self.engine.level2_snapshot(symbol, depth)
        return BookView(
            [(price_text(spec, p), qty_text(spec, q)) for p, q in asks],
            [(price_text(spec, p), qty_text(spec, q)) for p, q in bids],
        )

    def snapshot(self, symbol: str, depth: int) -> BookView:
        """The view a new subscriber starts from (and the one later updates diff against)."""
        view = self._views.get((symbol, depth))
        if view is None:
            view = self.current(symbol, depth)
            self._views[(symbol, depth)] = view
        return view

    def update(self, symbol: str, depth: int) -> tuple[Levels, Levels, int] | None:
        """(ask changes, bid changes, checksum of the new view), None when unchanged."""
        old = self.snapshot(symbol, depth)
        new = self.current(symbol, depth)
        asks = _changes(old.asks, new.asks, depth, ascending=True)
        bids = _changes(old.bids, new.bids, depth, ascending=False)
        self._views[(symbol, depth)] = new
        if not asks and not bids:
            return None
        return asks, bids, new.checksum

    def forget(self, symbol: str, depth: int) -> None:
        self._views.pop((symbol, depth), None)


def _levels_json(levels: Levels) -> str:
    # numbers with their full printed precision, as Kraken puts them on the wire
    return "[" + ",".join(f'{{"price":{p},"qty":{q}}}' for p, q in levels) + "]"


def book_message(
    kind: str, ws_symbol: str, asks: Levels, bids: Levels, checksum: int, timestamp: str
) -> str:
    return (
        f'{{"channel":"book","type":"{kind}","data":[{{"symbol":{json.dumps(ws_symbol)},'
        f'"bids":{_levels_json(bids)},"asks":{_levels_json(asks)},'
        f'"checksum":{checksum},"timestamp":"{timestamp}"}}]}}'
    )
