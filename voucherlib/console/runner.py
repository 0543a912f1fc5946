"""Where console pages are made: worker processes at a lower CPU priority, so the SOAP endpoints come first.

Making a page is CPU work (store reads, SM2 verification of every stamp, Jinja2, Pillow for a
PDF). In the library's own process it would compete with the SOAP operations for the GIL and the
CPU, and with several people reading the console it would take them over. So `Runner` hands each
page job to a small pool of worker processes (started on the first page, `spawn`ed, each opening
its own `VoucherLibrary` on the same environment and store) running at `NICE`: when the SOAP
operations need the CPU, the kernel gives it to them first (docs/console.md VL-CON-007,
`benchmarks/bench_console_load.py`). A private in-memory store (`sqlite://`) cannot be shared
with another process; there the jobs run in one thread of the library's process instead.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from anyio import CapacityLimiter, to_thread

from voucherlib.console.pages import Answer
from voucherlib.service import VoucherLibrary
from voucherlib.settings import Settings

WORKERS = 2  # console pages made at once
NICE = 10  # the workers' niceness: a tenth of the CPU share of the SOAP server when both want it

_library: VoucherLibrary | None = None  # in a worker process: its own library


def _start(settings: Settings) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops us
    os.nice(NICE)
    global _library
    _library = VoucherLibrary(settings)
    _library.open()


def _run(job: Callable[..., Answer], *args: Any) -> Answer:
    return job(_library, *args)


class Runner:
    """Runs `job(library, *args)` for the console's routes; `close()` stops the workers."""

    def __init__(self, library: VoucherLibrary) -> None:
        self.library = library
        self.in_process = library.settings.db_url == "sqlite://"
        self._limiter = CapacityLimiter(1)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    async def __call__(self, job: Callable[..., Answer], *args: Any) -> Answer:
        if self.in_process:
            return await to_thread.run_sync(job, self.library, *args, limiter=self._limiter)
        pool = self._workers()
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, _run, job, *args)
        except BrokenProcessPool:
            with self._lock:  # a worker died (killed, out of memory): the next page starts new ones
                if self._pool is pool:
                    self._pool = None
            return Answer(503, b"the console's worker stopped; try again", "text/plain")

    def _workers(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    WORKERS,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start,
                    initargs=(self.library.settings,),
                )
            return self._pool

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
