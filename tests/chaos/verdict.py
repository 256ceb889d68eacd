"""The verdict: the connector's view against the SIMULATOR's own state (its engine and
accounts), never against what the connector was told.

For every client order id the bot created:

* doubled: more than one simulator order carries it;
* lost: not tracked, or its state (or exchange order id) differs from the simulator's, or
  the connector calls FAILED an order the simulator has, or the simulator never received
  an order the connector does not call FAILED (or WRITTEN_OFF, where the enum has it);
* fills: state equal, but fills by trade id (price, size, fee, fee currency) or the
  executed amount differ.

Also: balances (total and available, every currency of the account type), the order book
(bids, asks, sequence) and simulator orders of the user carrying no id the bot created.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kucoin_connector import KucoinExchange, OrderState
from kucoin_connector.core.in_flight_order import InFlightOrder
from kucoin_connector.simulator.engine.models import Fill, Order
from kucoin_connector.simulator.kucoin_spot.payloads import wire_trade_id
from kucoin_connector.simulator.kucoin_spot.server import KucoinSimulator

from .bot import OrderRecord

_WRITTEN_OFF = getattr(OrderState, "WRITTEN_OFF", None)
NEVER_PLACED_STATES = tuple(s for s in (OrderState.FAILED, _WRITTEN_OFF) if s is not None)


@dataclass(frozen=True)
class OrderFinding:
    client_oid: str
    category: str  # "lost" | "doubled" | "fills" | "orphan"
    problems: tuple[str, ...]
    connector: str
    simulator: str


@dataclass
class Verdict:
    orders: list[OrderFinding] = field(default_factory=list)
    balances: list[str] = field(default_factory=list)
    book: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.orders or self.balances or self.book)

    def of(self, category: str) -> list[OrderFinding]:
        return [f for f in self.orders if f.category == category]

    def summary(self) -> str:
        counts = {c: len(self.of(c)) for c in ("lost", "doubled", "fills", "orphan")}
        parts = [f"{n} {c}" for c, n in counts.items() if n]
        if self.balances:
            parts.append(f"{len(self.balances)} balances differ")
        if self.book:
            parts.append("book differs")
        return ", ".join(parts) or "all equal"


def expected_state(order: Order) -> OrderState:
    if order.is_active:
        return OrderState.PARTIALLY_FILLED if order.deal_size > 0 else OrderState.OPEN
    if order.done_reason == "filled":
        return OrderState.FILLED
    return OrderState.CANCELED


def describe_connector(order: InFlightOrder | None) -> str:
    if order is None:
        return "not tracked"
    extra = ", written off" if order.written_off_ms is not None else ""
    reason = f", reason {order.reason!r}" if order.reason else ""
    return (
        f"{order.current_state.name}{extra} id={order.exchange_order_id} "
        f"executed={order.executed_amount_base} fills={len(order.order_fills)}{reason}"
    )


@dataclass
class SimView:
    """The simulator's orders and fills of the user, indexed once per verdict."""

    orders_by_cid: dict[str, list[Order]]
    fills_by_order: dict[str, list[Fill]]

    @classmethod
    def of(cls, sim: KucoinSimulator) -> SimView:
        orders: dict[str, list[Order]] = {}
        for order in sim.engine.list_orders(sim.user_id):
            orders.setdefault(order.client_oid, []).append(order)
        fills: dict[str, list[Fill]] = {}
        for fill in sim.engine.list_fills(sim.user_id):
            fills.setdefault(fill.order_id, []).append(fill)
        return cls(orders, fills)


def describe_sim(orders: list[Order], view: SimView) -> str:
    if not orders:
        return "never received"
    parts = []
    for o in orders:
        fills = view.fills_by_order.get(o.id, [])
        parts.append(
            f"{expected_state(o).name} ({o.status}/{o.done_reason or '-'}) id={o.id} "
            f"executed={o.deal_size} fills={len(fills)}"
        )
    return "; ".join(parts)


def compare_order(
    cid: str, record: OrderRecord, exchange: KucoinExchange, view: SimView
) -> OrderFinding | None:
    sim_orders = view.orders_by_cid.get(cid, [])
    order = exchange.order_tracker.fetch_order(client_order_id=cid)
    problems: list[str] = []
    category = "lost"
    if len(sim_orders) > 1:
        category = "doubled"
        problems.append(f"{len(sim_orders)} simulator orders carry this client oid")
    elif not sim_orders:
        if order is None:
            if record.sent:
                problems.append("not tracked (and never received by the simulator)")
        elif order.current_state not in NEVER_PLACED_STATES:
            problems.append(
                f"connector {order.current_state.name}, simulator never "
                "received it (expected FAILED / WRITTEN_OFF)"
            )
    elif order is None:
        problems.append("not tracked by the connector, the simulator has it")
    else:
        problems = _order_problems(order, sim_orders[0], view)
        if problems and all(p.startswith(("fill", "executed")) for p in problems):
            category = "fills"
    if not problems:
        return None
    return OrderFinding(
        cid, category, tuple(problems), describe_connector(order), describe_sim(sim_orders, view)
    )


