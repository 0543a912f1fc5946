"""The crash test: SIGKILLs of `guoku serve` under load lose nothing acknowledged (issue 12).

Small runs by default; the CI-sized runs (20 kills on SQLite, 10 on PostgreSQL with a dropped
pool) are slow: `.venv/bin/pytest -m slow tests/benchmarks/test_crash.py`. A real restart of
the PostgreSQL server disturbs everyone using it, so it runs only when GUOKU_PG_RESTART_CMD
names the command (e.g. `pg_ctlcluster 15 main restart`).
"""

from __future__ import annotations

import os
import uuid

import pytest

from benchmarks._crash_check import Acknowledged, check_store
from benchmarks.crash import Outcome, Run, crash
from tests.voucherlib.conftest import private_schema

QUICK = (0.2, 0.8)  # seconds a server lives


def _run(**kwargs) -> Outcome:
    outcome = crash(Run(life=QUICK, clients=3, **kwargs), say=lambda line: None)
    assert outcome.ok, outcome.problems[:10]
    assert outcome.checked["acknowledged saves"] > 0 and outcome.checked["audit verify"]
    return outcome


def test_sigkills_on_sqlite_lose_nothing_acknowledged():
    outcome = _run(kills=4, seed=3)
    assert outcome.kills == 4 and outcome.lives == 5


@pytest.mark.postgres
def test_sigkills_and_a_dropped_pool_on_postgresql_lose_nothing_acknowledged():
    with private_schema(f"guoku_crash_{uuid.uuid4().hex[:10]}") as url:
        outcome = _run(kills=3, seed=4, db=url, pg_drop=2)
    assert (outcome.kills, outcome.drops) == (2, 1)


def test_the_check_finds_a_lost_voucher_and_a_half_visible_one(tmp_path):
    """The checker is not blind: an acknowledged voucher missing, or one in doubt stored without
    its stamps, each fail it."""
    from benchmarks._vouchers import ADM, VT, YEAR, StampedVouchers
    from evoucher.codec import parse_mof
    from evoucher.pki.builder import create_environment
    from tests.voucherlib.store.helpers import FINANCE
    from voucherlib.store import VoucherKey, open_store

    env = create_environment(tmp_path / "env", scenario="small", seed=5)
    vouchers = StampedVouchers(env)
    lost, half = (parse_mof(vouchers.make()[1])[0] for _ in "ab")
    db = f"sqlite:///{tmp_path}/half.db"
    with open_store(db) as store:
        key = VoucherKey(ADM, YEAR, VT, half.voucher_no, 0)
        store.atomic(lambda ops: ops.save(FINANCE, key, half.voucher))  # the bytes, not the stamps
    outcome = Outcome()
    seen = Acknowledged(saved={lost.voucher_no: lost}, doubt_saved={half.voucher_no: half})
    check_store(db, seen, outcome)
    assert outcome.problems == [
        f"store: acknowledged save of {lost.voucher_no} is lost",
        f"store: {half.voucher_no} is not what was sent (half-visible or changed)",
    ]


@pytest.mark.slow
def test_ci_sized_sigkills_on_sqlite():
    outcome = _run(kills=20, seed=11)
    assert outcome.kills == 20


@pytest.mark.slow
@pytest.mark.postgres
def test_ci_sized_sigkills_on_postgresql_with_a_server_restart():
    restart = os.environ.get("GUOKU_PG_RESTART_CMD")
    with private_schema(f"guoku_crash_{uuid.uuid4().hex[:10]}") as url:
        outcome = _run(kills=11, seed=12, db=url, pg_drop=5, pg_restart_cmd=restart)
    assert (outcome.kills, outcome.drops) == (10, 1)
