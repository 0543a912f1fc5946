"""A full disk and a read-only database: a clear fault to the caller, nothing corrupted, and the
library carries on once space returns (issue 12).

The store lives on a small tmpfs mounted for the test (root only); where mounting is not allowed
the tests skip, except under CI=true, where they must run.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from voucherlib.settings import Settings

from .support import (
    ADM,
    BUSINESS_DATE,
    FINANCE,
    FINANCE_POSITIONS,
    YEAR,
    body,
    fault,
    key,
    mof,
    running,
    stamped,
    voucher,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def small_fs(tmp_path):
    """A 4 MiB tmpfs at tmp_path/fs, unmounted afterwards."""
    mount = tmp_path / "fs"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        reason = f"cannot mount a size-limited tmpfs here: {done.stderr.strip() or done.returncode}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true requires it)")
        pytest.skip(reason)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _remount(mount, option: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{option}", str(mount)], check=True)


def _numbered(env, i: int):
    v = voucher(seed=i, VoucherNo=f"DF{i:06d}")
    return v, mof(stamped(env, FINANCE, body(v), *FINANCE_POSITIONS))


def _clean(message: str, mount) -> None:
    assert str(mount) not in message and "Traceback" not in message and "sqlite3." not in message


async def test_a_full_disk_is_a_clear_fault_and_the_library_recovers(small_fs, env_dir, env):
    settings = Settings(env_dir=env_dir, db_url=f"sqlite:///{small_fs}/lib.db", business_date=BUSINESS_DATE)
    vouchers = [_numbered(env, i) for i in range(1, 41)]
    acknowledged, failed = [], None
    async with running(settings) as lib, lib.client(FINANCE) as fin:
        await fin.save_stamp_voucher(ADM, YEAR, "5207", vouchers[0][1])
        acknowledged.append(vouchers[0][0])
        free = os.statvfs(small_fs)
        filler = small_fs / "filler"
        filler.write_bytes(b"\0" * max(free.f_bavail * free.f_frsize - 24 * 1024, 0))
        for v, message in vouchers[1:]:
            try:
                await fin.save_stamp_voucher(ADM, YEAR, "5207", message)
            except Exception as exc:  # the fault we are waiting for
                failed = (v, message, exc)
                break
            acknowledged.append(v)
        assert failed is not None, "the disk never filled"
        v, message, exc = failed
        assert exc.evs_code == "EVS999" and "full" in exc.message, exc.message
        _clean(exc.message, small_fs)
        filler.unlink()  # space returns
        await fin.save_stamp_voucher(ADM, YEAR, "5207", message)  # the refused one, again
        acknowledged.append(v)
        later, later_message = _numbered(env, 99)
        await fin.save_stamp_voucher(ADM, YEAR, "5207", later_message)
        acknowledged.append(later)
        stored = [lib.store.query(lambda q, v=v: q.version(key(v))) for v in acknowledged]
        assert all(s is not None and len(s.stamps) == 3 for s in stored)
        assert lib.store.verify_audit().intact


async def test_a_read_only_database_is_a_clear_fault_and_the_library_recovers(small_fs, env_dir, env):
    """A mount cannot turn read-only under open files; so the library meets a database already
    read-only when it starts (after a remount by an operator, a full-disk protection, …)."""
    from voucherlib.errors import StoreUnavailable

    settings = Settings(env_dir=env_dir, db_url=f"sqlite:///{small_fs}/lib.db", business_date=BUSINESS_DATE)
    (first, first_message), (second, second_message) = _numbered(env, 1), _numbered(env, 2)
    async with running(settings) as lib, lib.client(FINANCE) as fin:
        await fin.save_stamp_voucher(ADM, YEAR, "5207", first_message)
    _remount(small_fs, "ro")
    try:  # the library either refuses to start, or starts and refuses writes
        async with running(settings) as lib, lib.client(FINANCE) as fin:
            refused = await fault(fin.save_stamp_voucher(ADM, YEAR, "5207", second_message))
        assert refused.evs_code == "EVS999" and "read-only" in refused.message, refused.message
        _clean(refused.message, small_fs)
    except StoreUnavailable as exc:  # for the operator: the file and why
        assert f"{small_fs}/lib.db" in exc.message and "read-only" in exc.message, exc.message
    finally:
        _remount(small_fs, "rw")
    async with running(settings) as lib, lib.client(FINANCE) as fin:
        await fin.save_stamp_voucher(ADM, YEAR, "5207", second_message)
        assert all(lib.store.query(lambda q, v=v: q.version(key(v))) for v in (first, second))
        assert lib.store.verify_audit().intact
