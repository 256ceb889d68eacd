"""The seeded random workload: places and cancels orders of every kind while faults fly.

The bot is sequential (one action at a time, awaited calls bounded by ``call_timeout_s``:
slower ones finish in the background and are awaited at the end). It records every client
order id the connector generated for it (the exchange's ``client_order_id_factory`` is
:meth:`Bot.new_client_order_id`), what it asked for, and what came back. Prices come from
the simulator's book (a bot input, never part of the verdict).

Phases (by share of the orders placed): random trading; at 1/6 a ladder of small sells
inside the spread swept by one market buy (more fills on one order than a first page of
fills holds: HF fills come 20 a page); random trading; at 2/5 a burst of far-from-market
resting orders (so that more than ``max_orders_per_poll`` orders are open at once, which is
where reconciliation starvation shows); random trading again; then a last round that
cancels some of what is still open (``end_cancel_share``: most stays open, so that the
verdict has more open orders than one reconciliation poll takes).
"""

from __future__ import annotations

import asyncio
import random
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from kucoin_connector import (
    ConnectorError,
    KucoinExchange,
    OrderOptions,
    OrderType,
    OrderValidationError,
    TimeInForce,
    TradeType,
)
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator

PRICE_STEP = Decimal("0.1")
SIZE_STEP = Decimal("0.0001")
SLOW_CALL_S = 3.0
WS_FAULT_TOPICS = ("/spotMarket/tradeOrders", "/account/balance", "/market/level2")


@dataclass
class OrderRecord:
    """What the bot asked for under one client order id, and what it was told."""

    client_oid: str
    kind: str
    via: str
    created_s: float
    outcome: str = "pending"
    sent: bool = True  # False: place_order rejected it locally (nothing sent, untracked)
    cancels: list[str] = field(default_factory=list)

    def describe(self) -> str:
        cancels = f"; cancels: {', '.join(self.cancels)}" if self.cancels else ""
        return f"{self.kind} via {self.via} at t={self.created_s:.2f}s -> {self.outcome}{cancels}"


@dataclass(frozen=True)
class BotSettings:
    orders: int = 100
    burst: int = 30
    ladder: int = 25  # sells swept by one market buy (0: no ladder)
    end_cancel_share: float = 0.3  # of the orders still open at the end, cancelled
    time_limit_s: float = 120.0
    max_step_sleep_s: float = 0.05
    call_timeout_s: float = 8.0
    leftover_timeout_s: float = 20.0
    sim_fault: float = 0.04  # per step: one of the simulator's own faults


@dataclass(frozen=True)
class _Kind:
    name: str
    weight: float


KINDS = (
    _Kind("limit_resting", 0.24),
    _Kind("limit_crossing", 0.12),
    _Kind("limit_touch", 0.12),
    _Kind("maker_resting", 0.12),
    _Kind("maker_crossing", 0.06),
    _Kind("market_size", 0.13),
    _Kind("market_funds", 0.14),
    _Kind("sweep", 0.03),
    _Kind("limit_ioc", 0.04),
)


