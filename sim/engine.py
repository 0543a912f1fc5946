"""Run a scenario: one replication in model or reference mode, or many in parallel (processes or Dask).

`simulate_model` needs only the scenario and a calibration file; `simulate_reference` needs a
library URL and the environment its parties hold certificates of (the CLI starts the embedded
reference, as `guoku demo` does; `sim` itself never imports `voucherlib`). Both return the
run's `summary` (a JSON-ready dict); model mode's is a pure function of (scenario, seed, dates).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from mocks.report import DayReport
from sim import calibration
from sim.core import Progress, Simulation
from sim.model import ModelBackend
from sim.scenario import Scenario, load
from sim.summary import summarise


@dataclass(frozen=True)
class RunSpec:
    scenario: str  # a shipped name or a path (so that worker processes load it themselves)
    seed: int = 1
    start: dt.date | None = None
    days: int | None = None
    calibration: str | None = None


def simulate_model(
    scenario: Scenario,
    *,
    seed: int,
    start=None,
    days=None,
    calibration_file=None,
    progress: Progress | None = None,
) -> tuple[dict[str, Any], Simulation]:
    times = calibration.load(calibration_file or scenario.library.get("calibration", "reference"))
    sim = Simulation(scenario, seed=seed, start=start, days=days)
    sim.run(ModelBackend(sim, times), progress)
    return summarise(sim, mode="model"), sim


def simulate_reference(
    scenario: Scenario,
    base_url: str,
    env,
    *,
    seed: int,
    start=None,
    days: int = 1,
    profile: str = "2.0",
    listener=None,
    audit=None,
    transport=None,
    progress: Progress | None = None,
) -> tuple[dict[str, Any], DayReport]:
    """`days` consecutive days of `scenario` against the library at `base_url`, as `env`'s parties;
    the invariants and the audit trail are judged at the end."""
    from sim.reference import ReferenceBackend

    started = time.perf_counter()
    sim = Simulation(scenario, seed=seed, start=start, days=days)
    backend = ReferenceBackend(sim, base_url, env, profile=profile, listener=listener, transport=transport)
    sim.run(backend, progress)
    report = backend.finish(audit, started)
    summary = summarise(sim, mode="reference")
    summary["reference"] = {
        "target": report.target,
        "ok": report.ok,
        "flows": [dataclasses.asdict(f) for f in report.flows],
        "verdicts": [v.to_json() for v in report.verdicts],
        "library_calls": backend.day_calls,
        "closing_calls": len(backend.recorder.calls) - backend.day_calls,  # final status sweep and board
    }
    return json.loads(json.dumps(summary, default=str)), report, sim


def run_spec(spec: RunSpec) -> dict[str, Any]:
    """One model-mode replication, as a worker process or a Dask task runs it."""
    summary, _ = simulate_model(
        load(spec.scenario),
        seed=spec.seed,
        start=spec.start,
        days=spec.days,
        calibration_file=spec.calibration,
    )
    return summary


def replicate(
    specs: list[RunSpec], *, jobs: int = 1, dask: str | None = None, done: Callable[[int], None] | None = None
) -> list[dict[str, Any]]:
    """Run the replications in `jobs` processes, or on the Dask scheduler at `dask`."""
    if dask:
        from distributed import Client

        with Client(dask) as client:
            futures = client.map(run_spec, specs, pure=False)
            return client.gather(futures)
    if jobs <= 1 or len(specs) == 1:
        results = []
        for i, spec in enumerate(specs):
            results.append(run_spec(spec))
            if done:
                done(i + 1)
        return results
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(run_spec, specs))


def confidence(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean and 95 % confidence half-width across replications of each headline figure."""
    keys = sorted(set().union(*(s["headline"] for s in summaries)))
    out = {}
    for key in keys:
        values = [s["headline"][key] for s in summaries if s["headline"].get(key) is not None]
        if not values:
            continue
        mean = statistics.fmean(values)
        half = 0.0
        if len(values) > 1:
            half = _t95(len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
        out[key] = {"mean": round(mean, 4), "ci95": round(half, 4), "n": len(values)}
    return out


def _t95(df: int) -> float:
    table = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}
    return table.get(df, 2.228 if df < 15 else 2.0)
