"""Contracts -> trading rules, the pair mapping, and exact base-amount <-> lot conversion.

Futures sizes are whole contracts (lots). A contract is ``|multiplier|`` of the base
currency (``XBTUSDTM``: 0.001 BTC); inverse contracts (``XBTUSDM``) carry a negative
multiplier and are worth ``|multiplier|`` of the quote currency (1 USD), so their amounts
are in quote units. The user speaks amounts; :meth:`ContractSpec.lots_for` converts them
to whole lots exactly, and an amount that is not a whole number of lots is an
``OrderValidationError`` (never rounded).

Trading pairs are ``BASE-QUOTE`` with KuCoin's ``XBT`` read as ``BTC``: ``XBTUSDTM`` is
``BTC-USDT``, ``ETHUSDTM`` ``ETH-USDT``, the inverse ``XBTUSDM`` ``BTC-USD``. Only
perpetual contracts (type ``FFWCSX``) are mapped; two perpetuals claiming one pair make
the whole mapping fail (``ParseError``), as does asking for an unmapped name
(``UnknownTradingPairError``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

from bidict import bidict

from kucoin_connector.core.errors import OrderValidationError, ParseError, UnknownTradingPairError
from kucoin_connector.core.types import TradingRule

from .schemas import Contract

__all__ = [
    "PERPETUAL_TYPE",
    "ContractBook",
    "ContractSpec",
    "pair_for_contract",
]

PERPETUAL_TYPE = "FFWCSX"
OPEN_STATUS = "Open"
_CURRENCY_ALIASES: Mapping[str, str] = MappingProxyType({"XBT": "BTC"})


def _currency(code: str) -> str:
    return _CURRENCY_ALIASES.get(code, code)


def pair_for_contract(contract: Contract) -> str:
    """The familiar trading pair of a contract: ``XBTUSDTM`` -> ``BTC-USDT``."""
    return f"{_currency(contract.base_currency)}-{_currency(contract.quote_currency)}"


@dataclass(frozen=True, slots=True)
class ContractSpec:
    """What the connector needs of one contract, amounts exact."""

    symbol: str
    trading_pair: str
    contract_size: Decimal  # |multiplier|: amount units per lot
    lot_size: int  # sizes are multiples of this many contracts
    tick_size: Decimal
    max_order_lots: int
    settle_currency: str
    is_inverse: bool
    is_open: bool
    maker_fee_rate: Decimal
    taker_fee_rate: Decimal

    @classmethod
    def from_contract(cls, contract: Contract) -> ContractSpec:
        lot_size = contract.lot_size
        if lot_size <= 0 or lot_size != lot_size.to_integral_value():
            raise ParseError(f"{contract.symbol}: lot size must be a positive whole number")
        if contract.multiplier == 0 or contract.tick_size <= 0:
            raise ParseError(f"{contract.symbol}: multiplier and tick size must be non-zero")
        return cls(
            symbol=contract.symbol,
            trading_pair=pair_for_contract(contract),
            contract_size=abs(contract.multiplier),
            lot_size=int(lot_size),
            tick_size=contract.tick_size,
            max_order_lots=int(contract.max_order_qty),
            settle_currency=contract.settle_currency,
            is_inverse=contract.is_inverse,
            is_open=contract.status == OPEN_STATUS,
            maker_fee_rate=contract.maker_fee_rate,
            taker_fee_rate=contract.taker_fee_rate,
        )

    @property
    def amount_increment(self) -> Decimal:
        return self.contract_size * self.lot_size

    def lots_for(self, amount: Decimal) -> int:
        """Whole contracts for ``amount``; OrderValidationError when it is not exact."""
        if not amount.is_finite() or amount <= 0:
            raise OrderValidationError(
                f"{self.trading_pair}: amount must be positive, got {amount}", rule="amount"
            )
        try:
            lots, remainder = divmod(amount, self.contract_size)
        except InvalidOperation:
            raise OrderValidationError(
                f"{self.trading_pair}: amount {amount} is out of range", rule="lot_size"
            ) from None
        if remainder != 0 or int(lots) % self.lot_size != 0:
            raise OrderValidationError(
                f"{self.trading_pair}: amount {amount} is not a whole number of lots of "
                f"{self.amount_increment}",
                rule="lot_size",
            )
        return int(lots)

    def amount_for(self, lots: int) -> Decimal:
        """The amount of ``lots`` contracts (signed lots give a signed amount)."""
        return self.contract_size * lots

    def trading_rule(self) -> TradingRule:
        return TradingRule(
            trading_pair=self.trading_pair,
            min_order_size=self.amount_increment,
            max_order_size=self.contract_size * self.max_order_lots,
            min_price_increment=self.tick_size,
            min_base_amount_increment=self.amount_increment,
        )


class ContractBook:
    """Every mapped perpetual contract, by exchange symbol and by trading pair."""

    def __init__(self, specs: Iterable[ContractSpec] = ()) -> None:
        self._pairs: bidict[str, str] = bidict()  # symbol -> trading pair
        self._specs: dict[str, ContractSpec] = {}
        for spec in specs:
            self._add(spec)

    @classmethod
    def from_contracts(cls, contracts: Iterable[Contract]) -> ContractBook:
        """Map the perpetuals; ParseError when two of them claim the same trading pair."""
        return cls(ContractSpec.from_contract(c) for c in contracts if c.type == PERPETUAL_TYPE)

    def _add(self, spec: ContractSpec) -> None:
        if spec.symbol in self._pairs:
            raise ParseError(f"contract {spec.symbol} is listed twice")
        if spec.trading_pair in self._pairs.inverse:
            other = self._pairs.inverse[spec.trading_pair]
            raise ParseError(f"contracts {other} and {spec.symbol} both map to {spec.trading_pair}")
        self._pairs[spec.symbol] = spec.trading_pair
        self._specs[spec.symbol] = spec

    def __len__(self) -> int:
        return len(self._specs)

    @property
    def symbols(self) -> list[str]:
        return list(self._specs)

    def pair_for_symbol(self, symbol: str) -> str:
        try:
            return self._pairs[symbol]
        except KeyError:
            raise UnknownTradingPairError(symbol) from None

    def symbol_for_pair(self, trading_pair: str) -> str:
        try:
            return self._pairs.inverse[trading_pair]
        except KeyError:
            raise UnknownTradingPairError(trading_pair) from None

    def spec_for_pair(self, trading_pair: str) -> ContractSpec:
        return self._specs[self.symbol_for_pair(trading_pair)]

    def spec_for_symbol(self, symbol: str) -> ContractSpec:
        try:
            return self._specs[symbol]
        except KeyError:
            raise UnknownTradingPairError(symbol) from None

    def trading_rules(self) -> dict[str, TradingRule]:
        return {s.trading_pair: s.trading_rule() for s in self._specs.values() if s.is_open}
