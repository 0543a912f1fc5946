"""PostgreSQL backend: psycopg 3, a small connection pool, synchronous_commit on.

Several `guoku serve` processes may share one database. Writers lock the rows they change
(`SELECT ... FOR UPDATE`, voucher rows in key order, the audit chain head last), so two processes
stamping or confirming one voucher serialise instead of losing an update; PostgreSQL's own group
commit shares WAL flushes between concurrent connections. Deadlocks, serialisation failures and
two writers creating the same new row are retried (the retry sees the winner's row).
Reads run REPEATABLE READ, READ ONLY, so a long audit scan sees one snapshot.

The pool is a bounded LIFO queue of connections (psycopg_pool is not among the pinned packages).
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import errors as pg_errors

from voucherlib.errors import StoreUnavailable
from voucherlib.store._dialect import POSTGRES
from voucherlib.store._sql import SqlTx

T = TypeVar("T")
RETRIES = 8
# a lost race: a deadlock, or two writers creating the same new voucher (no row to lock yet)
_RETRY = (pg_errors.DeadlockDetected, pg_errors.SerializationFailure, pg_errors.UniqueViolation)
_SCHEMA = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def split_url(url: str) -> tuple[str, str]:
    """Take guoku's own `schema=` parameter out of a postgresql:// URL (default `guoku`)."""
    parts = urlsplit(url)
    params = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in params if k == "schema"), "guoku")
    if not _SCHEMA.fullmatch(schema):
        raise StoreUnavailable(f"schema {schema!r} is not a lower-case SQL identifier")
    rest = urlencode([(k, v) for k, v in params if k != "schema"])
    return urlunsplit(parts._replace(query=rest)), schema


class PostgresBackend:
    """One schema in one PostgreSQL database."""

    def __init__(self, url: str, *, pool_size: int = 4, create: bool = True) -> None:
        self.conninfo, self.schema = split_url(url)
        self._idle: queue.LifoQueue = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(pool_size)
        self._closed = False
        if create:
            self.execute(self._create)
        elif self.execute(self._exists, write=False) is None:
            self.close()
            raise StoreUnavailable(f"schema {self.schema} holds no guoku store")

    def _create(self, tx: SqlTx) -> None:
        tx.run("SELECT pg_advisory_xact_lock(hashtext(?))", (f"guoku-schema-{self.schema}",))
        tx.run(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
        tx.create_schema()

    def _exists(self, tx: SqlTx):
        return tx.run("SELECT to_regclass(?)", (f"{self.schema}.audit_head",)).fetchone()[0]

    def _connect(self) -> psycopg.Connection:
        try:
            conn = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise StoreUnavailable(f"cannot connect to PostgreSQL: {exc}".strip()) from exc
        conn.execute(f"SET search_path TO {self.schema}")
        conn.execute("SET synchronous_commit TO on")  # an acknowledged call survives a crash
        return conn

    def execute(self, work: Callable[[SqlTx], T], *, write: bool = True) -> T:
        """Run `work(tx)` in one transaction on a pooled connection, retrying lock conflicts."""
        if self._closed:
            raise StoreUnavailable("the store is closed")
        with self._slots:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                conn = self._connect()
            try:
                result = self._attempt(conn, work, write)
            except psycopg.OperationalError as exc:
                conn.close()  # a broken connection is not given back
                raise StoreUnavailable(f"PostgreSQL failed: {exc}".strip()) from exc
            except BaseException:
                self._give_back(conn)
                raise
            self._give_back(conn)
            return result

    def _attempt(self, conn: psycopg.Connection, work: Callable[[SqlTx], T], write: bool) -> T:
        attempt = 1
        while True:
            try:
                with conn.transaction():
                    if not write:
                        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    return work(SqlTx(conn, POSTGRES))
            except _RETRY:
                if attempt == RETRIES:
                    raise
                attempt += 1

    def _give_back(self, conn: psycopg.Connection) -> None:
        if self._closed or conn.closed:
            conn.close()
        else:
            self._idle.put(conn)

    def close(self) -> None:
        self._closed = True
        while not self._idle.empty():
            self._idle.get_nowait().close()
