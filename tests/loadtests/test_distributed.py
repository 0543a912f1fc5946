"""`--workers 2`: a Locust master and two workers on this machine share the load and the gates.

Slow (a minute on a busy machine): `.venv/bin/pytest -m slow tests/loadtests/test_distributed.py`.
"""

from __future__ import annotations

import json

import pytest

from guoku.cli import main

pytestmark = pytest.mark.slow


def test_a_master_and_two_workers_carry_the_run(tmp_path, capsys):
    out = tmp_path / "report"
    code = main(["load", "run", "--workers", "2", "--profile", "1.0", "--rate", "6", "--duration", "8",
                 "--warmup", "2", "--out", str(out), "--json"])  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    assert code == 0, [g for g in result["gates"] if not g["passed"]]
    assert result["config"]["workers"] == 2
    first, second = result["requests_per_process"]
    assert first > 50 and second > 50 and 0.6 < first / second < 1.6  # both generated, about equally
    operations = {o["operation"] for o in result["figures"]["operations"]}
    assert {"saveStampVoucher", "readVoucher", "confirmVoucher"} <= operations  # every party worked
    assert (out / "locust.html").is_file() and (out / "locust_stats.csv").is_file()  # the master's
