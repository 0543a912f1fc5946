"""docs/conformance.md is current, and every VL-WIRE and VL-LIB requirement is covered or explained."""

from __future__ import annotations

from conformance import coverage
from conformance.checks.registry import rule_requirements
from evoucher.registry import RULES


def test_coverage_page_is_current():
    assert coverage.PAGE.read_text(encoding="utf-8") == coverage.render(), (
        "run python -m conformance.coverage"
    )


def test_every_wire_and_library_requirement_is_covered_or_explained():
    cover = coverage.covering()
    missing = [
        rid
        for rid, _, _ in coverage.spec_rows()
        if rid.startswith(("VL-WIRE", "VL-LIB")) and rid not in cover and rid not in coverage.EXPLAINED
    ]
    assert not missing
    unexplained = [
        rid for rid, _, _ in coverage.spec_rows() if rid not in cover and not coverage.why_not(rid)
    ]
    assert not unexplained


def test_every_registry_rule_names_its_requirement():
    assert set(rule_requirements()) == set(RULES)
