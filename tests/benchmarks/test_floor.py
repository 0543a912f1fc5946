"""bench_floor end to end against real `guoku serve` processes (slow: `make test-slow`), and its
presigned client refusing to count refusals."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks._presigned import drive, send_path_requests
from benchmarks._vouchers import BUSINESS_DATE, StampedVouchers
from evoucher.pki.builder import create_environment
from voucherlib.app import create_app
from voucherlib.loopback import serve_in_thread
from voucherlib.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _bench(name: str, *args: str) -> subprocess.CompletedProcess:
    """`python -m benchmarks.NAME ARGS` from the checkout, its output captured."""
    command = [sys.executable, "-m", f"benchmarks.{name}", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


@pytest.mark.slow
def test_a_replayed_plan_fails_the_run_instead_of_counting_refusals(tmp_path: Path):
    env = create_environment(tmp_path / "env", scenario="tiny", seed=2)
    vouchers = StampedVouchers(env)
    vouchers.fill(4)
    app = create_app(Settings(env_dir=tmp_path / "env", db_url=f"sqlite:///{tmp_path}/lib.db",
                              business_date=BUSINESS_DATE))  # fmt: skip
    with serve_in_thread(app) as url:
        plan = send_path_requests(url, env, vouchers.take, 4)
        assert asyncio.run(drive(url, plan, clients=2, seconds=30))[0] == 4
        with pytest.raises(RuntimeError, match="HTTP 500"):  # the same nonces again: refused
            asyncio.run(drive(url, plan, clients=2, seconds=30))


@pytest.mark.slow
def test_bench_floor_prints_the_server_cpu_against_the_floor_and_the_scaling():
    run = _bench("bench_floor", "--rounds", "1", "--seconds", "0.6")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    ratios = re.findall(r"= (\d+\.\d+)× (5|13) verifies with", run.stdout)
    assert {count for _, count in ratios} == {"5", "13"} and all(float(r) > 0 for r, _ in ratios)
    assert re.search(r"Scaling: 2 workers \d+\.\d+× one worker", run.stdout)


@pytest.mark.slow
def test_bench_pipeline_compares_two_checkouts_round_by_round(tmp_path: Path):
    """Against itself the ratio is near 1; a checkout that cannot run fails the benchmark."""
    run = _bench("bench_pipeline", "--before", str(ROOT), "--rounds", "1", "--vouchers", "20")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    [(pipeline, process)] = re.findall(r"÷ \S+: pipeline (\d+\.\d+)×, process (\d+\.\d+)×", run.stdout)
    assert 0.3 < float(pipeline) < 3 and 0.3 < float(process) < 3, run.stdout
    broken = _bench("bench_pipeline", "--before", str(tmp_path), "--rounds", "1")
    assert broken.returncode == 2 and "is not a guoku checkout" in broken.stderr


@pytest.mark.slow
def test_bench_pipeline_alone_prints_where_the_send_paths_cpu_goes():
    run = _bench("bench_pipeline", "--rounds", "1", "--vouchers", "20")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    rows = dict(re.findall(r"^  (\S+:\S+)\s+(\d+\.\d+)\s", run.stdout, re.MULTILINE))
    assert float(rows["evoucher.crypto.sm2:verify_digest"]) > 0
    assert float(rows["evoucher.seal.model:load_signature"]) > 0
    assert re.search(r"process, with the wrappers.*100\.0%\s+\d+\.\d", run.stdout)
