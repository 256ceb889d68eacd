"""The paper fill model on hand-built books and trade sequences."""

from __future__ import annotations

from decimal import Decimal

from kucoin_connector.core.types import OrderType, TimeInForce, TradeType
from kucoin_connector.paper_trade.fill_model import PaperMatcher
from kucoin_connector.paper_trade.models import (
    Fill,
    Outcome,
    PaperOrderRequest,
    PublicTrade,
    RestingOrder,
)
from kucoin_connector.paper_trade.queue import CancelAdvance, QueueSettings

D = Decimal
BUY, SELL = TradeType.BUY, TradeType.SELL


def book(*levels: tuple[str, str]) -> list[tuple[Decimal, Decimal]]:
    return [(D(p), D(s)) for p, s in levels]


BIDS = book(("100", "5"), ("99", "10"), ("98", "20"))
ASKS = book(("101", "4"), ("102", "6"), ("103", "10"))


def limit(oid: str, side: TradeType, price: str, amount: str, **kw: object) -> PaperOrderRequest:
    return PaperOrderRequest(oid, side, OrderType.LIMIT, D(amount), price=D(price), **kw)  # type: ignore[arg-type]


def trade(price: str, size: str, taker: TradeType | None, ts_ms: int = 0) -> PublicTrade:
    return PublicTrade("BTC-USDT", D(price), D(size), taker, ts_ms)


def matcher(settings: QueueSettings | None = None) -> PaperMatcher:
    m = PaperMatcher(settings)
    m.on_book(BIDS, ASKS, 0)
    return m


def resting(m: PaperMatcher, order_id: str) -> RestingOrder:
    order = m.resting(order_id)
    assert order is not None
    return order


def amounts(fills: list[Fill] | tuple[Fill, ...]) -> list[tuple[Decimal, Decimal]]:
    return [(f.price, f.amount) for f in fills]


def test_resting_order_queues_behind_visible_size_and_fills_by_traded_size() -> None:
    m = matcher()
    result = m.submit(limit("a", BUY, "100", "3"), 1)
    assert result.outcome is Outcome.RESTING and result.fills == ()
    assert resting(m, "a").queue_ahead == D(5)
    assert m.on_trade(trade("100", "4", SELL, 2)) == []  # 4 of the 5 ahead traded
    assert resting(m, "a").queue_ahead == D(1)
    fills = m.on_trade(trade("100", "2", SELL, 3))  # 1 ahead, then 1 for us
    assert amounts(fills) == [(D(100), D(1))] and fills[0].is_maker
    assert resting(m, "a").remaining == D(2)


def test_a_trade_at_the_price_by_a_buy_taker_never_reaches_our_bid() -> None:
    m = matcher()
    m.submit(limit("a", BUY, "100", "3"), 1)
    assert m.on_trade(trade("100", "50", BUY, 2)) == []
    assert resting(m, "a").queue_ahead == D(5)


def test_trade_through_the_price_fills_by_the_traded_size_best_price_first() -> None:
    m = matcher()
    m.submit(limit("a", SELL, "102", "3"), 1)
    m.submit(limit("b", SELL, "101.5", "1"), 2)
    fills = m.on_trade(trade("102.5", "2", BUY, 3))
    assert [(f.order_id, f.price, f.amount) for f in fills] == [
        ("b", D("101.5"), D(1)),
        ("a", D(102), D(1)),
    ]
    assert resting(m, "a").remaining == D(2) and resting(m, "a").queue_ahead == 0


def test_trade_through_fills_the_rest_when_configured_so() -> None:
    m = matcher(QueueSettings(through_fills_all=True))
    m.submit(limit("a", SELL, "102", "3"), 1)
    fills = m.on_trade(trade("102.5", "0.1", BUY, 2))
    assert amounts(fills) == [(D(102), D(3))]
    assert m.resting("a") is None


def test_level_shrinking_without_trades_does_not_advance_a_risk_averse_queue() -> None:
    m = matcher()
    m.submit(limit("a", BUY, "99", "1"), 1)
    m.on_book(book(("100", "5"), ("99", "4")), ASKS, 2)  # 6 left the level, no trade yet
    assert resting(m, "a").queue_ahead == D(10)
    m.on_book(book(("100", "5"), ("99", "4")), ASKS, 5000)  # no trade came: cancels
    assert resting(m, "a").queue_ahead == D(4)  # bounded by what is still visible


def test_book_decrease_then_its_trade_advance_the_queue_once() -> None:
    m = matcher()
    m.submit(limit("a", BUY, "99", "1"), 1)
    m.on_book(book(("100", "5"), ("99", "7")), ASKS, 2)  # the trade's book side first
    m.on_trade(trade("99", "3", SELL, 3))
    m.on_book(book(("100", "5"), ("99", "7")), ASKS, 5000)
    assert resting(m, "a").queue_ahead == D(7)


def test_trade_then_its_book_decrease_advance_the_queue_once() -> None:
    m = matcher(QueueSettings(cancel_advance=CancelAdvance.PROPORTIONAL))
    m.submit(limit("a", BUY, "99", "1"), 1)
    m.on_trade(trade("99", "3", SELL, 2))
    m.on_book(book(("100", "5"), ("99", "7")), ASKS, 3)
    m.on_book(book(("100", "5"), ("99", "7")), ASKS, 5000)
    assert resting(m, "a").queue_ahead == D(7)


