"""Reference mode: mocks' parties on the simulated clock against the embedded reference library."""

from __future__ import annotations

from sim.metrics import EDGES

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
    assert sim.env.now == 24 * 60


def test_model_mode_agrees_with_reference_mode(reference_day, model_day):
    reference, _, _ = reference_day
    sent = lambda s: {(r["flow"], r["medium"]): r["sent"] for r in s["flows"]}  # noqa: E731
    assert sent(model_day) == sent(reference)
    for key in ("electronic_receipt_p50_min", "electronic_receipt_p95_min", "electronic_funds_p50_min"):
        ref, mod = reference["headline"][key], model_day["headline"][key]
        assert abs(ref - mod) <= max(BAND_SHARE * ref, BAND_MINUTES), (key, ref, mod)
    assert len(EDGES) > 1000
