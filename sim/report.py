"""The files a run leaves: summary.json, CSV time series, PNG plots and an HTML page tying them up.

Plots (matplotlib, Agg): latency percentiles per flow, electronic beside paper; the library's
operations, utilisation and deepest queue over time; the backlog of unfinished vouchers with
each fault marked; rollout coverage by month; the 1.0/2.0 mix and the mean service time per
call by month. Long runs are drawn per day, short ones per hour.
"""

from __future__ import annotations

import csv
import html
import json
from pathlib import Path
from typing import Any

import numpy as np


def _series(metrics) -> dict[str, np.ndarray]:
    s = dict(metrics.series)
    s["backlog"] = np.cumsum(s["applications"]) - np.cumsum(s["receipts"])
    return s


def write_csv(summary: dict[str, Any], metrics, out: Path) -> dict[str, Path]:
    files = {"series": out / "series.csv", "flows": out / "flows.csv", "rollout": out / "rollout.csv"}
    series = _series(metrics)
    with files["series"].open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        names = ["applications", "receipts", "backlog", "library_ops", "library_busy", "queue_max"]
        w.writerow(["hour", *names])
        for h in range(metrics.hours):
            if any(series[n][h] for n in names):
                w.writerow([h, *(round(float(series[n][h]), 4) for n in names)])
    with files["flows"].open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "flow",
                "medium",
                "sent",
                "receipt",
                "returned",
                "failed",
                "pending",
                "funds_p50_min",
                "funds_p95_min",
                "receipt_p50_min",
                "receipt_p95_min",
            ]
        )
        for row in summary["flows"]:
            w.writerow(
                [
                    row["flow"],
                    row["medium"],
                    *(row[k] for k in ("sent", "receipt", "returned", "failed", "pending")),
                    row["funds_min"].get("p50"),
                    row["funds_min"].get("p95"),
                    row["receipt_min"].get("p50"),
                    row["receipt_min"].get("p95"),
                ]
            )
    with files["rollout"].open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["month", "flow", "electronic", "paper"])
        for month, flows in summary["rollout"].items():
            for flow, (e, p) in flows.items():
                w.writerow([month, flow, e, p])
    return files


