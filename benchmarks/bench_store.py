"""Store write throughput, as ratios to a bare durable `INSERT` + commit loop in the same run.

Covers: Store.atomic(save) on SQLite (WAL, synchronous=FULL) with and without group commit, with
1 and 16 concurrent callers; optionally PostgreSQL (synchronous_commit on) with --postgres URL.
Scenario: each call saves a new voucher (4 KB body) as one transaction: voucher row, version row
and an SM3-chained audit entry under the locked chain head. The baseline inserts one 4 KB row
per durable commit on the same database. "16 callers" means 16 threads each making one call at
the same time, repeated; rates are per call.

    .venv/bin/python -m benchmarks.bench_store [--seconds 0.5] [--rounds 5] [--postgres URL]
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from benchmarks._harness import add_arguments, print_results, run_rounds
from voucherlib.store import Actor, Org, VoucherKey, open_store

BODY = os.urandom(4096)  # a voucher's size on the wire (machine-limits §2c uses 4 KB too)
CALLERS = 16
FINANCE = Actor("bench-cert", Org("011"))
_numbers = itertools.count()
_pool = ThreadPoolExecutor(CALLERS)


def concurrently(fn: Callable[[], object]) -> Callable[[], object]:
    """One harness call = CALLERS threads calling `fn` at once, waiting for all of them."""
    return lambda: list(_pool.map(lambda _: fn(), range(CALLERS)))


def sqlite_insert(path: str) -> Callable[[], object]:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body BLOB)")
    lock = threading.Lock()  # one connection: concurrent callers take turns, one commit each

    def insert() -> None:
        with lock:
            conn.execute("BEGIN")
            conn.execute("INSERT INTO t (body) VALUES (?)", (BODY,))
            conn.execute("COMMIT")

    return insert


def postgres_insert(url: str) -> Callable[[], object]:
    """Inserts into a logged table beside the store's (a TEMP table would skip the WAL flush)."""
    import psycopg

    from voucherlib.store.postgres import split_url

    conninfo, schema = split_url(url)
    local = threading.local()

    def insert() -> None:  # a connection per thread: PostgreSQL's own group commit applies
        if not hasattr(local, "conn"):
            local.conn = psycopg.connect(conninfo, autocommit=True)
            local.conn.execute(f"CREATE TABLE IF NOT EXISTS {schema}.bench_baseline (body BYTEA)")
        local.conn.execute(f"INSERT INTO {schema}.bench_baseline (body) VALUES (%s)", (BODY,))

    return insert


def saver(store) -> Callable[[], object]:
    def save() -> None:
        key = VoucherKey("330100", 2024, "5207", f"B{next(_numbers):09d}", 0)
        store.atomic(lambda ops: ops.save(FINANCE, key, BODY))

    return save


def measure(workloads: dict, args) -> None:
    """Warm up (fresh WAL files and pools are slow at first), time, print rates per call."""
    run_rounds(workloads, seconds=min(args.seconds, 0.3), rounds=1)
    results = run_rounds(workloads, seconds=args.seconds, rounds=args.rounds)
    per_call = [
        dataclasses.replace(r, rate=r.rate * CALLERS) if f"{CALLERS} callers" in r.name else r
        for r in results
    ]
    print_results(per_call)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench_store", description=__doc__.split("\n\n")[0])
    add_arguments(parser, seconds=0.5, rounds=5)
    parser.add_argument("--postgres", metavar="URL", help="also measure PostgreSQL at this URL")
    args = parser.parse_args(argv)
    many = f"{CALLERS} callers"
    with tempfile.TemporaryDirectory() as tmp:
        insert = sqlite_insert(f"{tmp}/baseline.db")
        with (
            open_store(f"sqlite:///{tmp}/group.db") as group,
            open_store(f"sqlite:///{tmp}/single.db", group_commit=False) as single,
        ):
            print("SQLite, WAL, synchronous=FULL (rates per call)")
            measure(
                {
                    "bare INSERT+commit, 1 caller": (None, insert),
                    f"bare INSERT+commit, {many}": (None, concurrently(insert)),
                    "save, group commit, 1 caller": ("bare INSERT+commit, 1 caller", saver(group)),
                    f"save, group commit, {many}": (
                        f"bare INSERT+commit, {many}",
                        concurrently(saver(group)),
                    ),
                    "save, no group commit, 1 caller": ("bare INSERT+commit, 1 caller", saver(single)),
                    f"save, no group commit, {many}": (
                        f"bare INSERT+commit, {many}",
                        concurrently(saver(single)),
                    ),
                },
                args,
            )
    if args.postgres:
        insert = postgres_insert(args.postgres)
        with open_store(args.postgres, pool_size=CALLERS) as store:  # creates the schema first
            print("PostgreSQL, synchronous_commit=on (rates per call)")
            measure(
                {
                    "bare INSERT (autocommit), 1 caller": (None, insert),
                    f"bare INSERT (autocommit), {many}": (None, concurrently(insert)),
                    "save, 1 caller": ("bare INSERT (autocommit), 1 caller", saver(store)),
                    f"save, {many}": (f"bare INSERT (autocommit), {many}", concurrently(saver(store))),
                },
                args,
            )
            store.atomic(lambda ops: ops.tx.run("DROP TABLE bench_baseline"))


if __name__ == "__main__":
    main()
