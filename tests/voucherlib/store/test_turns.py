"""Processes on one SQLite file take turns at it through a blocking flock on FILE.turn, so a
writer waiting for another process's commit wakes when it ends, not after SQLite's busy sleep."""

from __future__ import annotations

import fcntl
import threading
from pathlib import Path

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
