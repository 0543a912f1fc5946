"""PostgreSQL connections the server dropped are replaced, not reported as EVS999 (issue 12).

Killing the server would disturb every other test using it, so the pool's own backends are
terminated (`pg_terminate_backend`, found by a private application_name): to the pool that is
what a server restart looks like. The full restart runs in tests/benchmarks/test_crash.py,
behind GUOKU_PG_RESTART=1.
"""

from __future__ import annotations

import threading
import uuid

import psycopg
import pytest

from tests.voucherlib.conftest import PG_URL, private_schema
from voucherlib.store import VoucherKey, open_store
from voucherlib.store import postgres as pg

from .helpers import FINANCE

pytestmark = pytest.mark.postgres


@pytest.fixture
def named_store():
    """A PostgreSQL store whose connections carry an application_name of their own."""
    name = f"guoku-reconnect-{uuid.uuid4().hex[:12]}"
    with private_schema(f"guoku_rc_{uuid.uuid4().hex[:12]}") as url:
        store = open_store(f"{url}&application_name={name}")
        try:
            yield store, name
        finally:
            store.close()


def terminate(name: str) -> int:
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s", (name,)
        ).fetchall()
    return len(rows)


def save(store, no: str) -> None:
    store.atomic(lambda ops: ops.save(FINANCE, VoucherKey("330100", 2024, "5207", no, 0), b"<Voucher/>"))


def test_dropped_pooled_connections_are_replaced(named_store):
    store, name = named_store
    threads = [threading.Thread(target=save, args=(store, f"R{i}")) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()  # the pool now holds up to four idle connections
    assert terminate(name) >= 1
    save(store, "AFTER")  # on a dead connection before the fix: StoreUnavailable (EVS999)
    count = store.backend.execute(lambda tx: tx.run("SELECT count(*) FROM vouchers").fetchone()[0])
    assert count == 5
    assert store.verify_audit().intact


def test_a_server_that_stays_away_is_reported_after_the_wait(named_store, monkeypatch):
    store, name = named_store
    save(store, "R0")
    monkeypatch.setattr(pg, "RECONNECT_SECONDS", 0.3)
    monkeypatch.setattr(store.backend, "conninfo", store.backend.conninfo.replace(":5432", ":9"))
    terminate(name)
    with pytest.raises(pg.StoreUnavailable, match="cannot connect to PostgreSQL"):
        save(store, "R1")
