"""Figures of a run's steady state: throughput, latency per operation, errors, and per-second series.

Only the steady-state window counts: requests meant to start after the warm-up and before the
end of the dispatch (the cool-down that lets cases finish is cut too). Latency is the time from
a request's intended start to its answer — in the open model the intended start is the
arrival's schedule, so waiting behind a slow library counts (coordinated omission); the
service time (from the moment it was actually sent) is reported beside it. Throughput is
counted in vouchers of lifecycle work: each answered request of a case carries its share of the
case's vouchers (vouchers / requests of the case), counted when its answer arrives inside the
window. In a steady state that is the rate at which vouchers finish their lifecycle, without
the burstiness of counting whole cases as they finish in a short window (both are reported).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

QUANTILES = (50, 95, 99)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (nearest rank) of `values`; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class OperationFigures:
    operation: str
    count: int
    failures: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    service_p50_ms: float
    service_p95_ms: float

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Figures:
    """The steady-state window's numbers (times in epoch seconds, rates per second)."""

    window: tuple[float, float]
    vouchers: float  # vouchers of lifecycle work done in the window
    vouchers_per_s: float
    finished_vouchers: int  # vouchers whose whole lifecycle ended in the window
    requests: int
    requests_per_s: float
    failures: int
    failure_rate: float
    operations: tuple[OperationFigures, ...]
    max_desk_wait_ms: float  # longest a ready stage waited for a free desk (generator-side backlog)
    target_cpu_s: float | None  # CPU seconds the target spent in the window, when it was measured
    series: dict[str, list[float]]  # per-second: t (from window start), vouchers, requests, p95_ms
    latencies_ms: tuple[float, ...] = ()  # every request of the window, for the distribution plot

    @property
    def vouchers_per_cpu_s(self) -> float | None:
        if not self.target_cpu_s:
            return None
        return self.vouchers / self.target_cpu_s

    def operation(self, name: str) -> OperationFigures | None:
        return next((o for o in self.operations if o.operation == name), None)

    def to_json(self) -> dict:
        data = asdict(self)
        data["operations"] = [o.to_json() for o in self.operations]
        del data["latencies_ms"]
        data["vouchers_per_cpu_s"] = self.vouchers_per_cpu_s
        return data


def _ms(values: Iterable[float]) -> list[float]:
    return [v * 1000 for v in values]


def figures(
    requests: Sequence[tuple],
    finished: Sequence[tuple[float, int]],
    window: tuple[float, float],
    *,
    cpu: Sequence[tuple[float, float]] = (),
) -> Figures:
    """`requests`: (operation, role, intended, start, end, ok, why, weight); `finished`: (time,
    vouchers) of cases that completed; `cpu`: (time, CPU seconds) samples of the target process."""
    low, high = window
    span = high - low
    inside = [r for r in requests if low <= r[2] < high]
    by_op: dict[str, list[tuple]] = defaultdict(list)
    for r in inside:
        by_op[r[0]].append(r)
    operations = []
    for name, rows in sorted(by_op.items()):
        latency = _ms(r[4] - r[2] for r in rows)
        service = _ms(r[4] - r[3] for r in rows)
        operations.append(OperationFigures(
            name, len(rows), sum(1 for r in rows if not r[5]),
            *(percentile(latency, q) for q in QUANTILES), statistics.fmean(latency),
            percentile(service, 50), percentile(service, 95),
        ))  # fmt: skip
    done = [(r[4], r[7]) for r in requests if r[5] and low <= r[4] < high]
    vouchers = sum(w for _, w in done)
    failures = sum(1 for r in inside if not r[5])
    waits = [r[3] - r[2] for r in inside]
    return Figures(
        window=window,
        vouchers=vouchers,
        vouchers_per_s=vouchers / span if span > 0 else 0.0,
        finished_vouchers=sum(n for t, n in finished if low <= t < high),
        requests=len(inside),
        requests_per_s=len(inside) / span if span > 0 else 0.0,
        failures=failures,
        failure_rate=failures / len(inside) if inside else 0.0,
        operations=tuple(operations),
        max_desk_wait_ms=max(waits, default=0.0) * 1000,
        target_cpu_s=_cpu_in(cpu, window),
        series=_series(inside, done, low, span),
        latencies_ms=tuple(_ms(r[4] - r[2] for r in inside)),
    )


def _cpu_in(cpu: Sequence[tuple[float, float]], window: tuple[float, float]) -> float | None:
    inside = [(t, c) for t, c in cpu if window[0] <= t <= window[1]]
    if len(inside) < 2:
        return None
    (t0, c0), (t1, c1) = inside[0], inside[-1]
    return (c1 - c0) * (window[1] - window[0]) / (t1 - t0) if t1 > t0 else None


def _series(inside: Sequence[tuple], done: Sequence[tuple[float, float]], low: float, span: float) -> dict:
    seconds = max(1, math.ceil(span))
    vouchers = [0.0] * seconds
    requests = [0.0] * seconds
    latencies: list[list[float]] = [[] for _ in range(seconds)]
    for t, n in done:
        vouchers[min(seconds - 1, int(t - low))] += n
    for r in inside:
        i = min(seconds - 1, int(r[2] - low))
        requests[i] += 1
        latencies[i].append((r[4] - r[2]) * 1000)
    return {
        "t": [float(i) for i in range(seconds)],
        "vouchers": vouchers,
        "requests": requests,
        "p95_ms": [percentile(v, 95) for v in latencies],
    }
