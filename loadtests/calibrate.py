"""`guoku load calibrate`: per-operation service times of a target, for `sim`'s model mode.

A closed-model run with `concurrency` callers (1 by default: a call's time alone, without
queueing behind others) of the chosen mix; every answered request of the steady state is a
sample of its operation's service time, from the moment it was sent to its answer. The file is
the shared `guoku-service-times/1` JSON (CALIBRATION-FORMAT, docs/load.md §Calibration): per
profile, per operation of `evoucher.interface`, n, mean, p50/p95/p99 and up to 1,000 sorted
samples. A run whose gates fail writes nothing (service times of a target that loses vouchers
would calibrate a model of the wrong thing) — except the pool gate: a pool that ran out before
the end leaves fewer samples, not wrong ones.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from loadtests.config import RunConfig
from loadtests.engine import run
from loadtests.outcome import RunResult, analyse
from loadtests.stats import percentile

FORMAT = "guoku-service-times/1"
MAX_SAMPLES = 1000
CASES_PER_CALLER_SECOND = 60.0


def _thin(values: Sequence[float]) -> list[float]:
    """At most MAX_SAMPLES values spread evenly over the sorted distribution."""
    ordered = sorted(values)
    if len(ordered) <= MAX_SAMPLES:
        return ordered
    step = (len(ordered) - 1) / (MAX_SAMPLES - 1)
    return [ordered[round(i * step)] for i in range(MAX_SAMPLES)]


def service_times(result_requests: Sequence[tuple], window: tuple[float, float]) -> dict[str, dict]:
    """operation -> the format's per-operation entry, from the generator's request records."""
    by_op: dict[str, list[float]] = defaultdict(list)
    for op, _role, intended, start, end, ok, *_ in result_requests:
        if ok and window[0] <= intended < window[1]:
            by_op[op].append(round((end - start) * 1000, 3))
    return {
        op: {
            "n": len(v),
            "mean_ms": round(statistics.fmean(v), 3),
            "p50_ms": percentile(v, 50),
            "p95_ms": percentile(v, 95),
            "p99_ms": percentile(v, 99),
            "samples_ms": _thin(v),
        }
        for op, v in sorted(by_op.items())
    }


def calibrate(
    config: RunConfig, out: Path, file: Path, *, listener: Callable[[str], None] = lambda _l: None
) -> tuple[RunResult, dict | None]:
    """Run, judge, and (gates passed) write or merge this profile into `file`; (result, document).

    The client makes one call per step on either library (the single operations every profile
    offers, which `sim`'s model times: saveStampVoucher, sendVoucher, readVoucherAgain,
    confirmVoucher, queryVoucherStatusByOrgType, …), stamping with the profile's seals.
    """
    config = replace(config, calls="1.0", batch_size=1)
    # one caller meets no queue, so it gets through cases faster than the closed-model estimate
    pool = math.ceil(config.users * config.dispatch_seconds * CASES_PER_CALLER_SECOND)
    collected = run(config, out, pool=pool, listener=listener)
    result = analyse(collected)
    # a pool that ran out early leaves fewer samples, not wrong ones; every other gate must pass
    if any(g.name != "pool" for g in result.failed_gates):
        return result, None
    requests = [r for s in collected.seen for r in s.requests]
    document = {"format": FORMAT, "profiles": {}}
    if file.is_file():
        existing = json.loads(file.read_text(encoding="utf-8"))
        if existing.get("format") == FORMAT:
            document = existing  # keep the other profile measured earlier
    document["measured_at"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    document["tool"] = "guoku load calibrate"
    document["profiles"][config.profile] = {
        "target": config.target,
        "concurrency": config.users,
        "mix": collected.mix.name,
        "operations": service_times(requests, result.figures.window),
    }
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return result, document
