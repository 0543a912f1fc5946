"""Crash test: SIGKILL `guoku serve` under load, again and again; nothing acknowledged may be lost.

Covers: --clients finance clients saving client-stamped 5207s (three v4 stamps) and sending them
to the PBoC, while the PBoC reads and signs for them (confirmVoucher), against one `guoku serve`
on --db. At a random moment of each life (--seed) the server is killed with SIGKILL and started
again; the clients carry on against the new process. What a client was told is recorded:
acknowledged saves, sends and sign-fors, and the calls cut off without an answer (in doubt).
With --pg-drop N (PostgreSQL only) the Nth event drops the server's database connections
instead of killing it (what a PostgreSQL restart looks like to the pool; `--pg-restart-cmd`
runs a real restart instead). At the end (benchmarks/_crash_check.py):
  - over the wire, every acknowledged send has a status at the PBoC, every sign-for is 3;
  - in the store, every acknowledged voucher holds exactly the bytes and stamps sent, and one
    in doubt is absent or whole (nothing half-visible); deliveries match what was acknowledged;
  - `guoku audit verify` passes.
Exit 1 when any check fails.

    .venv/bin/python -m benchmarks.crash --kills 1000 --seed 1 [--db URL] [--clients 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks._crash_check import Acknowledged, check_store, check_wire, drop_connections, verify_audit
from benchmarks._load import client
from benchmarks._servers import ROOT, guoku_serve, stop, wait_until_up
from benchmarks._vouchers import ADM, BUSINESS_DATE, FINANCE, PBOC, VT, YEAR, StampedVouchers
from evoucher.codec import parse_mof
from evoucher.pki.builder import create_environment
from mocks import LibraryFault, TransportError


@dataclass
class Run:
    """One crash run's settings (the CLI's arguments)."""

    kills: int
    seed: int = 1
    clients: int = 4
    db: str | None = None
    life: tuple[float, float] = (0.3, 1.5)  # seconds a server lives after it is up
    pg_drop: int = 0  # the event (1-based) that drops PostgreSQL connections instead of a kill
    pg_restart_cmd: str | None = None
    out: Path | None = None


@dataclass
class Outcome:
    kills: int = 0
    drops: int = 0
    lives: int = 0
    calls: int = 0
    undefined: int = 0  # EVS999 answers: a call in doubt, as a cut-off one
    problems: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


async def _life(url: str, env, vouchers: StampedVouchers, seen: Acknowledged, clients: int,
                over: asyncio.Event, outcome: Outcome) -> None:  # fmt: skip
    """Clients work against `url` until `over` is set; each call's answer is recorded."""

    async def finance() -> None:
        async with client(url, env, FINANCE) as fin:
            while not over.is_set():
                voucher_no, mof = vouchers.make()
                body = parse_mof(mof)[0]
                seen.doubt_saved[voucher_no] = body
                if not await _call(fin.save_stamp_voucher(ADM, YEAR, VT, mof), outcome):
                    return
                seen.saved[voucher_no] = seen.doubt_saved.pop(voucher_no)
                seen.doubt_sent.add(voucher_no)
                if not await _call(fin.send_voucher(ADM, "011", "001", YEAR, VT, [voucher_no]), outcome):
                    return
                seen.doubt_sent.discard(voucher_no)
                seen.sent.add(voucher_no)

    async def pboc() -> None:
        async with client(url, env, PBOC) as treasury:
            while not over.is_set():
                data = await _call(treasury.read_voucher_again(ADM, YEAR, VT, 100), outcome)
                if data is None:
                    return
                nos = [b.voucher_no for b in parse_mof(data)] if data else []
                if not nos:
                    await asyncio.sleep(0.02)
                    continue
                seen.doubt_confirmed.update(nos)
                if not await _call(treasury.confirm_voucher(ADM, YEAR, VT, nos), outcome):
                    return
                seen.doubt_confirmed.difference_update(nos)
                seen.confirmed.update(nos)

    await asyncio.gather(*(finance() for _ in range(clients)), pboc())


async def _call(call, outcome: Outcome):
    """The call's answer (True for a void one), or None when the answer never came: the server
    died, or (EVS999) lost its database connection during COMMIT. Any other fault is a problem."""
    try:
        result = await call
    except TransportError:
        return None
    except LibraryFault as fault:
        if fault.evs_code == "EVS999":
            outcome.undefined += 1
        else:
            outcome.problems.append(f"{fault.operation} refused: {fault.evs_code}#{fault.message}")
        return None
    outcome.calls += 1
    return True if result is None else result


