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

    Each thread that checks (the event loop's, in a server) has a connection of its own, not
    one of the store's pool: the loop must not wait for a pooled connection that a writer holds
    across its commit, nor take one from the writers. Out of pipeline mode, autocommit and with a
    prepared INSERT, a check is one round trip and about a fifth of the client CPU of a pooled
    transaction (benchmarks/bench_nonces.py). A connection the server dropped is replaced and
    the check run again, waiting for a restarting server as the store does (on the event loop's
    thread: the process answers nothing meanwhile, as it could do nothing useful); the INSERT may have
    committed before the connection was lost, so each row carries the claim of the check that
    made it, and a check that finds its own claim after a retry is not taken for a replay.
    """

    def __init__(self, url: str) -> None:
        self.conninfo, self.schema = split_url(url)
        self._local = threading.local()
        self._opened: list = []
        self._count = itertools.count()
        self._claims = itertools.count(secrets.randbits(62))  # unique across processes, and cheap
        # on a connection of its own: the opening thread need not be one that checks
        conn = connect(self.conninfo, self.schema, time.monotonic(), synchronous_commit="on")
        with conn, conn.transaction():
            lock = f"guoku-schema-{self.schema}"  # as the store's creation takes it
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (lock,))
            conn.execute(TABLE)
            conn.execute(INDEX)

    def _connection(self, deadline: float):
        """This thread's cursor, on a new connection if it has none (or lost it)."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            conn = connect(self.conninfo, self.schema, deadline, synchronous_commit="off")
            self._opened.append(conn)
            cursor = self._local.cursor = conn.cursor()
        return cursor

    def remember(self, key: tuple[str, str], created: float, expire_before: float) -> str | None:
        """Record a nonce; returns why it is refused, or None when no process has seen it."""
        claim, retried = next(self._claims), False
        deadline = time.monotonic() + RECONNECT_SECONDS
        while True:
            cursor = self._connection(deadline)
            try:
                if next(self._count) % PRUNE_EVERY == 0:
                    cursor.execute("DELETE FROM nonces WHERE created < %s", (expire_before,), prepare=True)
                cursor.execute(INSERT, (*key, created, claim), prepare=True)
                if cursor.rowcount == 1:
                    return None
                if retried:  # it may be this check's own row, inserted before the connection was lost
                    cursor.execute("SELECT claim FROM nonces WHERE cert_id=%s AND nonce=%s", key)
                    if cursor.fetchone() == (claim,):
                        return None
                return REPLAYED
            except psycopg.OperationalError as exc:
                self._local.cursor = None
                self._opened.remove(cursor.connection)
                cursor.connection.close()
                if not lost(exc) or time.monotonic() > deadline:
                    raise StoreUnavailable(f"PostgreSQL failed: {exc}".strip()) from exc
                retried = True

    def __len__(self) -> int:
        return self._connection(time.monotonic()).execute("SELECT count(*) FROM nonces").fetchone()[0]

    def close(self) -> None:
        while self._opened:
            self._opened.pop().close()
