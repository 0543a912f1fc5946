"""A run's summary: per flow and medium the counts and latency percentiles, the library's load,
each fault's backlog and drain time, rollout coverage and the 1.0/2.0 mix, plus the scenario's
tagged numbers. Only simulated facts: no wall-clock time, so a model-mode run is reproducible
to the byte (the CLI reports wall time on stderr)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from sim.calendar import DAY
from sim.metrics import percentiles

WORKDAY_MINUTES = 8 * 60


def _round(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_round(v) for v in value]
    return value


def _faults(sim) -> list[dict[str, Any]]:
    series = sim.metrics.series
    backlog = np.cumsum(series["applications"]) - np.cumsum(series["receipts"])
    out = []
    for fault in sim.scenario.faults:
        start = sim.calendar.minutes(fault.start)
        h0, h1 = int(start // 60), int((start + fault.minutes) // 60)
        if not 0 <= h0 < len(backlog):
            continue
        base = float(backlog[max(h0 - 1, 0)])
        peak_h = h0 + int(np.argmax(backlog[h0 : min(h1 + 48, len(backlog))]))
        drained = next((h for h in range(max(h1, peak_h), len(backlog)) if backlog[h] <= base), None)
        out.append(
            {
                "kind": fault.kind,
                "start": fault.start.isoformat(),
                "minutes": fault.minutes,
                "target": fault.target,
                "backlog_before": base,
                "backlog_peak": float(backlog[peak_h]),
                "peak_at_hour": peak_h,
                "drained_hours_after_end": None if drained is None else drained - h1,
            }
        )
    return out


def summarise(sim, *, mode: str) -> dict[str, Any]:
    metrics, calendar = sim.metrics, sim.calendar
    metrics.flush()
    flows = []
    for (flow, medium), counts in sorted(metrics.outcomes.items()):
        if not counts["sent"]:
            continue
        row: dict[str, Any] = {"flow": flow, "medium": medium, **counts}
        for measure in ("funds", "receipt"):
            hist = metrics.latency.get((flow, medium, measure))
            row[f"{measure}_min"] = percentiles(hist) if hist is not None else {"n": 0}
        flows.append(row)
    series = metrics.series
    working_minutes = sum(calendar.working) * (sim.scenario.clock["close"] - sim.scenario.clock["open"])
    workers = int(sim.scenario.library["workers"])
    busy = float(series["library_busy"].sum())

    def total(medium: str, key: str) -> int:
        return sum(c[key] for (f, m), c in metrics.outcomes.items() if m == medium)

    def pooled(medium: str, measure: str) -> dict[str, float]:
        hists = [h for (f, m, x), h in metrics.latency.items() if m == medium and x == measure]
        return percentiles(np.sum(hists, axis=0)) if hists else {"n": 0}

    e_sent, p_sent = total("electronic", "sent"), total("paper", "sent")
    headline = {
        "vouchers": e_sent + p_sent,
        "electronic_share": e_sent / (e_sent + p_sent) if e_sent + p_sent else None,
        "electronic_receipt_p50_min": pooled("electronic", "receipt").get("p50"),
        "electronic_receipt_p95_min": pooled("electronic", "receipt").get("p95"),
        "electronic_funds_p50_min": pooled("electronic", "funds").get("p50"),
        "paper_receipt_p50_min": pooled("paper", "receipt").get("p50"),
        "paper_funds_p50_min": pooled("paper", "funds").get("p50"),
        "library_ops": float(series["library_ops"].sum()),
        "library_utilisation": busy / (workers * working_minutes) if working_minutes else None,
        "library_queue_max": float(series["queue_max"].max()) if len(series["queue_max"]) else 0.0,
        "staff_hours_electronic": metrics.staff_minutes["electronic"] / 60,
        "staff_hours_paper": metrics.staff_minutes["paper"] / 60,
        "trips": metrics.trips["courier"] + metrics.trips["unit"],
        "missed_cutoff_electronic": metrics.missed_cutoff["electronic"],
        "missed_cutoff_paper": metrics.missed_cutoff["paper"],
    }
    summary = {
        "scenario": sim.scenario.name,
        "mode": mode,
        "seed": sim.seed,
        "from": str(calendar.start),
        "days": calendar.days,
        "working_days": sum(calendar.working),
        "headline": headline,
        "flows": flows,
        "library": {
            "workers": workers,
            "ops": headline["library_ops"],
            "busy_minutes": busy,
            "busiest_hour_utilisation": float(series["library_busy"].max()) / (60 * workers),
            "queue_max": headline["library_queue_max"],
        },
        "faults": _faults(sim),
        "trips": dict(metrics.trips),
        "rollout": {
            m: {f: list(v) for f, v in sorted(fl.items())} for m, fl in sorted(metrics.monthly.items())
        },
        "profiles": {
            m: {p: list(v) for p, v in sorted(pr.items())} for m, pr in sorted(metrics.profile_ops.items())
        },
        "simpy_events": metrics.events,
        "document_events": metrics.document_events,
        "simulated_minutes": calendar.days * DAY,
        "numbers": {
            k: {"v": v.value, "tag": v.tag, "src": v.src} for k, v in sorted(sim.scenario.numbers.items())
        },
    }
    return _round(summary)
