"""The simulator's default perpetual contracts and how KuCoin Futures describes them.

Linear USDT-margined perpetuals only (value = lots * multiplier * price). Symbols and
terms follow ``GET /api/v1/contracts/active`` (KuCoin calls bitcoin ``XBT`` there).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..engine.models import SymbolSpec
from ..engine.positions import ContractTerms

FUNDING_INTERVAL_MS = 8 * 3600 * 1000


@dataclass(frozen=True, slots=True)
class ContractDef:
    symbol: str
    base: str
    quote: str
    multiplier: Decimal
    tick_size: Decimal
    initial_price: Decimal
    lot_size: Decimal = Decimal(1)
    max_order_qty: Decimal = Decimal(1_000_000)
    max_leverage: Decimal = Decimal(100)
    maintenance_margin_rate: Decimal = Decimal("0.004")
    initial_margin_rate: Decimal = Decimal("0.01")
    funding_rate: Decimal = Decimal("0.0001")

    @property
    def settle(self) -> str:
        return self.quote

    def spec(self) -> SymbolSpec:
        """The matching engine's view: sizes in lots, prices in ticks, no minimum funds."""
        return SymbolSpec(
            symbol=self.symbol,
            base_currency=self.base,
            quote_currency=self.quote,
            base_min_size=self.lot_size,
            quote_min_size=Decimal(0),
            base_max_size=self.max_order_qty,
            quote_max_size=Decimal(10) ** 12,
            base_increment=self.lot_size,
            quote_increment=self.tick_size,
            price_increment=self.tick_size,
            min_funds=Decimal(0),
            multiplier=self.multiplier,
        )

    def terms(self) -> ContractTerms:
        return ContractTerms(
            self.symbol,
            self.settle,
            self.multiplier,
            self.maintenance_margin_rate,
            self.max_leverage,
        )


DEFAULT_CONTRACTS: dict[str, ContractDef] = {
    c.symbol: c
    for c in (
        ContractDef("XBTUSDTM", "XBT", "USDT", Decimal("0.001"), Decimal("0.1"), Decimal(60000)),
        ContractDef("ETHUSDTM", "ETH", "USDT", Decimal("0.01"), Decimal("0.01"), Decimal(3000)),
        ContractDef("SOLUSDTM", "SOL", "USDT", Decimal("0.1"), Decimal("0.001"), Decimal(150)),
    )
}


def contract_payload(
    c: ContractDef,
    *,
    maker_fee: Decimal,
    taker_fee: Decimal,
    mark_price: Decimal,
    last_price: Decimal | None,
    funding_rate: Decimal,
    next_funding_ms: int,
    now_ms: int,
) -> dict[str, Any]:
    """One item of ``/api/v1/contracts/active`` (numbers as JSON numbers, as KuCoin)."""
    return {
        "symbol": c.symbol,
        "rootSymbol": c.quote,
        "type": "FFWCSX",
        "firstOpenDate": 1_585_555_200_000,
        "expireDate": None,
        "settleDate": None,
        "baseCurrency": c.base,
        "quoteCurrency": c.quote,
        "settleCurrency": c.settle,
        "maxOrderQty": int(c.max_order_qty),
        "maxPrice": 1_000_000.0,
        "lotSize": int(c.lot_size),
        "tickSize": float(c.tick_size),
        "indexPriceTickSize": float(c.tick_size),
        "multiplier": float(c.multiplier),
        "initialMargin": float(c.initial_margin_rate),
        "maintainMargin": float(c.maintenance_margin_rate),
        "maxRiskLimit": 100_000,
        "minRiskLimit": 100_000,
        "riskStep": 50_000,
        "makerFeeRate": float(maker_fee),
        "takerFeeRate": float(taker_fee),
        "takerFixFee": 0.0,
        "makerFixFee": 0.0,
        "settlementFee": None,
        "isDeleverage": True,
        "isQuanto": False,
        "isInverse": False,
        "markMethod": "FairPrice",
        "fairMethod": "FundingRate",
        "fundingBaseSymbol": f".{c.base}INT8H",
        "fundingQuoteSymbol": f".{c.quote}INT8H",
        "fundingRateSymbol": f".{c.symbol}FPI8H",
        "indexSymbol": f".K{c.base}{c.quote}",
        "settlementSymbol": "",
        "status": "Open",
        "fundingFeeRate": float(funding_rate),
        "predictedFundingFeeRate": float(funding_rate),
        "fundingRateGranularity": FUNDING_INTERVAL_MS,
        "openInterest": "0",
        "turnoverOf24h": 0.0,
        "volumeOf24h": 0.0,
        "markPrice": float(mark_price),
        "indexPrice": float(mark_price),
        "lastTradePrice": float(last_price if last_price is not None else mark_price),
        "nextFundingRateTime": max(next_funding_ms - now_ms, 0),
        "maxLeverage": int(c.max_leverage),
        "sourceExchanges": ["kucoin"],
        "premiumsSymbol1M": f".{c.symbol}PI",
        "premiumsSymbol8H": f".{c.symbol}PI8H",
        "fundingBaseSymbol1M": f".{c.base}INT",
        "fundingQuoteSymbol1M": f".{c.quote}INT",
        "lowPrice": 0.0,
        "highPrice": 0.0,
        "priceChgPct": 0.0,
        "priceChg": 0.0,
        "k": 490.0,
        "m": 300.0,
        "f": 1.3,
        "mmrLimit": 0.3,
        "mmrLevConstant": 100.0,
        "supportCross": True,
        "buyLimit": float(mark_price * Decimal("1.1")),
        "sellLimit": float(mark_price * Decimal("0.9")),
    }
