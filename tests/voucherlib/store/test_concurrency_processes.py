"""Two OS processes writing one voucher at once, as two `guoku serve` on one PostgreSQL database.

Each process keeps new bytes carrying a different stamp (ITFE's signStampByNos with two library
instances sharing the load). The test holds the voucher's row lock while both start, and lets go
only once both wait for it: a process that decided 'new bytes' or 'add a stamp' on a read taken
before the lock then re-saves the bytes without the other's stamp, every time. `Operations.keep`
decides under the lock, so the second process sees the first one's version and only adds its stamp.
"""

from __future__ import annotations

import subprocess
import sys
import time

import psycopg
import pytest

from voucherlib.store import VoucherKey
from voucherlib.store.postgres import split_url

from .helpers import FINANCE, POSITIONS

COUNT = 5
OLD, NEW = b"<Voucher>1</Voucher>", b"<Voucher>2</Voucher>"
KEEPER = """
import sys
from voucherlib.store import open_store, Actor, Org, Stamp, VoucherKey
url, position, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = open_store(url)
finance = Actor("fin-cert-01", Org("011"))
stamp = Stamp(position, "stamp", "c", position.encode())
for n in range(count):
    key = VoucherKey("330100", 2024, "5207", f"K{n:04d}", 0)
    print("ready", flush=True)
    sys.stdin.readline()
    store.atomic(lambda ops: ops.keep(finance, key, b"<Voucher>2</Voucher>", positions=("cz_gz", "cz_sz"),
                                      stamps=[stamp]))
store.close()
"""


# backends waiting for this one's lock, directly or behind one that does (a row lock's queue)
WAITING = """
WITH w AS (SELECT pid, pg_blocking_pids(pid) AS by FROM pg_stat_activity)
SELECT count(*) FROM w WHERE pg_backend_pid() = ANY(w.by)
    OR EXISTS (SELECT 1 FROM w AS first WHERE first.pid = ANY(w.by) AND pg_backend_pid() = ANY(first.by))
"""


def key(n: int) -> VoucherKey:
    return VoucherKey("330100", 2024, "5207", f"K{n:04d}", 0)


def hold_until_both_wait(conn: psycopg.Connection, schema: str, n: int, procs) -> None:
    """Lock voucher n, start both processes, and commit once both are blocked on that lock."""
    with conn.transaction():
        conn.execute(f"SELECT 1 FROM {schema}.vouchers WHERE voucher_no=%s FOR UPDATE", (key(n).voucher_no,))
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            waiting = conn.execute(WAITING).fetchone()[0]
            if waiting == len(procs):
                return
            time.sleep(0.01)
        pytest.fail(f"the processes did not both wait for voucher {n}'s lock")


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_two_processes_keeping_new_bytes_lose_no_stamp(store):
    for n in range(COUNT):
        store.atomic(lambda ops, n=n: ops.save(FINANCE, key(n), OLD, positions=POSITIONS))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", KEEPER, store.url, position, str(COUNT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for position in POSITIONS
    ]
    conninfo, schema = split_url(store.url)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for n in range(COUNT):
            for proc in procs:
                assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
            hold_until_both_wait(conn, schema, n, procs)
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    for n in range(COUNT):
        versions = store.query(lambda q, n=n: q.versions(key(n)))
        assert [v.body for v in versions] == [OLD, NEW, NEW], key(n)  # one save, then one stamp
        assert versions[-1].stamped == set(POSITIONS), key(n)
    report = store.verify_audit()
    assert report.intact and report.head_seq == 3 * COUNT
