"""The parties' books: money accounts that are never overdrawn, and quotas that are never exceeded.

Both are safe to share between threads and coroutines: every check-and-change happens under one
lock, so two payments racing for the last yuan of a quota cannot both pass. A business refusal
is a `Refused` carrying the reason the party writes into returnVoucher or XAddWord.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass
from decimal import Decimal

from mocks.money import ZERO, money, total


class Refused(Exception):
    """A business rule says no (余额不足, 额度不足, ...); `reason` is what goes back on the wire."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Posting:
    """One transfer between two accounts of a ledger."""

    seq: int
    ref: str
    debit: str
    credit: str
    amount: Decimal
    memo: str


class Ledger:
    """Accounts by number; a transfer moves a positive amount and never overdraws the payer."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._balances: dict[str, Decimal] = {}
        self.names: dict[str, str] = {}
        self.postings: list[Posting] = []

    def open(self, number: str, name: str, balance: Decimal = ZERO) -> None:
        with self._lock:
            if number in self._balances:
                raise ValueError(f"account {number} is already open")
            if money(balance) < 0:
                raise ValueError(f"account {number}: an opening balance cannot be negative")
            self._balances[number] = money(balance)
            self.names[number] = name

    def balance(self, number: str) -> Decimal:
        with self._lock:
            return self._balances[number]

    def transfer(self, debit: str, credit: str, amount: Decimal, *, ref: str, memo: str = "") -> Posting:
        """Move `amount` from `debit` to `credit`; Refused if either is unknown or `debit` is short."""
        amount = money(amount)
        if amount <= 0:
            raise ValueError(f"transfer {ref}: amount must be positive, got {amount}")
        with self._lock:
            for number in (debit, credit):
                if number not in self._balances:
                    raise Refused(f"账户不存在 account {number} unknown")
            if self._balances[debit] < amount:
                raise Refused(f"余额不足 account {debit} holds {self._balances[debit]}, needs {amount}")
            self._balances[debit] -= amount
            self._balances[credit] += amount
            posting = Posting(len(self.postings) + 1, ref, debit, credit, amount, memo)
            self.postings.append(posting)
            return posting

    def total(self) -> Decimal:
        """All money in the ledger: constant, since transfers only move it."""
        with self._lock:
            return total(self._balances.values())

    def balances(self) -> dict[str, Decimal]:
        with self._lock:
            return dict(self._balances)


@dataclass
class Quota:
    granted: Decimal = ZERO
    used: Decimal = ZERO

    @property
    def remaining(self) -> Decimal:
        return self.granted - self.used


@dataclass(frozen=True)
class QuotaEntry:
    """One change of a quota: `op` is grant, use or release."""

    ref: str
    key: Hashable
    op: str
    amount: Decimal


class QuotaBook:
    """Quotas by key (e.g. agency x function subject): granted, used, and never used beyond."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.RLock()
        self._quotas: dict[Hashable, Quota] = {}
        self.entries: list[QuotaEntry] = []

    def grant(self, key: Hashable, amount: Decimal, *, ref: str) -> None:
        """Add to (or, negative, take from the unused part of) the quota of `key`."""
        amount = money(amount)
        with self._lock:
            quota = self._quotas.setdefault(key, Quota())
            if quota.remaining + amount < 0:
                raise Refused(f"额度不足 {self.name} {key}: {quota.remaining} unused, cannot take {-amount}")
            quota.granted += amount
            self.entries.append(QuotaEntry(ref, key, "grant", amount))

    def use(self, key: Hashable, amount: Decimal, *, ref: str) -> None:
        """Spend `amount` of the quota of `key`; Refused when it has less left."""
        amount = money(amount)
        if amount <= 0:
            raise ValueError(f"use {ref}: amount must be positive, got {amount}")
        with self._lock:
            quota = self._quotas.get(key)
            if quota is None or quota.remaining < amount:
                left = quota.remaining if quota else ZERO
                raise Refused(f"额度不足 {self.name} {key}: {left} left, needs {amount}")
            quota.used += amount
            self.entries.append(QuotaEntry(ref, key, "use", amount))

    def release(self, key: Hashable, amount: Decimal, *, ref: str) -> None:
        """Give back `amount` of what was used (a refund); never more than was used."""
        amount = money(amount)
        with self._lock:
            quota = self._quotas.get(key)
            if amount <= 0 or quota is None or quota.used < amount:
                used = quota.used if quota else ZERO
                raise Refused(f"退款超额 {self.name} {key}: {used} used, cannot release {amount}")
            quota.used -= amount
            self.entries.append(QuotaEntry(ref, key, "release", amount))

    def get(self, key: Hashable) -> Quota:
        with self._lock:
            quota = self._quotas.get(key, Quota())
            return Quota(quota.granted, quota.used)

    def snapshot(self) -> dict[Hashable, Quota]:
        with self._lock:
            return {key: Quota(q.granted, q.used) for key, q in self._quotas.items()}

    def released(self, ref: str) -> Decimal:
        """What the entries under `ref` gave back."""
        with self._lock:
            return total(e.amount for e in self.entries if e.ref == ref and e.op == "release")
