"""A revocation reaches a running library: the CRLs are re-read when their files change."""

from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path

import pytest

from evoucher.pki import load_environment
from evoucher.pki.builder import revoke
from evoucher.pki.environment import MANIFEST
from voucherlib.service import revocation
from voucherlib.service.revocation import CrlWatch

from .support import ADM, BANK, UNIT, YEAR, fault

pytestmark = pytest.mark.anyio
QUERY = (ADM, YEAR, "2301", ["A1"], "001")


@pytest.fixture
def own_env(env_dir: Path, tmp_path: Path) -> Path:
    """A copy of the test environment this test may revoke in."""
    return Path(shutil.copytree(env_dir, tmp_path / "env"))


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_watch_rereads_changed_crls_at_most_every_interval(own_env):
    clock = Clock()
    watch = CrlWatch(load_environment(own_env), interval=5, clock=clock)
    first = watch.current()
    clock.now = 10
    assert watch.current() is first  # nothing changed: the same reading
    revoke(own_env, BANK, reason="keyCompromise")
    clock.now = 12
    assert watch.current() is first  # looked at 10: not again before 15
    clock.now = 15
    fresh = watch.current()
    assert fresh is not first and len(fresh.crls) == len(first.crls) + 1
    assert fresh.env.revocation(fresh.env.party(BANK).cert_id) is not None
    assert fresh.env.parties == first.env.parties  # only the CRLs are re-read


def test_a_broken_manifest_keeps_the_old_crls_until_it_is_whole_again(own_env, caplog):
    clock = Clock()
    watch = CrlWatch(load_environment(own_env), interval=0, clock=clock)
    first = watch.current()
    manifest = own_env / MANIFEST
    whole = manifest.read_text(encoding="utf-8")
    manifest.write_text(whole[: len(whole) // 2], encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="voucherlib.service"):
        assert watch.current() is first
    assert "keeping the old ones" in caplog.text
    manifest.write_text(whole, encoding="utf-8")
    revoke(own_env, BANK)
    assert watch.current() is not first


def test_threads_meeting_a_change_share_one_reload(own_env, monkeypatch):
    loads = []
    real = revocation.load_environment
    monkeypatch.setattr(revocation, "load_environment", lambda root: loads.append(root) or real(root))
    clock = Clock()
    watch = CrlWatch(load_environment(own_env), interval=1, clock=clock)
    revoke(own_env, BANK)
    clock.now = 1
    start, seen = threading.Barrier(8), []
    threads = [
        threading.Thread(target=lambda: (start.wait(), seen.append(watch.current()))) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(loads) == 1 and len({id(s) for s in seen}) == 1


async def test_a_running_library_refuses_a_certificate_revoked_after_it_started(open_library, own_env):
    async with open_library(env_dir=own_env, crl_refresh_seconds=0) as lib:
        before = await lib.client(BANK).query_voucher_status_by_org_type(*QUERY)
        revoke(own_env, BANK, reason="keyCompromise")  # what `guoku env revoke DIR WHO` does
        revoke(own_env, UNIT)  # a second CRL, most likely within the same second as the first
        after = [await fault(lib.client(who).call("queryVoucherType", ADM, YEAR)) for who in (BANK, UNIT)]
    assert before == {"A1": (-1, "凭证不存在")}
    assert all(f.evs_code == "EVS112" and "revoked" in f.message for f in after), after
