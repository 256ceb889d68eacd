"""Default symbol rules and starting prices for the simulator's pairs."""

from __future__ import annotations

from decimal import Decimal

from .models import SymbolSpec

KNOWN_PRICES = {
    "BTC": Decimal("30000"),
    "ETH": Decimal("2000"),
    "SOL": Decimal("100"),
    "KCS": Decimal("10"),
    "XRP": Decimal("0.5"),
    "DOGE": Decimal("0.1"),
}
STABLES = ("USDT", "USDC", "USD")


def initial_price(symbol: str) -> Decimal:
    base, _, quote = symbol.partition("-")
    base_usd = Decimal(1) if base in STABLES else KNOWN_PRICES.get(base, Decimal("1"))
    quote_usd = Decimal(1) if quote in STABLES else KNOWN_PRICES.get(quote, Decimal("1"))
    return (base_usd / quote_usd).quantize(Decimal("0.00000001")).normalize()


def _pow10(exponent: int) -> Decimal:
    return Decimal(1).scaleb(exponent)


def default_spec(symbol: str) -> SymbolSpec:
    """Rules in KuCoin's style, scaled to the starting price (about 6 significant digits)."""
    base, sep, quote = symbol.partition("-")
    if not sep or not base or not quote:
        raise ValueError(f"bad symbol {symbol!r}: expected BASE-QUOTE")
    price = initial_price(symbol)
    magnitude = price.adjusted()
    price_inc = _pow10(magnitude - 5)
    base_inc = _pow10(-8)
    stable = quote in STABLES
    min_funds = Decimal("0.1") if stable else _pow10(-6)
    return SymbolSpec(
        symbol=symbol,
        base_currency=base,
        quote_currency=quote,
        base_min_size=_pow10(max(-8, -magnitude - 1)),
        quote_min_size=min_funds,
        base_max_size=Decimal("10000000000"),
        quote_max_size=Decimal("99999999"),
        base_increment=base_inc,
        quote_increment=min(price_inc, _pow10(-6)),
        price_increment=price_inc,
        market="USDS" if stable else quote,
        min_funds=min_funds,
    )
