"""Simulated user accounts: balances, holds, ledgers, inner transfers and deposits.

One ``Account`` per (user, currency, account type); ``available = balance - holds``.
Every change is reported to ``listener.on_balance_change`` (a ``BalanceListener``) and
every balance change (not a pure hold change) appends a ``LedgerEntry``.
Fees collected by the exchange are kept in ``fees_collected`` so that, per currency,
deposits == sum of user balances + fees collected (withdrawals aside).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from kucoin_connector.simulator.engine.models import (
    ACCOUNT_TYPES,
    ZERO,
    Account,
    BalanceChange,
    ClockMs,
    EngineError,
    HoldEntry,
    IdFactory,
    LedgerEntry,
    Reject,
    SequentialIds,
)


class BalanceListener(Protocol):
    def on_balance_change(self, change: BalanceChange) -> None: ...


def _event_prefix(account_type: str) -> str:
    return "main" if account_type == "main" else "trade"


class Accounts:
    """All simulated accounts. Pure and synchronous."""

    def __init__(
        self,
        *,
        clock_ms: ClockMs,
        id_factory: IdFactory | None = None,
        listener: BalanceListener | None = None,
    ) -> None:
        self._clock_ms = clock_ms
        self._ids: IdFactory = (
            id_factory if id_factory is not None else SequentialIds(0x5B0000000000000000000000)
        )
        self.listener = listener
        self._accounts: dict[tuple[str, str, str], Account] = {}
        self._by_id: dict[str, Account] = {}
        self._ledgers: dict[str, list[LedgerEntry]] = {}  # user -> entries (oldest first)
        self.fees_collected: dict[str, Decimal] = {}
        self.deposited: dict[str, Decimal] = {}

    # ---- lookups -------------------------------------------------------------------
    def account(self, user_id: str, currency: str, account_type: str) -> Account:
        """The account, created empty on first use. EngineError 400100 on a bad type."""
        key = (user_id, currency, account_type)
        acc = self._accounts.get(key)
        if acc is None:
            if account_type not in ACCOUNT_TYPES:
                raise EngineError(Reject.INVALID_PARAMETER, f"invalid account type: {account_type}")
            acc = Account(self._ids(), user_id, currency, account_type)
            self._accounts[key] = acc
            self._by_id[acc.id] = acc
        return acc

    def find(self, user_id: str, currency: str, account_type: str) -> Account | None:
        """The account if it exists (no creation)."""
        return self._accounts.get((user_id, currency, account_type))

    def account_by_id(self, user_id: str, account_id: str) -> Account:
        """EngineError 400100 when unknown or another user's."""
        acc = self._by_id.get(account_id)
        if acc is None or acc.user_id != user_id:
            raise EngineError(Reject.INVALID_PARAMETER, "account not exist")
        return acc

    def list_accounts(
        self, user_id: str, currency: str | None = None, account_type: str | None = None
    ) -> list[Account]:
        return [
            acc
            for (uid, cur, typ), acc in self._accounts.items()
            if uid == user_id
            and (currency is None or cur == currency)
            and (account_type is None or typ == account_type)
        ]

    def holds(self, user_id: str, account_id: str) -> list[HoldEntry]:
        acc = self.account_by_id(user_id, account_id)
        return [
            HoldEntry(acc.currency, amount, "Exchange", order_id)
            for order_id, amount in acc.order_holds.items()
        ]

    def ledgers(
        self,
        user_id: str,
        *,
        currency: str | None = None,
        account_type: str | None = None,
        biz_type: str | None = None,
        direction: str | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
    ) -> list[LedgerEntry]:
        """Newest first."""
        return [
            e
            for e in reversed(self._ledgers.get(user_id, ()))
            if (currency is None or e.currency == currency)
            and (account_type is None or e.account_type == account_type)
            and (biz_type is None or e.biz_type == biz_type)
            and (direction is None or e.direction == direction)
            and (start_ms is None or e.created_at_ms >= start_ms)
            and (end_ms is None or e.created_at_ms <= end_ms)
        ]

    def total_balance(self, currency: str) -> Decimal:
        """Sum of every user's balance in that currency (all account types)."""
        return sum((a.balance for a in self._accounts.values() if a.currency == currency), ZERO)

    def users(self) -> list[str]:
        return sorted({uid for uid, _, _ in self._accounts})

    # ---- admin and user operations -------------------------------------------------
    def deposit(
        self, user_id: str, currency: str, amount: Decimal, account_type: str = "main"
    ) -> LedgerEntry:
        """Credit ``amount`` (admin helper for seeding); relation event "<type>.deposit"."""
        if amount <= 0:
            raise EngineError(Reject.INVALID_PARAMETER, "amount must be positive")
        acc = self.account(user_id, currency, account_type)
        dep_id = self._ids()
        self.deposited[currency] = self.deposited.get(currency, ZERO) + amount
        entry = self._credit(acc, amount, ZERO, "Deposit", {"orderId": dep_id})
        self._notify(acc, amount, ZERO, f"{_event_prefix(account_type)}.deposit", dep_id)
        return entry

    def inner_transfer(
        self,
        user_id: str,
        currency: str,
        from_type: str,
        to_type: str,
        amount: Decimal,
    ) -> str:
        """Move available funds between two account types of a user; returns the
        transfer order id. 400100 on bad types/amount, 200004 when not enough available."""
        if from_type not in ACCOUNT_TYPES or to_type not in ACCOUNT_TYPES:
            raise EngineError(Reject.INVALID_PARAMETER, "invalid account type")
        if from_type == to_type:
            raise EngineError(Reject.INVALID_PARAMETER, "payer and receiver accounts are the same")
        if amount <= 0:
            raise EngineError(Reject.INVALID_PARAMETER, "amount must be positive")
        src = self.account(user_id, currency, from_type)
        if src.available < amount:
            raise EngineError(Reject.INSUFFICIENT_FUNDS, "Balance insufficient!")
        dst = self.account(user_id, currency, to_type)
        transfer_id = self._ids()
        ctx = {"orderId": transfer_id}
        self._debit(src, amount, ZERO, "Transfer", ctx)
        self._notify(src, -amount, ZERO, f"{_event_prefix(from_type)}.transfer", transfer_id)
        self._credit(dst, amount, ZERO, "Transfer", ctx)
        self._notify(dst, amount, ZERO, f"{_event_prefix(to_type)}.transfer", transfer_id)
        return transfer_id

    # ---- engine operations ---------------------------------------------------------
    def hold(self, acc: Account, amount: Decimal, order_id: str) -> None:
        """Put ``amount`` on hold for an order (caller checked ``available``)."""
        if amount <= 0:
            return
        acc.holds += amount
        holds = acc.order_holds
        holds[order_id] = holds.get(order_id, ZERO) + amount
        self._notify(acc, -amount, amount, "trade.hold", order_id)

    def release(self, acc: Account, amount: Decimal, order_id: str) -> None:
        """Release ``amount`` of an order's hold back to available."""
        if amount <= 0:
            return
        acc.holds -= amount
        self._reduce_order_hold(acc, order_id, amount)
        self._notify(acc, amount, -amount, "trade.hold", order_id)

    def settle_out(
        self, acc: Account, amount: Decimal, fee: Decimal, held: Decimal, context: dict[str, str]
    ) -> None:
        """A fill takes ``amount`` (fee included) out of the account, ``held`` of which was
        on hold for ``context['orderId']`` (the rest comes from available)."""
        order_id = context["orderId"]
        if held > 0:
            acc.holds -= held
            self._reduce_order_hold(acc, order_id, held)
        self._debit(acc, amount, fee, "Exchange", context)
        self._notify(acc, held - amount, -held, "trade.setted", order_id)

    def settle_in(
        self, acc: Account, amount: Decimal, fee: Decimal, context: dict[str, str]
    ) -> None:
        """A fill credits ``amount`` (net of ``fee``, which the exchange collected)."""
        self._credit(acc, amount, fee, "Exchange", context)
        self._notify(acc, amount, ZERO, "trade.setted", context["orderId"])

    def collect_fee(self, currency: str, fee: Decimal) -> None:
        if fee:
            self.fees_collected[currency] = self.fees_collected.get(currency, ZERO) + fee

    # ---- internals -----------------------------------------------------------------
    def _reduce_order_hold(self, acc: Account, order_id: str, amount: Decimal) -> None:
        holds = acc.order_holds
        left = holds.get(order_id, ZERO) - amount
        if left > 0:
            holds[order_id] = left
        else:
            holds.pop(order_id, None)

    def _credit(
        self, acc: Account, amount: Decimal, fee: Decimal, biz: str, ctx: dict[str, str]
    ) -> LedgerEntry:
        acc.balance += amount
        return self._ledger(acc, amount, fee, biz, "in", ctx)

    def _debit(
        self, acc: Account, amount: Decimal, fee: Decimal, biz: str, ctx: dict[str, str]
    ) -> LedgerEntry:
        acc.balance -= amount
        return self._ledger(acc, amount, fee, biz, "out", ctx)

    def _ledger(
        self,
        acc: Account,
        amount: Decimal,
        fee: Decimal,
        biz: str,
        direction: str,
        ctx: dict[str, str],
    ) -> LedgerEntry:
        entry = LedgerEntry(
            self._ids(),
            acc.user_id,
            acc.id,
            acc.type,
            acc.currency,
            amount,
            fee,
            acc.balance,
            biz,
            direction,
            self._clock_ms(),
            ctx,
        )
        entries = self._ledgers.get(acc.user_id)
        if entries is None:
            entries = self._ledgers[acc.user_id] = []
        entries.append(entry)
        return entry

    def _notify(
        self,
        acc: Account,
        available_change: Decimal,
        hold_change: Decimal,
        event: str,
        event_id: str,
    ) -> None:
        listener = self.listener
        if listener is None:
            return
        listener.on_balance_change(
            BalanceChange(
                acc.user_id,
                acc.id,
                acc.currency,
                acc.type,
                acc.balance,
                acc.balance - acc.holds,
                acc.holds,
                available_change,
                hold_change,
                event,
                event_id,
                self._clock_ms(),
            )
        )
