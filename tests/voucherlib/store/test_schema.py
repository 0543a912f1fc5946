"""A store made by an older guoku is brought up to the current schema when opened."""

from __future__ import annotations

from voucherlib.store import VoucherKey, open_store
from voucherlib.store.schema import SCHEMA_VERSION

from .helpers import KEY, PBOC, sent

SECOND = VoucherKey("330100", 2024, "5207", "SB0002", 0)


def as_version_1(ops) -> None:
    """What a schema-1 store lacks: deliveries did not count their reads."""
    ops.tx.run("ALTER TABLE deliveries DROP COLUMN read_count")
    ops.tx.run("ALTER TABLE deliveries DROP COLUMN first_read_at")
    ops.tx.run("UPDATE meta SET value='1' WHERE name='schema'")


def test_a_version_1_store_counts_what_was_read_before_it_was_opened(store):
    sent(store)
    sent(store, SECOND)
    store.atomic(lambda ops: ops.read(PBOC, "330100", 2024, "5207", 1))  # the first one only
    store.atomic(as_version_1)
    store.close()
    with open_store(store.url) as reopened:
        found = reopened.query(lambda q: q.tx.run("SELECT value FROM meta WHERE name='schema'").fetchone())
        first, second = (reopened.query(lambda q, k=k: q.deliveries(k))[0] for k in (KEY, SECOND))
        unread = reopened.atomic(
            lambda ops: ops.read(PBOC, "330100", 2024, "5207", 100, operation="readVoucher", unread_only=True)
        )
        assert reopened.verify_audit().intact
    assert found == (SCHEMA_VERSION,)
    assert (first.read_count, second.read_count) == (1, 0) and first.first_read_at == first.updated_at
    assert [d.delivery.key for d in unread] == [SECOND]
