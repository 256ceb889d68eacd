"""The margin ledger of derivatives: wallets, order margin, position margin, PnL, funding.

Exchange-agnostic. One :class:`MarginWallet` per (user, settlement currency):

    available = balance - order_margin - position_margin

``balance`` is the wallet balance (deposits, realised PnL, fees and funding included);
``order_margin`` is reserved by open orders for the lots they would open
(``value / leverage`` plus the taker fee on the value); ``position_margin`` is posted by
positions. A fill moves the opening part of the order's reservation into position margin,
releases the closing part's position margin and books the realised PnL and the fee.

Every change is reported to ``listener.on_wallet_change`` with a reason, so a front-end
can publish its own wallet messages; funding payments and liquidations are returned to the
caller (the engine) which publishes them. Money is ``Decimal`` throughout; nothing rounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from kucoin_connector.simulator.engine.models import ZERO, EngineError, Reject
from kucoin_connector.simulator.engine.positions import ContractTerms, FillEffect, Position


@dataclass(slots=True)
class MarginWallet:
    user_id: str
    currency: str
    balance: Decimal = ZERO
    order_margin: Decimal = ZERO
    position_margin: Decimal = ZERO

    @property
    def available(self) -> Decimal:
        return self.balance - self.order_margin - self.position_margin


@dataclass(slots=True, frozen=True)
class FundingPayment:
    """One funding settlement of one position: ``amount`` > 0 is paid by the user."""

    user_id: str
    symbol: str
    position: Position
    rate: Decimal
    mark_price: Decimal
    value: Decimal
    amount: Decimal
    time_ms: int


class WalletListener(Protocol):
    def on_wallet_change(self, wallet: MarginWallet, reason: str, time_ms: int) -> None: ...


class MarginLedger:
    """All margin wallets. Pure and synchronous."""

    def __init__(self, listener: WalletListener | None = None) -> None:
        self.listener = listener
        self._wallets: dict[tuple[str, str], MarginWallet] = {}
        self.fees_collected: dict[str, Decimal] = {}
        self.insurance_fund: dict[str, Decimal] = {}

    def wallet(self, user_id: str, currency: str) -> MarginWallet:
        key = (user_id, currency)
        wallet = self._wallets.get(key)
        if wallet is None:
            wallet = self._wallets[key] = MarginWallet(user_id, currency)
        return wallet

    def wallets(self, user_id: str) -> list[MarginWallet]:
        return [w for (uid, _), w in self._wallets.items() if uid == user_id]

    def deposit(self, user_id: str, currency: str, amount: Decimal, now_ms: int) -> None:
        if amount <= 0:
            raise EngineError(Reject.INVALID_PARAMETER, "amount must be positive")
        wallet = self.wallet(user_id, currency)
        wallet.balance += amount
        self._notify(wallet, "deposit", now_ms)

    # ---- orders --------------------------------------------------------------------
    @staticmethod
    def order_cost(
        terms: ContractTerms, lots: Decimal, price: Decimal, leverage: Decimal, taker: Decimal
    ) -> Decimal:
        """Margin an order reserves for ``lots`` opening at ``price``."""
        value = terms.value(lots, price)
        return value / leverage + value * taker

    def reserve(self, wallet: MarginWallet, amount: Decimal, now_ms: int) -> None:
        if amount <= 0:
            return
        if amount > wallet.available:
            raise EngineError(Reject.INSUFFICIENT_FUNDS, "Balance insufficient!")
        wallet.order_margin += amount
        self._notify(wallet, "order_margin", now_ms)

    def release(self, wallet: MarginWallet, amount: Decimal, now_ms: int) -> None:
        amount = min(amount, wallet.order_margin)
        if amount <= 0:
            return
        wallet.order_margin -= amount
        self._notify(wallet, "order_margin", now_ms)

    # ---- fills ---------------------------------------------------------------------
    def settle_fill(
        self,
        wallet: MarginWallet,
        terms: ContractTerms,
        effect: FillEffect,
        price: Decimal,
        fee: Decimal,
        reserved: Decimal,
        now_ms: int,
    ) -> None:
        """Book one fill: ``reserved`` is the order margin the opened lots had reserved
        (released here); the opened lots post ``value / leverage`` as position margin."""
        pos = effect.position
        wallet.order_margin -= min(reserved, wallet.order_margin)
        wallet.position_margin -= effect.margin_released
        posted = terms.value(effect.opened, price) / pos.leverage if effect.opened else ZERO
        pos.margin += posted
        wallet.position_margin += posted
        wallet.balance += effect.pnl - fee
        pos.fees += fee
        self.fees_collected[wallet.currency] = self.fees_collected.get(wallet.currency, ZERO) + fee
        self._notify(wallet, "fill", now_ms)

    # ---- funding and liquidation ---------------------------------------------------
    def settle_funding(
        self,
        terms: ContractTerms,
        positions: list[Position],
        rate: Decimal,
        mark_price: Decimal,
        now_ms: int,
    ) -> list[FundingPayment]:
        """Longs pay shorts ``value * rate`` when the rate is positive (and receive when
        negative). Returns one payment per open position of the contract."""
        payments = []
        for pos in positions:
            if pos.symbol != terms.symbol or not pos.qty:
                continue
            value = terms.value(pos.size, mark_price)
            amount = terms.money(value * rate) * pos.direction
            wallet = self.wallet(pos.user_id, terms.settle_currency)
            wallet.balance -= amount
            pos.funding += amount
            pos.updated_at_ms = now_ms
            self._notify(wallet, "funding", now_ms)
            payments.append(
                FundingPayment(
                    pos.user_id, pos.symbol, pos, rate, mark_price, value, amount, now_ms
                )
            )
        return payments

    def liquidate(
        self, terms: ContractTerms, pos: Position, mark_price: Decimal, now_ms: int
    ) -> Decimal:
        """Close an isolated position whose equity fell to its maintenance margin: the user
        loses the position's margin; what is left of it after the loss at the mark price
        goes to the insurance fund. Returns the loss booked to the wallet."""
        wallet = self.wallet(pos.user_id, terms.settle_currency)
        loss = pos.margin
        left = pos.margin + pos.unrealised_pnl(terms, mark_price)
        currency = terms.settle_currency
        self.insurance_fund[currency] = self.insurance_fund.get(currency, ZERO) + max(left, ZERO)
        wallet.position_margin -= pos.margin
        wallet.balance -= loss
        pos.realised_pnl -= loss
        pos.qty = pos.margin = pos.entry_price = ZERO
        pos.updated_at_ms = now_ms
        self._notify(wallet, "liquidation", now_ms)
        return loss

    @staticmethod
    def below_maintenance(terms: ContractTerms, pos: Position, mark_price: Decimal) -> bool:
        if not pos.qty:
            return False
        equity = pos.margin + pos.unrealised_pnl(terms, mark_price)
        return equity <= terms.value(pos.size, mark_price) * terms.maintenance_margin_rate

    def _notify(self, wallet: MarginWallet, reason: str, now_ms: int) -> None:
        if self.listener is not None:
            self.listener.on_wallet_change(wallet, reason, now_ms)
