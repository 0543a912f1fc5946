"""Send-path throughput of `guoku serve`, as a ratio to the ideal its bare parts imply in the same run.

Covers: finance saves a client-stamped 5207 (saveStampVoucher: three v4 stamps verified on
arrival with the seal policy, stored durably) and sends it to the PBoC (sendVoucher), with
1 and 8 concurrent clients, on SQLite (WAL, synchronous=FULL, group commit) and, when a server
answers, PostgreSQL (synchronous_commit=on); with --confirm the PBoC also reads and signs for each.
Scenario: `guoku serve --profile 2.0` runs in its own process pinned to core 0 (1 uvicorn
worker); this process, pinned to core 1, is the clients (our SOAP client, CallerAuth signed)
and, between send-path runs, times the bare parts on its own core: parse_mof, registry
validation, verify_body of the three stamps, reading both SOAP envelopes with their CallerAuth
check, a durable store save + send, and both requests through a bare FastAPI/uvicorn echo
(pinned to core 0 too). The ideal is 1 / Σ part costs (vouchers/s); the ratio send path / ideal
is taken per round, rounds alternate every workload, and medians are shown. Vouchers are
stamped before any timing (stamping is the client's cost).

    .venv/bin/python -m benchmarks.bench_send_path [--seconds 2.5] [--part-seconds 0.4] [--rounds 5]
        [--clients 1,8] [--postgres URL | --no-postgres] [--confirm]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from benchmarks._harness import SelfTimed, Workload, print_results, summarize, time_rounds
from benchmarks._load import captured_request, drive_send_path, http_post
from benchmarks._parts import cpu_parts, echo_part, ideal_rate, store_part
from benchmarks._servers import SERVER_CORE, Server, guoku_serve, pin_self, running
from benchmarks._vouchers import ADM, BUSINESS_DATE, VT, YEAR, StampedVouchers
from evoucher.codec import parse_mof
from evoucher.pki import Environment
from evoucher.pki.builder import create_environment
from voucherlib.store import open_store

PG_URL = os.environ.get("GUOKU_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
MIN_CEILING = 100  # vouchers/s to stamp ahead for per second of a run, at least


class SendPath:
    """The send path against one server as a self-timed workload; remembers the server's CPU use."""

    def __init__(self, server: Server, env: Environment, vouchers: StampedVouchers, clients: int,
                 confirm: bool) -> None:  # fmt: skip
        self.server, self.env, self.vouchers = server, env, vouchers
        self.clients, self.confirm = clients, confirm
        self.busy: list[float] = []  # per run: the server's CPU seconds per wall second
        self.cpu_per_voucher: list[float] = []
        self._best = 0.0

    def run(self, seconds: float) -> float:
        self.vouchers.fill(int(seconds * max(MIN_CEILING, 2 * self._best)) + self.clients)
        process = psutil.Process(self.server.pid)
        before = sum(process.cpu_times()[:2])
        done, elapsed = asyncio.run(
            drive_send_path(self.server.url, self.env, self.vouchers.take, clients=self.clients,
                            seconds=seconds, confirm=self.confirm)
        )  # fmt: skip
        if not len(self.vouchers):
            print("    warning: ran out of stamped vouchers; the rate is too low", flush=True)
        used = sum(process.cpu_times()[:2]) - before
        self.busy.append(used / elapsed)
        self.cpu_per_voucher.append(used / max(done, 1))
        self._best = max(self._best, done / elapsed)
        return done / elapsed


def postgres_url(args: argparse.Namespace) -> str | None:
    """The server to use (None: SQLite only), saying why when there is none."""
    if args.no_postgres:
        return None
    import psycopg

    url = args.postgres or PG_URL
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error as exc:
        print(f"PostgreSQL skipped: no server at {url} ({str(exc).strip()})")
        return None
    return url


