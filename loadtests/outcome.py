"""A judged run: its settings, steady-state figures and gate verdicts, as data and as JSON."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from loadtests.config import RunConfig
from loadtests.engine import Collected, Listener, run
from loadtests.gates import Gate, judge
from loadtests.mix import Mix
from loadtests.stats import Figures, figures


@dataclass(frozen=True)
class RunResult:
    config: RunConfig
    mix: Mix
    figures: Figures
    gates: tuple[Gate, ...]
    out: Path
    started_at: float
    resigned: int = 0
    per_process: tuple[int, ...] = ()  # requests sent by each Locust process that generated load

    @property
    def latencies_ms(self) -> tuple[float, ...]:
        return self.figures.latencies_ms

    @property
    def passed(self) -> bool:
        return all(g.passed for g in self.gates)

    @property
    def failed_gates(self) -> list[Gate]:
        return [g for g in self.gates if not g.passed]

    @property
    def model_text(self) -> str:
        if self.config.model == "open":
            return (f"open model: {self.config.rate:g} vouchers/s arrive at fixed intervals whatever the "
                    "target does; latency counted from each request's intended start")  # fmt: skip
        return (f"closed model: {self.config.users} concurrent cases, each starting when the previous "
                "one finished; latency counted from when a request was ready")  # fmt: skip

    def to_json(self) -> dict:
        from dataclasses import asdict

        return {
            "format": "guoku-load-run/1",
            "started_at": dt.datetime.fromtimestamp(self.started_at, dt.UTC).isoformat(timespec="seconds"),
            "passed": self.passed,
            "model": self.config.model,
            "model_text": self.model_text,
            "config": asdict(self.config),
            "mix": self.mix.to_json(),
            "figures": self.figures.to_json(),
            "gates": [g.to_json() for g in self.gates],
            "resigned_requests": self.resigned,
            "requests_per_process": list(self.per_process),
            "files": {"locust_csv": "locust_stats.csv", "locust_html": "locust.html"},
        }


def analyse(collected: Collected, *, max_failure_rate: float = 0.01) -> RunResult:
    """Figures of the steady-state window and the gates (which ask the target: keep it running)."""
    config = collected.config
    start = min(s.started_at for s in collected.seen)
    window = (start + config.warmup, start + config.warmup + config.duration)
    requests = [r for s in collected.seen for r in s.requests]
    finished = []
    for seen in collected.seen:
        for case_id, p in seen.progress.items():
            case = collected.cases[case_id]
            if p.finished_at and not p.failed and p.acked == len(case.steps):
                finished.append((p.finished_at, len(case.nos)))
    figs = figures(requests, finished, window, cpu=collected.target_cpu)
    gates = judge(collected, max_failure_rate=max_failure_rate)
    resigned = sum(s.resigned for s in collected.seen)
    per_process = tuple(len(s.requests) for s in sorted(collected.seen, key=lambda s: s.worker))
    return RunResult(config, collected.mix, figs, tuple(gates), collected.out, start, resigned, per_process)



def measure(
    config: RunConfig, out: Path, *, max_failure_rate: float = 0.01, pool: int | None = None,
    target_pid: int | None = None, listener: Listener = lambda _line: None,
) -> RunResult:  # fmt: skip
    """Run, judge and write the report: the one call behind `guoku load run`."""
    from loadtests.report import write_run

    collected = run(config, out, pool=pool, target_pid=target_pid, listener=listener)
    result = analyse(collected, max_failure_rate=max_failure_rate)
    write_run(result)
    return result
