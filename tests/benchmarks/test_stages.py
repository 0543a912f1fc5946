"""benchmarks._stages: each wrapped function's own CPU time, without the wrapped functions it calls,
wherever it was imported; and `bench_pipeline` (without --before) end to end (slow)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

from benchmarks._stages import Stages

ROOT = Path(__file__).resolve().parents[2]


def _spin(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


@pytest.fixture
def toy(monkeypatch):
    """A module whose outer() spins 20 ms and calls inner(), which spins 30 ms; and a module that
    imported inner by name."""
    module = types.ModuleType("toy_stages")
    exec(
        "def inner(spin):\n    spin(0.03)\n\n"
        "def outer(spin):\n    spin(0.02)\n    inner(spin)\n\n"
        "class Thing:\n    def method(self, spin):\n        spin(0.01)\n        return outer(spin)\n",
        module.__dict__,
    )
    user = types.ModuleType("toy_user")
    user.inner = module.inner
    monkeypatch.setitem(sys.modules, "toy_stages", module)
    monkeypatch.setitem(sys.modules, "toy_user", user)
    return module, user


def test_each_stage_gets_its_own_time_without_the_stages_it_calls(toy):
    module, user = toy
    stages = Stages()
    stages.install(["toy_stages:inner", "toy_stages:outer", "toy_stages:Thing.method"])
    module.Thing().method(_spin)
    user.inner(_spin)  # imported by name before the install: wrapped there too
    table = {name: (ms, calls) for name, ms, calls in stages.table(1)}
    assert table["toy_stages:inner"][1] == 2
    assert table["toy_stages:inner"][0] == pytest.approx(60, abs=8)
    assert table["toy_stages:outer"] == (pytest.approx(20, abs=5), 1)
    assert table["toy_stages:Thing.method"] == (pytest.approx(10, abs=5), 1)
    stages.reset()
    assert stages.table(1) == []


@pytest.mark.slow
def test_bench_pipeline_alone_prints_where_the_send_paths_cpu_goes():
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_pipeline", "--rounds", "1", "--vouchers", "20"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    rows = dict(re.findall(r"^  (\S+:\S+)\s+(\d+\.\d+)\s", run.stdout, re.MULTILINE))
    assert float(rows["evoucher.crypto.sm2:verify_digest"]) > 0
    assert float(rows["evoucher.seal.model:load_signature"]) > 0
    assert re.search(r"process, with the wrappers.*100\.0%\s+\d+\.\d", run.stdout)
