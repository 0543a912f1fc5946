"""The suite has teeth: each deliberately faulty library is failed by the checks aimed at its defect,
and the report names the requirement it breaks."""

from __future__ import annotations

import pytest

from tests.conformance.conftest import certify
from tests.conformance.defects import DEFECTS


@pytest.mark.parametrize("defect", DEFECTS, ids=[d.name for d in DEFECTS])
def test_faulty_library_fails_and_the_report_names_the_requirement(defect, library, env_dir):
    with library(profile=defect.profile, auth=defect.auth, defect=defect) as url:
        report = certify(url, env_dir, only=defect.checks, profile=defect.profile, auth=defect.auth)
    results = {r["check"]: r for r in report["results"]}
    failed = [c for c in defect.checks if results[c]["outcome"] == "failed"]
    assert failed, {c: (results[c]["outcome"], results[c]["message"]) for c in defect.checks}
    broken = {rid for c in failed for rid in results[c]["broken_requirements"]}
    assert defect.requirement in broken, {c: results[c]["broken_requirements"] for c in failed}
    assert report["requirements"][defect.requirement]["verdict"] == "FAIL"
    assert report["exit_code"] == 1
    assert all(results[c]["replay"].endswith(f"--only {c} --seed 0") for c in failed)


@pytest.mark.slow  # Hypothesis shrinks against the live library: ~17 s
def test_state_machine_failure_carries_the_shrunk_sequence(library, env_dir):
    defect = next(d for d in DEFECTS if d.name == "reports status 3 before confirm")
    with library(defect=defect) as url:
        report = certify(url, env_dir, only=("stateful.lifecycle-machine",), seed=11)
    [result] = report["results"]
    assert result["outcome"] == "failed" and result["broken_requirements"] == ["VL-LIB-035"]
    assert "shrunk minimal sequence (replay with --seed 11)" in result["message"]
    steps = result["detail"]["minimal sequence"]
    assert "state.write()" in steps and "state.read" in steps
    assert result["replay"].endswith("--only stateful.lifecycle-machine --seed 11")
