"""Store write throughput, as ratios to a bare durable `INSERT` + commit loop in the same run.

Covers: Store.atomic(save) on SQLite (WAL, synchronous=FULL) with and without group commit, with
1 and 16 concurrent callers; optionally PostgreSQL (synchronous_commit on) with --postgres URL.
Scenario: each call saves a new voucher (4 KB body) as one transaction: voucher row, version row
and an SM3-chained audit entry under the locked chain head. The baseline inserts one 4 KB row
per commit on the same disk with the same durability. Rounds alternate baseline and store so
machine noise hits both alike; the median ratio is reported.

    .venv/bin/python -m benchmarks.bench_store [--seconds 1.0] [--rounds 3] [--postgres URL]
"""

from __future__ import annotations

import argparse
import itertools
import os
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable

from voucherlib.store import Actor, Org, VoucherKey, open_store

BODY = os.urandom(4096)  # a voucher's size on the wire (machine-limits §2c uses 4 KB too)
CALLERS = (1, 16)
FINANCE = Actor("bench-cert", Org("011"))
_numbers = itertools.count()


def rate(fn: Callable[[], object], callers: int, seconds: float) -> float:
    """Calls per second with `callers` threads calling `fn` until the time is up."""
    counts = [0] * callers
    stop = time.perf_counter() + seconds

    def loop(i: int) -> None:
        while time.perf_counter() < stop:
            fn()
            counts[i] += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(callers)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - start)


def sqlite_baseline(path: str) -> Callable[[], object]:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body BLOB)")
    lock = threading.Lock()  # one connection: callers take turns, as a bare loop would

    def insert() -> None:
        with lock:
            conn.execute("BEGIN")
            conn.execute("INSERT INTO t (body) VALUES (?)", (BODY,))
            conn.execute("COMMIT")

    return insert


def postgres_baseline(url: str) -> Callable[[], object]:
    import psycopg

    from voucherlib.store.postgres import split_url

    conninfo, _ = split_url(url)
    local = threading.local()

    def insert() -> None:  # one connection per caller: PostgreSQL's own group commit applies
        if not hasattr(local, "conn"):
            local.conn = psycopg.connect(conninfo, autocommit=True)
            local.conn.execute("CREATE TEMP TABLE t (id BIGSERIAL PRIMARY KEY, body BYTEA)")
        local.conn.execute("INSERT INTO t (body) VALUES (%s)", (BODY,))

    return insert


def saver(store) -> Callable[[], object]:
    def save() -> None:
        key = VoucherKey("330100", 2024, "5207", f"B{next(_numbers):09d}", 0)
        store.atomic(lambda ops: ops.save(FINANCE, key, BODY))

    return save


def compare(
    label: str, baseline: Callable[[], object], work: Callable[[], object], callers: int, args
) -> None:
    rate(baseline, callers, 0.5), rate(work, callers, 0.5)  # warm-up: fresh WAL files are slow at first
    pairs = [
        (rate(baseline, callers, args.seconds), rate(work, callers, args.seconds)) for _ in range(args.rounds)
    ]
    base, ours = statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)
    ratio = statistics.median(o / b for b, o in pairs)
    print(f"{label:<44} {callers:>3} callers {ours:>9.0f}/s  baseline {base:>9.0f}/s  ratio {ratio:5.2f}x")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench_store", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="length of one timed run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating baseline/store rounds")
    parser.add_argument("--postgres", metavar="URL", help="also measure PostgreSQL at this URL")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        baseline = sqlite_baseline(f"{tmp}/baseline.db")
        for group in (True, False):
            with open_store(f"sqlite:///{tmp}/store-{group}.db", group_commit=group) as store:
                for callers in CALLERS:
                    label = f"sqlite save, group commit {'on' if group else 'off'}"
                    compare(label, baseline, saver(store), callers, args)
    if args.postgres:
        baseline = postgres_baseline(args.postgres)
        with open_store(args.postgres, pool_size=max(CALLERS)) as store:
            for callers in CALLERS:
                compare("postgresql save (pool of 16)", baseline, saver(store), callers, args)
    print("baseline: one 4 KB INSERT per durable commit on the same database; ratio = store / baseline")


if __name__ == "__main__":
    main()
