"""bench_nonces runs and prints each memory's CPU per check beside its ratio to NonceCache."""

from __future__ import annotations

import re

import pytest

from benchmarks import bench_nonces


def test_bench_nonces_prints_a_ratio_per_memory(capsys: pytest.CaptureFixture[str]):
    bench_nonces.main(["--checks", "50", "--rounds", "1"])
    out = capsys.readouterr().out
    for name in ("NonceCache (in process)", "SQLite STORE.nonces"):
        assert re.search(rf"{re.escape(name)}\s+[\d.]+ µs CPU\s+[\d.]+ × NonceCache", out), out