@contextlib.contextmanager
def schemas(url: str, *names: str) -> Iterator[list[str]]:
    """Store URLs on fresh schemas of `url`, dropped afterwards."""
    import psycopg

    sep = "&" if "?" in url else "?"
    try:
        yield [f"{url}{sep}schema={name}" for name in names]
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            for name in names:
                conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench_send_path", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.5, help="per send-path run per round (2.5)")
    parser.add_argument("--part-seconds", type=float, default=0.4, help="per part per round (0.4)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (5; medians shown)")
    parser.add_argument("--clients", default="1,8", help="concurrent clients, comma-separated (1,8)")
    parser.add_argument("--postgres", metavar="URL", help=f"PostgreSQL server (default {PG_URL})")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--confirm", action="store_true", help="the PBoC also reads and signs for each")
    return parser.parse_args(argv)


@dataclass
class Plan:
    """Every workload of a round, how long each runs, and which parts make each send path's ideal."""

    workloads: dict[str, Workload] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    ideal_parts: dict[str, list[str]] = field(default_factory=dict)
    paths: dict[str, SendPath] = field(default_factory=dict)

    def add(self, name: str, workload: Workload, seconds: float) -> str:
        self.workloads[name], self.seconds[name] = workload, seconds
        return name


def start_servers(
    root: Path, backends: dict[str, tuple[str, str]], stack: contextlib.ExitStack
) -> tuple[dict[str, Server], Server]:
    """`guoku serve` on each backend's library URL, and the echo server; all pinned to core 0."""
    twice = " ×2" if len(backends) > 1 else ""
    print(f"starting guoku serve{twice} and the echo server", flush=True)
    servers = {}
    for name, (url, _) in backends.items():
        command = guoku_serve(root / "env", url, BUSINESS_DATE.isoformat(), "--log-level", "error")
        servers[name] = stack.enter_context(running(command, log=root / f"{name}.log"))
    echo = stack.enter_context(running([sys.executable, "-m", "benchmarks._echo"], log=root / "echo.log"))
    for name, server in [*servers.items(), ("echo", echo)]:
        print(f"  {name} server: pid {server.pid} on core {server.cores}", flush=True)
    return servers, echo


def plan(
    args: argparse.Namespace, env: Environment, root: Path, backends: dict[str, tuple[str, str]],
    stack: contextlib.ExitStack,
) -> Plan:  # fmt: skip
    """Start the servers, capture the requests, and lay out every workload of a round."""
    vouchers = StampedVouchers(env)
    _, sample = vouchers.make()
    [body] = parse_mof(sample)
    print(f"5207 MOF with 3 stamps: {len(sample):,} bytes", flush=True)
    servers, echo = start_servers(root, backends, stack)
    envelopes = {
        "saveStampVoucher": captured_request(
            lambda c: c.save_stamp_voucher(ADM, YEAR, VT, sample), echo.url, env
        ),
        "sendVoucher": captured_request(
            lambda c: c.send_voucher(ADM, "011", "001", YEAR, VT, ["B000000001"]), echo.url, env
        ),
    }
    requests = [http_post(echo.url, "/realware/services/AsspFinanceService", e) for e in envelopes.values()]
    print(f"requests: {' + '.join(f'{len(r):,}' for r in requests)} bytes", flush=True)

    out = Plan()
    cpu = [out.add(name, fn, args.part_seconds) for name, fn in cpu_parts(env, sample, envelopes).items()]
    counts = [int(n) for n in args.clients.split(",")]
    echoes = {
        n: out.add(f"HTTP echo, both requests, {plural(n, 'connection')}",
                   echo_part(echo.url, requests, clients=n), args.part_seconds)
        for n in counts
    }  # fmt: skip
    for backend, (_, parts_url) in backends.items():
        store = stack.enter_context(open_store(parts_url))
        for n in counts:
            saving = f"store save+send, {backend}, {plural(n, 'caller')}"
            out.add(saving, store_part(store, env, body, callers=n, prefix=f"S{n}"), args.part_seconds)
            path = SendPath(servers[backend], env, vouchers, n, args.confirm)
            name = out.add(f"send path, {backend}, {plural(n, 'client')}", SelfTimed(path.run), args.seconds)
            out.paths[name], out.ideal_parts[name] = path, [*cpu, saving, echoes[n]]
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    pinned = pin_self()
    print(f"server on core {SERVER_CORE}, clients and parts on core 1" if pinned else "NOT pinned (<2 cores)")
    with tempfile.TemporaryDirectory(prefix="guoku-bench-") as tmp, contextlib.ExitStack() as stack:
        root = Path(tmp)
        print("making the test environment (small, seed 1)", flush=True)
        env = create_environment(root / "env", scenario="small", seed=1)
        backends = {"SQLite": (f"sqlite:///{root}/library.db", f"sqlite:///{root}/parts.db")}
        if pg := postgres_url(args):
            tag = f"guoku_bench_{os.getpid()}"
            backends["PostgreSQL"] = tuple(stack.enter_context(schemas(pg, tag, f"{tag}_parts")))
        work = plan(args, env, root, backends, stack)

        print("warm-up round (fresh WAL files, caches, connections)", flush=True)
        time_rounds(work.workloads, seconds={k: min(v, 0.5) for k, v in work.seconds.items()}, rounds=1)
        for path in work.paths.values():
            path.busy.clear()
            path.cpu_per_voucher.clear()
        load = os.getloadavg()[0]
        rates = time_rounds(work.workloads, seconds=work.seconds, rounds=args.rounds, show=True)
        report(rates, work.ideal_parts, work.paths)
        print(f"\nload average (1 min) {load:.1f} before the rounds, {os.getloadavg()[0]:.1f} after: other")
        print("processes shared the cores, so the server got less than its core (see 'busy' above)")
    return 0