def _event(run: Run, number: int, process: subprocess.Popen, db: str) -> str:
    """Event `number`: SIGKILL the server, or (PostgreSQL, --pg-drop) drop or restart its database."""
    if number == run.pg_drop and db.startswith("postgresql"):
        if run.pg_restart_cmd:
            subprocess.run(run.pg_restart_cmd, shell=True, check=True, timeout=120)
            return "restart"
        drop_connections(db)
        return "drop"
    process.send_signal(signal.SIGKILL)
    process.wait()
    return "kill"


async def _drive(run: Run, env, env_dir: Path, db: str, log: Path, say) -> tuple[Acknowledged, Outcome]:
    rng = random.Random(run.seed)
    vouchers = StampedVouchers(env, prefix=f"C{run.seed % 100:02d}")
    seen, outcome = Acknowledged(), Outcome()
    command = guoku_serve(env_dir, db, BUSINESS_DATE.isoformat(), "--log-level", "error")
    started = time.monotonic()
    events = 0
    process = None
    while events <= run.kills:
        if process is None or process.poll() is not None:
            with log.open("wb") as out:  # the last life's log is kept
                process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                           stdin=subprocess.DEVNULL, cwd=ROOT)  # fmt: skip
            url = await asyncio.to_thread(wait_until_up, process, log)
            outcome.lives += 1
        over = asyncio.Event()
        work = asyncio.create_task(_life(url, env, vouchers, seen, run.clients, over, outcome))
        if events == run.kills:  # the last life: some quiet work, then a graceful stop
            await asyncio.sleep(run.life[1])
            over.set()
            await work
            break
        await asyncio.sleep(rng.uniform(*run.life))
        events += 1
        kind = await asyncio.to_thread(_event, run, events, process, db)
        outcome.kills += kind == "kill"
        outcome.drops += kind != "kill"
        if kind != "kill":
            await asyncio.sleep(rng.uniform(*run.life))  # the same server carries on
        over.set()
        await work
        if events % 10 == 0 or events == run.kills:
            say(f"  {events}/{run.kills} events, {len(seen.saved):,} saved, {len(seen.confirmed):,} signed "
                f"for, {time.monotonic() - started:.0f} s")  # fmt: skip
    await check_wire(url, env, seen, outcome)
    stop(process)
    return seen, outcome


def crash(run: Run, say=print) -> Outcome:
    """Drive, kill and check; the outcome's problems name every broken guarantee."""
    with tempfile.TemporaryDirectory(prefix="guoku-crash-") as tmp:
        root = Path(tmp)
        env = create_environment(root / "env", scenario="small", seed=run.seed)
        db = run.db or f"sqlite:///{root}/library.db"
        if db.startswith("postgresql"):  # names the server's connections, for --pg-drop
            db += f"{'&' if '?' in db else '?'}application_name=guoku-crash-{os.getpid()}"
        log = (run.out or root) / "server.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        say(f"crash: {run.kills} events, {run.clients} clients, seed {run.seed}, store {db.split(':')[0]}")
        seen, outcome = asyncio.run(_drive(run, env, root / "env", db, log, say))
        check_store(db, seen, outcome)
        verify_audit(db, outcome)
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crash", description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs of guoku serve (20)")
    parser.add_argument("--seed", type=int, default=1, help="kill moments and environment keys (1)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent finance clients (4)")
    parser.add_argument("--db", metavar="URL", help="the server's store (default: SQLite in a temp dir)")
    parser.add_argument("--pg-drop", type=int, default=0, metavar="N",
                        help="PostgreSQL: event N drops the server's connections (0: none)")  # fmt: skip
    parser.add_argument("--pg-restart-cmd", metavar="CMD",
                        help="with --pg-drop: run CMD ('pg_ctlcluster 15 main restart') instead")  # fmt: skip
    parser.add_argument("--out", type=Path, help="keep the server log here")
    args = parser.parse_args(argv)
    run = Run(kills=args.kills, seed=args.seed, clients=args.clients, db=args.db, pg_drop=args.pg_drop,
              pg_restart_cmd=args.pg_restart_cmd, out=args.out)  # fmt: skip
    started = time.monotonic()
    outcome = crash(run, say=lambda line: print(line, file=sys.stderr, flush=True))
    facts = ", ".join(f"{n:,} {what}" for what, n in outcome.checked.items())
    seconds = time.monotonic() - started
    print(f"{outcome.kills} kills, {outcome.drops} connection drops, {outcome.lives} server lives, "
          f"{outcome.calls:,} acknowledged calls ({outcome.undefined} answered EVS999, in doubt) "
          f"in {seconds:.0f} s; checked {facts}")  # fmt: skip
    for problem in outcome.problems[:20]:
        print(f"  PROBLEM {problem}")
    print("NOTHING LOST" if outcome.ok else f"{len(outcome.problems)} PROBLEMS")
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