def test_proportional_cancels_advance_by_the_share_ahead() -> None:
    m = matcher(QueueSettings(cancel_advance=CancelAdvance.PROPORTIONAL))
    m.submit(limit("a", BUY, "98", "1"), 1)  # 20 ahead
    m.on_book(book(("100", "5"), ("99", "10"), ("98", "25")), ASKS, 2)  # 5 join behind
    m.on_book(book(("100", "5"), ("99", "10"), ("98", "15")), ASKS, 3)  # 10 cancelled
    m.settle(10_000)
    assert resting(m, "a").queue_ahead == D(20) - D(10) * D(20) / D(25)


def test_market_order_walks_levels_and_stops_taking_consumed_liquidity() -> None:
    m = matcher()
    first = m.submit(PaperOrderRequest("m1", BUY, OrderType.MARKET, D("7")), 1)
    assert first.outcome is Outcome.FILLED
    assert amounts(first.fills) == [(D(101), D(4)), (D(102), D(3))]
    assert not any(f.is_maker for f in first.fills)
    second = m.submit(PaperOrderRequest("m2", BUY, OrderType.MARKET, D("5")), 2)
    assert amounts(second.fills) == [(D(102), D(3)), (D(103), D(2))]


def test_consumed_liquidity_is_forgotten_when_the_level_goes() -> None:
    m = matcher()
    m.submit(PaperOrderRequest("m1", BUY, OrderType.MARKET, D("4")), 1)
    m.on_book(BIDS, book(("102", "6"), ("103", "10")), 2)
    m.on_book(BIDS, ASKS, 3)  # 101 comes back: fresh liquidity
    again = m.submit(PaperOrderRequest("m2", BUY, OrderType.MARKET, D("1")), 4)
    assert amounts(again.fills) == [(D(101), D(1))]


def test_market_by_funds_keeps_the_taker_fee_inside_the_funds() -> None:
    m = matcher()
    request = PaperOrderRequest(
        "f",
        BUY,
        OrderType.MARKET,
        D(0),
        quote_amount=D("505"),
        base_increment=D("0.01"),
        taker_fee_rate=D("0.001"),
    )
    result = m.submit(request, 1)
    spent = sum(f.price * f.amount * D("1.001") for f in result.fills)
    assert spent <= D(505) and amounts(result.fills)[0] == (D(101), D(4))
    assert result.outcome is Outcome.FILLED


def test_crossing_limit_walks_to_its_price_then_rests_at_the_front() -> None:
    m = matcher()
    result = m.submit(limit("a", BUY, "102", "12"), 1)
    assert amounts(result.fills) == [(D(101), D(4)), (D(102), D(6))]
    assert result.outcome is Outcome.RESTING
    resting = m.resting("a")
    assert resting is not None and resting.remaining == D(2) and resting.queue_ahead == 0


def test_ioc_remainder_is_cancelled_and_fok_is_all_or_nothing() -> None:
    m = matcher()
    ioc = m.submit(limit("i", SELL, "99", "20", time_in_force=TimeInForce.IOC), 1)
    assert ioc.outcome is Outcome.CANCELLED and amounts(ioc.fills) == [
        (D(100), D(5)),
        (D(99), D(10)),
    ]
    fok = m.submit(limit("f", BUY, "103", "21", time_in_force=TimeInForce.FOK), 2)
    assert fok.outcome is Outcome.CANCELLED and fok.fills == ()
    fok_ok = m.submit(limit("g", BUY, "103", "20", time_in_force=TimeInForce.FOK), 3)
    assert fok_ok.outcome is Outcome.FILLED


def test_post_only_that_would_take_is_cancelled_untouched() -> None:
    m = matcher()
    req = PaperOrderRequest("p", BUY, OrderType.LIMIT_MAKER, D(1), price=D(101))
    result = m.submit(req, 1)
    assert result.outcome is Outcome.CANCELLED and result.fills == ()
    assert m.visible_for_taker(BUY)[0] == (D(101), D(4))
    maker = m.submit(PaperOrderRequest("q", BUY, OrderType.LIMIT_MAKER, D(1), price=D("100.5")), 2)
    assert maker.outcome is Outcome.RESTING and resting(m, "q").queue_ahead == 0


def test_opposite_book_crossing_fills_by_the_crossing_size_at_the_order_price() -> None:
    m = matcher()
    m.submit(limit("a", BUY, "100", "8"), 1)
    fills = m.on_book(
        book(
            ("99", "10"),
        ),
        book(("99.5", "3"), ("101", "4")),
        2,
    )
    assert amounts(fills) == [(D(100), D(3))] and fills[0].is_maker
    assert (
        m.on_book(
            book(
                ("99", "10"),
            ),
            book(("99.5", "3"), ("101", "4")),
            3,
        )
        == []
    )
    assert resting(m, "a").remaining == D(5)


def test_two_of_our_orders_at_one_price_share_a_trade_in_time_order() -> None:
    m = matcher()
    m.submit(limit("a", BUY, "100", "2"), 1)
    m.submit(limit("b", BUY, "100", "2"), 2)
    fills = m.on_trade(trade("100", "8", SELL, 3))  # 5 ahead, 2 to a, 1 to b
    assert [(f.order_id, f.amount) for f in fills] == [("a", D(2)), ("b", D(1))]


def test_cancel_removes_a_resting_order_once() -> None:
    m = matcher()
    m.submit(limit("a", BUY, "100", "2"), 1)
    assert m.cancel("a") is not None
    assert m.cancel("a") is None
    assert m.on_trade(trade("99", "1", SELL, 2)) == []
