"""Kraken pairs: names both ways, and ``AssetPairs`` -> trading rules.

Kraken writes one pair four ways: the REST key (``XXBTZUSD``), the ``altname``
(``XBTUSD``), the WS v1 ``wsname`` (``XBT/USD``) and the WS v2 symbol (``BTC/USD``, with
Kraken's legacy asset codes ``XBT``/``XDG`` replaced by ``BTC``/``DOGE``). This library
names it ``BTC-USD``. :class:`PairMap` keeps a bidict from the trading pair to the REST key
plus look-ups from every other spelling; an unknown name raises
:class:`~kucoin_connector.core.errors.UnknownTradingPairError` (never a guess).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bidict import bidict
from pydantic import BaseModel, ConfigDict, ValidationError

from kucoin_connector.core.errors import ParseError, UnknownTradingPairError
from kucoin_connector.core.types import TradingRule

__all__ = ["KrakenPair", "PairMap", "normalize_asset", "parse_asset_pairs", "trading_rule"]

# Kraken's legacy codes that WS v2 (and everyone else) writes differently.
_LEGACY_ASSETS = {"XBT": "BTC", "XDG": "DOGE"}


def normalize_asset(code: str) -> str:
    """A WS-style asset code (``XBT``, ``USD``, ``DOGE``) in this library's spelling."""
    return _LEGACY_ASSETS.get(code, code)


class _AssetPairModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    altname: str
    wsname: str | None = None
    base: str
    quote: str
    pair_decimals: int
    lot_decimals: int
    cost_decimals: int | None = None
    ordermin: Decimal | None = None
    costmin: Decimal | None = None
    tick_size: Decimal | None = None
    status: str = "online"


@dataclass(frozen=True, slots=True)
class KrakenPair:
    """One pair as Kraken describes it, with this library's name."""

    trading_pair: str  # BTC-USD
    rest_name: str  # XXBTZUSD
    altname: str  # XBTUSD
    wsname: str  # XBT/USD (WS v1)
    ws_symbol: str  # BTC/USD (WS v2)
    base_asset: str  # Kraken's code, e.g. XXBT
    quote_asset: str  # ZUSD
    price_increment: Decimal
    lot_increment: Decimal
    ordermin: Decimal
    costmin: Decimal
    status: str

    @property
    def is_online(self) -> bool:
        return self.status == "online"


def _pair_from(rest_name: str, model: _AssetPairModel) -> KrakenPair:
    wsname = model.wsname or f"{model.base}/{model.quote}"
    ws_base, slash, ws_quote = wsname.partition("/")
    if not slash:
        raise ParseError(f"AssetPairs {rest_name}: wsname {wsname!r} is not BASE/QUOTE")
    base, quote = normalize_asset(ws_base), normalize_asset(ws_quote)
    # tick_size when Kraken gives it (newer API); pair_decimals otherwise
    tick = model.tick_size or Decimal(1).scaleb(-model.pair_decimals)
    return KrakenPair(
        trading_pair=f"{base}-{quote}",
        rest_name=rest_name,
        altname=model.altname,
        wsname=wsname,
        ws_symbol=f"{base}/{quote}",
        base_asset=model.base,
        quote_asset=model.quote,
        price_increment=tick,
        lot_increment=Decimal(1).scaleb(-model.lot_decimals),
        ordermin=model.ordermin or Decimal(0),
        costmin=model.costmin or Decimal(0),
        status=model.status,
    )


def parse_asset_pairs(result: Any) -> list[KrakenPair]:
    """The ``result`` of ``/0/public/AssetPairs``; dark-pool (``.d``) pairs are left out."""
    if not isinstance(result, Mapping):
        raise ParseError("AssetPairs result is not an object")
    pairs = []
    for rest_name, raw in result.items():
        if str(rest_name).endswith(".d"):
            continue
        try:
            model = _AssetPairModel.model_validate(raw)
        except ValidationError as exc:
            raise ParseError(f"AssetPairs {rest_name}: {exc.error_count()} bad fields") from None
        pairs.append(_pair_from(str(rest_name), model))
    return pairs


def trading_rule(pair: KrakenPair) -> TradingRule:
    return TradingRule(
        trading_pair=pair.trading_pair,
        min_order_size=pair.ordermin,
        min_price_increment=pair.price_increment,
        min_base_amount_increment=pair.lot_increment,
        min_quote_amount_increment=pair.price_increment,
        min_notional_size=pair.costmin,
    )


class PairMap:
    """Every spelling of every known pair, both ways; loud on anything unknown."""

    def __init__(self, pairs: Iterable[KrakenPair]) -> None:
        self._by_trading_pair: dict[str, KrakenPair] = {}
        self._rest_names: bidict[str, str] = bidict()
        self._aliases: dict[str, str] = {}
        self._assets: dict[str, str] = {}  # Kraken's REST asset code -> this library's
        for pair in pairs:
            if pair.trading_pair in self._by_trading_pair:
                raise ParseError(f"two Kraken pairs map to {pair.trading_pair}")
            self._by_trading_pair[pair.trading_pair] = pair
            self._rest_names[pair.trading_pair] = pair.rest_name
            for alias in (pair.altname, pair.wsname, pair.ws_symbol):
                self._aliases.setdefault(alias, pair.trading_pair)
            base, _, quote = pair.trading_pair.partition("-")
            self._assets.setdefault(pair.base_asset, base)
            self._assets.setdefault(pair.quote_asset, quote)

    def __contains__(self, trading_pair: object) -> bool:
        return trading_pair in self._by_trading_pair

    def pair(self, trading_pair: str) -> KrakenPair:
        found = self._by_trading_pair.get(trading_pair)
        if found is None:
            raise UnknownTradingPairError(trading_pair)
        return found

    def rest_name(self, trading_pair: str) -> str:
        return self.pair(trading_pair).rest_name

    def ws_symbol(self, trading_pair: str) -> str:
        return self.pair(trading_pair).ws_symbol

    def trading_pair(self, kraken_name: str) -> str:
        """From any Kraken spelling (REST key, altname, wsname, WS v2 symbol)."""
        found = self._rest_names.inverse.get(kraken_name) or self._aliases.get(kraken_name)
        if found is None:
            raise UnknownTradingPairError(kraken_name)
        return found

    def asset(self, kraken_code: str) -> str:
        """A REST asset code (``XXBT``, ``ZUSD``, ``DOT``) in this library's spelling;
        a code no pair uses (e.g. a staking variant ``DOT.S``) keeps Kraken's spelling."""
        known = self._assets.get(kraken_code)
        return known if known is not None else normalize_asset(kraken_code)

    def pairs(self) -> list[KrakenPair]:
        return list(self._by_trading_pair.values())
