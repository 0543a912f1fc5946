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


@dataclass(frozen=True)
class SelfTimed:
    """A workload that keeps its own clock: `run(seconds)` works for about `seconds`, returns ops/s.

    For work a call-at-a-time loop cannot drive, such as many concurrent clients of a server in
    another process; it takes its turn in the rounds like any other workload.
    """

    run: Callable[[float], float]


Workload = Callable[[], object] | SelfTimed


def rate_of(fn: Workload, seconds: float) -> float:
    """ops/s of one workload over about `seconds`."""
    return fn.run(seconds) if isinstance(fn, SelfTimed) else ops_per_second(fn, seconds)


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


def time_rounds(
    workloads: Mapping[str, Workload],
    *,
    seconds: float | Mapping[str, float],
    rounds: int,
    show: bool = False,
) -> dict[str, list[float]]:
    """Each workload's rate in every round (workloads alternate within a round).

    `seconds` may differ per workload (a mapping by name); `show` prints each rate as it is taken.
    """
    rates: dict[str, list[float]] = {name: [] for name in workloads}
    for i in range(rounds):
        print(f"  round {i + 1}/{rounds}", flush=True)
        for name, fn in workloads.items():
            s = seconds[name] if isinstance(seconds, Mapping) else seconds
            rates[name].append(rate_of(fn, s))
            if show:
                print(f"    {name}: {rates[name][-1]:,.1f}/s", flush=True)
    return rates


def summarize(rates: Mapping[str, list[float]], baselines: Mapping[str, str | None]) -> list[Result]:
    """Median rate per workload, and the median of its per-round ratios to its baseline."""
    results = []
    for name, per_round in rates.items():
        baseline, ratio = baselines.get(name), None
        if baseline is not None and baseline != name:
            ratio = statistics.median(a / b for a, b in zip(per_round, rates[baseline], strict=True))
        results.append(Result(name, baseline, statistics.median(per_round), ratio))
    return results


def run_rounds(
    workloads: Mapping[str, tuple[str | None, Workload]], *, seconds: float, rounds: int
) -> list[Result]:
    """`workloads` maps name -> (baseline name or None, fn); returns one Result per workload."""
    rates = time_rounds({name: fn for name, (_, fn) in workloads.items()}, seconds=seconds, rounds=rounds)
    return summarize(rates, {name: baseline for name, (baseline, _) in workloads.items()})


def print_results(results: list[Result]) -> None:
    width = max(len(r.name) for r in results)
    for r in results:
        ratio = f"  {r.ratio:6.3f} × {r.baseline}" if r.ratio is not None else "  (baseline)"
        print(f"  {r.name:<{width}} {r.rate:>10,.0f}/s{ratio}")
