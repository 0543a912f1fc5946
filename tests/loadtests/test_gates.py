"""Gates have teeth: targets that lose, duplicate or lie fail their run, whatever their speed."""

from __future__ import annotations

import pytest

from loadtests.engine import run
from loadtests.outcome import analyse

from .conftest import proxied, run_config


def _failed(result) -> set[str]:
    return {g.name for g in result.failed_gates}


@pytest.mark.parametrize(
    ("mode", "gate"),
    [("lossy", "no-loss"), ("duplicating", "no-duplicate"), ("lying", "statuses")],
)
def test_a_faulty_target_fails_its_gate(load_env, reference, tmp_path, mode, gate):
    with reference("1.0") as library, proxied(library, mode=mode) as (target, _proxy):
        config = run_config(load_env, target, duration=2.0)
        result = analyse(run(config, tmp_path / "out"))
    assert not result.passed
    assert gate in _failed(result), [(g.name, g.detail) for g in result.gates]
    failed = next(g for g in result.gates if g.name == gate)
    assert failed.examples  # the report names the vouchers
