"""Lines for the terminal: progress per check group on stderr, the table per area at the end."""

from __future__ import annotations

from typing import Any

from conformance.events import CheckFinished, Event, GroupFinished, GroupStarted, RunStarted
from conformance.outcomes import Outcome

MARK = {
    Outcome.PASSED: ".",
    Outcome.FAILED: "F",
    Outcome.ERROR: "E",
    Outcome.SKIPPED: "s",
    Outcome.NOT_APPLICABLE: "-",
    Outcome.WAIVED: "w",
}
SHORT = {
    "passed": "pass",
    "failed": "FAIL",
    "skipped": "skip",
    "not applicable": "n/a",
    "error": "ERR",
    "waived": "waived",
}


def progress(event: Event) -> str | None:
    """A progress line for an event, or None (CheckFinished of a passing check prints nothing)."""
    if isinstance(event, RunStarted):
        where = f"{len(event.areas)} areas against {event.target}"
        return f"guoku certify: {event.checks} checks in {where} (seed {event.seed})"
    if isinstance(event, GroupStarted):
        return f"[{event.area}] {event.checks} checks …"
    if isinstance(event, CheckFinished):
        r = event.result
        if r.outcome in (Outcome.FAILED, Outcome.ERROR):
            return (
                f"  {r.outcome.value.upper()} {r.check_id} [{', '.join(r.broken or r.requirements)}]:"
                f" {r.message}\n"
                f"    rerun: {r.replay}"
            )
        return None
    if isinstance(event, GroupFinished):
        marks = "".join(MARK[r.outcome] for r in event.results)
        seconds = sum(r.seconds for r in event.results)
        return f"[{event.area}] {marks} ({seconds:.1f} s)"
    return None


def summary(report: dict[str, Any]) -> str:
    keys = list(report["totals"])
    width = max([len(a) for a in report["areas"]] + [5])
    lines = ["", f"{'area':<{width}}  " + "  ".join(f"{SHORT[k]:>6}" for k in keys)]
    for area, counts in report["areas"].items():
        lines.append(f"{area:<{width}}  " + "  ".join(f"{counts[k]:>6}" for k in keys))
    lines.append(f"{'total':<{width}}  " + "  ".join(f"{report['totals'][k]:>6}" for k in keys))
    failing = [rid for rid, row in report["requirements"].items() if row["verdict"] == "FAIL"]
    lines.append("")
    if failing:
        lines.append(f"requirements broken: {', '.join(failing)}")
    for f in report["waiver_findings"]:
        lines.append(f"waiver {f['check']} ({f['owner']}): {f['problem']}")
    lines.append(
        f"{len(report['results'])} checks, {report['soap_calls']} SOAP calls, {report['seconds']} s:"
        f" {report['verdict']}"
    )
    return "\n".join(lines)
