"""The frame of one unit of work: who is calling, what it may touch, and its audit entries.

Methods queue audit entries as they go; `finish()` chains them under the locked chain head, last
in the transaction, so writers lock voucher rows (in key order) before the head and cannot
deadlock on it.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from voucherlib.audit import AuditEntry, canonical_detail
from voucherlib.errors import PermissionDenied, VoucherlibError, VoucherNotFound
from voucherlib.lifecycle import DOC_TABLE, DocState, Refuse, Transition, doc_state
from voucherlib.store._sql import SqlTx
from voucherlib.store.base import Actor, Delivery, Org, Outcome, Voucher, VoucherKey, VoucherRef
from voucherlib.store.queries import Queries


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class UnitOfWork(Queries):
    """Reads plus the bookkeeping every write shares. `calls` records (actor, operation) as they
    start, so a refused call can be audited after its transaction rolled back."""

    def __init__(self, tx: SqlTx, calls: list | None = None) -> None:
        super().__init__(tx)
        self.calls = [] if calls is None else calls
        self._pending: list[AuditEntry] = []

    def refused(self, actor: Actor, operation: str, error: VoucherlibError) -> None:
        """Audit a refused call (its effects were rolled back)."""
        t = Transition(getattr(error, "event", operation), getattr(error, "state", ""), "refused")
        self._log(actor, operation, error.voucher, None, t, {"fault": error.fault_string()})

    def finish(self) -> None:
        """Chain the queued audit entries under the locked head (called last in the transaction)."""
        if not self._pending:
            return
        seq, digest = self.tx.audit_head(lock=True)
        chained = []
        for n, entry in enumerate(self._pending, start=seq + 1):
            chained.append(dataclasses.replace(entry, seq=n).chained(digest))
            digest = chained[-1].hash
        self.tx.append_audit(chained)
        self._pending.clear()

    def _begin(self, actor: Actor, operation: str) -> None:
        self.calls.append((actor, operation))

    def _owned(self, actor: Actor, ref: VoucherRef, event_of) -> Voucher:
        """The caller's document with these numbers; where it owns both, the one `event_of` may act on."""
        docs = self.tx.vouchers_of(ref, lock=True)
        mine = [d for d in docs if d.owner == actor.org]
        if not docs:
            raise VoucherNotFound(ref)
        if not mine:
            raise PermissionDenied(ref, org=actor.org, owner=docs[0].owner)
        if len(mine) > 1:  # a voucher and its receipt: the one the event may act on (its deliveries decide)
            mine.sort(key=lambda d: isinstance(DOC_TABLE[(event_of(d), self._state(d))], Refuse))
        return mine[0]

    def _mine(self, actor: Actor, doc: Voucher | None, key: VoucherKey, *, allow_absent: bool = False):
        if doc is None and not allow_absent:
            raise VoucherNotFound(key)
        if doc is not None and doc.owner != actor.org:
            raise PermissionDenied(key, org=actor.org, owner=doc.owner)
        return doc

    def _state(self, doc: Voucher | None, deliveries: list[Delivery] | None = None):
        if doc is None:
            return doc_state(exists=False, discarded=False, deliveries=())
        deliveries = self.tx.deliveries(doc.key) if deliveries is None else deliveries
        current = (d.state for d in deliveries if d.version >= doc.body_version)  # older bytes: superseded
        return doc_state(exists=True, discarded=doc.discarded, deliveries=current)

    def _facts(self, doc: Voucher | None) -> tuple[DocState, list[Delivery]]:
        deliveries = self.tx.deliveries(doc.key) if doc else []
        return self._state(doc, deliveries), deliveries

    def _put(self, doc: Voucher | None, key: VoucherKey, owner: Org, positions, **changes) -> Voucher:
        at = utc_now()
        base = doc or Voucher(key, owner, positions, 0, 0, False, 0, at, at)
        new = dataclasses.replace(base, owner=owner, positions=positions, updated_at=at, **changes)
        self.tx.put_voucher(new)
        return new

    def _done(
        self, actor, operation, before: DocState, t: Transition, detail, doc: Voucher, deliveries
    ) -> Outcome:
        """Audit a document event with the derived states (the table's `after` is only nominal)."""
        after = before if t.noop else self._state(doc, deliveries)
        t = dataclasses.replace(t, before=before.value, after=after.value)
        self._log(actor, operation, doc.key, doc.version, t, detail)
        return Outcome(doc.key, t, doc.version)

    def _log(self, actor: Actor, operation: str, voucher, version, t: Transition, detail: dict) -> None:
        detail = detail | ({"note": t.note} if t.note else {})
        entry = AuditEntry(
            0,
            utc_now(),
            actor.cert_id,
            str(actor.org),
            operation,
            str(voucher or ""),
            version,
            t.before,
            t.after,
            canonical_detail(detail),
        )
        self._pending.append(entry)
