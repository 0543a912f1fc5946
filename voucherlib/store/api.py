"""`Store`: the voucher library's storage, one transaction per call, over SQLite or PostgreSQL.

A service operation is `store.atomic(lambda ops: ops.confirm(actor, refs))`: everything the
function does commits together with its audit entries, or not at all. Several operations may be
composed in one function (stamp then send). Reads are `store.query(lambda q: q.status(...))`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from voucherlib.audit import AuditReport
from voucherlib.errors import ArgumentError, LifecycleError, PermissionDenied, VoucherNotFound
from voucherlib.store.base import Backend
from voucherlib.store.operations import Operations
from voucherlib.store.queries import Queries

T = TypeVar("T")
REFUSALS = (ArgumentError, VoucherNotFound, PermissionDenied, LifecycleError)


class Store:
    """Write units go through `atomic`, reads through `query`; both are safe from many threads."""

    def __init__(self, backend: Backend, url: str) -> None:
        self.backend, self.url = backend, url

    def atomic(self, work: Callable[[Operations], T]) -> T:
        """Run `work(ops)` as one durable transaction; a refused call is rolled back and audited."""
        calls: list = []

        def unit(tx) -> T:
            ops = Operations(tx, calls)
            result = work(ops)
            ops.finish()
            return result

        try:
            return self.backend.execute(unit)
        except REFUSALS as exc:
            if calls:
                actor, operation = calls[-1]
                refusal = exc
                self.backend.execute(lambda tx: _audit_refusal(tx, actor, operation, refusal))
            raise

    def query(self, work: Callable[[Queries], T]) -> T:
        """Run `work(q)` on a consistent read-only snapshot."""
        return self.backend.execute(lambda tx: work(Queries(tx)), write=False)

    def verify_audit(self) -> AuditReport:
        return self.query(lambda q: q.verify_audit())

    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _audit_refusal(tx, actor, operation: str, error) -> None:
    ops = Operations(tx)
    ops.refused(actor, operation, error)
    ops.finish()