class Bot:
    def __init__(
        self,
        sim: KucoinSimulator,
        pair: str,
        account_type: str,
        *,
        seed: int,
        settings: BotSettings,
        t0: float,
    ) -> None:
        self.sim = sim
        self.pair = pair
        self.account_type = account_type
        self.seed = seed
        self.settings = settings
        self.rng = random.Random(f"{seed}:bot")
        self.exchange: KucoinExchange | None = None
        self.records: dict[str, OrderRecord] = {}
        self.created: list[str] = []
        self.outcomes: Counter[str] = Counter()
        self.unexpected: list[str] = []  # exceptions outside the ConnectorError tree
        self.sim_faults: list[tuple[float, str]] = []  # (t, what)
        self.sim_fault_counts: Counter[str] = Counter()
        self.open_max = 0
        self.slow_calls: list[str] = []  # awaited calls slower than SLOW_CALL_S
        self.t0 = t0
        self._current: tuple[str, str] = ("?", "?")
        self._leftovers: set[asyncio.Task[Any]] = set()
        self._far: set[str] = set()  # the burst's orders: left resting by random cancels
        self._prefix = f"cx{seed}{'h' if account_type == 'trade_hf' else 'c'}-"

    # ------------------------------------------------------------------ ids
    def new_client_order_id(self) -> str:
        """The exchange's id factory: every id it creates for the bot is recorded."""
        cid = f"{self._prefix}{len(self.created) + 1:05d}"
        self.created.append(cid)
        kind, via = self._current
        self.records[cid] = OrderRecord(cid, kind, via, self._now())
        return cid

    def _now(self) -> float:
        return asyncio.get_running_loop().time() - self.t0

    @property
    def _ex(self) -> KucoinExchange:
        assert self.exchange is not None, "Bot.exchange is not set"
        return self.exchange

    # ------------------------------------------------------------------ run
    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.time_limit_s
        ladder_at = max(1, self.settings.orders // 6)
        burst_at = max(1, self.settings.orders * 2 // 5)
        burst_done = False
        ladder_done = self.settings.ladder <= 0
        max_steps = self.settings.orders * 4 + self.settings.burst + 100
        for _ in range(max_steps):
            if len(self.created) >= self.settings.orders or loop.time() > deadline:
                break
            if not ladder_done and len(self.created) >= ladder_at:
                ladder_done = True
                await self._ladder_sweep()
                continue
            if not burst_done and len(self.created) >= burst_at:
                burst_done = True
                await self._burst()
                continue
            await self._step()
            await asyncio.sleep(self.rng.uniform(0.0, self.settings.max_step_sleep_s))
        await self._cancel_some()
        await self._await_leftovers()

    async def _step(self) -> None:
        if self.rng.random() < self.settings.sim_fault:
            self._sim_fault()
        roll = self.rng.random()
        if roll < 0.38:
            self._place_background(self._pick_kind())
        elif roll < 0.64:
            await self._place_awaited(self._pick_kind())
        elif roll < 0.80:
            self._cancel_background()
        elif roll < 0.94:
            await self._cancel_awaited()
        self._note_open()

    def _note_open(self) -> None:
        self.open_max = max(self.open_max, len(self.sim.engine.active_orders(self.sim.user_id)))

    async def _burst(self) -> None:
        """Many resting orders far from the market, placed in the background at once."""
        for _ in range(self.settings.burst):
            if len(self.created) >= self.settings.orders:
                break
            kind = "maker_far" if self.rng.random() < 0.3 else "limit_far"
            self._place_background(kind)
            if self.created:
                self._far.add(self.created[-1])
            await asyncio.sleep(self.rng.uniform(0.0, 0.005))
        await asyncio.sleep(0.3)
        self._note_open()

    async def _ladder_sweep(self) -> None:
        """Small sells on consecutive ticks inside the spread, then one market buy of their
        total size: it takes them all, one fill each (and the buy gets all those fills).
        The simulator's market activity pauses meanwhile (its crossing quotes would take
        the ladder first)."""
        bid, ask = self._best()
        if ask - bid < PRICE_STEP * (self.settings.ladder + 10):
            return  # no room inside the spread now: skip
        size = Decimal("0.001")
        count = 0
        self.sim.market.paused = True
        try:
            for k in range(self.settings.ladder):
                if len(self.created) >= self.settings.orders - 1:
                    break
                price = bid + PRICE_STEP * (5 + k)
                self._current = (f"LIMIT sell (ladder) {size} @ {price}", "sell()")
                cid = self._ex.sell(self.pair, size, OrderType.LIMIT, price)
                self.records[cid].outcome = "returned at once (ladder)"
                count += 1
            await asyncio.sleep(0.15)  # placed in the background: let them land
            total = size * count
            self._current = (f"MARKET buy (sweep of the ladder) {total}", "place_order()")
            task = asyncio.get_running_loop().create_task(
                self._ex.place_order(TradeType.BUY, self.pair, total, OrderType.MARKET)
            )
            await self._bounded(task, "place_order")
        finally:
            self.sim.market.paused = False
        self._note_open()

    async def _cancel_some(self) -> None:
        open_ids = sorted(
            cid
            for cid, order in self._ex.in_flight_orders.items()
            if cid in self.records and not order.is_done
        )
        for cid in open_ids:
            if self.rng.random() >= self.settings.end_cancel_share:
                continue
            if self.rng.random() < 0.5:
                self._cancel_background(cid)
            else:
                await self._cancel_awaited(cid)
            await asyncio.sleep(self.rng.uniform(0.0, 0.01))
        self._note_open()

    async def _await_leftovers(self) -> None:
        if self._leftovers:
            await asyncio.wait(set(self._leftovers), timeout=self.settings.leftover_timeout_s)
        for task in list(self._leftovers):
            task.cancel()  # bounded: whatever is still running is given up
        if self._leftovers:
            await asyncio.gather(*self._leftovers, return_exceptions=True)

    # ------------------------------------------------------------------ orders
    def _pick_kind(self) -> str:
        total = sum(k.weight for k in KINDS)
        roll = self.rng.uniform(0.0, total)
        for kind in KINDS:
            if roll < kind.weight:
                return kind.name
            roll -= kind.weight
        return KINDS[-1].name

    def _order_args(
        self, kind: str
    ) -> tuple[TradeType, Decimal, OrderType, Decimal | None, OrderOptions, str]:
        """(side, amount, type, price, options, description) for one order of ``kind``."""
        rng = self.rng
        side = TradeType.BUY if rng.random() < 0.5 else TradeType.SELL
        buy = side is TradeType.BUY
        bid, ask = self._best()
        size = _quant(Decimal(str(rng.uniform(0.001, 0.02))), SIZE_STEP)
        opts = OrderOptions()
        order_type = OrderType.LIMIT
        price: Decimal | None
        away = Decimal(str(rng.uniform(0.0005, 0.01)))
        if kind in ("limit_resting", "maker_resting"):
            price = bid * (1 - away) if buy else ask * (1 + away)
        elif kind in ("limit_far", "maker_far"):
            far = Decimal(str(rng.uniform(0.02, 0.06)))
            price = bid * (1 - far) if buy else ask * (1 + far)
        elif kind == "limit_touch":
            price = bid if buy else ask
        elif kind in ("limit_crossing", "maker_crossing", "limit_ioc"):
            cross = Decimal(str(rng.uniform(0.0, 0.002)))
            price = ask * (1 + cross) if buy else bid * (1 - cross)
            if kind == "limit_ioc":
                opts = OrderOptions(time_in_force=TimeInForce.IOC)
        else:
            price = None
            order_type = OrderType.MARKET
            if kind == "market_funds":
                opts = OrderOptions(
                    quote_amount=_quant(Decimal(str(rng.uniform(20, 400))), Decimal("0.01"))
                )
                size = Decimal(0)
            elif kind == "sweep":
                if buy:
                    opts = OrderOptions(quote_amount=Decimal(rng.randint(8_000, 20_000)))
                    size = Decimal(0)
                else:
                    size = _quant(Decimal(str(rng.uniform(0.3, 0.6))), SIZE_STEP)
        if kind.startswith("maker"):
            order_type = OrderType.LIMIT_MAKER
        if price is not None:
            price = _quant(price, PRICE_STEP)
        how = f"{order_type.name} {side.name.lower()} ({kind})"
        how += f" {size}" if size else f" funds {opts.quote_amount}"
        how += f" @ {price}" if price is not None else ""
        return side, size, order_type, price, opts, how

    def _best(self) -> tuple[Decimal, Decimal]:
        bid, ask = self.sim.engine.best_bid_ask(self.pair)
        mid = Decimal(30000)
        return (bid[0] if bid else mid), (ask[0] if ask else mid)

    def _place_background(self, kind: str) -> None:
        side, amount, order_type, price, opts, how = self._order_args(kind)
        self._current = (how, "buy()" if side is TradeType.BUY else "sell()")
        place = self._ex.buy if side is TradeType.BUY else self._ex.sell
        try:
            cid = place(self.pair, amount, order_type, price, opts)
        except Exception as exc:  # buy()/sell() must never raise
            self._unexpected(f"{self._current[1]} raised", exc)
            return
        record = self.records.get(cid)
        if record is not None:
            record.outcome = "returned at once (placed in the background)"
        self.outcomes["background placement"] += 1

    async def _place_awaited(self, kind: str) -> None:
        side, amount, order_type, price, opts, how = self._order_args(kind)
        self._current = (how, "place_order()")
        task = asyncio.get_running_loop().create_task(
            self._ex.place_order(side, self.pair, amount, order_type, price, opts)
        )
        await self._bounded(task, "place_order")

    def _cancel_target(self) -> str | None:
        """Mostly a live order (rarely one of the burst's: they are meant to stay open),
        sometimes any order created so far (done, failed or unknown ones included)."""
        spare_far = self.rng.random() < 0.9
        live = sorted(
            cid
            for cid, order in self._ex.in_flight_orders.items()
            if cid in self.records and not (spare_far and cid in self._far)
        )
        if live and self.rng.random() < 0.8:
            return self.rng.choice(live)
        return self.rng.choice(self.created) if self.created else None

    def _cancel_background(self, cid: str | None = None) -> None:
        cid = cid or self._cancel_target()
        if cid is None:
            return
        self.records[cid].cancels.append(f"cancel() t={self._now():.2f}s")
        try:
            self._ex.cancel(self.pair, cid)
        except Exception as exc:  # cancel() must never raise
            self._unexpected("cancel() raised", exc)
        self.outcomes["background cancel"] += 1

    async def _cancel_awaited(self, cid: str | None = None) -> None:
        cid = cid or self._cancel_target()
        if cid is None:
            return
        record = self.records[cid]
        record.cancels.append(f"cancel_order() t={self._now():.2f}s")
        index = len(record.cancels) - 1
        task = asyncio.get_running_loop().create_task(self._ex.cancel_order(self.pair, cid))

        def mark(result: str) -> None:
            record.cancels[index] += f" -> {result}"

        await self._bounded(task, "cancel_order", on_result=mark, label=cid)

    async def _bounded(
        self,
        task: asyncio.Task[Any],
        what: str,
        on_result: Callable[[str], None] | None = None,
        label: str = "",
    ) -> None:
        """Wait for an awaited call up to ``call_timeout_s``; a slower one keeps running
        and is collected at the end. A placement's outcome is recorded on its order.

        Only the bot creates client order ids, and while it waits here only ``task``
        runs bot code: the ids created meanwhile are the ones of this call."""
        before = len(self.created)
        started = self._now()
        self._leftovers.add(task)
        await asyncio.wait({task}, timeout=self.settings.call_timeout_s)
        cids = self.created[before:] if what == "place_order" else []

        def finish(finished: asyncio.Task[Any]) -> None:
            self._leftovers.discard(finished)
            result = self._outcome(finished, what)
            took = self._now() - started
            if took > SLOW_CALL_S:
                self.slow_calls.append(
                    f"{what}({', '.join(cids) or label}) at "
                    f"t={started:.2f}s took {took:.1f}s -> {result}"
                )
            exc = None if finished.cancelled() else finished.exception()
            for cid in cids:
                self.records[cid].outcome = result
                if isinstance(exc, OrderValidationError):
                    self.records[cid].sent = False
            if on_result is not None:
                on_result(result)

        task.add_done_callback(finish)

    def _outcome(self, task: asyncio.Task[Any], what: str) -> str:
        if task.cancelled():
            self.outcomes[f"{what}: given up"] += 1
            return "given up by the bot (still running at the end)"
        exc = task.exception()
        if exc is None:
            state = getattr(task.result(), "current_state", None)
            name = getattr(state, "name", "?")
            self.outcomes[f"{what}: returned {name}"] += 1
            return f"returned {name}"
        if isinstance(exc, ConnectorError):
            self.outcomes[f"{what}: {type(exc).__name__}"] += 1
            return f"raised {type(exc).__name__}: {exc}"
        self._unexpected(f"{what} raised", exc)
        return f"raised {type(exc).__name__} (outside the ConnectorError tree)"

    def _unexpected(self, what: str, exc: BaseException) -> None:
        text = "".join(traceback.format_exception(exc)).rstrip()
        self.unexpected.append(f"{what}: {text}")

    # ------------------------------------------------------------------ simulator faults
    def _sim_fault(self) -> None:
        """One of the simulator's own faults (FaultInjector), chosen at random."""
        rng = self.rng
        faults = self.sim.faults
        hf = self.account_type == "trade_hf"
        place_path = "/api/v1/hf/orders" if hf else "/api/v1/orders"
        by_oid = "/api/v1/hf/orders/client-order/*" if hf else "/api/v1/order/client-order/*"
        fills = "/api/v1/hf/fills" if hf else "/api/v1/fills"
        paths = (
            place_path,
            by_oid,
            fills,
            "/api/v1/accounts",
            "/api/v1/bullet-private",
            "/api/v3/market/orderbook/level2",
        )
        kind = rng.choice(
            (
                "drop_order_response",
                "delay_http",
                "http_5xx",
                "http_429",
                "ws",
                "ws",
                "ws",
                "close_ws",
                "expire_tokens",
                "skew_clock",
            )
        )
        detail = kind
        if kind == "drop_order_response":
            faults.drop_order_response(1)
        elif kind == "delay_http":
            path = rng.choice(paths)
            delay = round(rng.uniform(0.2, 1.5), 2)
            faults.delay_http(path, delay, count=1)
            detail = f"delay_http {path} {delay}s"
        elif kind in ("http_5xx", "http_429"):
            path = rng.choice(paths)
            status = 429 if kind == "http_429" else rng.choice((500, 502, 503))
            faults.http(path, status=status, count=rng.randint(1, 2))
            detail = f"http {status} {path}"
        elif kind == "ws":
            action = rng.choice(("drop", "duplicate", "reorder", "delay"))
            topic = rng.choice(WS_FAULT_TOPICS)
            faults.ws(
                action, topic, count=rng.randint(1, 3), delay_s=round(rng.uniform(0.1, 1.0), 2)
            )
            detail = f"ws {action} {topic}"
        elif kind == "close_ws":
            private = rng.choice((True, False, None))
            faults.close_ws(private=private)
            detail = f"close_ws private={private}"
        elif kind == "expire_tokens":
            faults.expire_tokens()
        else:
            skew = rng.choice((-1, 1)) * rng.randint(6_000, 20_000)
            faults.skew_clock(skew)
            detail = f"skew_clock {skew}ms"
        self.sim_fault_counts[kind] += 1
        self.sim_faults.append((self._now(), detail))


def _quant(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step
