"""`guoku simulate` as a user runs it: model mode to stdout, usage errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys


def _guoku(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "guoku", *args], capture_output=True, text=True, timeout=300)


def test_model_mode_json_and_report_files(tmp_path):
    done = _guoku(
        "simulate", "small-province", "--mode", "model", "--seed", "4", "--out", str(tmp_path), "--json"
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["mode"] == "model" and summary["seed"] == 4
    assert json.loads((tmp_path / "summary.json").read_text(encoding="utf-8")) == summary
    for name in ("series.csv", "flows.csv", "latency.png", "library.png", "backlog.png", "report.html"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert "small-province" in done.stderr  # progress


def test_usage_errors_exit_2():
    assert _guoku("simulate", "atlantis").returncode == 2
    many = _guoku("simulate", "small-province", "--mode", "reference", "--replications", "3")
    assert many.returncode == 2 and "one replication" in many.stderr
