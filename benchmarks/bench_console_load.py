"""SOAP calls while people look at the console: the rate against the same calls with nobody looking.

Covers: `guoku serve` in its own process (pinned to one core), one SOAP caller making
queryVoucherStatusByOrgType calls (signed CallerAuth, as every party does) while 0, 1, 4 or 16
console readers load list pages and the board as fast as they can, each in its own process
(at the lowest priority, on the clients' core, so they do not take the caller's CPU).
Scenario: a store of --vouchers vouchers built by `bench_console`'s bulk inserts. The console does
its work in at most CONSOLE_THREADS worker threads, so 16 readers should cost the SOAP caller
about what 2 do. The baseline is the SOAP rate with no reader, in the same rounds.

    .venv/bin/python -m benchmarks.bench_console_load [--vouchers 100000] [--seconds 2] [--rounds 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
from pathlib import Path

import httpx

from benchmarks._harness import SelfTimed, add_arguments, ops_per_second, print_results, run_rounds
from benchmarks._servers import guoku_serve, pin_self, running
from benchmarks.bench_console import START, build
from evoucher.pki import Environment
from evoucher.pki.builder import create_environment
from mocks import VoucherLibraryClient
from voucherlib.console.login import make_token

READERS = (1, 4, 16)


def soap_caller(url: str, env: Environment):
    """One call of hz-finance's status query for three of its vouchers."""
    holder = env.party("hz-finance").org
    client = VoucherLibraryClient(
        url, service="AsspFinanceService", cert_id=holder.cert_id, key=holder.key, cert_der=holder.cert.dump()
    )
    nos = [f"B{i:09d}" for i in (1, 3, 5)]
    return lambda: client.query_voucher_status_by_org_type("330100", 2026, "5201", nos, "001")


def _read(url: str, token: str, day: str, ready, stop) -> None:
    """A console reader's process: lowest priority on the clients' core, pages without pause."""
    pin_self()
    os.nice(19)  # the measured SOAP caller shares this core: it comes first
    with httpx.Client(base_url=url, timeout=120) as c:
        c.get("/console/login", params={"token": token})
        ready.release()
        while not stop.is_set():
            c.get("/console/vouchers")
            c.get("/console/vouchers", params={"vt": "5106"})
            c.get("/console/board", params={"day": day})


def with_readers(call, url: str, env: Environment, readers: int) -> SelfTimed:
    """The SOAP rate while `readers` processes load console pages without pause."""
    day = START.date().isoformat()
    spawn = multiprocessing.get_context("spawn")

    def run(seconds: float) -> float:
        ready, stop = spawn.Semaphore(0), spawn.Event()
        procs = [
            spawn.Process(
                target=_read, args=(url, make_token(env, "operator"), day, ready, stop), daemon=True
            )
            for _ in range(readers)
        ]
        for p in procs:
            p.start()
        for _ in procs:
            ready.acquire()
        try:
            return ops_per_second(call, seconds)
        finally:
            stop.set()
            for p in procs:
                p.join()

    return SelfTimed(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vouchers", type=int, default=100_000, help="vouchers in the store (100,000)")
    add_arguments(parser, seconds=2.0, rounds=3)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="guoku-bench-console-load-"))
    env = create_environment(home / "env", scenario="small", seed=1)
    build(home / "library.db", env, args.vouchers)
    pin_self()
    command = guoku_serve(
        home / "env", f"sqlite:///{home / 'library.db'}", "2026-06-30", "--log-level", "error"
    )
    with running(command, log=home / "serve.log") as server:
        call = soap_caller(server.url, env)
        call()
        workloads = {"SOAP, nobody looking": (None, call)}
        for n in READERS:
            name = f"SOAP, {n} console reader{'s' if n > 1 else ''}"
            workloads[name] = ("SOAP, nobody looking", with_readers(call, server.url, env, n))
        print(f"SOAP while the console is read; server on cores {server.cores}, {args.vouchers:,} vouchers")
        results = run_rounds(workloads, seconds=args.seconds, rounds=args.rounds)
    print_results(results)


if __name__ == "__main__":
    main()
