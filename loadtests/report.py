"""Reports people read: a text summary, JSON, PNG plots (matplotlib, Agg) and an HTML page.

A run's report sits in its output directory next to Locust's own CSV and HTML; a comparison's
report sits above its rounds' directories.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

from loadtests.outcome import RunResult


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}"


def summary(result: RunResult) -> str:
    """The console summary of a run: figures, the model used, each gate."""
    f = result.figures
    lines = [
        f"guoku load run: {result.config.profile} client, mix {result.mix.name}, "
        f"target {result.config.target}",
        f"  {result.model_text}",
        f"  steady state {result.config.duration:g} s (warm-up {result.config.warmup:g} s and the "
        "cool-down cut):",
        f"  {f.vouchers_per_s:.2f} vouchers/s of lifecycle work ({f.finished_vouchers} vouchers finished "
        f"their whole lifecycle); {f.requests} requests, {f.requests_per_s:.1f}/s; {f.failures} failed "
        f"({f.failure_rate:.2%})",
    ]
    if f.vouchers_per_cpu_s is not None:
        cpu = f"{f.target_cpu_s:.1f} s: {f.vouchers_per_cpu_s:.2f} vouchers per CPU-second"
        lines.append(f"  target CPU {cpu}")
    lines.append(f"  {'operation':<30} {'n':>6} {'fail':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for o in f.operations:
        lines.append(f"  {o.operation:<30} {o.count:>6} {o.failures:>5} {fmt(o.p50_ms):>8} "
                     f"{fmt(o.p95_ms):>8} {fmt(o.p99_ms):>8}")  # fmt: skip
    lines.append("  gates:")
    for g in result.gates:
        lines.append(f"    {'PASS' if g.passed else 'FAIL'} {g.name}: {g.detail}")
        lines += [f"         {e}" for e in g.examples]
    lines.append(f"  {'PASSED' if result.passed else 'FAILED'}; report: {result.out / 'report.html'}")
    return "\n".join(lines)


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_run(results: Sequence[tuple[str, RunResult]], out: Path, prefix: str = "") -> list[str]:
    """Throughput and p95 latency over time, and latency distributions; returns the PNG names."""
    plt = pyplot()
    names = []
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    for label, r in results:
        s = r.figures.series
        top.plot(s["t"], s["vouchers"], label=f"{label} vouchers/s", drawstyle="steps-post")
        bottom.plot(s["t"], s["p95_ms"], label=f"{label} p95", marker=".", linestyle="-")
    top.set_ylabel("vouchers/s (lifecycle work)")
    bottom.set_ylabel("request latency p95 (ms)")
    bottom.set_xlabel("seconds into the steady state")
    top.legend(loc="upper right", fontsize=8)
    bottom.legend(loc="upper right", fontsize=8)
    fig.suptitle("Throughput and latency over time")
    fig.tight_layout()
    names.append(f"{prefix}timeline.png")
    fig.savefig(out / names[-1], dpi=90)
    plt.close(fig)

    operations = sorted({o.operation for _, r in results for o in r.figures.operations})
    fig, ax = plt.subplots(figsize=(10, 1 + 0.45 * max(1, len(operations)) * len(results)))
    labels, rows = [], []
    for op in operations:
        for label, r in results:
            o = r.figures.operation(op)
            if o is not None:
                labels.append(f"{op} ({label})" if len(results) > 1 else op)
                rows.append((o.p50_ms, o.p95_ms, o.p99_ms))
    y = range(len(rows))
    colours = {"p50": "#4c72b0", "p95": "#dd8452", "p99": "#c44e52"}
    for i, (q, colour) in enumerate(colours.items()):
        ax.barh([v + (i - 1) * 0.27 for v in y], [row[i] for row in rows], height=0.27, label=q, color=colour)
    ax.set_yticks(list(y), labels, fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("latency (ms, log scale)")
    ax.legend(fontsize=8)
    ax.set_title("Latency per operation (steady state)")
    fig.tight_layout()
    names.append(f"{prefix}latency.png")
    fig.savefig(out / names[-1], dpi=90)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(9, 4))
    for label, r in results:
        latencies = sorted(r.latencies_ms)
        if latencies:
            ax.plot(latencies, [(i + 1) / len(latencies) for i in range(len(latencies))], label=label)
    ax.set_xscale("log")
    ax.set_xlabel("request latency (ms, log scale)")
    ax.set_ylabel("share of requests at or below")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Latency distribution, all requests of the steady state")
    fig.tight_layout()
    names.append(f"{prefix}latency-distribution.png")
    fig.savefig(out / names[-1], dpi=90)
    plt.close(fig)
    return names


TEMPLATE = Path(__file__).with_name("report.html")


def html(path: Path, **page) -> None:
    import jinja2

    template = jinja2.Environment(autoescape=True).from_string(TEMPLATE.read_text(encoding="utf-8"))
    path.write_text(template.render(**page), encoding="utf-8")


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")


def gate_row(label: str, gate) -> dict:
    return {"label": label, "passed": gate.passed, "detail": gate.detail, "examples": gate.examples}


def operation_table(title: str, results: Sequence[tuple[str, RunResult]]) -> dict:
    rows = []
    for label, r in results:
        for o in r.figures.operations:
            rows.append([f"{o.operation} ({label})" if len(results) > 1 else o.operation, o.count, o.failures,
                         fmt(o.p50_ms), fmt(o.p95_ms), fmt(o.p99_ms), fmt(o.service_p50_ms)])  # fmt: skip
    head = ["operation", "requests", "failed", "p50 ms", "p95 ms", "p99 ms", "service p50 ms"]
    return {"title": title, "head": head, "rows": rows}


def write_run(result: RunResult) -> None:
    """result.json, timeline.png, latency.png and report.html into the run's output directory."""
    out = result.out
    write_json(out / "result.json", result.to_json())
    images = plot_run([(result.config.profile, result)], out)
    f = result.figures
    paragraphs = [
        result.model_text + ".",
        f"Steady state: {f.vouchers_per_s:.2f} vouchers/s of lifecycle work ({f.finished_vouchers} vouchers "
        "finished their whole lifecycle in the window); "
        f"{f.requests} requests ({f.requests_per_s:.1f}/s), {f.failures} failed ({f.failure_rate:.2%}).",
        f"Mix {result.mix.name}: {result.mix.description}",
    ]
    if f.vouchers_per_cpu_s is not None:
        paragraphs.append(f"Target CPU in the window: {f.target_cpu_s:.1f} s, "
                          f"{f.vouchers_per_cpu_s:.2f} vouchers per CPU-second.")  # fmt: skip
    gates = [gate_row(g.name, g) for g in result.gates]
    html(out / "report.html", title=f"guoku load run: {'PASSED' if result.passed else 'FAILED'}",
         paragraphs=paragraphs, tables=[operation_table("Per operation", [("", result)])], gates=gates,
         images=images, links=["locust.html", "locust_stats.csv", "result.json"])  # fmt: skip
