"""Two `guoku serve` processes on one PostgreSQL database serve the same vouchers consistently.

Scale-out as deployed (issue 4): two real OS processes, each on its own loopback port, one
schema, reached only through our SOAP client. Finance stamps different positions of the same
voucher through both at the same moment, and the PBoC confirms the same voucher through both
at the same moment: no stamp may be lost, exactly one confirm may take effect, both servers
must report the same statuses, and the audit chain must still verify (`guoku audit verify`).
The in-process twin of this test is tests/voucherlib/service/test_concurrency.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import httpx
import pytest

from evoucher.codec import build_mof, parse_mof
from evoucher.pki import Environment, load_environment
from evoucher.pki.builder import create_environment
from evoucher.stamp import verify_body
from mocks import LibraryFault, VoucherLibraryClient

from .conftest import private_schema
from .service.support import (
    ADM,
    BUSINESS_DATE,
    FINANCE,
    FINANCE_POSITIONS,
    PBOC,
    SERVICE,
    YEAR,
    body,
    stamped,
    voucher,
)

pytestmark = pytest.mark.postgres

STARTUP_SECONDS = 30
VOUCHERS = 12  # raced all at once: the more calls in flight, the likelier two writers meet in the store


@pytest.fixture
def db_url() -> Iterator[str]:
    """A schema of its own on the test server, dropped afterwards; no server skips (fails under CI)."""
    with private_schema(f"guoku_scaleout_{uuid.uuid4().hex[:12]}") as url:
        yield url


@pytest.fixture(scope="module")
def env_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scaleout-env")
    create_environment(root, scenario="tiny", seed=4)
    return root


@pytest.fixture
def servers(env_dir: Path, db_url: str, tmp_path: Path) -> Iterator[list[str]]:
    """Two `guoku serve` processes on `db_url`, started together; their base URLs once healthy."""
    processes, logs = [], [tmp_path / f"serve-{n}.log" for n in (1, 2)]
    command = [sys.executable, "-m", "guoku", "serve", "--env", str(env_dir), "--db", db_url, "--port", "0",
               "--business-date", BUSINESS_DATE.isoformat()]  # fmt: skip
    try:
        for log in logs:
            with log.open("wb") as out:
                processes.append(
                    subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
                )
        yield [_healthy(p, log) for p, log in zip(processes, logs, strict=True)]
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def _healthy(process: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        found = re.search(r"listening on (http://\S+)", log.read_text(errors="replace"))
        if found:
            try:
                if httpx.get(f"{found.group(1)}/healthz", timeout=2).status_code == 200:
                    return found.group(1)
            except httpx.HTTPError:
                pass
        time.sleep(0.05)
    pytest.fail(f"guoku serve did not become healthy:\n{log.read_text(errors='replace')[-2000:]}")


def client(env: Environment, url: str, who: str) -> VoucherLibraryClient:
    holder = env.holder(env.party(who).cert_id)
    return VoucherLibraryClient(
        url, service=SERVICE[env.party(who).org_type], cert_id=holder.cert_id,
        key=holder.key, cert_der=holder.cert.dump(),
    )  # fmt: skip


def call(env: Environment, url: str, who: str, operation: str, *args: object) -> object:
    """One call with a client of its own (calls run in parallel threads)."""
    with client(env, url, who) as c:
        return c.call(operation, *args)


def at_once(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads released together; each one's result, or the exception it raised."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> object:
        start.wait()
        try:
            return call()
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def guoku(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "guoku", *args], capture_output=True, text=True, timeout=60)


def test_two_servers_stamping_and_confirming_the_same_vouchers_at_once_lose_no_update(
    servers, env_dir, db_url
):
    env = load_environment(env_dir)
    vouchers = [voucher(seed=400 + n) for n in range(VOUCHERS)]
    nos = [v.voucher_no for v in vouchers]
    where = (ADM, YEAR, "5207")

    # every position of every voucher, alternately through each server, all at the same moment
    mofs = [build_mof([stamped(env, FINANCE, body(v), p)]) for v in vouchers for p in FINANCE_POSITIONS]
    saves = [
        partial(call, env, servers[i % 2], FINANCE, "saveStampVoucher", *where, m) for i, m in enumerate(mofs)
    ]
    assert at_once(*saves) == [None] * len(saves)
    call(env, servers[0], FINANCE, "sendVoucher", ADM, "011", "001", YEAR, "5207", nos)  # needs every stamp

    read = parse_mof(call(env, servers[1], PBOC, "readVoucherAgain", *where, 100))
    assert sorted(b.voucher_no for b in read) == sorted(nos)
    for b in read:
        assert sorted(s.position for s in b.stamps) == sorted(FINANCE_POSITIONS), b.voucher_no
        reports = verify_body(b, trust_anchors=env.trust_anchors, crls=env.crls)
        assert all(r.passed for r in reports), [r.failure_msg for r in reports]

    # each server signs for each voucher twice, every voucher at the same moment (24 calls)
    confirms = [
        partial(call, env, url, PBOC, "confirmVoucher", *where, [no]) for no in nos for url in servers * 2
    ]
    results = at_once(*confirms)
    for no, answers in zip(nos, (results[i : i + 4] for i in range(0, len(results), 4)), strict=True):
        assert answers.count(None) == 1, (no, answers)
        for other in (r for r in answers if r is not None):
            assert isinstance(other, LibraryFault) and other.evs_code, other
            assert other.is_idempotent_success, f"a losing confirm should read as already done: {other}"

    statuses = [call(env, url, FINANCE, "queryVoucherStatusByOrgType", *where, nos, "001") for url in servers]
    assert statuses[0] == statuses[1]
    assert {no: code for no, (code, _) in statuses[0].items()} == dict.fromkeys(nos, 3)

    shown = guoku("audit", "show", "--db", db_url, "--json")
    assert shown.returncode == 0, shown.stderr
    entries = json.loads(shown.stdout)["entries"]
    took_effect = [e for e in entries if e["operation"] == "confirmVoucher" and e["status_before"] == "1"]
    assert sorted(e["voucher"].split("/")[3] for e in took_effect) == sorted(nos)
    verified = guoku("audit", "verify", "--db", db_url)
    assert verified.returncode == 0 and "intact" in verified.stdout, verified.stdout + verified.stderr
