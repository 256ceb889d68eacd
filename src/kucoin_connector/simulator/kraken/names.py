"""Kraken's names for the engine's assets and pairs.

The engine trades ``BASE-QUOTE`` symbols with plain currency codes (``BTC-USD``). Kraken
names the legacy assets with an X (crypto) or Z (fiat) prefix and calls bitcoin XBT:
asset ``XXBT`` (altname ``XBT``), ``ZUSD``; pair ``XXBTZUSD`` (altname ``XBTUSD``, v1
wsname ``XBT/USD``); WebSocket v2 writes ``BTC/USD``.
"""

from __future__ import annotations

from dataclasses import dataclass

ALTNAMES = {"BTC": "XBT", "DOGE": "XDG"}
LEGACY_CRYPTO = ("XBT", "ETH", "LTC", "XRP", "XDG", "XLM", "ETC", "ZEC", "XMR", "REP", "MLN")
LEGACY_FIAT = ("USD", "EUR", "GBP", "JPY", "CAD")


def asset_altname(currency: str) -> str:
    """``BTC`` -> ``XBT``; most codes are their own altname."""
    return ALTNAMES.get(currency, currency)


def asset_name(currency: str) -> str:
    """Kraken's asset key: ``BTC`` -> ``XXBT``, ``USD`` -> ``ZUSD``, ``SOL`` -> ``SOL``."""
    alt = asset_altname(currency)
    if alt in LEGACY_CRYPTO:
        return "X" + alt
    if alt in LEGACY_FIAT:
        return "Z" + alt
    return alt


def _is_legacy(currency: str) -> bool:
    return asset_name(currency) != asset_altname(currency)


@dataclass(frozen=True)
class PairNames:
    """Every name of one pair."""

    symbol: str  # the engine's, BTC-USD
    base: str  # engine currency, BTC
    quote: str  # engine currency, USD
    name: str  # XXBTZUSD
    altname: str  # XBTUSD
    wsname: str  # XBT/USD (v1 and AssetPairs)
    ws2: str  # BTC/USD (WebSocket v2)

    @classmethod
    def of(cls, symbol: str) -> PairNames:
        base, _, quote = symbol.partition("-")
        altname = asset_altname(base) + asset_altname(quote)
        legacy = _is_legacy(base) and _is_legacy(quote)
        name = asset_name(base) + asset_name(quote) if legacy else altname
        wsname = f"{asset_altname(base)}/{asset_altname(quote)}"
        return cls(symbol, base, quote, name, altname, wsname, f"{base}/{quote}")


class PairDirectory:
    """Resolves any of a pair's names (and asset names) to the engine's symbol."""

    def __init__(self, symbols: list[str]) -> None:
        self.pairs = [PairNames.of(s) for s in symbols]
        self._by_any: dict[str, PairNames] = {}
        for pair in self.pairs:
            for alias in (pair.symbol, pair.name, pair.altname, pair.wsname, pair.ws2):
                self._by_any[alias.upper()] = pair
        self._assets: dict[str, str] = {}
        for pair in self.pairs:
            for currency in (pair.base, pair.quote):
                for alias in (currency, asset_name(currency), asset_altname(currency)):
                    self._assets[alias.upper()] = currency

    def find(self, any_name: str) -> PairNames | None:
        return self._by_any.get(any_name.strip().upper())

    def by_symbol(self, symbol: str) -> PairNames:
        return self._by_any[symbol.upper()]

    def currency(self, any_asset: str) -> str | None:
        """The engine currency for ``XXBT`` / ``XBT`` / ``BTC``."""
        return self._assets.get(any_asset.strip().upper())

    def currencies(self) -> list[str]:
        return sorted(set(self._assets.values()))
