"""What must hold after every run, checked from the parties' own books and the journal.

Each check is a `Verdict` of facts (never an exception): its name, whether it held (None when
it could not be checked, e.g. the audit trail of a vendor's library), and every failure found.
The checks cross the parties on purpose: a bank's payments against the clearing the PBoC
receipted, a payee bank's refunds against the quota the bank gave back, the settlement ledger's
total against the morning's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mocks.agent_bank import AgentBank
from mocks.books import QuotaBook
from mocks.finance import Finance
from mocks.journal import PENDING
from mocks.money import ZERO, money, total
from mocks.pboc import Pboc
from mocks.province import BANK_FUNDS
from mocks.world import World


@dataclass(frozen=True)
class Verdict:
    name: str
    ok: bool | None  # None: not checked
    detail: str
    failures: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail, "failures": list(self.failures)}


def _verdict(name: str, failures: list[str], detail: str) -> Verdict:
    return Verdict(name, not failures, detail, tuple(failures))


def _systems(world: World, kind: type) -> list:
    return [s for s in world.parties.values() if isinstance(s, kind)]


def money_conserved(world: World) -> Verdict:
    now = world.ledger.total()
    failures = (
        [f"ledger holds {now}, the day began with {world.opening_total}"]
        if now != world.opening_total
        else []
    )
    failures += [f"account {n} is overdrawn: {b}" for n, b in world.ledger.balances().items() if b < 0]
    return _verdict("money conserved", failures, f"{now} in {len(world.ledger.balances())} accounts")


def within_quota(world: World) -> Verdict:
    """In every quota book (banks, treasuries, finance), per agency and subject: used ≤ granted."""
    books: list[QuotaBook] = [s.quotas for s in _systems(world, AgentBank) + _systems(world, Pboc)]
    books += [book for f in _systems(world, Finance) for book in (f.indicators, f.plans)]
    failures, keys = [], 0
    for book in books:
        for key, quota in book.snapshot().items():
            keys += 1
            if quota.used > quota.granted:
                failures.append(f"{book.name} {key}: used {quota.used} > granted {quota.granted}")
    return _verdict("paid within quota", failures, f"{keys} agency x subject quotas in {len(books)} books")


def _cleared_by_pboc(world: World, bank_no: str) -> Decimal:
    receipts = [
        r for p in _systems(world, Pboc) for (vt, _), r in p.receipts.items() if vt in ("2301", "2302")
    ]
    return total(
        money(r.header["XPayAmt"])
        for r in receipts
        if r.header.get("PayBankNo") == bank_no and r.header.get("XPayAmt")
    )


def cleared_equals_paid(world: World) -> Verdict:
    """Per bank: net payments = what the PBoC's receipts cleared, and the reserve is whole again."""
    failures, lines = [], []
    for bank in _systems(world, AgentBank):
        paid = total(p.amount - p.refunded for p in bank.payments.values())
        cleared = _cleared_by_pboc(world, bank.bank.bank_no)
        reserve = world.ledger.balance(bank.bank.settlement)
        lines.append(f"{bank.handle} paid {paid} cleared {cleared}")
        if paid != cleared:
            failures.append(f"{bank.handle}: paid {paid} (net of refunds) but the PBoC cleared {cleared}")
        if reserve != BANK_FUNDS:
            failures.append(f"{bank.handle}: reserve {reserve}, expected it whole again at {BANK_FUNDS}")
    return _verdict("cleared = paid per bank", failures, "; ".join(lines))


def refunds_restore(world: World) -> Verdict:
    """Every refund gives back exactly what came back: quota at the bank, indicator at finance."""
    failures, count = [], 0
    for bank in _systems(world, AgentBank):
        by_payment: dict[str, Decimal] = {}
        for refund in bank.refunds:
            count += 1
            by_payment[refund.payment.ref] = by_payment.get(refund.payment.ref, ZERO) + refund.amount
            if not refund.done:
                failures.append(f"{bank.handle}: refund of {refund.payment.ref} never gave its quota back")
        for ref, amount in by_payment.items():
            back = bank.quotas.released(f"{ref}/refund")
            if back != amount:
                failures.append(f"{bank.handle}: {ref} came back {amount}, quota restored {back}")
    for finance in _systems(world, Finance):
        for (vt_code, no), amount in finance.refunded.items():
            if vt_code in ("3210", "3251"):
                continue  # revenue refunds book no indicator
            count += 1
            back = sum((b.released(f"{vt_code}/{no}") for b in (finance.indicators, finance.plans)), ZERO)
            if vt_code == "3208" and back != amount:
                failures.append(f"{finance.handle}: 3208 {no} returned {amount}, indicator restored {back}")
    returned = [p for p in world.ledger.postings if p.ref.endswith("/back")]
    for posting in returned:
        original = [p for p in world.ledger.postings if p.ref == posting.ref.removesuffix("/back")]
        if not original or original[0].amount != posting.amount or original[0].debit != posting.credit:
            failures.append(f"{posting.ref}: {posting.amount} back does not mirror the payment")
    return _verdict("refunds restore exactly", failures, f"{count} refunds, {len(returned)} returns of money")


def every_voucher_ended(world: World) -> Verdict:
    records = list(world.journal.records.values())
    pending = [
        f"{r.flow} {r.vt_code} {r.voucher_no} ({r.adm_div_code}) from {r.sender}"
        for r in records
        if r.outcome == PENDING
    ]
    return _verdict(
        "every voucher ended", pending, f"{len(records)} vouchers: receipt, return or recorded failure"
    )


def processed_once(world: World) -> Verdict:
    """No payment posted twice, no voucher handled twice by one party (re-reads are skipped, counted)."""
    refs = Counter(p.ref for p in world.ledger.postings)
    failures = [f"money moved {n} times for {ref}" for ref, n in refs.items() if n > 1]
    paid = Counter((m.msg_no, m.ref) for m in world.tips.messages if m.ok and m.amount)
    failures += [f"TCBS executed {msg} {ref} {n} times" for (msg, ref), n in paid.items() if n > 1]
    skipped = sum(n - 1 for n in world.journal.processed.values() if n > 1)
    return _verdict(
        "no voucher processed twice", failures, f"{len(refs)} payments; {skipped} repeated reads skipped"
    )


def reconciliation_agrees(world: World) -> Verdict:
    checks = world.journal.checks
    failures = [f"{who} {vt} {no}: {reason}" for who, vt, no, result, reason in checks if result != 0]
    return _verdict("reconciliation 相符", failures, f"{len(checks)} statements and lists checked")


def no_party_errors(world: World) -> Verdict:
    problems = world.journal.problems
    return _verdict("no party errors", list(problems), f"{len(problems)} problems")


def check_world(world: World, *, audit: tuple[bool | None, str] = (None, "not checked")) -> list[Verdict]:
    """Every invariant; `audit` is the caller's verdict on the library's audit trail (ok, detail)."""
    return [
        money_conserved(world),
        within_quota(world),
        cleared_equals_paid(world),
        refunds_restore(world),
        every_voucher_ended(world),
        processed_once(world),
        reconciliation_agrees(world),
        no_party_errors(world),
        Verdict("audit trail verifies", audit[0], audit[1]),
    ]