def _order_problems(order: InFlightOrder, sim_order: Order, view: SimView) -> list[str]:
    problems: list[str] = []
    expected = expected_state(sim_order)
    if order.current_state is not expected:
        written_off = " (written off)" if order.written_off_ms is not None else ""
        problems.append(
            f"state: connector {order.current_state.name}{written_off}, simulator {expected.name}"
        )
    if order.exchange_order_id != sim_order.id:
        problems.append(
            f"exchange id: connector {order.exchange_order_id}, simulator {sim_order.id}"
        )
    fills = {wire_trade_id(f): f for f in view.fills_by_order.get(sim_order.id, [])}
    mine = order.order_fills
    missing = sorted(set(fills) - set(mine))
    extra = sorted(set(mine) - set(fills))
    if missing:
        problems.append(
            f"fills missing on the connector: {len(missing)} of {len(fills)} "
            f"({', '.join(missing[:5])}{'...' if len(missing) > 5 else ''})"
        )
    if extra:
        problems.append(f"fills unknown to the simulator: {', '.join(extra[:5])}")
    for trade_id in sorted(set(fills) & set(mine)):
        sim_fill, fill = fills[trade_id], mine[trade_id]
        if (fill.fill_price, fill.fill_base_amount) != (sim_fill.price, sim_fill.size):
            problems.append(
                f"fill {trade_id}: connector {fill.fill_base_amount} @ "
                f"{fill.fill_price}, simulator {sim_fill.size} @ {sim_fill.price}"
            )
        if (fill.fee.amount, fill.fee.asset) != (sim_fill.fee, sim_fill.fee_currency):
            problems.append(
                f"fill {trade_id} fee: connector {fill.fee.amount} "
                f"{fill.fee.asset}, simulator {sim_fill.fee} "
                f"{sim_fill.fee_currency}"
            )
    if order.executed_amount_base != sim_order.deal_size:
        problems.append(
            f"executed: connector {order.executed_amount_base}, simulator {sim_order.deal_size}"
        )
    return problems


def compare_balances(
    exchange: KucoinExchange, sim: KucoinSimulator, account_type: str
) -> list[str]:
    accounts = {
        a.currency: a for a in sim.accounts.list_accounts(sim.user_id, account_type=account_type)
    }
    problems = []
    for currency in sorted(set(accounts) | set(exchange.get_all_balances())):
        account = accounts.get(currency)
        total = account.balance if account is not None else Decimal(0)
        available = account.available if account is not None else Decimal(0)
        mine = (exchange.get_balance(currency), exchange.get_available_balance(currency))
        if mine != (total, available):
            problems.append(
                f"{currency}: connector total {mine[0]} available {mine[1]}, "
                f"simulator total {total} available {available}"
            )
    return problems


def compare_book(exchange: KucoinExchange, sim: KucoinSimulator, pair: str) -> list[str]:
    sequence, bids, asks = sim.engine.level2_snapshot(pair)
    book = exchange.get_order_book(pair)
    problems = []
    if book.last_update_id != sequence:
        problems.append(f"sequence: connector {book.last_update_id}, simulator {sequence}")
    for side, mine, theirs in (("bids", book.bids(), bids), ("asks", book.asks(), asks)):
        if mine == theirs:
            continue
        first = next(
            (i for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b),
            min(len(mine), len(theirs)),
        )
        here = mine[first] if first < len(mine) else None
        there = theirs[first] if first < len(theirs) else None
        problems.append(
            f"{side}: {len(mine)} vs {len(theirs)} levels, first difference at "
            f"#{first}: connector {_level(here)}, simulator {_level(there)}"
        )
    if book.is_crossed():
        problems.append("connector book is crossed")
    return problems


def _level(level: tuple[Decimal, Decimal] | None) -> str:
    return "none" if level is None else f"{level[1]} @ {level[0]}"


def judge(
    exchange: KucoinExchange,
    sim: KucoinSimulator,
    pair: str,
    account_type: str,
    records: dict[str, OrderRecord],
) -> Verdict:
    view = SimView.of(sim)
    verdict = Verdict()
    for cid, record in records.items():
        finding = compare_order(cid, record, exchange, view)
        if finding is not None:
            verdict.orders.append(finding)
    for cid in sorted(set(view.orders_by_cid) - set(records)):
        verdict.orders.append(
            OrderFinding(
                cid,
                "orphan",
                ("a simulator order with a client oid the bot never created",),
                describe_connector(exchange.order_tracker.fetch_order(client_order_id=cid)),
                describe_sim(view.orders_by_cid[cid], view),
            )
        )
    verdict.balances = compare_balances(exchange, sim, account_type)
    verdict.book = compare_book(exchange, sim, pair)
    return verdict
