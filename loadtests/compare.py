"""`guoku load compare`: one workload against a baseline and a candidate, in alternating rounds.

Each round runs the baseline and the candidate one after the other, the order swapped every
round, so the machine's noise (other processes, a warming disk) hits both alike. Per round the
ratio candidate / baseline of vouchers per second (and per CPU-second of the target, when its
process is known) is taken; the report gives the median ratio and its spread over the rounds,
per-operation latency of both, and where the time per voucher goes on each side — which is what
tells a province where a 1.0 → 2.0 difference comes from.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from loadtests.config import RunConfig
from loadtests.engine import run
from loadtests.mix import load_mix
from loadtests.outcome import RunResult, analyse
from loadtests.report import fmt, gate_row, html, operation_table, plot_run, write_json, write_run


@dataclass(frozen=True)
class Side:
    label: str  # "baseline" / "candidate"
    target: str
    profile: str
    pid: int | None = None  # the target's process, when it runs on this machine


@dataclass(frozen=True)
class Comparison:
    baseline: Side
    candidate: Side
    rounds: tuple[tuple[RunResult, RunResult], ...]  # (baseline, candidate) per round
    out: Path

    @property
    def ratios(self) -> list[float]:
        return [
            c.figures.vouchers_per_s / b.figures.vouchers_per_s if b.figures.vouchers_per_s else 0.0
            for b, c in self.rounds
        ]

    @property
    def cpu_ratios(self) -> list[float]:
        out = []
        for b, c in self.rounds:
            if b.figures.vouchers_per_cpu_s and c.figures.vouchers_per_cpu_s:
                out.append(c.figures.vouchers_per_cpu_s / b.figures.vouchers_per_cpu_s)
        return out

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    @property
    def passed(self) -> bool:
        return all(r.passed for pair in self.rounds for r in pair)

    def time_per_voucher(self, index: int) -> dict[str, float]:
        """ms of answered requests per voucher, by operation (requests × mean service / vouchers)."""
        totals: dict[str, list[float]] = {}
        for pair in self.rounds:
            r = pair[index]
            if not r.figures.vouchers:
                continue
            for o in r.figures.operations:
                totals.setdefault(o.operation, []).append(o.count * o.mean_ms / r.figures.vouchers)
        return {op: statistics.median(v) for op, v in totals.items()}

    def explanation(self) -> list[str]:
        """Where the difference comes from: calls and target CPU per voucher, and where the time goes."""
        lines = []
        for index, side in enumerate((self.baseline, self.candidate)):
            runs = [pair[index] for pair in self.rounds if pair[index].figures.vouchers]
            calls = statistics.median(r.figures.requests / r.figures.vouchers for r in runs) if runs else 0.0
            cpu = [1000 / r.figures.vouchers_per_cpu_s for r in runs if r.figures.vouchers_per_cpu_s]
            parts = sorted(self.time_per_voucher(index).items(), key=lambda kv: -kv[1])
            total = sum(v for _, v in parts)
            shown = ", ".join(f"{op} {v:.1f} ms ({v / total:.0%})" for op, v in parts[:4]) if total else "–"
            cost = f", {statistics.median(cpu):.1f} ms of target CPU" if cpu else ""
            lines.append(
                f"{side.label} ({side.profile} client): {calls:.1f} calls{cost} and {total:.1f} ms of "
                f"requests per voucher: {shown}"
            )
        return lines

    def to_json(self) -> dict:
        spread = (min(self.ratios), max(self.ratios))
        return {
            "format": "guoku-load-compare/1",
            "passed": self.passed,
            "baseline": self.baseline.__dict__,
            "candidate": self.candidate.__dict__,
            "ratio_vouchers_per_s": {
                "median": self.ratio,
                "min": spread[0],
                "max": spread[1],
                "rounds": self.ratios,
            },
            "ratio_vouchers_per_cpu_s": (
                {"median": statistics.median(self.cpu_ratios), "rounds": self.cpu_ratios}
                if self.cpu_ratios
                else None
            ),
            "time_per_voucher_ms": {
                "baseline": self.time_per_voucher(0),
                "candidate": self.time_per_voucher(1),
            },
            "explanation": self.explanation(),
            "rounds": [{"baseline": b.to_json(), "candidate": c.to_json()} for b, c in self.rounds],
        }


def compare(
    baseline: Side,
    candidate: Side,
    template: RunConfig,
    out: Path,
    *,
    rounds: int = 3,
    pool: int | None = None,
    max_failure_rate: float = 0.01,
    listener: Callable[[str], None] = lambda _l: None,
) -> Comparison:
    """Alternating rounds of `template` (its target and profile replaced by each side's)."""
    results: list[tuple[RunResult, RunResult]] = []
    pools = {baseline.label: pool, candidate.label: pool}  # after round 1: sized on what it did
    mix = load_mix(template.mix)
    for k in range(rounds):
        order = (baseline, candidate) if k % 2 == 0 else (candidate, baseline)
        got: dict[str, RunResult] = {}
        for side in order:
            listener(f"round {k + 1}/{rounds}: {side.label} ({side.profile} client) at {side.target}")
            config = replace(
                template, target=side.target, profile=side.profile, tag=f"{template.tag}{k}{side.label[0]}",
                batch_size=mix.batch_for(side.profile),
            )  # fmt: skip
            collected = run(
                config,
                out / f"round{k + 1}-{side.label}",
                pool=pools[side.label],
                target_pid=side.pid,
                listener=listener,
            )
            result = analyse(collected, max_failure_rate=max_failure_rate)
            write_run(result)
            verdict = (
                "gates passed"
                if result.passed
                else "FAILED " + ", ".join(g.name for g in result.failed_gates)
            )
            listener(f"  {result.figures.vouchers_per_s:.2f} vouchers/s; {verdict}")
            got[side.label] = result
            if pool is None:  # twice the cases it got through per second, for the rest of the dispatch
                per_s = result.figures.vouchers_per_s / config.batch_size
                pools[side.label] = max(50, math.ceil(2 * per_s * config.dispatch_seconds))
        results.append((got[baseline.label], got[candidate.label]))
    comparison = Comparison(baseline, candidate, tuple(results), out)
    write_comparison(comparison)
    return comparison


def summary(c: Comparison) -> str:
    lo, hi = min(c.ratios), max(c.ratios)
    lines = [
        f"guoku load compare: {c.candidate.profile} candidate against {c.baseline.profile} baseline, "
        f"{len(c.rounds)} alternating rounds",
        f"  {c.rounds[0][0].model_text}",
        f"  vouchers/s: candidate / baseline = {c.ratio:.2f}× "
        f"(rounds {', '.join(f'{r:.2f}' for r in c.ratios)}; spread {lo:.2f}–{hi:.2f})",
    ]
    if c.cpu_ratios:
        lines.append(f"  vouchers per CPU-second of the target: {statistics.median(c.cpu_ratios):.2f}×")
    for index, side in enumerate((c.baseline, c.candidate)):
        rates = [pair[index].figures.vouchers_per_s for pair in c.rounds]
        lines.append(f"  {side.label} {side.profile}: median {statistics.median(rates):.2f} vouchers/s")
    lines.append("  where the time per voucher goes:")
    lines += [f"    {line}" for line in c.explanation()]
    failed = [(k + 1, r) for k, pair in enumerate(c.rounds) for r in pair if not r.passed]
    for k, r in failed:
        lines.append(
            f"  round {k} {r.config.profile}: FAILED "
            + "; ".join(f"{g.name}: {g.detail}" for g in r.failed_gates)
        )
    lines.append(
        f"  {'PASSED: every gate of every round' if c.passed else 'FAILED'}; report: {c.out / 'report.html'}"
    )
    return "\n".join(lines)


def write_comparison(c: Comparison) -> None:
    write_json(c.out / "compare.json", c.to_json())
    last = c.rounds[-1]
    images = plot_run(
        [
            (f"{c.baseline.label} {c.baseline.profile}", last[0]),
            (f"{c.candidate.label} {c.candidate.profile}", last[1]),
        ],
        c.out,
        prefix="compare-",
    )
    images.append(_plot_rounds(c))
    paragraphs = [line for line in summary(c).splitlines()[1:-1]]
    table = {
        "title": "Rounds",
        "head": ["round", "baseline vouchers/s", "candidate vouchers/s", "ratio"],
        "rows": [
            [k + 1, fmt(b.figures.vouchers_per_s, 2), fmt(cc.figures.vouchers_per_s, 2), f"{r:.2f}"]
            for k, ((b, cc), r) in enumerate(zip(c.rounds, c.ratios, strict=True))
        ],
    }
    gates = [
        gate_row(f"round {k + 1} {side} {g.name}", g)
        for k, pair in enumerate(c.rounds)
        for side, r in zip(("baseline", "candidate"), pair, strict=True)
        for g in r.gates
    ]
    ops = operation_table("Per operation (last round)", [("baseline", last[0]), ("candidate", last[1])])
    links = [f"round{k + 1}-{s}/report.html" for k in range(len(c.rounds)) for s in ("baseline", "candidate")]
    html(
        c.out / "report.html",
        title=f"guoku load compare: {'PASSED' if c.passed else 'FAILED'}",
        paragraphs=paragraphs,
        tables=[table, ops],
        gates=gates,
        images=images,
        links=["compare.json", *links],
    )


def _plot_rounds(c: Comparison) -> str:
    from loadtests.report import pyplot

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.5))
    x = range(1, len(c.rounds) + 1)
    ax.plot(x, [b.figures.vouchers_per_s for b, _ in c.rounds], "o-", label=f"baseline {c.baseline.profile}")
    ax.plot(
        x, [cc.figures.vouchers_per_s for _, cc in c.rounds], "s-", label=f"candidate {c.candidate.profile}"
    )
    ax.set_xticks(list(x))
    ax.set_xlabel("round")
    ax.set_ylabel("vouchers/s (steady state)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    ax.set_title(
        f"Throughput per round: ratio {c.ratio:.2f}× (spread {min(c.ratios):.2f}–{max(c.ratios):.2f})"
    )
    fig.tight_layout()
    fig.savefig(c.out / "compare-rounds.png", dpi=90)
    plt.close(fig)
    return "compare-rounds.png"
