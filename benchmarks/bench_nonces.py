"""CPU per CallerAuth nonce check: the store's shared memory against the in-process NonceCache.

The check runs on every authenticated request (two per voucher on the send path), in the
thread that handles the request. Each round checks `--checks` fresh nonces (24 base64 characters, as
our client sends) with each memory in turn: `NonceCache` (in the process, the baseline), the
SQLite store's `STORE.nonces` file, and with --postgres the PostgreSQL store's `nonces` table
(`voucherlib.nonces`). It prints, as medians over the rounds, the calling thread's CPU time per
check (`time.thread_time`: what the server's CPU pays; PostgreSQL's own work is in its server
processes), its ratio to NonceCache's in the same round, and the wall time per check. Pruning
by the window (every 1,000 insertions) is included.

    .venv/bin/python -m benchmarks.bench_nonces [--checks 2000] [--rounds 5] [--postgres URL]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import statistics
import tempfile
import time
from collections.abc import Callable

from evoucher.wsauth import DEFAULT_WINDOW
from voucherlib.nonces import open_nonces
from voucherlib.store import open_store

CERT_ID = "bench-cert"


def check_many(remember: Callable, checks: int) -> tuple[float, float]:
    """CPU and wall seconds per check of `checks` fresh nonces, all of them accepted."""
    nonces = [base64.b64encode(os.urandom(16)).decode("ascii") for _ in range(checks)]
    now = time.time()
    cpu, wall = time.thread_time(), time.perf_counter()
    for nonce in nonces:
        if remember((CERT_ID, nonce), now, now - DEFAULT_WINDOW) is not None:
            raise RuntimeError(f"a fresh nonce was refused: {nonce}")
    return (time.thread_time() - cpu) / checks, (time.perf_counter() - wall) / checks


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench_nonces", description=__doc__.split("\n\n")[0])
    parser.add_argument("--checks", type=int, default=2000, help="nonces per memory per round (2000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (5; medians shown)")
    parser.add_argument("--postgres", metavar="URL", help="also measure the PostgreSQL store at this URL")
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        urls = {"NonceCache (in process)": "sqlite://", "SQLite STORE.nonces": f"sqlite:///{tmp}/library.db"}
        if args.postgres:
            urls["PostgreSQL nonces table"] = args.postgres
        memories = {}
        for name, url in urls.items():
            memories[name] = memory = open_nonces(stack.enter_context(open_store(url)))
            if hasattr(memory, "close"):
                stack.callback(memory.close)
        baseline = next(iter(memories))
        for memory in memories.values():  # warm up: connections, prepared statements
            check_many(memory.remember, min(args.checks, 200))
        cpu: dict[str, list[float]] = {name: [] for name in memories}
        wall: dict[str, list[float]] = {name: [] for name in memories}
        for i in range(args.rounds):
            print(f"  round {i + 1}/{args.rounds}", flush=True)
            for name, memory in memories.items():
                spent, waited = check_many(memory.remember, args.checks)
                cpu[name].append(spent)
                wall[name].append(waited)
        width = max(map(len, memories))
        print(f"CPU per nonce check (calling thread), {args.checks:,} checks × {args.rounds} rounds, medians")
        for name in memories:
            ratio = statistics.median(a / b for a, b in zip(cpu[name], cpu[baseline], strict=True))
            print(
                f"  {name:<{width}} {statistics.median(cpu[name]) * 1e6:8.1f} µs CPU"
                f"  {ratio:6.2f} × {baseline.split()[0]}"
                f"  {statistics.median(wall[name]) * 1e6:8.1f} µs wall"
            )


if __name__ == "__main__":
    main()
