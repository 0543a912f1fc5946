"""Service times per library operation and profile: the calibration file model mode samples from.

Format `guoku-service-times/1` (docs/sim.md; shared with `guoku load calibrate`): per profile the
target measured, the callers' concurrency and per operation n, mean/p50/p95/p99 and up to 1000
sorted `samples_ms`. A call's service time is drawn from the samples (empirical), else from a
lognormal fitted to p50 and p95. An operation the model needs that the file lacks is an error
naming the operation and the profile. `measure` writes one from a reference-mode run.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "guoku-service-times/1"
MAX_SAMPLES = 1000
SHIPPED = Path(__file__).parent / "calibration"
Z95 = 1.6448536269514722  # standard normal quantile of 0.95


class CalibrationError(ValueError):
    pass


def _percentile(sorted_ms: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(sorted_ms), q)) if sorted_ms else 0.0


def summarise(samples_ms: list[float]) -> dict[str, Any]:
    """One operation's entry: statistics of every call, and at most 1000 evenly spaced samples."""
    ordered = sorted(samples_ms)
    n = len(ordered)
    kept = (
        ordered
        if n <= MAX_SAMPLES
        else [ordered[round(i * (n - 1) / (MAX_SAMPLES - 1))] for i in range(MAX_SAMPLES)]
    )
    return {
        "n": n,
        "mean_ms": round(sum(ordered) / n, 4),
        "p50_ms": round(_percentile(ordered, 50), 4),
        "p95_ms": round(_percentile(ordered, 95), 4),
        "p99_ms": round(_percentile(ordered, 99), 4),
        "samples_ms": [round(x, 4) for x in kept],
    }


def document(profiles: dict[str, tuple[str, int, dict[str, list[float]]]], *, tool: str) -> dict[str, Any]:
    """A calibration file: profile -> (target, concurrency, operation -> samples in ms)."""
    return {
        "format": FORMAT,
        "measured_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tool": tool,
        "profiles": {
            profile: {
                "target": target,
                "concurrency": concurrency,
                "operations": {op: summarise(s) for op, s in sorted(samples.items()) if s},
            }
            for profile, (target, concurrency, samples) in profiles.items()
        },
    }


@dataclass(frozen=True)
class OperationTimes:
    samples: np.ndarray  # minutes, empty when only the percentiles were given
    mu: float  # lognormal of milliseconds, fitted to p50 and p95
    sigma: float
    mean_min: float

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """`n` service times in minutes."""
        if len(self.samples):
            return self.samples[rng.integers(0, len(self.samples), n)]
        return rng.lognormal(self.mu, self.sigma, n) / 60000.0


class Pool:
    """Service times drawn ahead in blocks and handed out in order: one generator call per block
    instead of one per party cycle (the same draws for the same seed)."""

    BLOCK = 65536

    def __init__(self, times: OperationTimes, rng: np.random.Generator, factor: float) -> None:
        self.times, self.rng, self.factor = times, rng, factor
        self.block, self.at = np.empty(0), 0

    def take(self, n: int) -> np.ndarray:
        if self.at + n > len(self.block):
            fresh = self.times.draw(self.rng, max(self.BLOCK, n)) * self.factor
            self.block, self.at = np.concatenate((self.block[self.at :], fresh)), 0
        out = self.block[self.at : self.at + n]
        self.at += n
        return out


class ServiceTimes:
    """A calibration file, read and checked; `times(profile, op)` is what the model samples."""

    def __init__(self, data: dict[str, Any], source: str = "") -> None:
        if data.get("format") != FORMAT:
            raise CalibrationError(f"{source}: format must be {FORMAT!r}, got {data.get('format')!r}")
        self.source, self.data = source, data
        self._times: dict[tuple[str, str], OperationTimes] = {}
        for profile, entry in data.get("profiles", {}).items():
            for op, stats in entry.get("operations", {}).items():
                p50, p95 = float(stats["p50_ms"]), float(stats["p95_ms"])
                if p50 <= 0 or p95 < p50:
                    raise CalibrationError(
                        f"{source}: {profile} {op}: p50_ms > 0 and p95_ms >= p50_ms needed"
                    )
                sigma = max(math.log(p95 / p50) / Z95, 1e-6)
                samples = np.asarray(sorted(stats.get("samples_ms", [])), dtype=float) / 60000.0
                mean = float(stats.get("mean_ms", p50 * math.exp(sigma**2 / 2))) / 60000.0
                self._times[(profile, op)] = OperationTimes(samples, math.log(p50), sigma, mean)

    @property
    def profiles(self) -> list[str]:
        return sorted(self.data.get("profiles", {}))

    def times(self, profile: str, operation: str) -> OperationTimes:
        try:
            return self._times[(profile, operation)]
        except KeyError:
            raise CalibrationError(
                f"{self.source}: no service times for operation {operation!r} under profile {profile!r}"
            ) from None


def load(name_or_path: str | Path) -> ServiceTimes:
    """A shipped calibration by name (`reference`) or a file by path."""
    path = Path(name_or_path)
    if not path.is_file():
        path = SHIPPED / f"{name_or_path}.json"
    if not path.is_file():
        shipped = ", ".join(p.stem for p in SHIPPED.glob("*.json"))
        raise CalibrationError(f"calibration {name_or_path!r}: no such file; shipped: {shipped}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CalibrationError(f"{path}: not JSON: {exc}") from None
    return ServiceTimes(data, str(path))


def save(data: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def measure(base_url: str, env, *, profile: str = "2.0", seed: int = 7, audit=None) -> dict[str, list[float]]:
    """Service times of every operation `mocks/` uses, from one business day of every flow (the
    demo's) against the library at `base_url`, one caller at a time: operation -> ms."""
    from mocks.engine import DayConfig, run_business_day
    from sim.recorder import Recorder

    recorder = Recorder()
    report = run_business_day(
        base_url, env, DayConfig(seed=seed, profile=profile), transport=recorder.transport(), audit=audit
    )
    if not report.ok:
        failed = [v.name for v in report.verdicts if v.ok is False]
        raise CalibrationError(
            f"the calibration day against {base_url} broke invariants: {', '.join(failed)}"
        )
    return recorder.samples()
