"""Contracts -> pairs both ways (no collision), trading rules, exact lot conversion."""

from __future__ import annotations

from decimal import Decimal

import perp_payloads as doc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kucoin_connector.core.errors import OrderValidationError, ParseError, UnknownTradingPairError
from kucoin_connector.kucoin_perpetual.contracts import ContractBook, ContractSpec
from kucoin_connector.kucoin_perpetual.schemas import Contract, parse_list, parse_model


def _book(*payloads: dict[str, object]) -> ContractBook:
    return ContractBook.from_contracts(parse_list(Contract, list(payloads)))


def test_documented_contract_becomes_exact_rules() -> None:
    spec = ContractSpec.from_contract(parse_model(Contract, doc.CONTRACT_XBTUSDTM))
    assert spec.trading_pair == "BTC-USDT"
    assert spec.contract_size == Decimal("0.001")
    assert spec.tick_size == Decimal("0.1")
    assert spec.max_order_lots == 1_000_000
    assert (spec.maker_fee_rate, spec.taker_fee_rate) == (Decimal("0.0002"), Decimal("0.0006"))
    rule = spec.trading_rule()
    assert rule.min_order_size == Decimal("0.001")
    assert rule.min_base_amount_increment == Decimal("0.001")
    assert rule.max_order_size == Decimal("1000")
    assert rule.min_price_increment == Decimal("0.1")


def test_pairs_map_both_ways_linear_and_inverse() -> None:
    book = _book(doc.CONTRACT_XBTUSDTM, doc.CONTRACT_ETHUSDTM, doc.CONTRACT_XBTUSDM)
    assert book.pair_for_symbol("XBTUSDTM") == "BTC-USDT"
    assert book.pair_for_symbol("ETHUSDTM") == "ETH-USDT"
    assert book.pair_for_symbol("XBTUSDM") == "BTC-USD"
    for symbol in ("XBTUSDTM", "ETHUSDTM", "XBTUSDM"):
        assert book.symbol_for_pair(book.pair_for_symbol(symbol)) == symbol
    inverse = book.spec_for_pair("BTC-USD")
    assert inverse.is_inverse and inverse.contract_size == 1 and inverse.settle_currency == "XBT"


def test_two_perpetuals_claiming_one_pair_fail_loudly() -> None:
    twin = doc.contract_like("BTCUSDTM", baseCurrency="BTC")  # BTC-USDT again
    with pytest.raises(ParseError, match="both map to BTC-USDT"):
        _book(doc.CONTRACT_XBTUSDTM, twin)


def test_a_dated_future_is_not_mapped_and_cannot_collide() -> None:
    dated = doc.contract_like("XBTMH25", type="FFICSX")
    book = _book(doc.CONTRACT_XBTUSDTM, dated)
    assert book.symbols == ["XBTUSDTM"]
    with pytest.raises(UnknownTradingPairError):
        book.pair_for_symbol("XBTMH25")


def test_unmapped_names_fail_loudly() -> None:
    book = _book(doc.CONTRACT_XBTUSDTM)
    with pytest.raises(UnknownTradingPairError):
        book.symbol_for_pair("DOGE-USDT")
    with pytest.raises(UnknownTradingPairError):
        book.pair_for_symbol("DOGEUSDTM")


def test_a_closed_contract_has_no_trading_rule() -> None:
    book = _book(doc.contract_like("XBTUSDTM", status="Paused"))
    assert book.trading_rules() == {}


_SPEC = ContractSpec.from_contract(parse_model(Contract, doc.CONTRACT_XBTUSDTM))
_ETH = ContractSpec.from_contract(parse_model(Contract, doc.CONTRACT_ETHUSDTM))


@given(lots=st.integers(min_value=1, max_value=10**9))
def test_whole_lots_round_trip_exactly(lots: int) -> None:
    for spec in (_SPEC, _ETH):
        assert spec.lots_for(spec.amount_for(lots)) == lots


@given(
    lots=st.integers(min_value=0, max_value=10**6),
    extra=st.decimals(min_value=Decimal("1e-12"), max_value=Decimal("0.000999999"), places=12),
)
def test_an_amount_off_the_lot_grid_is_refused_never_rounded(lots: int, extra: Decimal) -> None:
    amount = _SPEC.amount_for(lots) + extra
    with pytest.raises(OrderValidationError) as caught:
        _SPEC.lots_for(amount)
    assert caught.value.rule == "lot_size"


@pytest.mark.parametrize("amount", [Decimal(0), Decimal(-1), Decimal("NaN"), Decimal("Infinity")])
def test_non_positive_or_non_finite_amounts_are_refused(amount: Decimal) -> None:
    with pytest.raises(OrderValidationError):
        _SPEC.lots_for(amount)


def test_lot_size_above_one_needs_multiples() -> None:
    spec = ContractSpec.from_contract(
        parse_model(Contract, doc.contract_like("XBTUSDTM", lotSize=5))
    )
    assert spec.lots_for(Decimal("0.010")) == 10
    with pytest.raises(OrderValidationError):
        spec.lots_for(Decimal("0.003"))