def report(
    rates: dict[str, list[float]], ideal_parts: dict[str, list[str]], paths: dict[str, SendPath]
) -> None:
    """Parts as µs per voucher; each send path as vouchers/s and its ratio to its ideal."""
    baselines: dict[str, str | None] = {}
    for path, parts in ideal_parts.items():
        ideal = "ideal (1 / Σ parts) for " + path.removeprefix("send path, ")
        rates[ideal] = [ideal_rate({p: rates[p][i] for p in parts}) for i in range(len(rates[path]))]
        baselines[path] = ideal
    results = {r.name: r for r in summarize(rates, baselines)}
    part_names = [n for n in rates if n not in ideal_parts and not n.startswith("ideal")]
    print("\nParts, each alone on core 1 (median rate; µs per voucher = 1e6 / rate):")
    width = max(map(len, part_names))
    for name in part_names:
        print(f"  {name:<{width}} {results[name].rate:>10,.1f}/s {1e6 / results[name].rate:>10,.0f} µs")
    print("\nSend path (vouchers/s) against the ideal its parts imply, measured in the same rounds:")
    if any(path.confirm for path in paths.values()):
        print("  (--confirm: the ideal is the send path's alone, so the ratio shows what the PBoC side adds)")
    print_results([results[n] for n in rates if n.startswith("ideal")] + [results[p] for p in ideal_parts])
    print("\nServer process (core 0) during the send path, medians; its CPU per voucher against Σ parts:")
    for name, parts in ideal_parts.items():
        path = paths[name]
        busy, cpu = statistics.median(path.busy), statistics.median(path.cpu_per_voucher)
        costs = {p: 1 / results[p].rate for p in parts}
        total = sum(costs.values())
        print(f"  {name}: core {busy:.0%} busy, {cpu * 1e3:.1f} ms CPU per voucher", end="")
        print(f" against Σ parts {total * 1e3:.1f} ms")
        shares = ", ".join(f"{p.split(',')[0]} {c / total:.0%}" for p, c in costs.items())
        print(f"    Σ parts: {shares}")


if __name__ == "__main__":
    raise SystemExit(main())
