"""Generator headroom: SOAP calls/s one load-test process sends, beside bare Locust, same run.

Covers: `loadtests.generator` — the party desks (FastHttpUser), stage queues and hand-offs, the
closed-model loops, each answer judged (`loadtests.soap.judge`) and every request recorded —
against the bare cost of the same Locust: a FastHttpUser posting the same prepared, CallerAuth-
signed `sendVoucher` envelopes in a loop and looking at nothing. Both in this process (one
core, CLIENT_CORE), against the bare echo app (`benchmarks._echo`, SERVER_CORE), which answers
every call with a void sendVoucherResponse, so the target costs next to nothing; 10 users each.
Scenario: each synthetic case is finance → PBoC → finance, five sendVoucher calls in three
stages (the shape of a 1.0 lifecycle). The ratio is guoku's calls/s over bare calls/s of the
same round (aim: at least 0.6); the generator's pre-built pool means no SM2 is done here.

    .venv/bin/python -m benchmarks.bench_load_generator [--seconds 3] [--rounds 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import itertools
import sys
import tempfile
import time
from pathlib import Path

import gevent
import locust  # noqa: F401  (before our modules: gevent patches the standard library for them)
from locust import FastHttpUser, constant, task
from locust.env import Environment

from benchmarks._harness import SelfTimed, add_arguments, print_results, summarize, time_rounds
from benchmarks._servers import CLIENT_CORE, SERVER_CORE, pin_self, running
from loadtests.cases import Case, PoolBuilder, Stage
from loadtests.config import RunConfig
from loadtests.generator import HEADERS, Generator
from loadtests.mix import load_mix

USERS = 10
BARE, GUOKU = "bare FastHttpUser", "guoku desks (queues, judge, record)"


def synthetic_cases(env_dir: Path) -> tuple[list[tuple[str, bytes]], Case]:
    """The prepared sendVoucher calls of one real 实拨 case, arranged as a five-call lifecycle."""
    from evoucher.pki.builder import create_environment

    env = create_environment(env_dir, scenario="tiny", seed=1)
    mix = load_mix("normal-day")
    flow = next(f for f in mix.flows if f.vt_code == "5207")
    real = PoolBuilder(env, mix, "1.0", business_date=dt.date.today(), tag="BENC").case(0, flow)
    sends = [s for s in real.steps if s.operation == "sendVoucher"]
    voucher, receipt = sends[0], sends[-1]
    stages = (
        Stage("finance", real.sender, (voucher, voucher)),
        Stage("pboc", real.receiver, (receipt, receipt)),
        Stage("finance", real.sender, (voucher,)),
    )
    template = dataclasses.replace(real, stages=stages)
    calls = [(s.path, s.body) for stage in stages for s in stage.steps]
    return calls, template


CPU_PER_CALL: dict[str, list[float]] = {}  # workload -> calls per CPU-second of this process, per round


def _requests_per_s(name: str, environment: Environment, users: int, seconds: float) -> float:
    """Calls/s over `seconds` of a running Locust; also notes calls per CPU-second of this process."""
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=100)
    gevent.sleep(0.5)  # spawned and warm
    before, started, cpu = environment.stats.total.num_requests, time.perf_counter(), time.process_time()
    gevent.sleep(seconds)
    done, elapsed = environment.stats.total.num_requests - before, time.perf_counter() - started
    CPU_PER_CALL.setdefault(name, []).append(done / max(time.process_time() - cpu, 1e-9))
    runner.quit()
    return done / elapsed


def bare(url: str, calls: list[tuple[str, bytes]]):
    class Bare(FastHttpUser):
        host = url
        wait_time = constant(0)

        def on_start(self) -> None:
            self.calls = itertools.cycle(calls)

        @task
        def post(self) -> None:
            path, body = next(self.calls)
            self.client.post(path, data=body, headers=HEADERS, name="sendVoucher")

    return lambda seconds: _requests_per_s(BARE, Environment(user_classes=[Bare]), USERS, seconds)


def guoku(url: str, template: Case, env_dir: Path):
    def run(seconds: float) -> float:
        config = RunConfig(
            target=url, env_dir=str(env_dir), mix="", profile="1.0", model="closed", rate=0.0, users=USERS,
            batch_size=1, duration=seconds + 5, warmup=0.0, cooldown=0.0, workers=0, desks=USERS,
            roles=("finance", "pboc"), business_date=dt.date.today().isoformat(), tag="BENC",
        )  # fmt: skip
        pool = [dataclasses.replace(template, id=i) for i in range(int(seconds * 20_000) + 10_000)]
        generator = Generator(config, pool, 0, time.time())
        roles = itertools.cycle(config.roles)

        class Desk(FastHttpUser):
            host = url
            wait_time = constant(0)

            def on_start(self) -> None:
                self.role = next(roles)

            @task
            def work(self) -> None:
                generator.work(self, self.role)

        environment = Environment(user_classes=[Desk])
        generator.start()
        try:
            return _requests_per_s(GUOKU, environment, USERS * len(config.roles), seconds)
        finally:
            generator.stop()

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser, seconds=3.0, rounds=5)
    args = parser.parse_args(argv)
    pinned = pin_self(CLIENT_CORE)
    home = Path(tempfile.mkdtemp(prefix="guoku-bench-load-"))
    calls, template = synthetic_cases(home / "env")
    command = [sys.executable, "-m", "benchmarks._echo", "--port", "0"]
    with running(command, log=home / "echo.log", core=SERVER_CORE) as echo:
        where = "pinned to core 1" if pinned else "unpinned"
        print(f"echo app at {echo.url} (cores {echo.cores}); generator {where}")
        workloads = {
            BARE: SelfTimed(bare(echo.url, calls)),
            GUOKU: SelfTimed(guoku(echo.url, template, home)),
        }
        rates = time_rounds(workloads, seconds=args.seconds, rounds=args.rounds, show=True)
    baselines = {BARE: None, GUOKU: BARE}
    print(f"SOAP calls/s from one process, {USERS} users each ({args.rounds} rounds of {args.seconds:g} s):")
    print_results(summarize(rates, baselines))
    print("calls per CPU-second of the generator process (what it could send with a core to itself):")
    print_results(summarize(CPU_PER_CALL, baselines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
