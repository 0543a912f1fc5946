"""CallerAuth nonces shared by the worker processes of one `guoku serve --workers N`.

Each worker checks CallerAuth headers itself (`evoucher.wsauth.Verifier`), so a nonce one worker
accepted must be refused by every other: a client could otherwise replay a request on a second
connection that the kernel hands to another worker. The workers share one small SQLite file
(WAL): `BEGIN IMMEDIATE` takes the file's write lock across processes, so the check and the
insert on the PRIMARY KEY (CertID, Nonce) are one atomic step. It needs no durability
(synchronous=OFF; a nonce is only worth remembering within the freshness window, and `guoku
serve` makes a fresh file at every start), and the window bounds it: rows older than the
window, which the freshness check refuses anyway, are pruned every PRUNE_EVERY insertions.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
from pathlib import Path

PRUNE_EVERY = 1000
BUSY_TIMEOUT_MS = 10_000
REPLAYED = "Nonce was already used (replayed request)"  # as evoucher.wsauth.NonceCache says it


class SharedNonces:
    """A nonce memory for `wsauth.Verifier(nonces=...)` that several processes share through `path`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()  # sqlite3 connections are per thread
        self._count = itertools.count()
        with self._connection() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS nonces (cert_id TEXT NOT NULL, nonce TEXT NOT NULL, "
                "created REAL NOT NULL, PRIMARY KEY (cert_id, nonce)) WITHOUT ROWID"
            )
            conn.execute("CREATE INDEX IF NOT EXISTS nonces_created ON nonces (created)")

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA synchronous=OFF")
            self._local.conn = conn
        return conn

    def remember(self, key: tuple[str, str], created: float, expire_before: float) -> str | None:
        """Record a nonce; returns why it is refused, or None when no process has seen it."""
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            if next(self._count) % PRUNE_EVERY == 0:
                conn.execute("DELETE FROM nonces WHERE created < ?", (expire_before,))
            conn.execute("INSERT INTO nonces (cert_id, nonce, created) VALUES (?, ?, ?)", (*key, created))
        except sqlite3.IntegrityError:
            conn.execute("ROLLBACK")
            return REPLAYED
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return None

    def __len__(self) -> int:
        return self._connection().execute("SELECT count(*) FROM nonces").fetchone()[0]
