"""`guoku load run` end to end: a 10-second run against the embedded reference passes its gates."""

from __future__ import annotations

import json

from guoku.cli import main


def test_a_ten_second_run_against_the_embedded_reference(tmp_path, capsys):
    out = tmp_path / "report"
    code = main(["load", "run", "--profile", "1.0", "--rate", "4", "--duration", "10", "--warmup", "2",
                 "--out", str(out), "--json"])  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    assert code == 0, [g for g in result["gates"] if not g["passed"]]
    assert result["passed"] and result["model"] == "open"
    assert {g["name"] for g in result["gates"]} == {
        "failures", "pool", "finished", "no-loss", "no-duplicate", "stamps", "statuses"
    }  # fmt: skip
    figures = result["figures"]
    assert 3.0 <= figures["vouchers_per_s"] <= 5.0  # 4 vouchers/s offered, all carried
    assert {o["operation"] for o in figures["operations"]} >= {
        "saveStampVoucher", "sendVoucher", "readVoucher", "confirmVoucher", "queryVoucherStatusByOrgType"
    }  # fmt: skip
    assert figures["vouchers_per_cpu_s"] > 0  # the embedded target's process is measured
    for name in ("report.html", "result.json", "timeline.png", "latency.png", "latency-distribution.png",
                 "locust.html", "locust_stats.csv"):  # fmt: skip
        assert (out / name).is_file(), name


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["load", "run", "--target", "http://127.0.0.1:9", "--duration", "1"]) == 2
    assert "--env" in capsys.readouterr().err
    assert main(["load", "run", "--target", "http://127.0.0.1:9", "--env", str(tmp_path)]) == 2
    assert "not a guoku environment" in capsys.readouterr().err
    assert main(["load", "compare"]) == 2
    assert main(["load", "run", "--mix", "no-such-mix", "--duration", "1"]) == 2
    assert "no-such-mix" in capsys.readouterr().err


def test_a_2_0_client_uses_the_combined_and_batch_operations_and_passes(load_env, reference, tmp_path):
    from loadtests.engine import run
    from loadtests.outcome import analyse

    from .conftest import run_config

    with reference("2.0") as library:
        result = analyse(run(run_config(load_env, library, profile="2.0", rate=10.0), tmp_path / "out"))
    assert result.passed, [(g.name, g.detail, g.examples) for g in result.failed_gates]
    operations = {o.operation for o in result.figures.operations}
    assert {"signStampByNosAndSend", "batchQueryAllVoucherStatus", "readVoucherAgain"} <= operations
    assert not operations & {"saveStampVoucher", "sendVoucher"}  # one combined call instead
