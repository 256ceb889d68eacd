"""OrderBook behaviour, plus a property test against a plain Decimal reference model.

Choice under test: numerically equal prices are ONE level whatever their spelling
("1.5" / "1.50" / "1.500"); the readers return the spelling of the latest change.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kucoin_connector.core.errors import ParseError
from kucoin_connector.core.order_book import OrderBook

D = Decimal


def text(levels: list[tuple[Decimal, Decimal]]) -> list[tuple[str, str]]:
    return [(str(p), str(s)) for p, s in levels]


@pytest.fixture
def book() -> OrderBook:
    b = OrderBook()
    b.apply_snapshot(
        [("100.5", "1"), ("100", "2"), ("99.25", "3")],
        [("101", "1.5"), ("102.0", "2"), ("103", "4")],
        update_id=7,
    )
    return b


def test_empty_book() -> None:
    b = OrderBook()
    assert b.best_bid is None and b.best_ask is None and b.mid_price is None
    assert b.best_bid_level() is None and b.best_ask_level() is None
    assert b.bids() == [] and b.asks(5) == []
    assert b.bid_depth == b.ask_depth == 0 and b.last_update_id == 0
    assert not b.is_crossed()
    assert b.get_price_for_volume(True, D(1)) is None
    assert b.get_vwap_for_volume(False, D(1)) is None
    assert b.get_volume_for_price(True, D(100)) == 0


def test_snapshot_reads_exact_decimals_best_first(book: OrderBook) -> None:
    assert book.last_update_id == 7
    assert book.best_bid == D("100.5") and book.best_ask == D("101")
    assert book.best_bid_level() == (D("100.5"), D("1"))
    assert book.best_ask_level() == (D("101"), D("1.5"))
    assert text(book.bids()) == [("100.5", "1"), ("100", "2"), ("99.25", "3")]
    assert text(book.asks(2)) == [("101", "1.5"), ("102.0", "2")]
    assert book.bids(0) == [] and book.bids(-3) == [] and len(book.asks(99)) == 3
    assert book.mid_price == D("100.75")
    assert book.bid_depth == 3 and book.ask_depth == 3


def test_snapshot_replaces_everything_and_skips_zero_sizes(book: OrderBook) -> None:
    book.apply_snapshot([("50", "1"), ("49", "0.000")], [("51", "0"), ("52", "1")], 9)
    assert text(book.bids()) == [("50", "1")]
    assert text(book.asks()) == [("52", "1")]
    assert book.last_update_id == 9


def test_snapshot_accepts_any_order_and_repeated_prices() -> None:
    b = OrderBook()
    b.apply_snapshot([("1", "1"), ("3", "1"), ("2", "1"), ("3", "5")], [("9", "1"), ("7", "1")], 1)
    assert text(b.bids()) == [("3", "5"), ("2", "1"), ("1", "1")]
    assert text(b.asks()) == [("7", "1"), ("9", "1")]


@pytest.mark.parametrize("zero", ["0", "0.0", "0.00000000", "0e-8", "-0"])
def test_zero_size_spellings_remove(book: OrderBook, zero: str) -> None:
    book.apply_bid("100.5", zero)
    book.apply_ask("101.00", zero)
    assert book.best_bid == D("100") and book.best_ask == D("102.0")
    book.apply_bid("42", zero)  # absent level: no-op
    assert book.bid_depth == 2


def test_apply_diffs_sets_update_id_and_updates_levels(book: OrderBook) -> None:
    book.apply_diffs([("100", "5"), ("100.75", "1")], [("101", "0"), ("100.9", "2")], 8)
    assert book.last_update_id == 8
    assert text(book.bids(2)) == [("100.75", "1"), ("100.5", "1")]
    assert book.bids()[2] == (D(100), D(5))
    assert text(book.asks(1)) == [("100.9", "2")]


def test_single_changes_leave_update_id_untouched(book: OrderBook) -> None:
    book.apply_bid("100.6", "1")
    book.apply_ask("100.7", "1")
    assert book.last_update_id == 7
    book.set_update_id(12)
    assert book.last_update_id == 12


def test_equal_prices_in_other_spellings_are_one_level(book: OrderBook) -> None:
    book.apply_bid("100.50", "9")
    assert book.bid_depth == 3
    assert text(book.bids(1)) == [("100.50", "9")]  # latest spelling wins
    book.apply_ask("102", "0.0")
    assert book.ask_depth == 2


def test_crossed_and_locked(book: OrderBook) -> None:
    assert not book.is_crossed()
    book.apply_bid("101", "1")  # locked: bid == ask
    assert book.is_crossed()
    book.apply_bid("101", "0")
    book.apply_ask("100.1", "1")  # ask below best bid
    assert book.is_crossed()


def test_crossed_is_exact_beyond_float_resolution() -> None:
    b = OrderBook()
    b.apply_bid("1.0000000000000000001", "1")
    b.apply_ask("1.0000000000000000002", "1")  # same float, different numbers
    assert not b.is_crossed()
    b.apply_bid("1.0000000000000000001", "0")
    b.apply_bid("1.0000000000000000003", "1")
    assert b.is_crossed()


def test_distinct_prices_sharing_a_float_key_are_refused() -> None:
    b = OrderBook()
    b.apply_bid("1.0000000000000000001", "1")
    with pytest.raises(ParseError):
        b.apply_bid("1.0000000000000000002", "1")
    assert text(b.bids()) == [("1.0000000000000000001", "1")]


@pytest.mark.parametrize(
    ("price", "size"),
    [
        ("abc", "1"),
        ("1", "x"),
        ("1", "-1"),
        ("-1", "1"),
        ("0", "1"),
        ("0.00", "2"),
        ("nan", "1"),
        ("inf", "1"),
        ("1", "nan"),
    ],
)
def test_bad_levels_raise_parse_error_and_leave_the_book(
    book: OrderBook, price: str, size: str
) -> None:
    before = (book.bids(), book.asks())
    with pytest.raises(ParseError):
        book.apply_bid(price, size)
    with pytest.raises(ParseError):
        book.apply_ask(price, size)
    assert (book.bids(), book.asks()) == before


def test_bad_snapshot_leaves_an_empty_book(book: OrderBook) -> None:
    with pytest.raises(ParseError):
        book.apply_snapshot([("1", "1")], [("x", "1")], 3)
    assert book.bid_depth == book.ask_depth == 0


def test_clear(book: OrderBook) -> None:
    book.clear()
    assert book.bids() == [] and book.asks() == [] and book.last_update_id == 0
    book.apply_bid("5", "1")
    assert book.best_bid == D(5)


def test_price_and_vwap_for_volume(book: OrderBook) -> None:
    # asks: 101 x1.5, 102.0 x2, 103 x4
    assert book.get_price_for_volume(True, D("1.5")) == D("101")
    assert book.get_price_for_volume(True, D("1.6")) == D("102")
    assert book.get_price_for_volume(True, D("7.5")) == D("103")
    assert book.get_price_for_volume(True, D("7.6")) is None
    assert book.get_price_for_volume(True, D(0)) is None
    assert book.get_vwap_for_volume(True, D("2.5")) == (D("1.5") * 101 + 102) / D("2.5")
    assert book.get_vwap_for_volume(True, D("8")) is None
    # bids: 100.5 x1, 100 x2, 99.25 x3
    assert book.get_price_for_volume(False, D("2")) == D("100")
    assert book.get_vwap_for_volume(False, D("1")) == D("100.5")


def test_volume_for_price(book: OrderBook) -> None:
    assert book.get_volume_for_price(True, D("100.99")) == 0
    assert book.get_volume_for_price(True, D("102")) == D("3.5")
    assert book.get_volume_for_price(True, D("1000")) == D("7.5")
    assert book.get_volume_for_price(False, D("100")) == D("3")
    assert book.get_volume_for_price(False, D("99")) == D("6")


def test_repr_is_short(book: OrderBook) -> None:
    assert repr(book) == (
        "OrderBook(bids=3, asks=3, best_bid=100.5, best_ask=101, last_update_id=7)"
    )


# ----------------------------------------------------------------- property-based test
class ReferenceBook:
    """Dict of Decimal price -> (price text, size text), sorted only on read."""

    def __init__(self) -> None:
        self.sides: dict[bool, dict[Decimal, tuple[str, str]]] = {True: {}, False: {}}

    def snapshot(self, bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> None:
        self.sides = {True: {}, False: {}}
        for is_bid, levels in ((True, bids), (False, asks)):
            for price, size in levels:
                self.apply(is_bid, price, size)

    def apply(self, is_bid: bool, price: str, size: str) -> None:
        side = self.sides[is_bid]
        if Decimal(size) == 0:
            side.pop(Decimal(price), None)
        else:
            side.pop(Decimal(price), None)  # a new spelling replaces the key too
            side[Decimal(price)] = (price, size)

    def levels(self, is_bid: bool) -> list[tuple[str, str]]:
        side = self.sides[is_bid]
        return [side[p] for p in sorted(side, reverse=is_bid)]

    def decimal_levels(self, is_bid: bool) -> list[tuple[Decimal, Decimal]]:
        return [(Decimal(p), Decimal(s)) for p, s in self.levels(is_bid)]


def _spellings(value: Decimal) -> list[str]:
    plain = format(value, "f")
    normal = format(value.normalize(), "f")
    return [plain, normal, plain + "0" if "." in plain else plain + ".0"]


prices = st.integers(1, 60).flatmap(
    lambda tick: st.sampled_from(_spellings(Decimal(tick).scaleb(-2)))
)
sizes = st.one_of(
    st.sampled_from(["0", "0.0", "0.00000000"]),
    st.integers(1, 500).flatmap(lambda n: st.sampled_from(_spellings(Decimal(n).scaleb(-1)))),
)
levels_st = st.lists(st.tuples(prices, sizes), max_size=25)
operation = st.one_of(
    st.tuples(st.just("snapshot"), levels_st, levels_st),
    st.tuples(st.just("diffs"), levels_st, levels_st),
    st.tuples(st.just("bid"), prices, sizes),
    st.tuples(st.just("ask"), prices, sizes),
)


def _apply(book: OrderBook, ref: ReferenceBook, op: tuple[object, ...], update_id: int) -> None:
    kind, first, second = op
    if kind in ("snapshot", "diffs"):
        assert isinstance(first, list) and isinstance(second, list)
        if kind == "snapshot":
            book.apply_snapshot(first, second, update_id)
            ref.snapshot(first, second)
        else:
            # the writer production uses (Level2Calibrator feeds it whole messages)
            book.apply_changes(
                [(p, s, update_id) for p, s in first],
                [(p, s, update_id) for p, s in second],
                update_id,
            )
            for price, size in first:
                ref.apply(True, price, size)
            for price, size in second:
                ref.apply(False, price, size)
    else:
        assert isinstance(first, str) and isinstance(second, str)
        (book.apply_bid if kind == "bid" else book.apply_ask)(first, second)
        ref.apply(kind == "bid", first, second)


def _check_queries(book: OrderBook, ref: ReferenceBook, volume: Decimal) -> None:
    for is_buy in (True, False):
        walk = ref.decimal_levels(not is_buy)
        total, worst, cost, remaining = Decimal(0), None, Decimal(0), volume
        for price, size in walk:
            take = min(size, remaining)
            cost += take * price
            remaining -= take
            total += size
            if total >= volume:
                worst = price
                break
        assert book.get_price_for_volume(is_buy, volume) == worst
        assert book.get_vwap_for_volume(is_buy, volume) == (
            cost / volume if worst is not None else None
        )
        if walk:
            limit = walk[len(walk) // 2][0]
            expected = sum(
                (s for p, s in walk if (p <= limit if is_buy else p >= limit)), Decimal(0)
            )
            assert book.get_volume_for_price(is_buy, limit) == expected


@settings(max_examples=150, deadline=None)
@given(ops=st.lists(operation, max_size=30), volume=st.integers(1, 300))
def test_book_matches_reference_model(ops: list[tuple[object, ...]], volume: int) -> None:
    book, ref = OrderBook(), ReferenceBook()
    for update_id, op in enumerate(ops, start=1):
        _apply(book, ref, op, update_id)
        assert text(book.bids()) == ref.levels(True)
        assert text(book.asks()) == ref.levels(False)
        bids, asks = ref.decimal_levels(True), ref.decimal_levels(False)
        assert book.best_bid_level() == (bids[0] if bids else None)
        assert book.best_ask_level() == (asks[0] if asks else None)
        assert book.is_crossed() == bool(bids and asks and bids[0][0] >= asks[0][0])
        assert text(book.bids(3)) == ref.levels(True)[:3]
        if op[0] != "bid" and op[0] != "ask":
            assert book.last_update_id == update_id
    _check_queries(book, ref, Decimal(volume).scaleb(-1))
