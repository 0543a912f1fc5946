"""The one way our benchmarks time things: alternating rounds, baselines in the same run, medians.

This machine is shared and noisy, so an absolute rate means little; a ratio to a baseline timed
in the same round does. Each round times every workload (baselines included) for `seconds`, so
noise hits all of them alike, and the median over rounds is reported.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


def ops_per_second(fn: Callable[[], object], seconds: float) -> float:
    """Call `fn` repeatedly for about `seconds`; calls per second."""
    done, start = 0, time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        fn()
        done += 1
    return done / (time.perf_counter() - start)


def add_arguments(parser: argparse.ArgumentParser, *, seconds: float = 0.4, rounds: int = 5) -> None:
    parser.add_argument(
        "--seconds", type=float, default=seconds, help=f"per workload per round (default {seconds})"
    )
    parser.add_argument(
        "--rounds", type=int, default=rounds, help=f"rounds (default {rounds}; medians shown)"
    )


@dataclass(frozen=True)
class Result:
    name: str
    baseline: str | None
    rate: float  # median ops/s
    ratio: float | None  # median of per-round rate / baseline rate


def run_rounds(
    workloads: Mapping[str, tuple[str | None, Callable[[], object]]], *, seconds: float, rounds: int
) -> list[Result]:
    """`workloads` maps name -> (baseline name or None, fn); returns one Result per workload."""
    rates: dict[str, list[float]] = {name: [] for name in workloads}
    for i in range(rounds):
        print(f"  round {i + 1}/{rounds}", flush=True)
        for name, (_, fn) in workloads.items():
            rates[name].append(ops_per_second(fn, seconds))
    results = []
    for name, (baseline, _) in workloads.items():
        ratio = None
        if baseline is not None and baseline != name:
            ratio = statistics.median(a / b for a, b in zip(rates[name], rates[baseline], strict=True))
        results.append(Result(name, baseline, statistics.median(rates[name]), ratio))
    return results


def print_results(results: list[Result]) -> None:
    width = max(len(r.name) for r in results)
    for r in results:
        ratio = f"  {r.ratio:6.3f} × {r.baseline}" if r.ratio is not None else "  (baseline)"
        print(f"  {r.name:<{width}} {r.rate:>10,.0f}/s{ratio}")
