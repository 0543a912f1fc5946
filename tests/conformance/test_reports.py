"""Reports, the signed bundle, waivers and the declaration, on real runs against the reference and a
faulty library (the failing run must carry its evidence, never a private key)."""

from __future__ import annotations

import datetime as dt
import json
from xml.etree import ElementTree as ET

import pytest

from conformance.bundle import SigningKey, load_signing_key, sign_bundle, verify_bundle
from conformance.declaration import Declaration
from conformance.engine import Config, run
from conformance.events import CheckFinished, GroupFinished, GroupStarted, RunFinished, RunStarted
from conformance.reports import write_all
from conformance.waivers import Waiver
from tests.conformance.defects import DEFECTS

TAMPERED = next(d for d in DEFECTS if d.name == "accepts a tampered stamp")
CHECKS = (
    "stamps.tampered-voucher-refused",
    "stamps.moved-to-other-position-refused",
    "wire.status-map-shape",
)


def _run(url, env_dir, *, waivers=(), **declared) -> tuple[list, dict]:
    config = Config(
        target=url,
        env_dir=env_dir,
        declaration=Declaration(**declared),
        only=CHECKS,
        waivers=tuple(waivers),
        business_date=dt.date.today(),
    )
    events = list(run(config))
    return events, events[-1].report


@pytest.fixture(scope="module")
def failing(env_dir, tmp_path_factory):
    """One run against the library that accepts tampered stamps."""
    from tests.conformance.conftest import reference

    db = tmp_path_factory.mktemp("failing") / "lib.db"
    with reference(env_dir, f"sqlite:///{db}", defect=TAMPERED) as url:
        return _run(url, env_dir)


def test_engine_yields_events_in_order(failing):
    events, report = failing
    kinds = [type(e) for e in events]
    assert kinds[0] is RunStarted and kinds[-1] is RunFinished
    assert kinds.count(GroupStarted) == kinds.count(GroupFinished) == 2  # stamps, wire
    assert sum(isinstance(e, CheckFinished) for e in events) == len(CHECKS)
    assert report["soap_calls"] == sum(e.soap_calls for e in events if isinstance(e, CheckFinished))


def test_failure_names_requirement_with_evidence_and_replay(failing):
    _, report = failing
    result = next(r for r in report["results"] if r["check"] == "stamps.tampered-voucher-refused")
    assert result["outcome"] == "failed" and result["broken_requirements"] == ["VL-LIB-023"]
    assert "--only stamps.tampered-voucher-refused --seed 0" in result["replay"]
    operations = [e["operation"] for e in result["evidence"]]
    assert "saveStampVoucher" in operations
    assert all(e["request"].startswith("<?xml") for e in result["evidence"])
    assert report["requirements"]["VL-LIB-023"]["verdict"] == "FAIL"
    assert report["exit_code"] == 1 and report["totals"]["failed"] == 1


def test_reports_render_from_report_json_without_secrets(failing, tmp_path):
    _, report = failing
    paths = write_all(report, tmp_path)
    assert json.loads(paths["report.json"].read_text(encoding="utf-8")) == report
    suites = ET.parse(paths["junit.xml"]).getroot()
    failures = [c for c in suites.iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failures] == ["stamps.tampered-voucher-refused"]
    assert "VL-LIB-023" in failures[0].find("failure").get("message")
    html = paths["report.html"].read_text(encoding="utf-8")
    assert "VL-LIB-023" in html and "saveStampVoucher" in html and "FAIL" in html
    for path in paths.values():
        assert "PRIVATE KEY" not in path.read_text(encoding="utf-8")


def test_bundle_detects_any_change(failing, tmp_path):
    _, report = failing
    write_all(report, tmp_path)
    signer = load_signing_key(tmp_path / "key")
    sign_bundle(tmp_path, signer)
    assert verify_bundle(tmp_path, trusted=signer.cert_der).ok
    (tmp_path / "report.html").write_text("<p>PASS</p>", encoding="utf-8")
    verdict = verify_bundle(tmp_path)
    assert not verdict.ok and any("report.html: changed" in p for p in verdict.problems)
    sign_bundle(tmp_path, signer)  # re-signed by the same key: intact again
    (tmp_path / "extra.txt").write_text("x", encoding="utf-8")
    assert any("added after signing" in p for p in verify_bundle(tmp_path).problems)
    (tmp_path / "extra.txt").unlink()
    other = load_signing_key(tmp_path / "other-key")
    sign_bundle(tmp_path, SigningKey(other.key, other.cert_der))
    assert verify_bundle(tmp_path).ok
    assert not verify_bundle(tmp_path, trusted=signer.cert_der).ok  # not the testbed's key


def test_waiver_turns_a_failure_into_waived_and_reports_stale_and_expired(library, env_dir):
    today = dt.date.today()
    waivers = [
        Waiver("stamps.tampered-voucher-refused", "fix in 2.3", "vendor QA", today + dt.timedelta(days=30)),
        Waiver("wire.status-map-shape", "obsolete", "vendor QA", today + dt.timedelta(days=30)),
        Waiver("stamps.moved-to-other-position-refused", "old", "vendor QA", today - dt.timedelta(days=1)),
    ]
    with library(defect=TAMPERED) as url:
        _, report = _run(url, env_dir, waivers=waivers)
    outcome = {r["check"]: r["outcome"] for r in report["results"]}
    assert outcome["stamps.tampered-voucher-refused"] == "waived"
    problems = {f["check"]: f["problem"] for f in report["waiver_findings"]}
    assert problems["wire.status-map-shape"].startswith("stale")
    assert problems["stamps.moved-to-other-position-refused"].startswith("expired")
    assert report["exit_code"] == 1  # stale and expired waivers fail the run
    assert report["requirements"]["VL-LIB-023"]["verdict"] == "PASS WITH WAIVERS"


def test_undeclared_feature_is_not_applicable(library, env_dir):
    config = Config(
        target="",
        env_dir=env_dir,
        declaration=Declaration(export_pdf=False, attachments=False),
        only=("options.export-pdf-counts-prints", "options.attachment-round-trip"),
    )
    with library() as url:
        events = list(run(Config(**{**config.__dict__, "target": url})))
    results = events[-1].report["results"]
    assert [r["outcome"] for r in results] == ["not applicable", "not applicable"]
    assert events[-1].report["exit_code"] == 0
