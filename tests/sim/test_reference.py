"""Reference mode: mocks' parties on the simulated clock against the embedded reference library."""

from __future__ import annotations

from sim.flows import REFUND, REPORTS, STATEMENTS
from sim.metrics import EDGES
from tests.sim.conftest import DAYS

# The agreement band (docs/sim.md): per flow the vouchers sent are equal; the pooled electronic
# latency percentiles (application -> receipt) agree within 20 % or one finance polling cycle
# (10 simulated minutes), whichever is wider. Both modes tick on the same ITFE grid; they differ
# in service times (measured vs drawn) and in the order a cycle handles what it found.
BAND_SHARE, BAND_MINUTES = 0.20, 10.0


def test_reference_day_ends_with_every_invariant_and_the_audit_trail(reference_day):
    summary, report, _ = reference_day
    failed = [v.name for v in report.verdicts if v.ok is not True]
    assert failed == [], failed
    assert summary["reference"]["ok"] is True
    assert summary["reference"]["library_calls"] > 100


def test_reference_day_charges_measured_calls_to_the_library(reference_day):
    summary, _, sim = reference_day
    assert summary["library"]["ops"] == summary["reference"]["library_calls"]
    assert 0 < summary["library"]["busy_minutes"] < 60  # milliseconds per call, a few hundred calls
    row = {r["flow"]: r for r in summary["flows"]}["直接支付 5201"]
    assert row["receipt"] == row["sent"] > 0
    assert row["funds_min"]["p50"] < row["receipt_min"]["p50"]  # money moves before the receipt is read
    assert sim.env.now == DAYS * 24 * 60 and summary["days"] == DAYS


def test_reference_days_play_refunds_statements_and_reports(reference_day):
    summary, report, _ = reference_day
    rows = {r["flow"]: r for r in summary["flows"]}
    for flow in (REFUND, STATEMENTS, REPORTS):
        assert rows[flow]["receipt"] == rows[flow]["sent"] > 0, flow
    beyond = rows["授权支付 8202"]  # each one beyond quota returned, then paid after a supplementary 5106
    assert beyond["returned"] > 0 and beyond["receipt"] == beyond["sent"] - beyond["returned"]
    played = {row.vt_code for row in report.board}
    assert {
        "2252",
        "3208",
        "3268",
        "2302",
        "3503",
        "3504",
        "3505",
        "3554",
        "5508",
        "2507",
        "2206",
        "3410",
    } <= played
    checked = next(v for v in report.verdicts if v.name == "reconciliation 相符")
    assert checked.ok and int(checked.detail.split()[0]) > 0  # statements and lists were compared


def test_model_mode_agrees_with_reference_mode(reference_day, model_day):
    reference, _, _ = reference_day
    sent = lambda s: {(r["flow"], r["medium"]): (r["sent"], r["returned"]) for r in s["flows"]}  # noqa: E731
    assert sent(model_day) == sent(reference)
    assert {REFUND, STATEMENTS, REPORTS, "额度清算 2301/2302"} <= {flow for flow, _ in sent(reference)}
    for key in ("electronic_receipt_p50_min", "electronic_receipt_p95_min", "electronic_funds_p50_min"):
        ref, mod = reference["headline"][key], model_day["headline"][key]
        assert abs(ref - mod) <= max(BAND_SHARE * ref, BAND_MINUTES), (key, ref, mod)
    assert len(EDGES) > 1000
