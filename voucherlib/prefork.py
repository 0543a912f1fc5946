"""Several worker processes behind one port: `guoku serve --workers N`.

One Python process uses one core for the library's CPU work (SM2, XML, seals), so N workers fork
after the sockets are bound (one per worker on the same port, SO_REUSEPORT: `guoku serve`), and
each runs its own event loop, library and store connections on its socket; the kernel spreads
new connections over the sockets.
What must stay single across them lives outside the processes: the store serialises writes and
the audit chain head under its own lock (SQLite's file lock with `BEGIN IMMEDIATE`, PostgreSQL's
`SELECT ... FOR UPDATE`), so group commit batches per worker and the chain stays one chain; the
CallerAuth nonces live with the store too (`voucherlib.nonces`), as for separate servers on it.

Each worker runs on a share of the CPUs of its own (`worker_cpus`), set before it starts a
thread. A worker's threads (the event loop, the request threads, the store's writer) take turns
at the GIL; on one core a turn is a cheap switch, spread over cores a thread wakes on another
core only to find the GIL taken. Unpinned, two workers spent 13.4 voluntary context switches and
2.9 ms of system CPU per voucher on the send path; pinned, 1-2 and 0.3 ms (docs/performance.md).
On SQLite the workers take turns at the store's write lock, which a writer holds from BEGIN to
the end of its COMMIT; `guoku serve` runs each worker's request threads at niceness 10
(`Settings.request_nice`), so the holder is not kept waiting for its core behind them while the
other workers wait for the lock (idle CPU fell from ~0.45 to ~0.2 cores of 2).

Each worker gets its own process group, so a Ctrl-C at the terminal reaches only the parent,
which passes one SIGTERM to every worker (graceful: in-flight calls finish, the store closes).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def worker_cpus(workers: int, cpus: set[int]) -> list[set[int]]:
    """The CPUs of each of `workers` workers: `cpus` cut into near-equal slices, one per worker;
    with more workers than CPUs, one CPU each, in turn."""
    ordered = sorted(cpus)
    if workers > len(ordered):
        return [{ordered[i % len(ordered)]} for i in range(workers)]
    bounds = [len(ordered) * i // workers for i in range(workers + 1)]
    return [set(ordered[bounds[i] : bounds[i + 1]]) for i in range(workers)]


def _stop_before_serving(signum: int, _frame: object) -> None:
    """A stop that reaches a worker still starting: it has served nothing, so nothing to finish."""
    raise SystemExit(0)


def _run_child(index: int, serve: Callable[[int], int], cpus: set[int] | None) -> None:
    os.setpgid(0, 0)
    if cpus is not None:
        os.sched_setaffinity(0, cpus)  # before any thread starts: they all inherit it
    code = 1
    try:
        code = serve(index)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    except BaseException as exc:  # the traceback, then a failed exit; never back into the parent's code
        sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def run_workers(workers: int, serve: Callable[[int], int], *, pin: bool = True) -> int:
    """Fork `workers` processes each running `serve(index)`, until SIGINT/SIGTERM or one fails.

    With `pin` (and a kernel that offers CPU affinity), worker `index` runs on the CPUs
    `worker_cpus` gives it out of those this process may use.

    Returns 0 when every worker stopped cleanly after a stop signal, 1 when a worker failed or
    exited on its own (the others are then stopped).
    """
    if workers < 1:
        raise ValueError(f"run_workers: workers must be >= 1, got {workers}")
    pinned = pin and hasattr(os, "sched_setaffinity")
    cpus = worker_cpus(workers, os.sched_getaffinity(0)) if pinned else [None] * workers
    children: dict[int, int] = {}
    stopping: list[int] = []

    def stop_all(signum: int, _frame: object = None) -> None:
        stopping.append(signum)
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop_all) for sig in STOP_SIGNALS}
    failed = False
    try:
        for index in range(workers):
            if stopping:
                break
            signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)  # none between fork and handlers
            pid = os.fork()
            if pid == 0:
                for sig in STOP_SIGNALS:  # until `serve` installs its own
                    signal.signal(sig, _stop_before_serving)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
                _run_child(index, serve, cpus[index])
            children[pid] = index
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        while children:
            pid, status = os.wait()
            if children.pop(pid, None) is None:
                continue
            code = os.waitstatus_to_exitcode(status)
            if code != 0 or not stopping:
                failed = True
                if not stopping:
                    stop_all(signal.SIGTERM)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 1 if failed else 0
