"""Hostile requests against `guoku serve`: seconds and server memory per request, next to a legit call.

Covers: the element floods of issue 12, each under the 8 MiB request limit:
  - `mof-flood`: an authenticated saveStampVoucher whose MOF holds 1.45 million empty elements
    (a 7.7 MB envelope; the MOF is base64 inside it, so only the codec sees the elements);
  - `anon-flood`: an envelope with 2 million elements in its Body and no CallerAuth header.
Each is sent alone (--repeat times), then four at once while a finance client times a legit
saveStampVoucher+sendVoucher. Reported: median seconds per hostile request and its ratio to the
legit call timed in the same run, the server's RSS rise at the peak (sampled every 10 ms) and
after, and the legit call's slowdown during the flood. Every hostile request must be refused
(EVS100 or EVS112); one accepted fails the run (exit 1).

    .venv/bin/python -m benchmarks.hostile [--repeat 3] [--db URL]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import psutil

from benchmarks._load import client
from benchmarks._servers import guoku_serve, pin_self, running
from benchmarks._vouchers import ADM, BUSINESS_DATE, FINANCE, VT, YEAR, StampedVouchers
from evoucher.pki.builder import create_environment
from mocks import LibraryFault

MB = 1024 * 1024
ENVELOPE = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
    b'<ns:queryVoucherType xmlns:ns="urn:guoku:realware:evoucher">%s</ns:queryVoucherType>'
    b"</soapenv:Body></soapenv:Envelope>"
)


def flood_mof(elements: int) -> bytes:
    return b'<?xml version="1.0" encoding="GBK"?>\n<MOF>' + b"<a/>" * elements + b"</MOF>"


class PeakRss:
    """The server's RSS, sampled every 10 ms between start() and stop(): its peak in MB."""

    def __init__(self, pid: int) -> None:
        self.process, self.peak, self._stop = psutil.Process(pid), 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def now(self) -> float:
        return self.process.memory_info().rss / MB

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self.now())

    def __enter__(self) -> PeakRss:
        self.peak = self.now()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def timed(call: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await call()
    return time.perf_counter() - start


async def refused(call: Callable[[], Awaitable[object]]) -> str:
    """The EVS code the hostile call was refused with; anything accepted is an error."""
    try:
        await call()
    except LibraryFault as fault:
        return fault.evs_code or "?"
    raise AssertionError("a hostile request was accepted")


async def measure(url: str, env, server_pid: int, repeat: int) -> dict[str, dict[str, float]]:
    vouchers = StampedVouchers(env, prefix="H")
    vouchers.fill(repeat * 8 + 8)
    big = flood_mof(1_450_000)
    anon = ENVELOPE % (b"<a/>" * 2_000_000)
    raw = httpx.AsyncClient(timeout=120)
    service = f"{url}/realware/services/AsspFinanceService"

    async def anon_flood() -> None:
        answer = await raw.post(service, content=anon, headers={"Content-Type": "text/xml; charset=utf-8"})
        if b"EVS1" not in answer.content:
            raise AssertionError(f"anon-flood was answered {answer.status_code}: {answer.content[:200]!r}")

    async with client(url, env, FINANCE) as fin, client(url, env, FINANCE) as attacker:

        async def legit() -> None:
            voucher_no, mof = vouchers.take()
            await fin.save_stamp_voucher(ADM, YEAR, VT, mof)
            await fin.send_voucher(ADM, "011", "001", YEAR, VT, [voucher_no])

        async def mof_flood() -> None:
            code = await refused(lambda: attacker.save_stamp_voucher(ADM, YEAR, VT, big))
            if not code.startswith("EVS1"):
                raise AssertionError(f"mof-flood refused with {code}, expected EVS100 or EVS111")

        await legit()  # warm-up: connections, caches
        baseline = statistics.median([await timed(legit) for _ in range(repeat * 2)])
        print(f"legit save+send: {baseline * 1000:.1f} ms (median of {repeat * 2})", flush=True)
        results = {"legit": {"seconds": baseline}}
        for name, attack in (("mof-flood", mof_flood), ("anon-flood", anon_flood)):
            rss = PeakRss(server_pid)
            before = rss.now()
            with rss:
                alone = statistics.median([await timed(attack) for _ in range(repeat)])
            after_alone = rss.now()
            with PeakRss(server_pid) as four:
                start = time.perf_counter()
                flood = asyncio.gather(*(attack() for _ in range(4)))
                during = []
                while not flood.done():
                    during.append(await timed(legit))
                    if len(during) >= repeat * 4:
                        break
                await flood
                wall = time.perf_counter() - start
            results[name] = {
                "seconds": alone, "ratio": alone / baseline, "rise_mb": rss.peak - before,
                "after_mb": after_alone - before, "four_wall": wall, "four_rise_mb": four.peak - before,
                "legit_during": statistics.median(during) if during else float("nan"),
            }  # fmt: skip
            r = results[name]
            print(f"{name:>10}: {alone * 1000:7.1f} ms per request ({r['ratio']:.1f}x legit), RSS +"
                  f"{r['rise_mb']:.0f} MB peak, +{r['after_mb']:.0f} MB after; four at once "
                  f"{wall:.2f} s, RSS +{r['four_rise_mb']:.0f} MB peak, legit call meanwhile "
                  f"{r['legit_during'] * 1000:.1f} ms", flush=True)  # fmt: skip
    await raw.aclose()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hostile", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="hostile requests sent alone, per attack (3)")
    parser.add_argument("--db", metavar="URL", help="the server's store (default: SQLite in a temp dir)")
    args = parser.parse_args(argv)
    pin_self()
    with tempfile.TemporaryDirectory(prefix="guoku-hostile-") as tmp:
        root = Path(tmp)
        env = create_environment(root / "env", scenario="small", seed=1)
        db = args.db or f"sqlite:///{root}/library.db"
        command = guoku_serve(root / "env", db, BUSINESS_DATE.isoformat(), "--log-level", "error")
        with running(command, log=root / "server.log") as server:
            store = db.split(":")[0]
            print(f"guoku serve pid {server.pid} on core {server.cores}, store {store}", flush=True)
            try:
                asyncio.run(measure(server.url, env, server.pid, args.repeat))
            except AssertionError as exc:
                print(f"FAILED: {exc}")
                return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
