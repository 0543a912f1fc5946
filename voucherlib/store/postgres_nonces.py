"""The CallerAuth nonce memory of a PostgreSQL store: its table `nonces` (see voucherlib.nonces).

Apart from voucherlib.nonces so that psycopg is imported only for a PostgreSQL store.
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time

import psycopg

from voucherlib.errors import StoreUnavailable
from voucherlib.nonces import INDEX, PRUNE_EVERY, REPLAYED
from voucherlib.store.postgres import RECONNECT_SECONDS, connect, lost, split_url

TABLE = (
    "CREATE TABLE IF NOT EXISTS nonces (cert_id TEXT NOT NULL, nonce TEXT NOT NULL,"
    " created DOUBLE PRECISION NOT NULL, claim BIGINT NOT NULL, PRIMARY KEY (cert_id, nonce))"
)
INSERT = "INSERT INTO nonces (cert_id, nonce, created, claim) VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING"


class PostgresNonces:
    """A nonce memory that the processes on one PostgreSQL store share through its table `nonces`.

    One connection per process, its checks taken in turn under a lock (a check is one round
    trip, so that allows thousands a second), not the store's pool: pooled connections stay in
    pipeline mode, where a check cost five times the client CPU (benchmarks/bench_nonces.py),
    and writers hold them across their commits, which a check would wait behind. Autocommit,
    with a prepared INSERT. A connection the server dropped is replaced and the check run again,
    waiting for a restarting server as the store does; the INSERT may have committed before the
    connection was lost, so each row carries the claim of the check that made it, and a check
    that finds its own claim after a retry is not taken for a replay.
    """

    def __init__(self, url: str) -> None:
        self.conninfo, self.schema = split_url(url)
        self._lock = threading.Lock()
        self._cursor: psycopg.Cursor | None = None
        self._count = itertools.count()
        self._claims = itertools.count(secrets.randbits(62))  # unique across processes, and cheap
        with self._lock:
            conn = self._connection(time.monotonic()).connection
            with conn.transaction():
                lock = f"guoku-schema-{self.schema}"  # as the store's creation takes it
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (lock,))
                conn.execute(TABLE)
                conn.execute(INDEX)

    def _connection(self, deadline: float) -> psycopg.Cursor:
        """The cursor of this process's connection, on a new connection if it has none (or lost it)."""
        if self._cursor is None:
            conn = connect(self.conninfo, self.schema, deadline, synchronous_commit="off")
            self._cursor = conn.cursor()
        return self._cursor

    def remember(self, key: tuple[str, str], created: float, expire_before: float) -> str | None:
        """Record a nonce; returns why it is refused, or None when no process has seen it."""
        claim, retried = next(self._claims), False
        deadline = time.monotonic() + RECONNECT_SECONDS
        with self._lock:
            while True:
                cursor = self._connection(deadline)
                try:
                    if next(self._count) % PRUNE_EVERY == 0:
                        cursor.execute(
                            "DELETE FROM nonces WHERE created < %s", (expire_before,), prepare=True
                        )
                    cursor.execute(INSERT, (*key, created, claim), prepare=True)
                    if cursor.rowcount == 1:
                        return None
                    if retried:  # it may be this check's own row, inserted before the connection was lost
                        cursor.execute("SELECT claim FROM nonces WHERE cert_id=%s AND nonce=%s", key)
                        if cursor.fetchone() == (claim,):
                            return None
                    return REPLAYED
                except psycopg.OperationalError as exc:
                    self._cursor = None
                    cursor.connection.close()
                    if not lost(exc) or time.monotonic() > deadline:
                        raise StoreUnavailable(f"PostgreSQL failed: {exc}".strip()) from exc
                    retried = True

    def __len__(self) -> int:
        with self._lock:
            return self._connection(time.monotonic()).execute("SELECT count(*) FROM nonces").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            if self._cursor is not None:
                self._cursor.connection.close()
                self._cursor = None
