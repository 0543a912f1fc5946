"""Acknowledged means durable: settings, a writer killed with SIGKILL, and flat memory."""

from __future__ import annotations

import gc
import os
import signal
import sqlite3
import subprocess
import sys
import tracemalloc

import psycopg
import pytest

from voucherlib.store import VoucherKey, open_store

from .helpers import FINANCE

WRITER = """
import sys, threading
from voucherlib.store import open_store, Actor, Org, VoucherKey
store = open_store(sys.argv[1])
finance = Actor("fin-cert-01", Org("011"))
lock = threading.Lock()
def work(t):
    for i in range(100_000):
        key = VoucherKey("330100", 2024, "5207", f"K{t}-{i}", 0)
        store.atomic(lambda ops: ops.save(finance, key, b"<Voucher/>"))
        with lock:  # one whole line per ack, flushed before the next call
            print("ack", key.voucher_no, flush=True)
for t in range(8):
    threading.Thread(target=work, args=(t,)).start()
"""


def test_durable_settings(store):
    if store.url.startswith("sqlite"):
        assert store.atomic(lambda ops: ops.tx.run("PRAGMA journal_mode").fetchone()[0]) == "wal"
        assert store.atomic(lambda ops: ops.tx.run("PRAGMA synchronous").fetchone()[0]) == 2  # FULL
    else:
        assert store.atomic(lambda ops: ops.tx.run("SHOW synchronous_commit").fetchone()[0]) == "on"


def test_a_database_error_at_commit_keeps_nothing_and_the_store_goes_on(store):
    """On PostgreSQL the bad INSERT is only queued (pipeline mode): its error shows at a later wait."""
    key = VoucherKey("330100", 2024, "5207", "E0001", 0)

    def save_then_break(ops):
        ops.save(FINANCE, key, b"<Voucher/>")
        ops.tx.run("INSERT INTO audit_head (id, seq, hash) VALUES (2, 0, ?)", (b"x",))  # CHECK (id = 1)

    for _ in range(3):  # a connection spoiled by the error must not be handed out again
        with pytest.raises((psycopg.IntegrityError, sqlite3.IntegrityError)):
            store.atomic(save_then_break)
    assert store.query(lambda q: q.voucher(key)) is None
    assert store.atomic(lambda ops: ops.save(FINANCE, key, b"<Voucher/>")).version == 1
    assert store.verify_audit().head_seq == 1


def test_sigkill_after_acknowledged_commits_loses_nothing(store):
    url = store.url
    store.close()  # the child is the only writer
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    acked = []
    try:
        for line in child.stdout:
            acked.append(line.split()[1])
            if len(acked) >= 150:
                os.kill(child.pid, signal.SIGKILL)  # mid-flight: other threads are committing
                break
        acked += [line.split()[1] for line in child.stdout if line.startswith("ack ")]
    finally:
        child.kill()
        child.wait(10)
    assert child.returncode == -signal.SIGKILL, child.stderr.read()
    with open_store(url) as reopened:
        found = reopened.query(
            lambda q: [no for no in acked if q.voucher(VoucherKey("330100", 2024, "5207", no, 0)) is not None]
        )
        report = reopened.verify_audit()
    assert found == acked
    assert report.intact and report.head_seq >= len(acked)


def test_memory_stays_flat_with_vouchers_served(store):
    def serve(first: int, count: int) -> None:
        for n in range(first, first + count):
            key = VoucherKey("330100", 2024, "5207", f"M{n:06d}", 0)
            store.atomic(lambda ops, k=key: ops.save(FINANCE, k, b"<Voucher/>" * 20))
            store.query(lambda q, k=key: q.status(FINANCE.org, [k.ref]))

    serve(0, 100)  # warm up connections, statement caches and the writer thread
    tracemalloc.start()
    try:
        gc.collect()  # count what is kept, not garbage waiting for the cycle collector
        before = tracemalloc.take_snapshot()
        serve(100, 600)
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert grown < 128 * 1024, f"memory grew by {grown} bytes over 600 vouchers"
