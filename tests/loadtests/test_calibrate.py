"""`guoku load calibrate` writes the shared service-time file (guoku-service-times/1)."""

from __future__ import annotations

import json

import pytest

from evoucher.interface import OPERATION_BY_NAME
from guoku.cli import main
from loadtests.calibrate import calibrate

from .conftest import run_config


@pytest.fixture(scope="module")
def calibration(tmp_path_factory):
    """The file as `calibrate` writes it for an embedded 2.0 reference, one caller."""
    from evoucher.pki.builder import create_environment
    from voucherlib.app import create_app
    from voucherlib.loopback import serve_in_thread
    from voucherlib.settings import Settings

    home = tmp_path_factory.mktemp("calibrate")
    env = create_environment(home / "env", scenario="tiny", seed=3)
    app = create_app(Settings(env_dir=env.root, db_url=f"sqlite:///{home / 'lib.db'}", profile="2.0"))
    path = home / "service-times.json"
    with serve_in_thread(app) as url:
        config = run_config(env, url, profile="2.0", model="closed", users=1, duration=3.0, warmup=1.0)
        result, document = calibrate(config, home / "out", path)
    assert document is not None, [(g.name, g.detail) for g in result.failed_gates]
    assert {g.name for g in result.failed_gates} <= {"pool"}
    return path


def test_each_operation_gets_its_service_times(calibration):
    document = json.loads(calibration.read_text(encoding="utf-8"))
    assert document["format"] == "guoku-service-times/1" and document["tool"] == "guoku load calibrate"
    profile = document["profiles"]["2.0"]
    assert profile["concurrency"] == 1 and profile["target"].startswith("http://127.0.0.1:")
    # the single operations sim's model times, measured on the 2.0 library too
    wanted = {
        "saveStampVoucher",
        "sendVoucher",
        "readVoucherAgain",
        "confirmVoucher",
        "queryVoucherStatusByOrgType",
    }
    assert wanted <= set(profile["operations"])
    for name, op in profile["operations"].items():
        assert name in OPERATION_BY_NAME
        samples = op["samples_ms"]
        assert samples == sorted(samples) and 0 < len(samples) <= 1000 and op["n"] == len(samples)
        assert 0 < op["p50_ms"] <= op["p95_ms"] <= op["p99_ms"] and op["mean_ms"] > 0


def test_sims_reader_loads_the_file(calibration):
    """`sim`'s own reader takes what `guoku load calibrate` wrote, operation by operation."""
    import numpy as np

    from sim.calibration import load

    times = load(calibration)
    document = json.loads(calibration.read_text(encoding="utf-8"))
    assert times.profiles == ["2.0"]
    for name, op in document["profiles"]["2.0"]["operations"].items():
        drawn = times.times("2.0", name).draw(np.random.default_rng(1), 50) * 60000  # minutes -> ms
        assert set(np.round(drawn, 3)) <= set(op["samples_ms"])  # sampled from our measurements


def test_a_target_without_an_environment_is_a_usage_error(capsys):
    assert main(["load", "calibrate", "--target", "http://127.0.0.1:9"]) == 2
    assert "--env" in capsys.readouterr().err
