"""benchmarks._stages: each wrapped function's own CPU time, without the wrapped functions it calls,
wherever it was imported (`bench_pipeline` without --before, end to end: test_floor.py)."""

from __future__ import annotations

import sys
import time
import types

import pytest

from benchmarks._stages import Stages


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
