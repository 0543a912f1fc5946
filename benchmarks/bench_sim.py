"""The model's speed: simulated events per second beside bare SimPy's event rate, same run.

Covers: sim.engine.simulate_model (model mode, vectorised chunks) on `zhejiang` at its busiest
(October 2018, 67 regions electronic) and on `small-province`.
Scenario: bare SimPy is PROCESSES generator processes each yielding `env.timeout` with a random
delay, nothing else: the most events per second SimPy can schedule here. The model is counted
two ways: SimPy events (its cycles, each moving a chunk of vouchers) and document events (a
voucher sent, handled, receipted or carried on paper: what a one-process-per-voucher model
would schedule as events). About half of zhejiang's document events in October 2018 are paper
ones, which cost the model little (a day's courier run per flow is a few array operations), so
the electronic ones are shown alone too. Rounds alternate the workloads; medians shown.

    .venv/bin/python -m benchmarks.bench_sim [--seconds 2] [--rounds 5] [--against REV]

--against REV times the document events of commit REV's model too, in the same rounds: its tree
(`git archive`) runs the `model` workload of its own copy of this file in a child process, which
keeps its own clock (so its imports are not timed). REV needs this file's `model` (1047bee on).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import simpy

from benchmarks._harness import SelfTimed, add_arguments, print_results, summarize, time_rounds
from sim.engine import simulate_model
from sim.scenario import load

PROCESSES = 100


def bare_simpy(seconds: float) -> float:
    """Events per second of SimPy doing nothing but timeouts."""
    env, rng = simpy.Environment(), random.Random(1)

    def ticker(env: simpy.Environment):
        while True:
            yield env.timeout(rng.random())

    for _ in range(PROCESSES):
        env.process(ticker(env))
    started, until = time.perf_counter(), 0.0
    while time.perf_counter() - started < seconds:
        until += 1000.0
        env.run(until=until)
    return next(env._eid) / (time.perf_counter() - started)


def model(scenario: str, start: dt.date | None, days: int, which: str):
    loaded = load(scenario)

    def run(seconds: float) -> float:
        done = 0.0
        began = time.perf_counter()
        while True:
            summary, sim = simulate_model(loaded, seed=1, start=start, days=days)
            done += {
                "simpy": summary["simpy_events"],
                "documents": summary["document_events"],
                "electronic": sim.metrics.document_events - sim.metrics.paper_events,
            }[which]
            if time.perf_counter() - began >= seconds:
                return done / (time.perf_counter() - began)

    return SelfTimed(run)


def older(rev: str, into: Path) -> SelfTimed:
    """The zhejiang document-events workload as commit `rev` has it, run from its own tree."""
    repo = Path(__file__).resolve().parents[1]
    archive = subprocess.run(["git", "archive", rev], cwd=repo, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    call = "import datetime as dt, sys; from benchmarks.bench_sim import model; "
    call += "print(model('zhejiang', dt.date(2018, 10, 8), 2, 'documents').run(float(sys.argv[1])))"

    def run(seconds: float) -> float:
        env = {**os.environ, "PYTHONPATH": str(into)}
        done = subprocess.run([sys.executable, "-c", call, str(seconds)], cwd=into, env=env,
                              capture_output=True, text=True, check=True)  # fmt: skip
        return float(done.stdout.split()[-1])

    return SelfTimed(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser, seconds=2.0, rounds=5)
    parser.add_argument("--against", metavar="REV", help="also time REV's model (e.g. 1047bee)")
    args = parser.parse_args()
    busy = dt.date(2018, 10, 8)
    workloads = {
        "bare SimPy events": SelfTimed(bare_simpy),
        "zhejiang 2018-10 SimPy events": model("zhejiang", busy, 2, "simpy"),
        "zhejiang 2018-10 document events": model("zhejiang", busy, 2, "documents"),
        "zhejiang 2018-10 electronic document events": model("zhejiang", busy, 2, "electronic"),
        "small-province SimPy events": model("small-province", None, 5, "simpy"),
    }
    with tempfile.TemporaryDirectory() as tree:
        if args.against:
            workloads[f"zhejiang 2018-10 document events at {args.against}"] = older(args.against, Path(tree))
        rates = time_rounds(workloads, seconds=args.seconds, rounds=args.rounds)
    baseline = "bare SimPy events"
    print_results(summarize(rates, {name: baseline for name in workloads}))


if __name__ == "__main__":
    main()