def _plots(summary: dict[str, Any], metrics, out: Path) -> dict[str, Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["font.sans-serif"] = ["WenQuanYi Micro Hei", "Noto Sans CJK SC", "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    files: dict[str, Path] = {}

    def save(fig, name: str) -> None:
        fig.tight_layout()
        files[name] = out / f"{name}.png"
        fig.savefig(files[name], dpi=90)
        plt.close(fig)

    # latency distributions: percentiles per flow and medium
    rows = [r for r in summary["flows"] if r["receipt_min"].get("n")]
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(rows) + 1.5))
    labels = [f"{r['flow']} ({'e' if r['medium'] == 'electronic' else 'paper'})" for r in rows]
    for k, (q, colour) in enumerate((("p50", "#3b7dd8"), ("p95", "#f0a030"), ("p99", "#c0392b"))):
        ax.barh(
            np.arange(len(rows)) + k * 0.27,
            [r["receipt_min"][q] / 60 for r in rows],
            0.27,
            label=q,
            color=colour,
        )
    ax.set_yticks(np.arange(len(rows)) + 0.27, labels)
    ax.set_xscale("log")
    ax.set_xlabel("hours from application to receipt (log)")
    ax.legend()
    save(fig, "latency")

    series = _series(metrics)
    daily = metrics.hours > 24 * 14
    step = 24 if daily else 1

    def agg(a, how=np.sum):
        return how(a[: len(a) // step * step].reshape(-1, step), axis=1)

    x = np.arange(metrics.hours // step)
    unit = "day" if daily else "hour"
    workers = summary["library"]["workers"]
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(9, 5), sharex=True)
    a1.plot(x, agg(series["library_ops"]), lw=0.8)
    a1.set_ylabel(f"library calls / {unit}")
    a2.plot(x, agg(series["library_busy"]) / (workers * 60 * step) * 100, lw=0.8, label="utilisation %")
    a2.plot(x, agg(series["queue_max"], np.max), lw=0.8, label="deepest queue")
    a2.set_xlabel(f"{unit} of the run")
    a2.legend()
    save(fig, "library")

    fig, ax = plt.subplots(figsize=(9, 3.2))
    ax.plot(x, agg(series["backlog"], np.max), lw=0.8)
    for fault in summary["faults"]:
        ax.axvline(fault["peak_at_hour"] / step, color="red", lw=0.8, ls="--")
    ax.set_ylabel("unfinished vouchers")
    ax.set_xlabel(f"{unit} of the run (red: fault peaks)")
    save(fig, "backlog")

    months = list(summary["rollout"])
    if months:
        share = [
            sum(v[0] for v in summary["rollout"][m].values())
            / max(1, sum(sum(v) for v in summary["rollout"][m].values()))
            for m in months
        ]
        fig, ax = plt.subplots(figsize=(9, 3))
        ax.plot(range(len(months)), [s * 100 for s in share], marker="." if len(months) < 40 else None)
        ax.set_xticks(
            range(0, len(months), max(1, len(months) // 12)),
            months[:: max(1, len(months) // 12)],
            rotation=45,
        )
        ax.set_ylabel("electronic share of vouchers %")
        save(fig, "coverage")
    prof = summary["profiles"]
    if prof:
        pm = list(prof)
        fig, ax = plt.subplots(figsize=(9, 3))
        for p in ("1.0", "2.0"):
            ops = [prof[m].get(p, [0, 0])[0] for m in pm]
            ax.bar(range(len(pm)), ops, label=f"calls by {p} parties", alpha=0.7)
        ax2 = ax.twinx()
        mean = [
            sum(v[1] for v in prof[m].values()) * 60000 / max(1, sum(v[0] for v in prof[m].values()))
            for m in pm
        ]
        ax2.plot(range(len(pm)), mean, color="black", lw=1)
        ax2.set_ylabel("mean service ms / call")
        ax.set_xticks(range(0, len(pm), max(1, len(pm) // 12)), pm[:: max(1, len(pm) // 12)], rotation=45)
        ax.legend(loc="upper left")
        save(fig, "profiles")
    return files


def write(
    summary: dict[str, Any], metrics, out: Path, replications: dict[str, Any] | None = None
) -> dict[str, str]:
    """summary.json, the CSVs, the PNGs and report.html in `out`; returns name -> path."""
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {"summary": out / "summary.json"}
    files["summary"].write_text(
        json.dumps(summary, ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8"
    )
    files.update(write_csv(summary, metrics, out))
    files.update(_plots(summary, metrics, out))
    files["html"] = out / "report.html"
    files["html"].write_text(_html(summary, files, replications), encoding="utf-8")
    return {k: str(v) for k, v in files.items()}


_MARK = {True: "ok", False: "FAIL", None: "n/a"}


def _html(summary: dict[str, Any], files: dict[str, Path], replications: dict[str, Any] | None) -> str:
    e = html.escape
    head = "".join(f"<tr><td>{e(k)}</td><td>{e(str(v))}</td></tr>" for k, v in summary["headline"].items())
    cells = ("sent", "receipt", "returned", "failed", "pending")
    flows = "".join(
        f"<tr><td>{e(r['flow'])}</td><td>{r['medium']}</td>"
        + "".join(f"<td>{r[k]}</td>" for k in cells)
        + "".join(f"<td>{r[m].get(q, '')}</td>" for m in ("funds_min", "receipt_min") for q in ("p50", "p95"))
        + "</tr>"
        for r in summary["flows"]
    )
    faults = (
        "".join(f"<li>{e(json.dumps(f, ensure_ascii=False))}</li>" for f in summary["faults"])
        or "<li>none</li>"
    )
    reps = ""
    if replications:
        reps = (
            "<h2>Replications (mean ± 95 % CI)</h2><table>"
            + "".join(
                f"<tr><td>{e(k)}</td><td>{v['mean']} ± {v['ci95']} (n={v['n']})</td></tr>"
                for k, v in replications.items()
            )
            + "</table>"
        )
    ref = summary.get("reference")
    verdicts = ""
    if ref:
        verdicts = (
            "<h2>Invariants (reference mode)</h2><ul>"
            + "".join(f"<li>{_MARK[v['ok']]} {e(v['name'])}: {e(v['detail'])}</li>" for v in ref["verdicts"])
            + "</ul>"
        )
    images = "".join(
        f"<h2>{name}</h2><img src='{p.name}'>" for name, p in files.items() if p.suffix == ".png"
    )
    numbers = "".join(
        f"<tr><td>{e(k)}</td><td>{e(str(v['v']))}</td><td>{v['tag']}</td><td>{e(v['src'])}</td></tr>"
        for k, v in summary["numbers"].items()
    )
    return (
        f"<!doctype html><meta charset='utf-8'><title>guoku simulate {e(summary['scenario'])}</title>"
        "<style>body{font-family:sans-serif;margin:1.5em}td,th{border:1px solid #ccc;padding:2px 6px}"
        "table{border-collapse:collapse;font-size:13px}</style>"
        f"<h1>{e(summary['scenario'])} — {summary['mode']} mode, seed {summary['seed']}</h1>"
        f"<p>from {summary['from']}, {summary['days']} days ({summary['working_days']} working), "
        f"{summary['simpy_events']} SimPy events</p><h2>Headline</h2><table>{head}</table>{reps}{verdicts}"
        "<h2>Flows (minutes)</h2><table><tr><th>flow</th><th>medium</th>"
        + "".join(f"<th>{c}</th>" for c in cells)
        + "<th>funds p50</th><th>funds p95</th><th>receipt p50</th><th>receipt p95</th></tr>"
        f"{flows}</table><h2>Faults</h2><ul>{faults}</ul>{images}"
        "<h2>Scenario numbers</h2><table><tr><th>number</th><th>value</th><th>tag</th><th>source</th></tr>"
        f"{numbers}</table>"
    )
