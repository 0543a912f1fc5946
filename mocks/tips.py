"""A stand-in for TIPS/TCBS (and the interbank network behind it): where money actually moves.

The PBoC sends CFX messages (5101 实拨, 5102/5103 quota registration, 5104 direct payment through
the agent bank, 2201/2202 clearing, 1104 revenue refund, reference §9); here each one waits the
configured latency, then either moves money between accounts of the settlement `Ledger` or
fails. Failures come from three places: a seeded draw against `failure_rate` (TCBS处理失败, the
same voucher always draws the same), a payee account that is closed (销户), and the payer's
balance. A credit to a `bouncing` account succeeds and then comes back (退汇) as a `Returned`
notice to the payer's account, which is how a treasury learns to write a 3210.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from mocks.books import Ledger, Refused
from mocks.money import ZERO, money


@dataclass(frozen=True)
class TipsConfig:
    latency: float = 0.0  # seconds each CFX message takes
    failure_rate: float = 0.0  # share of money messages TCBS refuses, 0..1
    seed: int = 0
    closed_accounts: frozenset[str] = field(default_factory=frozenset)
    bouncing_accounts: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not 0 <= self.failure_rate <= 1:
            raise ValueError(f"failure_rate must be within 0..1, got {self.failure_rate}")
        if self.latency < 0:
            raise ValueError(f"latency must not be negative, got {self.latency}")


@dataclass(frozen=True)
class TipsResult:
    """What TCBS answers: on failure `amount` is 0.00 and `reason` says why (XAddWord)."""

    ok: bool
    amount: Decimal
    business_no: str
    date: str
    reason: str = ""


@dataclass(frozen=True)
class Returned:
    """Money a payee's bank sent back (退汇/退款) to `account`, naming the original payment."""

    ref: str
    amount: Decimal
    account: str
    business_no: str
    reason: str


@dataclass(frozen=True)
class Message:
    msg_no: str
    ref: str
    ok: bool
    amount: Decimal


Executor = Callable[[], TipsResult]


class Tips:
    """TIPS/TCBS over one settlement ledger; `business_date` stamps every result."""

    def __init__(self, ledger: Ledger, config: TipsConfig, *, business_date: dt.date) -> None:
        self.ledger, self.config = ledger, config
        self.date = f"{business_date:%Y%m%d}"
        self._lock = threading.Lock()
        self._serial = 0
        self._returned: dict[str, list[Returned]] = {}
        self.messages: list[Message] = []

    def _business_no(self, msg_no: str) -> str:
        with self._lock:
            self._serial += 1
            return f"T{msg_no}{self.date[2:]}{self._serial:06d}"

    def _draws_failure(self, msg_no: str, ref: str) -> bool:
        rate = self.config.failure_rate
        return rate > 0 and random.Random(f"{self.config.seed}:{msg_no}:{ref}").random() < rate

    def _result(self, msg_no: str, ref: str, ok: bool, amount: Decimal, reason: str = "") -> TipsResult:
        self.messages.append(Message(msg_no, ref, ok, amount if ok else ZERO))
        return TipsResult(ok, amount if ok else ZERO, self._business_no(msg_no), self.date, reason)

    async def register(self, msg_no: str, *, ref: str) -> TipsResult:
        """A message that moves no money (5102/5103 quota registration): it only takes time."""
        await asyncio.sleep(self.config.latency)
        return self._result(msg_no, ref, True, ZERO)

    async def pay(self, msg_no: str, debit: str, credit: str, amount: Decimal, *, ref: str) -> TipsResult:
        """Move `amount` from `debit` to `credit`, or fail without moving anything."""
        amount = money(amount)
        await asyncio.sleep(self.config.latency)
        if self._draws_failure(msg_no, ref):
            return self._result(msg_no, ref, False, amount, "TCBS处理失败")
        if credit in self.config.closed_accounts:
            return self._result(msg_no, ref, False, amount, "收款账户已销户")
        try:
            self.ledger.transfer(debit, credit, amount, ref=ref, memo=f"CFX {msg_no}")
        except Refused as exc:
            return self._result(msg_no, ref, False, amount, exc.reason[:40])
        result = self._result(msg_no, ref, True, amount)
        if credit in self.config.bouncing_accounts:
            self.send_back(ref, credit, debit, amount, reason="收款行退汇")
        return result

    async def instruct(self, msg_no: str, executor: Executor, *, ref: str) -> TipsResult:
        """Hand a payment to the bank that executes it (5104): the bank's books decide."""
        await asyncio.sleep(self.config.latency)
        if self._draws_failure(msg_no, ref):
            return self._result(msg_no, ref, False, ZERO, "TCBS处理失败")
        outcome = executor()
        self.messages.append(Message(msg_no, ref, outcome.ok, outcome.amount))
        if outcome.business_no:
            return outcome
        return dataclasses.replace(outcome, business_no=self._business_no(msg_no))  # a refusal has none

    def send_back(self, ref: str, payee: str, payer: str, amount: Decimal, *, reason: str) -> Returned:
        """A payee's bank returns `amount` of payment `ref` to the payer's account, with a notice."""
        self.ledger.transfer(payee, payer, amount, ref=f"{ref}/back", memo=reason)
        notice = Returned(ref, money(amount), payer, self._business_no("3146"), reason)
        with self._lock:
            self._returned.setdefault(payer, []).append(notice)
        return notice

    def returned(self, account: str) -> list[Returned]:
        """Take the notices of money that came back to `account` since the last call."""
        with self._lock:
            return self._returned.pop(account, [])
