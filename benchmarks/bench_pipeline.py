"""The library's request pipeline alone, this checkout against another, alternating: CPU per voucher.

`bench_floor` measures a whole server, and on this shared host its rate moves more between runs
than a 5% change in the code does. This takes HTTP, threads and the event loop out: the app's
ASGI callable is called in-process with the send path's presigned requests (saveStampVoucher of
a client-stamped 5207 + sendVoucher, `benchmarks._presigned`), its `anyio.to_thread` hops made
inline, so the pipeline (parse, CallerAuth, seals, validation, the service) runs on one thread
whose CPU time (`time.thread_time`) is the measure; the store's writer thread is counted in the
process's CPU beside it. Each run is a fresh process, the checkouts take turns round by round,
and the medians and their ratio are printed.

    .venv/bin/python -m benchmarks.bench_pipeline --before DIR [--rounds 3] [--vouchers 300]

DIR is another checkout (`git archive COMMIT | tar -x -C DIR`) that has benchmarks/_presigned.py.
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


def _child(vouchers: int) -> None:
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
            wall, cpu, process = time.perf_counter(), time.thread_time(), time.process_time()
            for voucher in requests[WARM_UP:]:
                for request in voucher:
                    await call(*request)
            return {
                "pipeline_ms": 1e3 * (time.thread_time() - cpu) / vouchers,
                "process_ms": 1e3 * (time.process_time() - process) / vouchers,
                "wall_ms": 1e3 * (time.perf_counter() - wall) / vouchers,
            }

    print(json.dumps(asyncio.run(main())))


def _run(checkout: Path, vouchers: int) -> dict[str, float]:
    environ = {**os.environ, "PYTHONPATH": str(checkout)}  # ahead of the editable install
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(vouchers)],
        cwd=checkout, env=environ, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"bench_pipeline: the run in {checkout} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_pipeline", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--before", type=Path, required=True, metavar="DIR", help="the checkout to compare with"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each a run of both (3)")
    parser.add_argument("--vouchers", type=int, default=300, help="vouchers per run (300)")
    args = parser.parse_args(argv)
    if not all((args.before / part).exists() for part in ("voucherlib", "benchmarks/_presigned.py")):
        parser.error(f"--before {args.before} is not a guoku checkout with benchmarks/_presigned.py")
    runs: dict[str, list[dict[str, float]]] = {"this checkout": [], str(args.before): []}
    for round_no in range(1, args.rounds + 1):
        for name, checkout in (("this checkout", ROOT), (str(args.before), args.before.resolve())):
            figures = _run(checkout, args.vouchers)
            runs[name].append(figures)
            print(f"  round {round_no}/{args.rounds}, {name}: pipeline {figures['pipeline_ms']:.2f} ms, "
                  f"process {figures['process_ms']:.2f} ms CPU per voucher", flush=True)  # fmt: skip
    medians = {name: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for name, rs in runs.items()}
    now, before = medians["this checkout"], medians[str(args.before)]
    print("\nCPU per voucher on the send path, medians (pipeline: the request thread; process: with the "
          "store's writer):")  # fmt: skip
    for name, m in medians.items():
        print(f"  {name}: pipeline {m['pipeline_ms']:.2f} ms, process {m['process_ms']:.2f} ms")
    print(f"  this checkout ÷ {args.before}: pipeline {now['pipeline_ms'] / before['pipeline_ms']:.2f}×, "
          f"process {now['process_ms'] / before['process_ms']:.2f}×")  # fmt: skip
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:  # a measured run, in the checkout under test
        _child(int(sys.argv[2]))
    else:
        raise SystemExit(main())
