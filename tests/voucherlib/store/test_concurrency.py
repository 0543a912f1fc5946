"""Concurrent callers: group commit isolates failures; two stores or processes on one voucher lose nothing."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from voucherlib.errors import VoucherNotFound
from voucherlib.store import VoucherKey, open_store

from .helpers import FINANCE, KEY, PBOC, seal, sent

MANY = tuple(f"p{i}" for i in range(8))


def key(no: int) -> VoucherKey:
    return VoucherKey("330100", 2024, "5207", f"C{no:05d}", 0)


def test_a_failing_unit_does_not_poison_its_batch(store):
    """Units queued behind a blocked writer share one batch; the refused ones fail alone."""
    gate, started = threading.Event(), threading.Event()

    def blocker(ops):
        started.set()
        gate.wait(5)
        return ops.save(FINANCE, key(0), b"<Voucher/>")

    def good(n):
        return store.atomic(lambda ops: ops.save(FINANCE, key(n), b"<Voucher/>")).version

    def bad(n):  # stamps a voucher that does not exist
        return store.atomic(lambda ops: ops.stamp(FINANCE, key(1000 + n), seal("cz_gz")))

    with ThreadPoolExecutor(16) as pool:
        first = pool.submit(store.atomic, blocker)
        started.wait(5)
        goods = [pool.submit(good, n) for n in range(1, 11)]
        bads = [pool.submit(bad, n) for n in range(5)]
        time.sleep(0.2)  # let them queue behind the blocked writer
        gate.set()
        assert first.result().version == 1
        assert [f.result() for f in goods] == [1] * 10
        for f in bads:
            with pytest.raises(VoucherNotFound):
                f.result()
    assert all(store.query(lambda q, n=n: q.voucher(key(n))) for n in range(11))
    report = store.verify_audit()
    assert report.intact and report.checked == 11 + 5  # 11 saves, 5 audited refusals


def test_two_stores_stamping_one_voucher_lose_no_stamp(store):
    store.atomic(lambda ops: ops.save(FINANCE, KEY, b"<Voucher/>", positions=MANY))
    other = open_store(store.url)
    try:
        with ThreadPoolExecutor(8) as pool:
            jobs = [
                pool.submit((store, other)[i % 2].atomic, lambda ops, p=p: ops.stamp(FINANCE, KEY, seal(p)))
                for i, p in enumerate(MANY)
            ]
            outcomes = [job.result() for job in jobs]
    finally:
        other.close()
    assert sorted(o.version for o in outcomes) == list(range(2, 10))
    versions = store.query(lambda q: q.versions(KEY))
    assert [len(v.stamps) for v in versions] == list(range(9))  # each version adds exactly one stamp
    assert versions[-1].stamped == set(MANY)
    assert store.verify_audit().intact


def test_racing_confirms_sign_for_once(store):
    sent(store)
    store.atomic(lambda ops: ops.read(PBOC, "330100", 2024, "5207"))
    other = open_store(store.url)
    try:
        with ThreadPoolExecutor(6) as pool:
            jobs = [
                pool.submit((store, other)[i % 2].atomic, lambda ops: ops.confirm(PBOC, [KEY.ref]))
                for i in range(6)
            ]
            outcomes = [job.result()[0] for job in jobs]
    finally:
        other.close()
    assert sum(not o.noop for o in outcomes) == 1
    assert {o.transition.note for o in outcomes if o.noop} == {"成功签收"}
    entries = store.query(lambda q: q.audit_page(limit=10_000))
    assert [e.status_after for e in entries if e.operation == "confirmVoucher"].count("3") == 6
    assert store.verify_audit().intact


def test_two_stores_creating_one_new_voucher(store):
    """Nothing to lock yet: the loser of the race retries and sees the winner's voucher."""
    other = open_store(store.url)
    try:
        with ThreadPoolExecutor(8) as pool:
            jobs = [
                pool.submit((store, other)[i % 2].atomic, lambda ops: ops.save(FINANCE, KEY, b"<Voucher/>"))
                for i in range(8)
            ]
            outcomes = [job.result() for job in jobs]
    finally:
        other.close()
    assert sum(not o.noop for o in outcomes) == 1 and {o.version for o in outcomes} == {1}
    assert store.verify_audit().intact


STAMPER = """
import sys
from voucherlib.store import open_store, Actor, Org, Stamp, VoucherKey
store = open_store(sys.argv[1])
key = VoucherKey("330100", 2024, "5207", "SB0001", 0)
finance = Actor("fin-cert-01", Org("011"))
for p in sys.argv[2:]:
    store.atomic(lambda ops: ops.stamp(finance, key, Stamp(p, "stamp", "c", p.encode())))
store.close()
"""


def test_two_processes_stamping_one_voucher(store):
    store.atomic(lambda ops: ops.save(FINANCE, KEY, b"<Voucher/>", positions=MANY))
    procs = [
        subprocess.Popen([sys.executable, "-c", STAMPER, store.url, *MANY[half::2]], stderr=subprocess.PIPE)
        for half in (0, 1)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
    versions = store.query(lambda q: q.versions(KEY))
    assert [len(v.stamps) for v in versions] == list(range(9)) and versions[-1].stamped == set(MANY)
    report = store.verify_audit()
    assert report.intact and report.head_seq == 9
