"""Properties of the fill model over random books, trades and orders (hypothesis)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kucoin_connector.core.types import OrderType, TradeType
from kucoin_connector.paper_trade.fill_model import PaperMatcher
from kucoin_connector.paper_trade.latency import LatencyModel, LatencySampler, measure_round_trip
from kucoin_connector.paper_trade.models import Fill, PaperOrderRequest, PublicTrade
from kucoin_connector.paper_trade.queue import CancelAdvance, QueueSettings

prices = st.integers(min_value=90, max_value=110).map(Decimal)
sizes = st.integers(min_value=1, max_value=50).map(lambda n: Decimal(n) / 10)
sides = st.sampled_from([TradeType.BUY, TradeType.SELL])
Levels = list[tuple[Decimal, Decimal]]


@st.composite
def books(draw: st.DrawFn) -> tuple[Levels, Levels]:
    mid = draw(st.integers(min_value=95, max_value=105))
    bids = [(Decimal(mid - 1 - i), draw(sizes)) for i in range(draw(st.integers(0, 5)))]
    asks = [(Decimal(mid + 1 + i), draw(sizes)) for i in range(draw(st.integers(0, 5)))]
    return bids, asks


@dataclass(frozen=True)
class BookStep:
    book: tuple[Levels, Levels]


@dataclass(frozen=True)
class TradeStep:
    price: Decimal
    size: Decimal
    taker: TradeType | None


@dataclass(frozen=True)
class OrderStep:
    side: TradeType
    price: Decimal
    size: Decimal
    market: bool


@dataclass(frozen=True)
class CancelStep:
    index: int


Step = BookStep | TradeStep | OrderStep | CancelStep

events = st.lists(
    st.one_of(
        st.builds(BookStep, books()),
        st.builds(TradeStep, prices, sizes, st.one_of(st.none(), sides)),
        st.builds(OrderStep, sides, prices, sizes, st.booleans()),
        st.builds(CancelStep, st.integers(0, 20)),
    ),
    max_size=40,
)


def replay(steps: list[Step], advance: CancelAdvance) -> tuple[list[Fill], dict[str, Decimal]]:
    matcher = PaperMatcher(QueueSettings(cancel_advance=advance, trade_match_window_ms=5))
    fills: list[Fill] = []
    amounts: dict[str, Decimal] = {}
    for ts_ms, step in enumerate(steps):
        if isinstance(step, BookStep):
            fills += matcher.on_book(step.book[0], step.book[1], ts_ms)
        elif isinstance(step, TradeStep):
            trade = PublicTrade("X-Y", step.price, step.size, step.taker, ts_ms)
            fills += matcher.on_trade(trade)
        elif isinstance(step, OrderStep):
            order_id = f"o{ts_ms}"
            order_type = OrderType.MARKET if step.market else OrderType.LIMIT
            price = None if step.market else step.price
            request = PaperOrderRequest(order_id, step.side, order_type, step.size, price=price)
            amounts[order_id] = step.size
            fills += matcher.submit(request, ts_ms).fills
        else:
            matcher.cancel(f"o{step.index}")
    return fills, amounts


@settings(max_examples=150, deadline=None)
@given(events, st.sampled_from(list(CancelAdvance)))
def test_fills_never_exceed_orders_and_replays_are_identical(
    steps: list[Step], advance: CancelAdvance
) -> None:
    fills, amounts = replay(steps, advance)
    filled: dict[str, Decimal] = {}
    for fill in fills:
        assert fill.amount > 0
        filled[fill.order_id] = filled.get(fill.order_id, Decimal(0)) + fill.amount
    for order_id, total in filled.items():
        assert total <= amounts[order_id]
    assert replay(steps, advance) == (fills, amounts)  # deterministic


@settings(max_examples=100, deadline=None)
@given(books(), st.lists(st.tuples(sides, sizes), min_size=1, max_size=6))
def test_takers_never_take_more_than_the_visible_book(
    book: tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]],
    orders: list[tuple[TradeType, Decimal]],
) -> None:
    bids, asks = book
    matcher = PaperMatcher()
    matcher.on_book(bids, asks, 0)
    taken = {TradeType.BUY: Decimal(0), TradeType.SELL: Decimal(0)}
    for index, (side, size) in enumerate(orders):
        request = PaperOrderRequest(f"m{index}", side, OrderType.MARKET, size)
        taken[side] += sum((f.amount for f in matcher.submit(request, 1).fills), Decimal(0))
    assert taken[TradeType.BUY] <= sum((s for _, s in asks), Decimal(0))
    assert taken[TradeType.SELL] <= sum((s for _, s in bids), Decimal(0))


def test_latency_from_a_round_trip_is_split_and_seeded_jitter_repeats() -> None:
    model = LatencyModel.from_round_trip(40.0, jitter_ms=10.0)
    assert (model.entry_ms, model.response_ms) == (20.0, 20.0)
    first = [LatencySampler(model, seed=5).entry_s() for _ in range(3)]
    assert first == [LatencySampler(model, seed=5).entry_s() for _ in range(3)]
    assert all(0.020 <= s <= 0.030 for s in first)


async def test_round_trip_is_measured_as_the_median_of_probes() -> None:
    ticks = iter([0.0, 0.010, 1.0, 1.030, 2.0, 2.020])
    calls: list[int] = []

    async def probe() -> None:
        calls.append(1)

    median = await measure_round_trip(probe, samples=3, clock_s=lambda: next(ticks))
    assert len(calls) == 3 and abs(median - 20.0) < 1e-6
