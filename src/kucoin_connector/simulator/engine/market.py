"""Market activity: bot users quoting around a random walk and sometimes crossing.

Deterministic for a given seed and sequence of ticks (one ``random.Random``; the engine's
ids and matching are deterministic too). ``seed_books`` gives every symbol depth at start.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal

from .accounts import Accounts
from .engine import MatchingEngine
from .models import EngineError, OrderRequest, SymbolSpec

log = logging.getLogger(__name__)

MAKER_BOT = "sim-bot-maker"
TAKER_BOT = "sim-bot-taker"
BOT_FUNDS = Decimal("1000000000000")


class MarketActivity:
    def __init__(
        self,
        engine: MatchingEngine,
        accounts: Accounts,
        rng: random.Random,
        *,
        mids: dict[str, Decimal],
        levels: int = 10,
        fund: Callable[[str, str], None] | None = None,
    ) -> None:
        """``fund(bot, currency)`` credits a bot user (default: a large deposit in its spot
        ``trade`` account; a derivatives front-end credits its margin wallet instead)."""
        self.engine = engine
        self.accounts = accounts
        self._fund_bot = fund if fund is not None else self._deposit
        self.rng = rng
        self.mids = dict(mids)
        self.levels = levels
        self.ticks = 0
        self.paused = False  # True: the run loop idles (a quiet market for comparisons)
        self._orders: dict[str, deque[str]] = {}
        self._funded: set[str] = set()

    # ---- setup --------------------------------------------------------------------------
    def _fund(self, spec: SymbolSpec) -> None:
        for currency in (spec.base_currency, spec.quote_currency):
            if currency in self._funded:
                continue
            self._funded.add(currency)
            for bot in (MAKER_BOT, TAKER_BOT):
                self._fund_bot(bot, currency)

    def _deposit(self, bot: str, currency: str) -> None:
        self.accounts.deposit(bot, currency, BOT_FUNDS, "trade")

    def seed_books(self) -> None:
        for spec in self.engine.symbols():
            self._fund(spec)
            for level in range(1, self.levels + 1):
                self._quote(spec, "buy", level)
                self._quote(spec, "sell", level)

    # ---- actions ------------------------------------------------------------------------
    def tick(self) -> None:
        """One random market action on one random symbol."""
        self.ticks += 1
        specs = self.engine.symbols()
        if not specs:
            return
        spec = specs[self.rng.randrange(len(specs))]
        self._fund(spec)
        self._walk(spec)
        roll = self.rng.random()
        try:
            if roll < 0.6:
                self._requote(spec)
            elif roll < 0.85:
                self._take(spec)
            else:
                self._quote(spec, self.rng.choice(("buy", "sell")), 0)  # may cross
        except EngineError as exc:
            log.debug("market action refused: %s", exc.reason)

    def _walk(self, spec: SymbolSpec) -> None:
        mid = self.mids[spec.symbol]
        step = Decimal(str(round(self.rng.gauss(0.0, 0.0008), 6)))
        new_mid = _round(mid * (1 + step), spec.price_increment)
        self.mids[spec.symbol] = max(new_mid, spec.price_increment * 10)

    def _requote(self, spec: SymbolSpec) -> None:
        orders = self._orders.setdefault(spec.symbol, deque())
        while len(orders) > 2 * self.levels:
            order_id = orders.popleft()
            try:
                self.engine.cancel_order(MAKER_BOT, order_id)
            except EngineError:
                continue  # already filled
            break
        side = self.rng.choice(("buy", "sell"))
        self._quote(spec, side, self.rng.randint(1, self.levels))

    def _quote(self, spec: SymbolSpec, side: str, level: int) -> None:
        mid = self.mids[spec.symbol]
        offset = spec.price_increment * level * max(1, int(mid / spec.price_increment / 5000))
        price = mid - offset if side == "buy" else mid + offset
        if level == 0:
            ticks = spec.price_increment * self.rng.randint(1, 5)
            price = mid + ticks if side == "buy" else mid - ticks
        if price <= 0:
            return
        req = OrderRequest(
            symbol=spec.symbol,
            side=side,
            type="limit",
            price=_round(price, spec.price_increment),
            size=self._size(spec, price),
            account_type="trade",
        )
        order = self.engine.place_order(MAKER_BOT, req)
        if order.is_active:
            self._orders.setdefault(spec.symbol, deque()).append(order.id)

    def _take(self, spec: SymbolSpec) -> None:
        side = self.rng.choice(("buy", "sell"))
        size = self._size(spec, self.mids[spec.symbol]) / 4
        size = max(_round(size, spec.base_increment), spec.base_min_size)
        req = OrderRequest(
            symbol=spec.symbol, side=side, type="market", size=size, account_type="trade"
        )
        self.engine.place_order(TAKER_BOT, req)

    def _size(self, spec: SymbolSpec, price: Decimal) -> Decimal:
        value = Decimal(str(round(self.rng.uniform(50, 2000), 2)))
        size = _round(value / (price * spec.multiplier), spec.base_increment)
        return min(max(size, spec.base_min_size), spec.base_max_size)

    # ---- loop ---------------------------------------------------------------------------
    async def run(self, rate_hz: float) -> None:
        interval = 1.0 / rate_hz
        while True:
            await asyncio.sleep(interval)
            if not self.paused:
                self.tick()


def _round(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step
