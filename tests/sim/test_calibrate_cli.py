"""`guoku simulate calibrate` against a real library over loopback: the file it writes is one model
mode accepts, with every operation measured there; an unreachable target is a clear failure."""

from __future__ import annotations

import json

from guoku.cli import main
from guoku.commands.demo import embedded_library
from sim.calibration import FORMAT, load

MODEL_OPERATIONS = (  # what model mode draws (sim/model.py)
    "saveStampVoucher",
    "saveSignVoucher",
    "sendVoucher",
    "readVoucherAgain",
    "confirmVoucher",
    "queryVoucherStatusByOrgType",
)


def test_calibrate_measures_a_running_library_and_model_mode_takes_the_file(province_env, tmp_path, capsys):
    path = tmp_path / "times.json"
    with embedded_library(province_env.root, f"sqlite:///{tmp_path / 'library.db'}") as (url, _):
        code = main(
            ["simulate", "calibrate", "--target", url, "--env", str(province_env.root), "--out", str(path)]
        )
    assert code == 0, capsys.readouterr().err
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == FORMAT and list(data["profiles"]) == ["2.0"]
    measured = data["profiles"]["2.0"]
    shipped = load("reference").data["profiles"]["2.0"]["operations"]
    assert measured["target"] == url
    for op in MODEL_OPERATIONS:
        entry = measured["operations"][op]
        assert entry["n"] > 0 and len(entry["samples_ms"]) == min(entry["n"], 1000), op
        assert entry["samples_ms"] != shipped[op]["samples_ms"], op  # measured here, not the shipped file
        assert 0 < entry["p50_ms"] <= entry["p95_ms"] <= entry["p99_ms"], op
        assert load(path).times("2.0", op).draw is not None
    capsys.readouterr()
    out = tmp_path / "report"
    assert main(["simulate", "small-province", "--mode", "model", "--calibration", str(path),
                 "--out", str(out), "--json"]) == 0  # fmt: skip
    summary = json.loads(capsys.readouterr().out)
    assert summary["headline"]["library_ops"] > 0


def test_an_unreachable_target_fails_clearly(province_env, tmp_path, capsys):
    path = tmp_path / "times.json"
    code = main(["simulate", "calibrate", "--target", "http://127.0.0.1:9", "--env", str(province_env.root),
                 "--out", str(path)])  # fmt: skip
    assert code == 1 and not path.exists()
    assert "cannot reach the library at http://127.0.0.1:9" in capsys.readouterr().err
