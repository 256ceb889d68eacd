"""Shared helpers for the engine/accounts tests (no tests here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kucoin_connector.simulator.engine.accounts import Accounts
from kucoin_connector.simulator.engine.engine import MatchingEngine
from kucoin_connector.simulator.engine.models import (
    BalanceChange,
    Fill,
    Order,
    OrderRequest,
    SequentialIds,
    SymbolSpec,
    Trade,
)

D = Decimal


def btc_usdt(**overrides: Any) -> SymbolSpec:
    values: dict[str, Any] = {
        "symbol": "BTC-USDT",
        "base_currency": "BTC",
        "quote_currency": "USDT",
        "base_min_size": D("0.001"),
        "quote_min_size": D("1"),
        "base_max_size": D("1000"),
        "quote_max_size": D("1000000"),
        "base_increment": D("0.001"),
        "quote_increment": D("0.01"),
        "price_increment": D("0.1"),
        "min_funds": D("1"),
    }
    values.update(overrides)
    return SymbolSpec(**values)


@dataclass
class OrderEvent:
    order_id: str
    user_id: str
    type: str
    status: str
    remain_size: Decimal
    deal_size: Decimal
    fill: Fill | None
    old_size: Decimal | None
    time_ms: int


@dataclass
class Recorder:
    """An EngineListener that records everything."""

    l2: list[tuple[str, str, Decimal, Decimal, int]] = field(default_factory=list)
    trades: list[Trade] = field(default_factory=list)
    orders: list[OrderEvent] = field(default_factory=list)
    balances: list[BalanceChange] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    def on_level2_change(
        self, symbol: str, side: str, price: Decimal, size: Decimal, sequence: int, time_ms: int
    ) -> None:
        self.l2.append((symbol, side, price, size, sequence))
        self.log.append("l2")

    def on_trade(self, trade: Trade) -> None:
        self.trades.append(trade)
        self.log.append("trade")

    def on_order_event(
        self,
        order: Order,
        event_type: str,
        fill: Fill | None,
        old_size: Decimal | None,
        time_ms: int,
    ) -> None:
        self.orders.append(
            OrderEvent(
                order.id,
                order.user_id,
                event_type,
                order.status,
                order.remain_size,
                order.deal_size,
                fill,
                old_size,
                time_ms,
            )
        )
        self.log.append(f"{event_type}:{order.id}")

    def on_balance_change(self, change: BalanceChange) -> None:
        self.balances.append(change)
        self.log.append("balance")

    def order_events(self, order_id: str) -> list[str]:
        return [e.type for e in self.orders if e.order_id == order_id]

    def clear(self) -> None:
        self.l2.clear()
        self.trades.clear()
        self.orders.clear()
        self.balances.clear()
        self.log.clear()


class Clock:
    def __init__(self, now_ms: int = 1_700_000_000_000) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms


@dataclass
class Env:
    engine: MatchingEngine
    accounts: Accounts
    rec: Recorder
    clock: Clock

    def fund(self, user: str, currency: str, amount: str, account_type: str = "trade") -> None:
        self.accounts.deposit(user, currency, D(amount), account_type)

    def limit(self, user: str, side: str, price: str, size: str, **kw: Any) -> Order:
        req = OrderRequest("BTC-USDT", side, "limit", price=D(price), size=D(size), **kw)
        return self.engine.place_order(user, req)

    def market(
        self, user: str, side: str, *, size: str | None = None, funds: str | None = None, **kw: Any
    ) -> Order:
        req = OrderRequest(
            "BTC-USDT",
            side,
            "market",
            size=None if size is None else D(size),
            funds=None if funds is None else D(funds),
            **kw,
        )
        return self.engine.place_order(user, req)

    def bal(self, user: str, currency: str, account_type: str = "trade") -> tuple[D, D, D]:
        acc = self.accounts.account(user, currency, account_type)
        return acc.balance, acc.available, acc.holds


def make_env(
    *, maker: str = "0.001", taker: str = "0.002", funded: bool = True, **engine_kw: Any
) -> Env:
    clock = Clock()
    ids = SequentialIds()
    rec = Recorder()
    accounts = Accounts(clock_ms=clock, id_factory=ids)
    engine = MatchingEngine(
        [btc_usdt()],
        accounts,
        clock_ms=clock,
        listener=rec,
        maker_fee_rate=D(maker),
        taker_fee_rate=D(taker),
        id_factory=ids,
        **engine_kw,
    )
    env = Env(engine, accounts, rec, clock)
    if funded:
        for user in ("alice", "bob", "carol"):
            env.fund(user, "USDT", "1000000")
            env.fund(user, "BTC", "100")
        rec.clear()
    return env
