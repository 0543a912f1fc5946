"""The library's request pipeline alone: CPU per voucher, stage by stage or against another checkout.

`bench_floor` measures a whole server, and on this shared host its rate moves more between runs
than a 5% change in the code does. This takes HTTP, threads and the event loop out: the app's
ASGI callable is called in-process with the send path's presigned requests (saveStampVoucher of
a client-stamped 5207 + sendVoucher, `benchmarks._presigned`), its `anyio.to_thread` hops made
inline, so the pipeline (parse, CallerAuth, seals, validation, the service) runs on one thread
whose CPU time (`time.thread_time`) is the measure; the store's writer thread is counted in the
process's CPU beside it. Each run is a fresh process, the checkouts take turns round by round,
and the medians and their ratio are printed.

    .venv/bin/python -m benchmarks.bench_pipeline --before DIR [--rounds 3] [--vouchers 300]
    .venv/bin/python -m benchmarks.bench_pipeline              # where this checkout's CPU goes

DIR is another checkout (`git archive COMMIT | tar -x -C DIR`) that has benchmarks/_presigned.py.
Without `--before` it times this checkout's send path function by function (`benchmarks._stages`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WARM_UP = 30
FIGURES = ("pipeline_ms", "process_ms", "wall_ms")  # what a run reports, besides its stages


def _child(vouchers: int, stages: bool) -> None:
    """One measured run of the checkout on sys.path; prints its figures as JSON."""
    import asyncio
    import tempfile
    import time

    import anyio.to_thread

    async def inline(fn, *args, **_kwargs):
        return fn(*args)

    anyio.to_thread.run_sync = inline  # the pipeline on this thread, so its CPU time is ours

    from benchmarks._presigned import send_path_requests
    from benchmarks._vouchers import BUSINESS_DATE, StampedVouchers
    from evoucher.pki.builder import create_environment
    from voucherlib.app import create_app
    from voucherlib.settings import Settings

    root = Path(tempfile.mkdtemp(prefix="guoku-pipeline-"))
    env = create_environment(root / "env", scenario="small", seed=1)
    stamped = StampedVouchers(env)
    stamped.fill(vouchers + WARM_UP)
    settings = Settings(
        env_dir=root / "env", db_url=f"sqlite:///{root}/store.db", business_date=BUSINESS_DATE
    )
    app = create_app(settings)
    timer = None
    if stages:
        from benchmarks._stages import SEND_PATH, Stages

        timer = Stages()
        timer.install(SEND_PATH)
    planned = send_path_requests("http://127.0.0.1:8190", env, stamped.take, vouchers + WARM_UP)

    def split(raw: bytes) -> tuple[str, list[tuple[bytes, bytes]], bytes]:
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        headers = [(k.strip().lower(), v.strip()) for k, _, v in (line.partition(b":") for line in lines[1:])]
        return lines[0].split(b" ")[1].decode(), headers, body

    async def call(path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
                 "root_path": "", "headers": headers, "client": ("127.0.0.1", 1),
                 "server": ("127.0.0.1", 8190)}  # fmt: skip
        sent, answer = False, []

        async def receive() -> dict:
            nonlocal sent
            if sent:
                await asyncio.Event().wait()  # a disconnect that never comes
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict) -> None:
            answer.append(message)

        await app(scope, receive, send)
        if answer[0]["status"] != 200:
            raise RuntimeError(f"HTTP {answer[0]['status']}: {answer[1]['body'][:300]!r}")

    async def main() -> dict[str, float]:
        requests = [[split(raw) for raw in voucher] for voucher in planned]
        async with app.router.lifespan_context(app):
            for voucher in requests[:WARM_UP]:
                for request in voucher:
                    await call(*request)
            if timer is not None:
                timer.reset()
            wall, cpu, process = time.perf_counter(), time.thread_time(), time.process_time()
            for voucher in requests[WARM_UP:]:
                for request in voucher:
                    await call(*request)
            return {
                "pipeline_ms": 1e3 * (time.thread_time() - cpu) / vouchers,
                "process_ms": 1e3 * (time.process_time() - process) / vouchers,
                "wall_ms": 1e3 * (time.perf_counter() - wall) / vouchers,
                "stages": timer.table(vouchers) if timer is not None else [],
            }

    print(json.dumps(asyncio.run(main())))


def _run(checkout: Path, vouchers: int, stages: bool = False) -> dict:
    environ = {**os.environ, "PYTHONPATH": str(checkout)}  # ahead of the editable install
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(vouchers), *(["--stages"] if stages else [])],
        cwd=checkout, env=environ, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"bench_pipeline: the run in {checkout} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _compare(before: Path, rounds: int, vouchers: int) -> None:
    """This checkout and `before`, alternating round by round; medians and their ratio."""
    runs: dict[str, list[dict]] = {"this checkout": [], str(before): []}
    for round_no in range(1, rounds + 1):
        for name, checkout in (("this checkout", ROOT), (str(before), before.resolve())):
            figures = _run(checkout, vouchers)
            runs[name].append(figures)
            print(f"  round {round_no}/{rounds}, {name}: pipeline {figures['pipeline_ms']:.2f} ms, "
                  f"process {figures['process_ms']:.2f} ms CPU per voucher", flush=True)  # fmt: skip
    medians = {name: {k: statistics.median(r[k] for r in rs) for k in FIGURES} for name, rs in runs.items()}
    now, then = medians["this checkout"], medians[str(before)]
    print("\nCPU per voucher on the send path, medians (pipeline: the request thread; process: with the "
          "store's writer):")  # fmt: skip
    for name, m in medians.items():
        print(f"  {name}: pipeline {m['pipeline_ms']:.2f} ms, process {m['process_ms']:.2f} ms")
    print(f"  this checkout ÷ {before}: pipeline {now['pipeline_ms'] / then['pipeline_ms']:.2f}×, "
          f"process {now['process_ms'] / then['process_ms']:.2f}×")  # fmt: skip


def _stage_table(rounds: int, vouchers: int) -> None:
    """This checkout's send path stage by stage (own CPU per voucher, medians over rounds)."""
    runs = []
    for round_no in range(1, rounds + 1):
        runs.append(_run(ROOT, vouchers, stages=True))
        done = runs[-1]["process_ms"]
        print(f"  round {round_no}/{rounds}: process {done:.2f} ms CPU per voucher", flush=True)
    names = [name for name, _, _ in runs[0]["stages"]]
    own = {name: statistics.median(dict((n, ms) for n, ms, _ in r["stages"]).get(name, 0.0) for r in runs)
           for name in names}  # fmt: skip
    calls = {name: c for name, _, c in runs[0]["stages"]}
    process = statistics.median(r["process_ms"] for r in runs)
    print(f"\nOwn CPU per voucher of each stage (without the stages it calls), medians of {rounds}:")
    print(f"  {'stage':58} {'ms':>6} {'share':>6} {'calls':>6}")
    for name in sorted(names, key=own.__getitem__, reverse=True):
        print(f"  {name:58} {own[name]:6.3f} {own[name] / process:6.1%} {calls[name]:6.1f}")
    rest = process - sum(own.values())
    print(f"  {'(everything else: the router, Starlette, threads)':58} {rest:6.3f} {rest / process:6.1%}")
    total = "process, with the wrappers (~1 µs a call)"
    print(f"  {total:58} {process:6.3f} {1:6.1%} {sum(calls.values()):6.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_pipeline", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--before", type=Path, metavar="DIR",
        help="compare with this checkout (without it: where this checkout's CPU goes, stage by stage)",
    )  # fmt: skip
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each a run of both (3)")
    parser.add_argument("--vouchers", type=int, default=300, help="vouchers per run (300)")
    args = parser.parse_args(argv)
    if args.before is None:
        _stage_table(args.rounds, args.vouchers)
        return 0
    if not all((args.before / part).exists() for part in ("voucherlib", "benchmarks/_presigned.py")):
        parser.error(f"--before {args.before} is not a guoku checkout with benchmarks/_presigned.py")
    _compare(args.before, args.rounds, args.vouchers)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:  # a measured run, in the checkout under test
        _child(int(sys.argv[2]), "--stages" in sys.argv[3:])
    else:
        raise SystemExit(main())
