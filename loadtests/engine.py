"""`guoku load run`'s engine: build the pool, run Locust (alone or master + workers), collect.

The pool is built here, before any load: every voucher of the run made and stamped and every
request signed (`cases.PoolBuilder`), one pool per Locust worker so VoucherNos never collide.
Locust runs headless in its own processes with the run directory in GUOKU_LOAD_RUN; its CSV and
HTML go to the output directory beside ours. What the workers saw comes back as `Seen`
records, which `verdict.judge` turns into figures and gate verdicts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import math
import multiprocessing
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import loadtests
from loadtests.cases import Case, PoolBuilder
from loadtests.config import RUN_DIR_VARIABLE, RunConfig, dump, load, pool_path, results_path
from loadtests.generator import Seen
from loadtests.mix import Mix, load_mix

LOCUSTFILE = Path(loadtests.__file__).with_name("locustfile.py")
CLOSED_CASES_PER_USER_SECOND = 25.0  # a fast target's pace: the pool must outlast it
CHUNK = 100  # cases per pool-building task
INLINE_CASES = 300  # smaller pools are built in this process  # closed-model pool estimate; --pool overrides
STOP_TIMEOUT = 30  # s: at the end a desk finishes the stage it is in (its reads are recorded)
Listener = Callable[[str], None]


class RunError(RuntimeError):
    """The harness could not run (Locust did not start, a worker died): no verdict on the target."""


@dataclass(frozen=True)
class Collected:
    """What a run produced before judging: its config, mix, pools and what each worker saw."""

    config: RunConfig
    mix: Mix
    cases: dict[int, Case]  # by (worker * 10**7 + id)
    seen: list[Seen]
    out: Path
    target_cpu: list[tuple[float, float]]  # (wall time, CPU seconds of the target process)


def pool_sizes(config: RunConfig, pool: int | None) -> list[int]:
    """Cases per worker: the open model's arrivals plus 5%, or an estimate for the closed model."""
    if pool is not None:
        total = pool
    elif config.model == "open":
        total = (
            math.ceil(config.rate * config.dispatch_seconds / config.batch_size * 1.05) + 2 * config.processes
        )
    else:
        total = math.ceil(config.users * config.dispatch_seconds * CLOSED_CASES_PER_USER_SECOND)
    return [max(1, total // config.processes + (1 if i < total % config.processes else 0))
            for i in range(config.processes)]  # fmt: skip


def _build_chunk(task: tuple) -> list[Case]:
    """Cases `first` .. `first + count - 1` of one worker's pool (in a process of its own)."""
    from evoucher.pki import load_environment

    env_dir, mix_path, profile, calls, date, tag, worker, first, count = task
    builder = PoolBuilder(load_environment(env_dir), load_mix(mix_path), profile, calls=calls or None,
                          business_date=dt.date.fromisoformat(date), tag=tag, worker=worker)  # fmt: skip
    cases = list(builder.cases(count, first=first))
    for case in cases:
        case.id += worker * 10**7
    return cases


def build_pools(config: RunConfig, sizes: list[int], run_dir: Path, say: Listener) -> dict[int, Case]:
    """Make and save every worker's pool, in chunks on every core; returns all cases by global id.

    The chunk processes are spawned, not forked: the caller may be serving a library in a thread.
    """
    started = time.time()
    tasks = [(config.env_dir, config.mix, config.profile, config.calls, config.business_date, config.tag,
              worker, first,
              min(CHUNK, size - first))
             for worker, size in enumerate(sizes) for first in range(0, size, CHUNK)]  # fmt: skip
    chunks: list[list[Case]] = []
    if sum(sizes) <= INLINE_CASES:  # starting processes would cost more than it saves
        chunks += [_build_chunk(task) for task in tasks]
    else:
        workers = min(len(tasks), os.cpu_count() or 1)
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            for done, chunk in enumerate(pool.map(_build_chunk, tasks), 1):
                chunks.append(chunk)
                if done % 5 == 0:
                    say(f"  pool: {done}/{len(tasks)} chunks of {CHUNK} cases built")
    everything: dict[int, Case] = {}
    for worker in range(len(sizes)):
        cases = [c for chunk in chunks for c in chunk if c.id // 10**7 == worker]
        dump(pool_path(run_dir, worker), (started, cases))
        everything.update((c.id, c) for c in cases)
    say(f"pool: {sum(sizes)} cases, {sum(sizes) * config.batch_size} vouchers built and signed in "
        f"{time.time() - started:.1f} s ({len(sizes)} pool(s))")  # fmt: skip
    return everything


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def locust_commands(config: RunConfig, out: Path, run_time: int) -> list[list[str]]:
    """The Locust command lines: one headless process, or a master and `workers` workers."""
    users = config.desks * config.processes * len(config.roles)
    base = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--loglevel", "WARNING"]
    head = [*base, "--headless", "--host", config.target, "-u", str(users), "-r", str(max(users, 1)),
            "-t", f"{run_time}s", "--stop-timeout", str(STOP_TIMEOUT), "--csv", str(out / "locust"),
            "--html", str(out / "locust.html")]  # fmt: skip
    if config.workers + config.remote_workers == 0:
        return [head]
    port = config.master_port or _free_port()
    bind = "0.0.0.0" if config.remote_workers else "127.0.0.1"  # remote workers must reach it
    master = [*head, "--master", "--master-bind-host", bind, "--master-bind-port", str(port),
              "--expect-workers", str(config.processes)]  # fmt: skip
    return [master] + [worker_command(port)] * config.workers


def worker_command(port: int, master_host: str = "127.0.0.1") -> list[str]:
    """A Locust worker of this run (the run directory comes through GUOKU_LOAD_RUN)."""
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--loglevel", "WARNING", "--worker",
            "--master-host", master_host, "--master-port", str(port)]  # fmt: skip


@contextlib.contextmanager
def _cpu_sampler(pid: int | None) -> Iterator[list[tuple[float, float]]]:
    """(time, CPU seconds) of process `pid` every 0.5 s while the block runs (empty without a pid)."""
    samples: list[tuple[float, float]] = []
    stop = threading.Event()
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def sample() -> None:
        while not stop.is_set():
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                samples.append((time.time(), (int(fields[11]) + int(fields[12])) / tick))
            stop.wait(0.5)

    thread = threading.Thread(target=sample, daemon=True) if pid else None
    if thread:
        thread.start()
    try:
        yield samples
    finally:
        stop.set()
        if thread:
            thread.join()


def run_locust(config: RunConfig, run_dir: Path, out: Path, say: Listener, target_pid: int | None) -> list:
    run_time = math.ceil(config.dispatch_seconds + config.cooldown + 1)
    env = {**os.environ, RUN_DIR_VARIABLE: str(run_dir)}
    root = str(Path(loadtests.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    processes = []
    logs = []
    commands = locust_commands(config, out, run_time)
    if config.remote_workers:
        port = commands[0][commands[0].index("--master-bind-port") + 1]
        remote = " ".join(worker_command(int(port), socket.gethostname())[1:])
        say(f"waiting for {config.remote_workers} remote worker(s); on each machine, with {run_dir} at the "
            f"same path (shared filesystem): {RUN_DIR_VARIABLE}={run_dir} python {remote}")  # fmt: skip
    with _cpu_sampler(target_pid) as cpu:
        try:
            for i, command in enumerate(commands):
                log = (run_dir / f"locust-{i}.log").open("wb")
                logs.append(log)
                processes.append(
                    subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
                )
            _wait(processes, run_time, config, say)
        finally:
            for p in processes:
                if p.poll() is None:
                    p.kill()
                    p.wait()
            for log in logs:
                log.close()
    return cpu


def _wait(processes: list[subprocess.Popen], run_time: int, config: RunConfig, say: Listener) -> None:
    started = time.monotonic()
    limit = run_time + STOP_TIMEOUT + 60 + 10 * config.workers
    last = 0.0
    master = processes[0]
    while master.poll() is None:
        elapsed = time.monotonic() - started
        if elapsed > limit:
            raise RunError(f"Locust did not finish within {limit} s")
        if elapsed - last >= 5:
            last = elapsed
            phase = (
                "warm-up"
                if elapsed < config.warmup
                else "steady state"
                if elapsed < config.dispatch_seconds
                else "cool-down"
            )
            say(f"  load: {elapsed:4.0f} s of at most {run_time} s ({phase})")
        time.sleep(0.2)
    for p in processes[1:]:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()


def run(
    config: RunConfig, out: Path, *, pool: int | None = None, target_pid: int | None = None,
    listener: Listener = lambda _line: None,
) -> Collected:  # fmt: skip
    """Build the pool, run Locust, and collect what every worker saw (RunError if the harness fails)."""
    if importlib.util.find_spec("locust") is None:  # the CLI names the extra that brings it
        raise ModuleNotFoundError("No module named 'locust'", name="locust")
    mix = load_mix(config.mix)
    out = out.resolve()  # Locust runs from the checkout, not from here
    out.mkdir(parents=True, exist_ok=True)
    run_dir = out / "run"
    run_dir.mkdir(exist_ok=True)
    for stale in run_dir.glob("results-*.pickle"):
        stale.unlink()
    config = replace(config, roles=tuple(dict.fromkeys(r for f in mix.flows for r in (f.sender, f.to))))
    config.write(run_dir)
    cases = build_pools(config, pool_sizes(config, pool), run_dir, listener)
    model = (
        f"open model, {config.rate:g} vouchers/s"
        if config.model == "open"
        else f"closed model, {config.users} users"
    )
    listener(f"load: {config.profile} client, mix {mix.name}, {model}, {config.warmup:g} s warm-up + "
             f"{config.duration:g} s steady state, {config.processes} Locust process(es)")  # fmt: skip
    cpu = run_locust(config, run_dir, out, listener, target_pid)
    seen = []
    for worker in range(config.processes):
        path = results_path(run_dir, worker)
        if not path.is_file():
            tail = "\n".join((run_dir / "locust-0.log").read_text(errors="replace").splitlines()[-15:])
            raise RunError(f"Locust process {worker} left no results (see {run_dir}/locust-*.log):\n{tail}")
        seen.append(load(path))
    return Collected(config, mix, cases, seen, out, cpu)
