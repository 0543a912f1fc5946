"""SQLite backend: WAL, synchronous=FULL, and group commit through one writer thread.

Durable means a power cut after the reply loses nothing, which in WAL mode needs synchronous=FULL
(NORMAL may lose the last commits). An fsync per call caps throughput at the disk's fsync rate, so
callers queue their unit of work and wait; the writer takes everything queued, runs each unit in a
savepoint inside one transaction (a failing unit rolls back alone), commits once, then releases
every waiter. A caller returns only after the commit that holds its work. Reads run on a small
pool of read-only connections and see the last commit (WAL readers never block the writer).

Several processes on one file (`guoku serve --workers N`, or servers behind a balancer) take
turns at it: each group commit first takes an exclusive `flock` on `FILE.turn`. SQLite's own
write lock would serialise them too, but a writer that finds it taken sleeps in SQLite's busy
handler (1, 2, 5, 10… ms) past the moment it frees, so with two workers on two cores 0.4–0.5 of a
core sat idle; a blocking flock wakes the next writer as soon as the last one lets it go, and it
then commits everything its callers queued meanwhile. The turn covers the units, not the COMMIT:
SQLite lets its lock go inside COMMIT once the fsync is done, but this thread, having slept in
the fsync, waits for its core behind the request threads before it could let a flock go (the
fsync took 2.3 ms at the median in a loaded two-worker server, against 0.3 ms for the same bytes
in an idle process). So the next writer waits for the fsync in SQLite's busy handler instead,
and two workers served 18% more (docs/performance.md §6). One process alone takes its turn at no
cost. Opening takes a turn too: `PRAGMA journal_mode=WAL` does not wait in the busy handler, so
two workers opening one new file at once could fail with "database is locked".
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import queue
import sqlite3
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from voucherlib.errors import StoreUnavailable
from voucherlib.store._dialect import SQLITE
from voucherlib.store._sql import SqlTx

T = TypeVar("T")
_STOP = object()
BUSY_TIMEOUT_MS = 10_000  # other processes on the same file hold the write lock this long at most


class Turn:
    """Turns at the SQLite file `path` among the processes on it: `with turn:` holds an exclusive
    flock on PATH.turn, which the next process waiting for it gets as soon as it is let go.

    A flock excludes other open files, not other threads of this one: one thread at a time per
    Turn (the store's writer; the nonce memory under its own lock).
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self._file = open(f"{path}.turn", "ab")  # noqa: SIM115 - kept open for every turn

    def __enter__(self) -> None:
        fcntl.flock(self._file, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self._file, fcntl.LOCK_UN)

    def close(self) -> None:
        self._file.close()


class SQLiteBackend:
    """One database file (or a private in-memory database when `path` is None)."""

    def __init__(
        self,
        path: str | None,
        *,
        group_commit: bool = True,
        max_batch: int = 256,
        readers: int = 4,
        create: bool = True,
    ) -> None:
        self.path, self.group_commit, self.max_batch = path, group_commit, max_batch
        # an in-memory database is private to its connection, so reads go through the writer too
        self._uri = (
            f"file:guoku-{uuid.uuid4().hex}?mode=memory" if path is None else self._file_uri(path, create)
        )
        try:
            self._turn = contextlib.nullcontext() if path is None else Turn(path)
        except OSError as exc:
            raise StoreUnavailable(self._cannot_open(exc)) from exc
        try:
            with self._turn:  # the writer has not started: this thread alone uses the turn
                self._writer = self._set_up(create)
        except BaseException:
            self._close_turn()
            raise
        self._readers: queue.LifoQueue = queue.LifoQueue()
        self._reader_slots = threading.BoundedSemaphore(readers)
        self._queue: queue.Queue = queue.Queue(maxsize=4 * max_batch)  # back-pressure, bounded memory
        self._thread = threading.Thread(target=self._run, name="guoku-sqlite-writer", daemon=True)
        self._closed = False
        self._thread.start()

    def _close_turn(self) -> None:
        if isinstance(self._turn, Turn):
            self._turn.close()

    def _set_up(self, create: bool) -> sqlite3.Connection:
        """The writer's connection, in WAL mode with the schema in place."""
        writer = self._connect()
        try:
            writer.execute("PRAGMA journal_mode=WAL")
            writer.execute("PRAGMA synchronous=FULL")
            if create:
                self._in_transaction(lambda tx: tx.create_schema(), conn=writer, begin="BEGIN IMMEDIATE")
            elif not writer.execute("SELECT 1 FROM sqlite_master WHERE name='audit_head'").fetchone():
                raise StoreUnavailable(f"{self.path} holds no guoku store")
        except sqlite3.Error as exc:  # e.g. no room, or a read-only file system, for the WAL files
            writer.close()
            raise StoreUnavailable(self._cannot_open(exc)) from exc
        except BaseException:
            writer.close()
            raise
        return writer

    @staticmethod
    def _file_uri(path: str, create: bool) -> str:
        from pathlib import Path
        from urllib.parse import quote

        return f"file:{quote(str(Path(path).resolve()))}?mode={'rwc' if create else 'rw'}"

    def _cannot_open(self, exc: sqlite3.Error | OSError) -> str:
        """For the operator starting the library (not sent to callers): the file, the cause, and a hint."""
        directory = os.path.dirname(os.path.abspath(self.path or "."))
        hint = "" if os.access(directory, os.W_OK) else f" ({directory} is not writable: read-only?)"
        return f"cannot open SQLite database {self.path}: {exc}{hint}"

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self._uri, uri=True, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreUnavailable(self._cannot_open(exc)) from exc
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return conn

    def execute(self, work: Callable[[SqlTx], T], *, write: bool = True) -> T:
        """Run `work(tx)`; a write returns after its group's commit (fsync), a read on a snapshot."""
        if self._closed:
            raise StoreUnavailable("the store is closed")
        if not write and self.path is not None:
            return self._read(work)
        if threading.current_thread() is self._thread:
            raise RuntimeError("a unit of work may not start another one")
        future: Future = Future()
        self._queue.put((work, future))
        return future.result()

    def _read(self, work: Callable[[SqlTx], T]) -> T:
        with self._reader_slots:
            try:
                conn = self._readers.get_nowait()
            except queue.Empty:
                conn = self._connect()
                conn.execute("PRAGMA query_only=1")
            try:
                return self._in_transaction(work, conn=conn, begin="BEGIN", end="ROLLBACK")
            finally:
                self._readers.put(conn)

    def _in_transaction(self, work, *, conn=None, begin: str, end: str = "COMMIT"):
        conn = conn or self._writer
        conn.execute(begin)
        try:
            result = work(SqlTx(conn, SQLITE))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute(end)
        return result

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            self._commit(item)

    def _queued(self, first: tuple[Callable, Future]) -> list[tuple[Callable, Future]]:
        """`first` and whatever else is queued (everything, with group commit), up to max_batch."""
        batch = [first]
        while self.group_commit and len(batch) < self.max_batch:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                self._queue.put(_STOP)  # finish this batch, then stop
                break
            batch.append(item)
        return batch

    def _commit(self, first: tuple[Callable, Future]) -> None:
        conn, batch, done = self._writer, [first], []
        try:
            with self._turn:  # then everything queued while another process committed
                batch = self._queued(first)
                conn.execute("BEGIN IMMEDIATE")
                for work, future in batch:
                    conn.execute("SAVEPOINT unit")
                    try:
                        result = work(SqlTx(conn, SQLITE))
                    except BaseException as exc:  # this unit alone is undone; the batch goes on
                        conn.execute("ROLLBACK TO unit")
                        conn.execute("RELEASE unit")
                        future.set_exception(exc)
                        continue
                    conn.execute("RELEASE unit")
                    done.append((future, result))
            conn.execute("COMMIT")  # after the turn: see the module
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            failure = StoreUnavailable(f"SQLite commit failed: {exc}")
            for future in [f for _, f in batch if not f.done()]:
                future.set_exception(failure)
            return
        for future, result in done:
            future.set_result(result)

    def close(self) -> None:
        """Finish queued work, stop the writer and close every connection."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        self._thread.join()
        self._writer.close()
        self._close_turn()
        while not self._readers.empty():
            self._readers.get_nowait().close()
