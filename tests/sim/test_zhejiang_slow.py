"""The whole `zhejiang` scenario in model mode, July 2013 to the end of 2018 (slow: `make test-slow`).

The figures docs/sim.md records come from the documented command (`/usr/bin/time -v guoku
simulate zhejiang --mode model`); this test checks that the run completes with the rollout the
seed report describes, and its peak memory.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_zhejiang_2013_to_2018_in_model_mode(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "guoku", "simulate", "zhejiang", "--mode", "model", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["from"] == "2013-07-01" and summary["days"] == 2010
    rollout = summary["rollout"]
    share = {m: sum(v[0] for v in f.values()) / sum(sum(v) for v in f.values()) for m, f in rollout.items()}
    assert share["2013-08"] < 0.01 < share["2015-06"] < share["2017-09"] < share["2018-12"]
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < 2 * 1024 * 1024  # KiB: under 2 GiB
