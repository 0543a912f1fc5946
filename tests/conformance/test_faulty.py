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
