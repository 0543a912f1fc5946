"""The journal of a business day: every voucher a party sent, how it ended, and who processed what.

Parties write to it as they work; the invariants and the report read it. A sent voucher ends
`receipt` (the peer's receipt came back), `failed` (a receipt reporting a failed payment, or a
send the library refused) or `returned` (退回); until then it is `pending`. Processing is
recorded per party, so a voucher handled twice (read again after a crash, or by two workers of
one bank) is caught rather than paid twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

PENDING, RECEIPT, FAILED, RETURNED = "pending", "receipt", "failed", "returned"
OUTCOMES = (RECEIPT, RETURNED, FAILED, PENDING)


@dataclass
class Record:
    """One voucher a party sent (VoucherFlag 0) and its fate."""

    flow: str
    vt_code: str
    adm_div_code: str
    voucher_no: str
    sender: str  # party handle
    to: tuple[str, ...]  # org types it was sent to
    amount: Decimal
    outcome: str = PENDING
    detail: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.adm_div_code, self.vt_code, self.voucher_no)


@dataclass(frozen=True)
class Answer:
    """A receipt (VoucherFlag 1) a party wrote and sent: to the sender, and full-signs copies."""

    adm_div_code: str
    vt_code: str
    voucher_no: str
    by: str  # party handle
    to: tuple[str, ...]
    failed: bool


Listener = Callable[[str], None]


class Journal:
    """Shared by every party of a run; safe across threads and coroutines."""

    def __init__(self, listener: Listener | None = None) -> None:
        self._lock = threading.Lock()
        self.records: dict[tuple[str, str, str], Record] = {}
        self.processed: dict[tuple[str, str, str, str], int] = {}
        self.problems: list[str] = []
        self.traffic: dict[tuple[str, str, str], int] = {}  # (AdmDivCode, VtCode, dest org type) -> sends
        self.reasons: dict[tuple[str, str, str], str] = {}  # why a receiver returned a voucher
        self.checks: list[tuple[str, str, str, int, str]] = []  # reconciliation: who, VtCode, no, result, why
        self.answers: list[Answer] = []
        self._listener = listener

    def say(self, message: str) -> None:
        """A progress line (the demo prints them)."""
        if self._listener:
            self._listener(message)

    def sent(self, record: Record) -> None:
        with self._lock:
            if record.key in self.records:
                self.problems.append(f"{record.vt_code} {record.voucher_no} sent twice by {record.sender}")
            self.records[record.key] = record

    def sending(self, adm_div_code: str, vt_code: str, dest: str) -> None:
        """Count a document sent to `dest`: parties read a VtCode only when something was sent to them."""
        with self._lock:
            key = (adm_div_code, vt_code, dest)
            self.traffic[key] = self.traffic.get(key, 0) + 1

    def returning(self, adm_div_code: str, vt_code: str, voucher_no: str, who: str, reason: str) -> None:
        """A receiver's note of why it returns a voucher (the library's status says only 已退回)."""
        with self._lock:
            self.reasons[(adm_div_code, vt_code, voucher_no)] = f"{who}: {reason}"

    def answered(self, answer: Answer) -> None:
        with self._lock:
            self.answers.append(answer)

    def checked(self, party: str, vt_code: str, voucher_no: str, result: int, reason: str) -> None:
        """A reconciliation answer: XCheckResult 0 (相符) or 1 (不符)."""
        with self._lock:
            self.checks.append((party, vt_code, voucher_no, result, reason))

    def mark(self, adm_div_code: str, vt_code: str, dest: str) -> int:
        with self._lock:
            return self.traffic.get((adm_div_code, vt_code, dest), 0)

    def record(self, adm_div_code: str, vt_code: str, voucher_no: str) -> Record | None:
        with self._lock:
            return self.records.get((adm_div_code, vt_code, voucher_no))

    def settle(
        self,
        adm_div_code: str,
        vt_code: str,
        voucher_no: str,
        outcome: str,
        detail: str = "",
        *,
        by: str = "",
    ) -> None:
        """The fate of a sent voucher, told by its sender (`by`, when given, must be the sender).

        The first final outcome sticks; a different later one is noted as a problem.
        """
        with self._lock:
            record = self.records.get((adm_div_code, vt_code, voucher_no))
            if record is None or (by and record.sender != by):
                return  # another party's voucher, or one of another run (a library keeps old ones)
            if record.outcome == PENDING:
                reason = self.reasons.get(record.key, "") if outcome == RETURNED else ""
                record.outcome, record.detail = outcome, reason or detail
            elif record.outcome != outcome:
                self.problems.append(
                    f"{vt_code} {voucher_no}: {outcome} after it already ended {record.outcome}"
                )

    def claim(self, party: str, adm_div_code: str, vt_code: str, voucher_no: str) -> bool:
        """True the first time `party` processes this voucher; later claims count as duplicates."""
        key = (party, adm_div_code, vt_code, voucher_no)
        with self._lock:
            self.processed[key] = self.processed.get(key, 0) + 1
            return self.processed[key] == 1

    def outstanding(self, sender: str) -> list[Record]:
        with self._lock:
            return [r for r in self.records.values() if r.sender == sender and r.outcome == PENDING]

    def by_flow(self) -> dict[str, list[Record]]:
        with self._lock:
            flows: dict[str, list[Record]] = {}
            for record in self.records.values():
                flows.setdefault(record.flow, []).append(record)
            return flows
