"""PostgreSQL backend: psycopg 3, a small connection pool, synchronous_commit on.

Several `guoku serve` processes may share one database. Writers lock the rows they change
(`SELECT ... FOR UPDATE`, voucher rows in key order, the audit chain head last), so two processes
stamping or confirming one voucher serialise instead of losing an update; PostgreSQL's own group
commit shares WAL flushes between concurrent connections. Deadlocks, serialisation failures and
two writers creating the same new row are retried on a fresh connection (the retry sees the
winner's row). A connection the server dropped (a restart, a terminated backend) is replaced:
when it fails before COMMIT nothing was written, so the idle pool is emptied and the work runs
again on a new connection, with backoff for up to RECONNECT_SECONDS while the server comes
back. A failure during COMMIT leaves the outcome unknown and is reported, never retried.
Connections stay in pipeline mode (`_Session`), so a transaction waits for the
server only where it reads a result and at COMMIT. Reads run REPEATABLE READ, READ ONLY, so a
long audit scan sees one snapshot.

The pool is a bounded LIFO queue of connections (psycopg_pool is not among the pinned packages).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import re
import threading
import time
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
RECONNECT_SECONDS = 20.0  # how long a call waits for a restarting server before StoreUnavailable
# SQLSTATEs of a lost connection: class 08, and the server shutting down or starting up
_LOST = ("08", "57P01", "57P02", "57P03")
# a lost race: a deadlock, or two writers creating the same new voucher (no row to lock yet)
_RETRY = (pg_errors.DeadlockDetected, pg_errors.SerializationFailure, pg_errors.UniqueViolation)
log = logging.getLogger("voucherlib.store")
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


class _Session:
    """A connection kept in pipeline mode for its whole life, with transactions run by hand.

    Statements go out without waiting for their results; the client waits only where it reads a
    result and once at COMMIT. A save is then three round trips (BEGIN with the locking reads;
    the writes with the chain head's lock; the audit entries with COMMIT) instead of about ten.
    """

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self._stays = contextlib.ExitStack()  # closed with the connection
        self.pipeline = self._stays.enter_context(conn.pipeline())

    def transaction(self, work: Callable[[SqlTx], T], write: bool) -> T:
        self.committing = False
        self.conn.execute("BEGIN" if write else "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        try:
            result = work(SqlTx(self.conn, POSTGRES))
            self.committing = True  # from here a lost connection leaves the outcome unknown
            self.conn.execute("COMMIT")
            self.pipeline.sync()  # the one wait for the commit; a queued statement's error shows here
        except BaseException as exc:
            self._rollback(spoiled=isinstance(exc, psycopg.Error))
            raise
        return result

    def _rollback(self, *, spoiled: bool) -> None:
        """Roll back; after a database error the connection is closed, not reused: statements the
        server skipped in the aborted pipeline may include a prepare psycopg counts as done."""
        try:
            self.pipeline.sync()  # ends an aborted pipeline; its error is the one being raised
            self.conn.execute("ROLLBACK")
            self.pipeline.sync()
        except psycopg.Error:
            spoiled = True
        if spoiled:
            self.close()

    def close(self) -> None:
        with contextlib.suppress(psycopg.Error):
            self._stays.close()  # leaves pipeline mode while the connection can still say so
        self.conn.close()


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

    def execute(self, work: Callable[[SqlTx], T], *, write: bool = True) -> T:
        """Run `work(tx)` in one transaction on a pooled connection, retrying lost races."""
        if self._closed:
            raise StoreUnavailable("the store is closed")
        with self._slots:
            attempt, deadline = 1, time.monotonic() + RECONNECT_SECONDS
            while True:
                session = self._take(deadline)
                try:
                    return session.transaction(work, write)
                except _RETRY:
                    if attempt == RETRIES:
                        raise
                    attempt += 1
                except psycopg.OperationalError as exc:
                    if session.committing or not lost(exc) or time.monotonic() > deadline:
                        raise StoreUnavailable(f"PostgreSQL failed: {exc}".strip()) from exc
                    self._drop_idle()  # the server restarted: the other idle connections are dead too
                finally:
                    self._give_back(session)  # a closed or broken connection is dropped

    def _take(self, deadline: float) -> _Session:
        """An idle connection, or a new one (an acknowledged call survives a crash: synchronous_commit on)."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return _Session(connect(self.conninfo, self.schema, deadline, synchronous_commit="on"))

    def _drop_idle(self) -> None:
        while not self._idle.empty():
            self._idle.get_nowait().close()

    def _give_back(self, session: _Session) -> None:
        if self._closed or session.conn.closed or session.conn.broken:
            session.close()
        else:
            self._idle.put(session)

    def close(self) -> None:
        self._closed = True
        self._drop_idle()


def connect(conninfo: str, schema: str, deadline: float, *, synchronous_commit: str) -> psycopg.Connection:
    """A new autocommit connection to `schema`; while the server refuses, tried again with backoff
    until `deadline` (time.monotonic), then StoreUnavailable."""
    pause = 0.05
    while True:
        try:
            conn = psycopg.connect(conninfo, autocommit=True, connect_timeout=10)
            break
        except psycopg.Error as exc:  # the server's address stays in the log, not in callers' faults
            log.warning("cannot connect to PostgreSQL: %s", exc)
            if time.monotonic() + pause > deadline:
                raise StoreUnavailable("cannot connect to PostgreSQL (down or restarting?)") from exc
            time.sleep(pause)
            pause = min(pause * 2, 1.0)
    conn.execute(f"SET search_path TO {schema}")
    conn.execute(f"SET synchronous_commit TO {synchronous_commit}")
    return conn


def lost(exc: psycopg.OperationalError) -> bool:
    """Whether the connection was lost (no SQLSTATE: the socket closed), not the statement refused."""
    return exc.sqlstate is None or exc.sqlstate.startswith(_LOST)
