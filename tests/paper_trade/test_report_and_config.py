"""Session report arithmetic, balances from text, and the paper connector's config."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kucoin_connector.core.errors import ConfigurationError
from kucoin_connector.core.in_flight_order import TradeFee, TradeUpdate
from kucoin_connector.paper_trade import parse_balances
from kucoin_connector.paper_trade.config import FeeSchedule
from kucoin_connector.paper_trade.report import build_report
from kucoin_connector.paper_trade.spec_config import PaperTradeConfig
from kucoin_connector.registry import get_connector

D = Decimal


def fill(cid: str, ts_ms: int, price: str, amount: str, fee: str, maker: bool) -> TradeUpdate:
    p, a = D(price), D(amount)
    return TradeUpdate(
        f"t{ts_ms}", cid, "x", "BTC-USDT", ts_ms, p, a, p * a, TradeFee("USDT", D(fee)), maker
    )


def test_report_tracks_inventory_fees_and_marked_pnl() -> None:
    fills = [fill("b", 1, "100", "1", "0.1", True), fill("s", 2, "102", "1", "0.2", False)]
    report = build_report(
        "BTC-USDT",
        fills,
        sides={"b": "buy", "s": "sell"},
        start_base=D(0),
        start_quote=D(1000),
        start_mark=D(100),
        final_mark=D(101),
        orders_placed=3,
    )
    assert [(r.base, r.quote) for r in report.rows] == [(D(1), D("899.9")), (D(0), D("1001.7"))]
    assert [r.pnl for r in report.rows] == [D("-0.1"), D("1.7")]
    assert report.final_pnl == D("1.7") and report.fees == D("0.3")
    assert report.maker_share == D("0.5")
    text = report.table()
    assert "2 fills of 3 orders" in text and "final PnL 1.7000" in text
    svg = report.svg_chart()
    assert svg.startswith("<svg") and "polyline" in svg


def test_balances_parse_from_text_and_refuse_nonsense() -> None:
    assert parse_balances("usdt=10000, BTC=0.5") == {"USDT": D(10000), "BTC": D("0.5")}
    for bad in ("USDT", "USDT=-1", "=3", "BTC=NaN"):
        with pytest.raises((ValueError, ArithmeticError)):
            parse_balances(bad)


def test_paper_connector_needs_no_keys_and_takes_its_settings_from_config() -> None:
    spec = get_connector("kucoin_paper_trade")
    assert spec.key_prompts == ()
    config = spec.make_config(
        {"balances": "USDT=500", "maker_fee_rate": "0.0002", "latency_ms": "30"}
    )
    assert isinstance(config, PaperTradeConfig)
    settings = config.settings(FeeSchedule(D("0.001"), D("0.001")))
    assert settings.balances == {"USDT": D(500)}
    assert settings.fees == FeeSchedule(D("0.0002"), D("0.001"))
    assert settings.latency is not None and settings.latency.entry_ms == 15.0
    with pytest.raises(ConfigurationError):
        spec.make_config({"balances": {"USDT": "-5"}})
    with pytest.raises(ConfigurationError):
        spec.make_config({"base_url": "http://example.com"})
