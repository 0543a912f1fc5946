"""Sustained send path against `guoku serve`: its resident memory must stay flat, not grow with use.

Covers: finance clients saving client-stamped 5207s (three v4 stamps, verified on arrival) and
sending them to the PBoC, for --minutes without pause, against one `guoku serve` process
(SQLite WAL synchronous=FULL by default; --db for another store); --confirm adds the PBoC's
read and confirm. The server is pinned to core 0, the clients to core 1; the clients stamp as
they go (the server, not the clients, is the bottleneck). Every --interval seconds the server's
RSS is sampled with the count of vouchers served; the CSV and a PNG plot go to --out.
Verdict: the least-squares slope of RSS against vouchers served after the warm-up, in MB per
10,000 vouchers; over --threshold, the memory grows and the exit status is 1. The default
warm-up covers CallerAuth's nonce memory, which fills for its 300 s freshness window and then
stays the same size (bounded by time, not by vouchers).

    .venv/bin/python -m benchmarks.soak [--minutes 10] [--clients 4] [--out DIR] [--threshold 5]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from benchmarks._load import drive_send_path
from benchmarks._plot import COLORS, Panel, Series, line_chart
from benchmarks._servers import guoku_serve, pin_self, running
from benchmarks._vouchers import BUSINESS_DATE, StampedVouchers
from evoucher.pki.builder import create_environment

NONCE_WINDOW = 300.0  # evoucher.wsauth.DEFAULT_WINDOW: the nonce memory's growth stops after it
MB = 1024 * 1024


@dataclass(frozen=True)
class Sample:
    seconds: float
    vouchers: int
    rss_mb: float


@dataclass(frozen=True)
class Verdict:
    """RSS against vouchers served after the warm-up; `grows` when the slope is over the threshold."""

    slope: float  # MB per 10,000 vouchers
    threshold: float
    vouchers: int  # served after the warm-up
    first_mb: float
    last_mb: float
    intercept: float  # MB at 0 vouchers, of the fitted line

    @property
    def grows(self) -> bool:
        return self.slope > self.threshold

    def text(self) -> str:
        word = "GROWS" if self.grows else "flat"
        return (f"RSS after warm-up {self.first_mb:.1f} -> {self.last_mb:.1f} MB over {self.vouchers:,} "
                f"vouchers: slope {self.slope:+.2f} MB per 10,000 vouchers (threshold {self.threshold:g}): "
                f"{word}")  # fmt: skip


def judge(samples: list[Sample], *, warmup: float, threshold: float) -> Verdict:
    """Fit RSS = a + b·vouchers over the samples taken after `warmup` seconds."""
    kept = [s for s in samples if s.seconds >= warmup]
    if len(kept) < 3 or kept[-1].vouchers == kept[0].vouchers:
        raise ValueError(f"too few samples after the {warmup:.0f} s warm-up to judge: run longer")
    n = len(kept)
    mean_x = sum(s.vouchers for s in kept) / n
    mean_y = sum(s.rss_mb for s in kept) / n
    sxx = sum((s.vouchers - mean_x) ** 2 for s in kept)
    slope = sum((s.vouchers - mean_x) * (s.rss_mb - mean_y) for s in kept) / sxx
    return Verdict(
        slope=slope * 10_000, threshold=threshold, vouchers=kept[-1].vouchers - kept[0].vouchers,
        first_mb=kept[0].rss_mb, last_mb=kept[-1].rss_mb, intercept=mean_y - slope * mean_x,
    )  # fmt: skip


def sample_memory(pid: int, served: list[int], samples: list[Sample], interval: float,
                  stop: threading.Event) -> None:  # fmt: skip
    """Append a Sample every `interval` s until `stop`; print progress about every 30 s."""
    process, start, last_print = psutil.Process(pid), time.monotonic(), -30.0
    while True:
        now = time.monotonic() - start
        samples.append(Sample(round(now, 2), served[0], process.memory_info().rss / MB))
        if now - last_print >= 30:
            last_print = now
            rate = served[0] / now if now else 0.0
            print(f"  {int(now) // 60}:{int(now) % 60:02d}  {served[0]:>7,} vouchers ({rate:5.1f}/s)"
                  f"  RSS {samples[-1].rss_mb:7.1f} MB", flush=True)  # fmt: skip
        if stop.wait(interval):
            break


def write_csv(samples: list[Sample], path: Path) -> None:
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["seconds", "vouchers", "rss_mb"])
        out.writerows((s.seconds, s.vouchers, f"{s.rss_mb:.2f}") for s in samples)


def plot(samples: list[Sample], verdict: Verdict, warmup: float, path: Path, what: str) -> None:
    minutes = [s.seconds / 60 for s in samples]
    after = [s for s in samples if s.seconds >= warmup]
    fitted = [verdict.intercept + verdict.slope * s.vouchers / 10_000 for s in after]
    fit = Series("least-squares fit after warm-up", [s.seconds / 60 for s in after], fitted, COLORS[1], 1)
    rss = Panel(
        "server RSS (MB)", [Series("RSS", minutes, [s.rss_mb for s in samples]), fit],
        shade=(0, warmup / 60), shade_label="warm-up (not judged)", y_floor=None,
    )  # fmt: skip
    count = Series("saved + sent", minutes, [s.vouchers for s in samples], COLORS[2])
    line_chart([rss, Panel("vouchers served", [count])], title=f"guoku serve soak: {what}",
               subtitle=verdict.text(), x_label="minutes", path=path)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the run (10)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent finance clients (4)")
    parser.add_argument("--db", metavar="URL", help="the server's store (default: SQLite in a temp dir)")
    parser.add_argument("--confirm", action="store_true", help="the PBoC also reads and signs for each")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between RSS samples (5)")
    parser.add_argument(
        "--warmup", type=float, help="seconds left out of the fit (330, at most 55%% of the run)"
    )
    parser.add_argument("--threshold", type=float, default=5.0, help="MB per 10,000 vouchers that fails (5)")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "guoku-soak",
                        help="where soak.csv and soak.png go")  # fmt: skip
    args = parser.parse_args(argv)
    seconds = args.minutes * 60
    warmup = args.warmup if args.warmup is not None else min(NONCE_WINDOW + 30, 0.55 * seconds)
    pin_self()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="guoku-soak-") as tmp:
        root = Path(tmp)
        print(f"soak: {args.minutes:g} min, {args.clients} clients; making the environment", flush=True)
        env = create_environment(root / "env", scenario="small", seed=1)
        db = args.db or f"sqlite:///{root}/library.db"
        command = guoku_serve(root / "env", db, BUSINESS_DATE.isoformat(), "--log-level", "error")
        vouchers, served, samples, stop = StampedVouchers(env, prefix="K"), [0], [], threading.Event()
        with running(command, log=root / "server.log") as server:
            print(
                f"guoku serve pid {server.pid} on core {server.cores} at {server.url}, store {db}", flush=True
            )
            print(f"clients on core {','.join(map(str, sorted(os.sched_getaffinity(0))))}", flush=True)
            sampler = threading.Thread(
                target=sample_memory, args=(server.pid, served, samples, args.interval, stop)
            )
            sampler.start()
            try:
                count = lambda n: served.__setitem__(0, served[0] + n)  # noqa: E731
                done, elapsed = asyncio.run(
                    drive_send_path(server.url, env, vouchers.make, clients=args.clients, seconds=seconds,
                                    confirm=args.confirm, on_done=count)
                )  # fmt: skip
            finally:
                stop.set()
                sampler.join()
            samples.append(Sample(round(elapsed, 2), done, psutil.Process(server.pid).memory_info().rss / MB))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"served {done:,} vouchers in {elapsed:.0f} s ({done / elapsed:.1f}/s); load average {load}")
    verdict = judge(samples, warmup=warmup, threshold=args.threshold)
    write_csv(samples, args.out / "soak.csv")
    what = f"{args.clients} clients, {done:,} vouchers in {elapsed / 60:.1f} min, {db.split(':')[0]}"
    plot(samples, verdict, warmup, args.out / "soak.png", what)
    print(f"wrote {args.out / 'soak.csv'} and {args.out / 'soak.png'}")
    print(verdict.text())
    return 1 if verdict.grows else 0


if __name__ == "__main__":
    raise SystemExit(main())
