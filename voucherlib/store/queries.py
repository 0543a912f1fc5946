"""Read-only questions about stored vouchers: the status queries, bounces, print counts, history.

Reads change nothing and are not audited (only operations on a voucher's lifecycle are).
"""

from __future__ import annotations

from collections.abc import Sequence

from voucherlib.audit import AuditEntry, AuditReport, verify_chain
from voucherlib.errors import ArgumentError, VoucherNotFound
from voucherlib.lifecycle import NOT_FOUND, STATUS_TEXT, DeliveryState, most_urgent, status_code
from voucherlib.store._sql import SqlTx
from voucherlib.store.base import Delivery, Org, Status, Version, Voucher, VoucherKey, VoucherRef


class Queries:
    """Reads over one transaction; `Operations` extends it with the writes."""

    def __init__(self, tx: SqlTx) -> None:
        self.tx = tx

    def voucher(self, key: VoucherKey) -> Voucher | None:
        return self.tx.voucher(key)

    def version(self, key: VoucherKey, version: int | None = None) -> Version | None:
        """One version of a document (the latest by default), bytes and stamps."""
        doc = self.tx.voucher(key)
        if doc is None:
            return None
        return self.tx.version(key, doc.version if version is None else version)

    def versions(self, key: VoucherKey) -> list[Version]:
        doc = self.tx.voucher(key)
        return [self.tx.version(key, n) for n in range(1, doc.version + 1)] if doc else []

    def deliveries(self, key: VoucherKey) -> list[Delivery]:
        return self.tx.deliveries(key)

    def status(
        self, org: Org, refs: Sequence[VoucherRef], *, dest_type: str | None = None, flag: int | None = None
    ) -> list[Status]:
        """The realware status of each of `org`'s documents (voucher first, or only `flag`).

        With `dest_type` it is the delivery to that org type (queryVoucherStatusByOrgType); without,
        the delivery that most needs attention (batchQueryAllVoucherStatus). -1 when `org` owns no
        such document; 13 / 14 when it was never sent there.
        """
        answers = []
        for ref in refs:
            owned = [
                d for d in self.tx.vouchers_of(ref) if d.owner == org and flag in (None, d.key.voucher_flag)
            ]
            if not owned:
                answers.append(Status(ref, NOT_FOUND, STATUS_TEXT[NOT_FOUND]))
                continue
            doc = owned[0]
            sent = [d for d in self.tx.deliveries(doc.key) if dest_type in (None, d.dest.type)]
            codes = {self._code(doc, d): d for d in sent}
            code = most_urgent(codes) if codes else status_code(doc.key.voucher_flag, None)
            text = STATUS_TEXT[code] + ("（已作废）" if doc.discarded else "")
            answers.append(Status(ref, code, text, doc.key, codes[code].dest if codes else None))
        return answers

    def _code(self, doc: Voucher, d: Delivery) -> int:
        back = False
        if doc.key.voucher_flag == 0 and d.state is DeliveryState.SIGNED:
            receipt = self.tx.voucher(doc.key.ref.key(1))
            back = receipt is not None and receipt.owner.receives(d.dest)
            back = back and any(doc.owner.receives(r.dest) for r in self.tx.deliveries(receipt.key))
        return status_code(doc.key.voucher_flag, d.state, receipt_back=back)

    def bounced(self, org: Org, adm_div_code: str, st_year: int, vt_code: str) -> list[Delivery]:
        """Deliveries of `org`'s documents that bounced (batchQueryVoucherNosByBackStatus)."""
        VoucherRef(adm_div_code, st_year, vt_code, "-")  # checks the arguments
        return self.tx.bounced(org, adm_div_code, st_year, vt_code)

    def visible(self, org: Org, ref: VoucherRef) -> Voucher:
        """The document with these numbers that `org` owns, else the one sent to it."""
        docs = self.tx.vouchers_of(ref)
        owned = [d for d in docs if d.owner == org]
        received = [d for d in docs if any(org.receives(x.dest) for x in self.tx.deliveries(d.key))]
        if not owned + received:
            raise VoucherNotFound(ref, detail=f"no such voucher for org {org}")
        return (owned + received)[0]

    def print_count(self, org: Org, ref: VoucherRef) -> int:
        """How often the document was printed (queryVoucherPrintCount)."""
        return self.visible(org, ref).print_count

    def audit_page(self, *, after: int = 0, limit: int = 1000, voucher: str = "") -> list[AuditEntry]:
        """Audit entries after seq `after`, oldest first; `voucher` filters by key text."""
        if not 1 <= limit <= 10_000:
            raise ArgumentError(argument="limit", rule="1..10000", value=limit)
        return self.tx.audit_page(after=after, limit=limit, voucher=voucher)

    def audit_head(self) -> tuple[int, bytes]:
        return self.tx.audit_head()

    def verify_audit(self) -> AuditReport:
        """Recompute the whole chain against the head; memory stays flat however long it is."""
        return verify_chain(self.tx.audit_scan(), self.tx.audit_head())
