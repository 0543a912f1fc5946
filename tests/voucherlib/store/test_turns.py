"""Processes on one SQLite file take turns at it through a blocking flock on FILE.turn, so a
writer waiting for another process's commit wakes when it ends, not after SQLite's busy sleep,
and processes opening one new file at once set it up one after the other (SQLite's
`PRAGMA journal_mode=WAL` answers "database is locked" at once instead of waiting)."""

from __future__ import annotations

import contextlib
import fcntl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from voucherlib.nonces import open_nonces
from voucherlib.store import VoucherKey, open_store

from .helpers import FINANCE


def test_a_commit_waits_for_the_turn_another_process_holds_and_follows_it(tmp_path: Path):
    store = open_store(f"sqlite:///{tmp_path}/library.db")
    saved = threading.Event()
    key = VoucherKey("330100", 2024, "5207", "TURN01", 0)

    def save() -> None:
        store.atomic(lambda ops: ops.save(FINANCE, key, b"<Voucher/>"))
        saved.set()

    try:
        with open(tmp_path / "library.db.turn", "ab") as other:  # another open file: another process's lock
            fcntl.flock(other, fcntl.LOCK_EX)
            writer = threading.Thread(target=save)
            writer.start()
            assert not saved.wait(0.5), "committed while another process had the turn"
            fcntl.flock(other, fcntl.LOCK_UN)
            assert saved.wait(10)
            writer.join()
        assert store.query(lambda q: q.tx.voucher(key)) is not None
    finally:
        store.close()


@contextlib.contextmanager
def another_process_turn(database: Path) -> Iterator[None]:
    """The turn at `database`, held through another open file (as another process would hold it)."""
    with open(f"{database}.turn", "ab") as other:
        fcntl.flock(other, fcntl.LOCK_EX)
        yield


def waits_for_the_turn(database: Path, opening: Callable[[], object]) -> object:
    """What `opening` returns, after checking it did not finish while another process had the turn."""
    opened: list[object] = []
    done = threading.Event()
    thread = threading.Thread(target=lambda: (opened.append(opening()), done.set()))
    with another_process_turn(database):
        thread.start()
        assert not done.wait(0.5), "set the file up while another process had the turn"
    assert done.wait(10)
    thread.join()
    return opened[0]


def test_opening_a_store_waits_for_the_turn_another_process_holds(tmp_path: Path):
    database = tmp_path / "library.db"
    store = waits_for_the_turn(database, lambda: open_store(f"sqlite:///{database}"))
    try:
        assert store.query(lambda q: q.tx.voucher(VoucherKey("330100", 2024, "5207", "X", 0))) is None
    finally:
        store.close()


def test_opening_the_shared_nonce_memory_waits_for_the_turn_another_process_holds(tmp_path: Path):
    database = tmp_path / "library.db"
    store = open_store(f"sqlite:///{database}")
    try:
        nonces = waits_for_the_turn(Path(f"{database}.nonces"), lambda: open_nonces(store))
        assert nonces.remember(("cert", "n1"), 1000.0, 0.0) is None
        assert nonces.remember(("cert", "n1"), 1000.0, 0.0) is not None
        nonces.close()
    finally:
        store.close()


def test_a_commit_lets_the_turn_go_before_its_fsync(tmp_path: Path):
    """The next process takes the turn while this one's COMMIT (and its fsync) runs: the writer,
    asleep in the fsync, would otherwise hold the turn until it gets its core back."""
    database = tmp_path / "library.db"
    store = open_store(f"sqlite:///{database}")
    free_at_commit: list[bool] = []
    key = VoucherKey("330100", 2024, "5207", "TURN02", 0)

    def at_statement(sql: str) -> None:
        if sql == "COMMIT":
            with open(f"{database}.turn", "ab") as other:
                try:
                    fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    free_at_commit.append(False)
                else:
                    free_at_commit.append(True)
                    fcntl.flock(other, fcntl.LOCK_UN)

    try:
        store.backend._writer.set_trace_callback(at_statement)  # the writer's own connection
        store.atomic(lambda ops: ops.save(FINANCE, key, b"<Voucher/>"))
        assert free_at_commit == [True]
        assert store.query(lambda q: q.tx.voucher(key)) is not None
    finally:
        store.close()
