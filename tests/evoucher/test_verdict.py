"""Verdict words: every sub-indication knows its indication; reports serialise to JSON."""

import json
from datetime import UTC, datetime

from evoucher.verdict import Check, Failed, Indeterminate, Indication, Outcome, SealReport


def test_sub_indications_know_their_indication():
    assert {m.indication for m in Failed} == {Indication.FAILED}
    assert {m.indication for m in Indeterminate} == {Indication.INDETERMINATE}
    assert not {m.value for m in Failed} & {m.value for m in Indeterminate}
    assert Failed.STAMP_MISSING.indication is Indication.FAILED


def test_report_to_json():
    when = datetime(2026, 1, 2, tzinfo=UTC)
    check = Check("data-hash", Outcome.FAILED, "dataHash differs", Failed.HASH_FAILURE)
    report = SealReport(
        indication=Indication.FAILED,
        sub_indication=Failed.HASH_FAILURE,
        kind="signature",
        version=4,
        intact=False,
        valid=True,
        policy="default",
        checks=(check,),
        validation_time=when,
    )
    out = json.loads(json.dumps(report.to_json()))
    assert out["indication"] == "FAILED" and out["subindication"] == "HASH_FAILURE"
    assert (out["intact"], out["valid"]) == (False, True)
    assert out["checks"] == [
        {
            "name": "data-hash",
            "outcome": "FAILED",
            "detail": "dataHash differs",
            "subindication": "HASH_FAILURE",
        }
    ]
    assert out["validation_time"] == "2026-01-02T00:00:00+00:00"
    assert out["position"] is None
    assert SealReport(**{**report.__dict__, "position": "cz_gz"}).to_json()["position"] == "cz_gz"
    assert report.check("data-hash") is check and not report.passed
