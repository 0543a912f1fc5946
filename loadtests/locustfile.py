"""The Locust entry point of `guoku load run`: FastHttpUser desks, each working for one party.

Started by the engine (`locust -f loadtests/locustfile.py`, GUOKU_LOAD_RUN naming the run
directory), alone or as a master and workers. Locust spreads the desks evenly over the
processes; within a process they take the mix's party roles in turn (finance, PBoC, agent bank,
budget unit, payee bank: whichever the mix's flows involve), so every process has desks of
every party. A desk takes the stages waiting for its party (`generator.Generator.work`);
arrivals and the record of what was seen are the generator's. The master of a distributed run
only aggregates Locust's own statistics.
"""

from __future__ import annotations

import itertools

import gevent
from locust import FastHttpUser, constant, events, task
from locust.runners import MasterRunner, WorkerRunner

from loadtests.config import RunConfig, dump, load, pool_path, results_path, run_dir_from_environment
from loadtests.generator import Generator

RUN_DIR = run_dir_from_environment()
CONFIG = RunConfig.read(RUN_DIR)
_state: dict[str, Generator] = {}
_roles = itertools.cycle(CONFIG.roles)


class Desk(FastHttpUser):
    """A party's system at the library: works the stages addressed to its role, one at a time."""

    role = ""
    wait_time = constant(0)
    connection_timeout = 30.0
    network_timeout = 120.0

    def on_start(self) -> None:
        self.role = next(_roles)
        # a desk may spawn before test_start has loaded this process's pool
        while "generator" not in _state:
            gevent.sleep(0.05)

    @task
    def work(self) -> None:
        _state["generator"].work(self, self.role)


DRAINED = "guoku_drained"  # a worker's message: its cases are all finished


@events.init.add_listener
def _on_init(environment, **_kw) -> None:
    runner = environment.runner
    if isinstance(runner, MasterRunner):
        drained: set[int] = set()

        def on_drained(message, **_kw) -> None:
            drained.add(message.data)
            if len(drained) == CONFIG.processes:
                gevent.spawn(runner.quit)

        runner.register_message(DRAINED, on_drained)


@events.test_start.add_listener
def _on_test_start(environment, **_kw) -> None:
    if isinstance(environment.runner, MasterRunner):
        return
    worker = max(0, getattr(environment.runner, "worker_index", 0))
    built_at, pool = load(pool_path(RUN_DIR, worker))
    generator = Generator(CONFIG, pool, worker, built_at)
    _state["generator"] = generator
    generator.start()
    gevent.spawn(_stop_when_drained, environment.runner, generator, worker)


def _stop_when_drained(runner, generator: Generator, worker: int) -> None:
    """End the run as soon as the cases in flight are done (the run time is only the limit)."""
    generator.drained()
    if isinstance(runner, WorkerRunner):
        runner.send_message(DRAINED, worker)
    else:
        gevent.spawn(runner.quit)


@events.test_stop.add_listener
def _on_test_stop(environment, **_kw) -> None:
    generator = _state.get("generator")
    if generator is None:
        return
    generator.stop()
    dump(results_path(RUN_DIR, generator.worker), generator.seen)
