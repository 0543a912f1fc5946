"""The library at the speed of its cryptography: server CPU per voucher against the SM2 floor.

What a voucher on the send path cannot avoid is five SM2 verifications: the three stamps'
document signatures and the two requests' CallerAuth signatures (the seals' maker signatures
and the certificate and CRL signatures are the same on every voucher and remembered). The floor
is their cost on this machine, timed in the same rounds on the client core, with the backend the
server uses and with the fastest one found; the benchmark prints the server's CPU per voucher
(all its processes, from the kernel's accounting) as a multiple of that floor.

Workloads, alternating in every round (medians shown):
  * SM2 verify with each C backend (`evoucher.crypto.sm2.CURVES`), on core 1;
  * the send path (saveStampVoucher of a client-stamped 5207 + sendVoucher), `guoku serve` with
    1 worker pinned to core 0 and the client pinned to core 1;
  * the same with `--workers N` on every core, the client unpinned;
  * the whole round trip, 1 worker: finance saves and sends, the PBoC reads (readVoucher) and
    signs for it (confirmVoucher), saves its stamped receipt and sends it back, finance reads and
    signs for the receipt: 8 calls, floor 13 verifies (8 CallerAuth, 3 + 2 document signatures).
The client replays requests signed before each run (`benchmarks._presigned`), so it costs
little; its own CPU is measured (os.times) and reported, and with N workers it shares the cores;
with --db postgres so does the database server, whose processes' CPU is measured and reported too.

    .venv/bin/python -m benchmarks.bench_floor [--seconds 3] [--rounds 3] [--clients 32] [--workers 2]
        [--db sqlite|postgres] [--sm2 openssl|gmssl|python] [--before DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import psutil

from benchmarks._harness import SelfTimed, time_rounds
from benchmarks._presigned import Recorder, drive, send_path, send_path_requests
from benchmarks._servers import CLIENT_CORE, ROOT, Server, can_pin, guoku_serve, pin_self, running
from benchmarks._vouchers import ADM, BUSINESS_DATE, PBOC, VT, YEAR, StampedVouchers
from evoucher.codec import parse_mof
from evoucher.crypto import sm2
from evoucher.pki import Environment
from evoucher.pki.builder import create_environment
from evoucher.seal.certs import load_certificate
from evoucher.seal.model import load_signature

SEND_VERIFIES, ROUND_TRIP_VERIFIES = 5, 13
PG_URL = os.environ.get("GUOKU_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")


def server_cpu(server: Server) -> float:
    """CPU seconds (user + system) of the server and every worker process it forked."""
    root = psutil.Process(server.pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += sum(process.cpu_times()[:2])
    return total


def database_cpu() -> float:
    """CPU seconds of every PostgreSQL server process on this machine (the library's backends and
    the server's own workers; nothing else uses that server during a run here)."""
    total = 0.0
    for process in psutil.process_iter(["name"]):
        if process.info["name"] in ("postgres", "postmaster"):
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                total += sum(process.cpu_times()[:2])
    return total


def client_cpu() -> float:
    times = os.times()
    return times.user + times.system


@dataclass
class Run:
    """One server under presigned load: rate per round, and CPU per voucher of server and client."""

    server: Server
    plan: Callable[[int], list[list[bytes]]]  # how many vouchers -> their requests, signed now
    clients: int
    cores: set[int] | None  # the client's cores during the run (None: all)
    server_ms: list[float] = field(default_factory=list)
    client_ms: list[float] = field(default_factory=list)
    busy: list[float] = field(default_factory=list)
    database: bool = False  # also count PostgreSQL's processes (--db postgres)
    database_ms: list[float] = field(default_factory=list)
    best: float = 150.0

    def __call__(self, seconds: float) -> float:
        planned = self.plan(int(seconds * self.best * 1.5) + 2 * self.clients)
        all_cores = os.sched_getaffinity(0)
        if self.cores is not None:
            os.sched_setaffinity(0, self.cores)
        elif can_pin():
            os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
        try:
            before, mine = server_cpu(self.server), client_cpu()
            db = database_cpu() if self.database else 0.0
            done, elapsed = asyncio.run(
                drive(self.server.url, planned, clients=self.clients, seconds=seconds)
            )
            used, spent = server_cpu(self.server) - before, client_cpu() - mine
            db = database_cpu() - db if self.database else 0.0
        finally:
            os.sched_setaffinity(0, all_cores)
        if done == len(planned):
            print("    warning: every planned voucher was used; the rate is a lower bound", flush=True)
        self.server_ms.append(1e3 * used / max(done, 1))
        self.client_ms.append(1e3 * spent / max(done, 1))
        self.busy.append(used / elapsed)
        self.database_ms.append(1e3 * db / max(done, 1))
        self.best = max(self.best, done / elapsed)
        return done / elapsed


def round_trip_requests(
    url: str, env: Environment, vouchers: StampedVouchers, count: int
) -> list[list[bytes]]:
    """`count` round trips, each as 8 requests signed now (receipts stamped ahead, as vouchers are)."""
    finance, pboc, planned = Recorder(url, env), Recorder(url, env, PBOC), []
    while len(planned) < count and (item := vouchers.take()) is not None:
        no, receipt = item[0], vouchers.receipt(item[0])
        planned.append([
            *send_path(finance, *item),
            pboc.record(lambda c: c.read_voucher(ADM, YEAR, VT, 100)),
            pboc.record(lambda c, no=no: c.confirm_voucher(ADM, YEAR, VT, [no])),
            pboc.record(lambda c, r=receipt: c.save_stamp_voucher(ADM, YEAR, VT, r)),
            pboc.record(lambda c, no=no: c.send_voucher(ADM, "001", "011", YEAR, VT, [no])),
            finance.record(lambda c: c.read_voucher(ADM, YEAR, VT, 100)),
            finance.record(lambda c, no=no: c.confirm_voucher(ADM, YEAR, VT, [no])),
        ])  # fmt: skip
    return planned


def cpu_rate(fn: Callable[[], object]) -> SelfTimed:
    """`fn` per second of this thread's CPU time: what the server's CPU per voucher is compared with,
    and unlike a wall-clock rate it does not fall when other work takes the core meanwhile."""

    def run(seconds: float) -> float:
        done, start, cpu = 0, time.perf_counter(), time.thread_time()
        while time.perf_counter() - start < seconds:
            fn()
            done += 1
        return done / (time.thread_time() - cpu)

    return SelfTimed(run)


def verify_rates(mof: bytes) -> dict[str, SelfTimed]:
    """One document signature of a real stamp, verified with each C backend (per CPU second)."""
    [body] = parse_mof(mof)
    stamp = load_signature(body.stamps[0].value)
    key = load_certificate(stamp.signer_cert).public_key
    e = sm2.message_digest(key, stamp.tbs_bytes)
    assert all(sm2.verify_digest(key, e, stamp.signature, curve=c) for c in sm2.CURVES)
    return {
        f"SM2 verify, {curve}": cpu_rate(lambda c=curve: sm2.verify_digest(key, e, stamp.signature, curve=c))
        for curve in sm2.CURVES
        if curve != "python"
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench_floor", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per server run per round (3)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (3; medians shown)")
    parser.add_argument(
        "--clients", type=int, default=32,
        help="concurrent keep-alive connections (32): the kernel hashes each to a worker's socket, so "
        "with few some worker may get most (with 8, often 6 of 8), and a library has many callers",
    )  # fmt: skip
    parser.add_argument("--workers", type=int, default=2, help="workers of the multi-process run (2)")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite", help="store (sqlite)")
    parser.add_argument("--sm2", choices=tuple(sm2.CURVES), help="the servers' SM2 backend (the default one)")
    parser.add_argument(
        "--before", type=Path, metavar="DIR",
        help="also run the send path, 1 worker, on guoku serve from another checkout (e.g. "
        "`git archive COMMIT | tar -x -C DIR`), in the same rounds: a before/after",
    )  # fmt: skip
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.sm2:
        os.environ["GUOKU_SM2_BACKEND"] = args.sm2  # inherited by the servers
    backend = args.sm2 or sm2.BACKEND
    pinned = pin_self()
    print(f"servers' SM2 backend: {backend}; fastest here: {next(iter(sm2.CURVES))}; pinned: {pinned}")
    with tempfile.TemporaryDirectory(prefix="guoku-floor-") as tmp, contextlib.ExitStack() as stack:
        root = Path(tmp)
        print("making the test environment (small, seed 1)", flush=True)
        env = create_environment(root / "env", scenario="small", seed=1)
        vouchers = StampedVouchers(env)
        _, sample = vouchers.make()

        def serve(name: str, *extra: str, core: int | None, cwd: Path = ROOT) -> Server:
            if args.db == "sqlite":
                url = f"sqlite:///{root}/{name}.db"
            else:
                url = f"{PG_URL}?schema=guoku_floor_{name}_{os.getpid()}"
                stack.callback(drop_schema, f"guoku_floor_{name}_{os.getpid()}")
            command = guoku_serve(
                root / "env", url, BUSINESS_DATE.isoformat(), "--log-level", "error", *extra
            )
            return stack.enter_context(running(command, log=root / f"{name}.log", core=core, cwd=cwd))

        print(f"starting guoku serve: 1 worker on core 0 (×2: send path, round trip), {args.workers} workers")
        one, trip, many = (
            serve("one", core=0),
            serve("trip", core=0),
            serve("many", "--workers", str(args.workers), core=None),
        )

        def plan_for(server: Server) -> Callable[[int], list[list[bytes]]]:
            def plan(count: int) -> list[list[bytes]]:
                vouchers.fill(count)
                return send_path_requests(server.url, env, vouchers.take, count)

            return plan

        def trip_plan(count: int) -> list[list[bytes]]:
            vouchers.fill(count)
            return round_trip_requests(trip.url, env, vouchers, count)

        client_core = {CLIENT_CORE} if pinned else None
        measured = partial(Run, clients=args.clients, database=args.db == "postgres")
        runs = {
            "send path, 1 worker": measured(one, plan_for(one), cores=client_core),
            f"send path, {args.workers} workers": measured(many, plan_for(many), cores=None),
            "round trip, 1 worker": measured(trip, trip_plan, cores=client_core),
        }
        if args.before:
            before = serve("before", core=0, cwd=args.before)
            runs[f"send path, 1 worker, from {args.before}"] = measured(
                before, plan_for(before), cores=client_core
            )
        workloads = {**verify_rates(sample), **{name: SelfTimed(run) for name, run in runs.items()}}
        seconds = {name: (0.4 if name.startswith("SM2") else args.seconds) for name in workloads}
        print("warm-up round", flush=True)
        time_rounds(workloads, seconds={k: min(v, 1.0) for k, v in seconds.items()}, rounds=1)
        for run in runs.values():
            run.server_ms.clear(), run.client_ms.clear(), run.busy.clear(), run.database_ms.clear()
        load = os.getloadavg()[0]
        rates = time_rounds(workloads, seconds=seconds, rounds=args.rounds, show=True)
        report(rates, runs, backend, args.workers)
        print(f"\nload average (1 min) {load:.1f} before the rounds, {os.getloadavg()[0]:.1f} after "
              "(the cores are shared with other work)")  # fmt: skip
    return 0


def drop_schema(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def report(rates: dict[str, list[float]], runs: dict[str, Run], backend: str, workers: int) -> None:
    med = {name: statistics.median(values) for name, values in rates.items()}
    verify = {name.removeprefix("SM2 verify, "): rate for name, rate in med.items() if name.startswith("SM2")}
    fastest = max(verify, key=verify.get)
    print("\nSM2 verify, per second of CPU time on one core (median):")
    for name, rate in verify.items():
        print(f"  {name:<8} {rate:>8,.0f}/s  {1e3 / rate:6.3f} ms")
    floors = {backend: 1e3 / verify[backend], fastest: 1e3 / verify[fastest]}
    print(f"\nServer CPU per voucher (all its processes) against the SM2 floor of the same rounds"
          f" (servers' backend {backend}, fastest {fastest}):")  # fmt: skip
    for name, run in runs.items():
        count = ROUND_TRIP_VERIFIES if name.startswith("round trip") else SEND_VERIFIES
        cpu = statistics.median(run.server_ms)
        against = "; ".join(f"{cpu / (count * ms):.2f}× {count} verifies with {label} ({count * ms:.2f} ms)"
                            for label, ms in floors.items())  # fmt: skip
        print(f"  {name}: {med[name]:,.0f}/s, server {cpu:.2f} ms CPU per voucher = {against}")
        database = (f"; PostgreSQL's processes {statistics.median(run.database_ms):.2f} ms"
                    if run.database else "")  # fmt: skip
        print(f"    server busy {statistics.median(run.busy):.2f} cores; client "
              f"{statistics.median(run.client_ms):.2f} ms CPU per voucher{database}")  # fmt: skip
    one, many = med["send path, 1 worker"], med[f"send path, {workers} workers"]
    run_n = runs[f"send path, {workers} workers"]
    # cores the client (and the database server, on this machine) took during the N-worker run
    shares = {"the client": statistics.median(run_n.client_ms) * many / 1e3}
    if run_n.database:
        shares["PostgreSQL"] = statistics.median(run_n.database_ms) * many / 1e3
    share = sum(shares.values())
    took = " and ".join(f"{who} {cores:.2f}" for who, cores in shares.items())
    print(f"\nScaling: {workers} workers {many / one:.2f}× one worker (per-round rates, medians);")
    print(f"  cores taken meanwhile by {took}; with them for the servers: "
          f"{many / one * workers / max(workers - share, 0.01):.2f}×")  # fmt: skip
    busy1 = statistics.median(runs["send path, 1 worker"].busy)
    busy_n = statistics.median(run_n.busy)
    per_cpu = many / busy_n / (one / busy1)
    print(f"  vouchers per server CPU second: {per_cpu:.2f}× one worker's; if each worker had a core of its"
          f" own: {workers * per_cpu:.2f}×\n  (the cores are shared with other work: busy below 1 core"
          " per worker means the servers got less)")  # fmt: skip
    sys.stdout.flush()


if __name__ == "__main__":
    raise SystemExit(main())
