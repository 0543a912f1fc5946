"""`guoku certify` and `guoku certify verify-report`: exit codes, progress, reports, rerun lines."""

from __future__ import annotations

import json

import pytest

from guoku.cli import main
from tests.conformance.defects import DEFECTS

TAMPERED = next(d for d in DEFECTS if d.name == "accepts a tampered stamp")


@pytest.fixture(autouse=True)
def _signing_home(tmp_path, monkeypatch):
    monkeypatch.setenv("GUOKU_HOME", str(tmp_path / "home"))


def test_usage_errors_exit_2(env_dir, capsys, tmp_path):
    assert main(["certify", "--target", "http://127.0.0.1:9"]) == 2
    assert "--env" in capsys.readouterr().err
    assert main(["certify", "--only", "no.such-check", "--list"]) == 2
    bad = tmp_path / "vendor.toml"
    bad.write_text('profile = "3.0"\n', encoding="utf-8")
    assert main(["certify", "--declare", str(bad), "--list"]) == 2
    assert main(["certify", "verify-report", str(tmp_path / "nothing")]) == 2


def test_list_shows_checks_with_requirements(capsys):
    assert main(["certify", "--only", "stamps.tampered-voucher-refused", "--list"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("stamps.tampered-voucher-refused\t") and "VL-LIB-023" in line


def test_failing_target_exits_1_with_rerun_line_and_signed_reports(library, env_dir, tmp_path, capsys):
    out = tmp_path / "cert"
    with library(defect=TAMPERED) as url:
        code = main(
            [
                "certify",
                "--target",
                url,
                "--env",
                str(env_dir),
                "--out",
                str(out),
                "--only",
                "stamps.tampered-voucher-refused,wire.status-map-shape",
                "--seed",
                "5",
            ]
        )
    captured = capsys.readouterr()
    assert code == 1
    assert "FAILED stamps.tampered-voucher-refused [VL-LIB-023]" in captured.err
    assert "--only stamps.tampered-voucher-refused --seed 5" in captured.err
    assert "[stamps] F" in captured.err and "[wire] ." in captured.err
    assert "requirements broken: VL-LIB-023" in captured.out
    assert {p.name for p in out.iterdir()} >= {"report.json", "junit.xml", "report.html", "MANIFEST.json"}
    assert (
        main(["certify", "verify-report", str(out), "--trust", str(tmp_path / "home/certify/testbed.cer")])
        == 0
    )
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    report["verdict"] = "PASS"
    (out / "report.json").write_text(json.dumps(report), encoding="utf-8")
    assert main(["certify", "verify-report", str(out)]) == 1
    assert "report.json: changed after signing" in capsys.readouterr().out


def test_passing_target_exits_0_with_json(library, env_dir, tmp_path, capsys):
    with library() as url:
        args = [
            "--target",
            url,
            "--env",
            str(env_dir),
            "--out",
            str(tmp_path / "c"),
            "--json",
            "--only",
            "hostile",
        ]
        code = main(["certify", *args])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["verdict"] == "PASS" and report["totals"]["passed"] == len(report["results"])
