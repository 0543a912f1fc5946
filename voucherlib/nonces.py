"""CallerAuth nonces shared by every `guoku serve` process on one store.

Each process checks CallerAuth headers itself (`evoucher.wsauth.Verifier`): the workers of one
`guoku serve --workers N`, or separate servers on one database behind a load balancer. A nonce
one of them accepted must be refused by all the others while its Created is inside the
freshness window (±`wsauth.DEFAULT_WINDOW`, 300 s), or a captured request could be replayed to
another process. So the memory lives with the store, and every process on the store shares it:

- PostgreSQL (`voucherlib.store.postgres_nonces`): the table `nonces` in the store's schema.
  `INSERT ... ON CONFLICT DO NOTHING` on the key (CertID, Nonce) is the atomic check-and-insert:
  of two processes inserting one nonce, the second waits for the first to commit and inserts
  nothing (row count 0); one round trip on the process's nonce connection. The table is
  logged, not UNLOGGED: PostgreSQL empties an unlogged table after a crash and a standby has it
  empty after failover, which would forget the whole window's nonces. The insert commits with
  `synchronous_commit` off instead, so no request waits for a WAL flush of its nonce: a crash
  loses at most the last ~0.6 s of nonce inserts (3 × wal_writer_delay), and only those of calls
  that wrote nothing, since a write's own synchronous commit flushes the WAL past its nonce.
- SQLite file: a file beside the store's (`STORE.nonces`), WAL, where one INSERT on the key is
  the check and the insert, under the file's write lock across processes. It stays apart from
  the store so that a check never waits for a group commit's fsync; synchronous=NORMAL (no
  fsync per commit in WAL mode, and unlike OFF a power cut cannot corrupt the file).
- In-memory store (one process by definition): `evoucher.wsauth.NonceCache`.

The shared memories are kept across restarts (another process may be using them, and a
restarted server must still refuse what it accepted within the window) and bounded by the
window: rows older than it, which the freshness check refuses anyway, are pruned at a process's
first insertion and every PRUNE_EVERY after.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
from pathlib import Path

from evoucher.wsauth import NonceCache, NonceMemory
from voucherlib.errors import StoreUnavailable
from voucherlib.store import Store
from voucherlib.store.sqlite import SQLiteBackend, Turn

PRUNE_EVERY = 1000
BUSY_TIMEOUT_MS = 10_000
REPLAYED = "Nonce was already used (replayed request)"  # as evoucher.wsauth.NonceCache says it
TABLE = (
    "CREATE TABLE IF NOT EXISTS nonces (cert_id TEXT NOT NULL, nonce TEXT NOT NULL, created REAL NOT NULL,"
    " PRIMARY KEY (cert_id, nonce)) WITHOUT ROWID"
)
INDEX = "CREATE INDEX IF NOT EXISTS nonces_created ON nonces (created)"


class SharedNonces:
    """A nonce memory that the processes on one SQLite store share through the file `path`.

    One connection per process, its checks taken in turn under a lock: the request threads of
    one process would otherwise meet at the file's write lock, where SQLite's busy handler
    sleeps for milliseconds. Across processes they do meet there: SQLite lets its lock go inside
    the INSERT's call, where a flock turn (as the store's writer takes) would be held until the
    thread has the GIL back. Setting the file up takes the turn at PATH.turn, since
    `PRAGMA journal_mode=WAL` does not wait in the busy handler.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._count = itertools.count()
        try:
            turn = Turn(self.path)
        except OSError as exc:
            raise StoreUnavailable(f"cannot open the nonce file {self.path}: {exc}") from exc
        try:
            with turn:  # set up one process at a time
                self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")
                self._conn.execute(TABLE)
                self._conn.execute(INDEX)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot open the nonce file {self.path}: {exc}") from exc
        finally:
            turn.close()

    def remember(self, key: tuple[str, str], created: float, expire_before: float) -> str | None:
        """Record a nonce; returns why it is refused, or None when no process has seen it.

        One INSERT in autocommit mode: the key's uniqueness is the check, and the statement
        takes the file's write lock (waiting up to the busy timeout) for itself alone. One call
        into SQLite, so the thread lets go of the GIL once per check, not three times as with
        BEGIN IMMEDIATE, INSERT, COMMIT.
        """
        with self._lock:
            if next(self._count) % PRUNE_EVERY == 0:
                self._conn.execute("DELETE FROM nonces WHERE created < ?", (expire_before,))
            try:
                self._conn.execute(
                    "INSERT INTO nonces (cert_id, nonce, created) VALUES (?, ?, ?)", (*key, created)
                )
            except sqlite3.IntegrityError:
                return REPLAYED
            return None

    def __len__(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT count(*) FROM nonces").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def open_nonces(store: Store) -> NonceMemory:
    """The nonce memory that every process on `store` shares (in-process for an in-memory store)."""
    backend = store.backend
    if isinstance(backend, SQLiteBackend):
        return NonceCache() if backend.path is None else SharedNonces(Path(f"{backend.path}.nonces"))
    from voucherlib.store.postgres_nonces import PostgresNonces

    return PostgresNonces(store.url)


class StoreNonces:
    """What `wsauth.Verifier(nonces=...)` is given before the store opens: the nonce memory of the
    store opened with it (`open`, in the app's lifespan), and refusal while none is open."""

    def __init__(self) -> None:
        self._memory: NonceMemory | None = None

    def open(self, store: Store) -> None:
        self._memory = open_nonces(store)

    def close(self) -> None:
        memory, self._memory = self._memory, None
        if memory is not None and hasattr(memory, "close"):  # NonceCache holds nothing to close
            memory.close()

    def remember(self, key: tuple[str, str], created: float, expire_before: float) -> str | None:
        memory = self._memory
        if memory is None:
            raise StoreUnavailable("the voucher library is not open (no store)")
        return memory.remember(key, created, expire_before)
