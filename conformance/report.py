"""report.json, the single source every other report is rendered from (USSQ's rule).

It holds the run's facts (suite version and catalogue digest, target, environment, declaration,
seed, run tag, timings, SOAP calls), every check's result with its evidence, the per-area counts,
a tested-requirements table (PASS / PASS WITH WAIVERS / FAIL / NOT TESTED per requirement id),
the waivers and their findings, and the exit code the run earns.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING, Any

from conformance import catalogue
from conformance.outcomes import CheckResult, Outcome
from conformance.waivers import findings
from evoucher.crypto.sm3 import sm3

if TYPE_CHECKING:
    from conformance.engine import Config
    from evoucher.pki import Environment

FORMAT = "guoku-certification/1"


def catalogue_digest() -> str:
    """SM3 of every check id with its requirement ids: names the exact suite a report came from."""
    lines = sorted(f"{c.id} {' '.join(c.requirements)}" for c in catalogue.load().values())
    return sm3("\n".join(lines).encode()).hex()


def requirement_table(results: list[CheckResult]) -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = {}
    for r in results:
        for rid in dict.fromkeys((*r.requirements, *r.broken)):
            row = table.setdefault(rid, {"verdict": "NOT TESTED", "checks": [], "failed": []})
            row["checks"].append(r.check_id)
            if r.outcome in (Outcome.FAILED, Outcome.ERROR) and (
                rid in r.broken or r.outcome is Outcome.ERROR
            ):
                row["failed"].append(r.check_id)
    for rid, row in table.items():
        outcomes = [r.outcome for r in results if rid in r.requirements or rid in r.broken]
        if row["failed"]:
            row["verdict"] = "FAIL"
        elif Outcome.WAIVED in outcomes:
            row["verdict"] = "PASS WITH WAIVERS"
        elif Outcome.PASSED in outcomes:
            row["verdict"] = (
                "PASS" if all(o is not Outcome.SKIPPED for o in outcomes) else "NOT FULLY VERIFIED"
            )
    return dict(sorted(table.items()))


def build(
    *,
    config: Config,
    env: Environment,
    run_tag: str,
    results: list[CheckResult],
    started: dt.datetime,
    seconds: float,
    soap_calls: int,
) -> dict[str, Any]:
    from guoku import __version__

    failed = {r.check_id for r in results if r.outcome in (Outcome.FAILED, Outcome.WAIVED)}
    waiver_findings = findings(config.waivers, failed, {r.check_id for r in results}, dt.date.today())
    blocking = [r.check_id for r in results if r.outcome.blocking]
    areas: dict[str, dict[str, int]] = {}
    for r in results:
        areas.setdefault(r.area, dict.fromkeys((o.value for o in Outcome), 0))[r.outcome.value] += 1
    totals = Counter(r.outcome.value for r in results)
    ok = not blocking and not waiver_findings
    return {
        "format": FORMAT,
        "suite": {
            "guoku": __version__,
            "catalogue_sm3": catalogue_digest(),
            "checks": len(catalogue.REGISTRY),
        },
        "target": config.target,
        "environment": {
            "dir": str(config.env_dir),
            "scenario": env.scenario,
            "seed": env.seed,
            "ca_sm3": sm3(env.ca_cert.dump()).hex(),
        },
        "declaration": config.declaration.to_json(),
        "only": list(config.only),
        "seed": config.seed,
        "run_tag": run_tag,
        "started": started.isoformat(timespec="seconds"),
        "seconds": round(seconds, 2),
        "soap_calls": soap_calls,
        "totals": {o.value: totals.get(o.value, 0) for o in Outcome},
        "areas": areas,
        "requirements": requirement_table(results),
        "waivers": [w.to_json() for w in config.waivers],
        "waiver_findings": waiver_findings,
        "verdict": "PASS" if ok else "FAIL",
        "exit_code": 0 if ok else 1,
        "results": [r.to_json() for r in results],
    }
