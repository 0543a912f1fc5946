"""Servers in their own processes for the loopback benchmarks, each pinned to a core.

On this 2-core machine a server and its load generator must not share a core, or the clients'
CPU would be charged to the server: the server runs on SERVER_CORE, the benchmark process (the
clients and the in-process parts) on CLIENT_CORE. `guoku serve` and the echo app print
"listening on http://HOST:PORT" once up, which is how a server on port 0 tells us its URL.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

SERVER_CORE, CLIENT_CORE = 0, 1
ROOT = Path(__file__).resolve().parents[1]  # servers run from the checkout, so `-m benchmarks._echo` works
_LISTENING = re.compile(r"listening on (http://[\w.\[\]:]+)")
# exec the command with its CPU affinity set first, so the server's every thread inherits it
_PIN = (
    "import os, sys; os.sched_setaffinity(0, {int(c) for c in sys.argv[1].split(',')}); "
    "os.execv(sys.argv[2], sys.argv[2:])"
)


def can_pin() -> bool:
    """Two cores to split, and a kernel that lets us (Linux). Asks the machine, not this process,
    which may already be pinned to CLIENT_CORE while it starts a server for SERVER_CORE."""
    return hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > max(SERVER_CORE, CLIENT_CORE)


def pin_self(core: int = CLIENT_CORE) -> bool:
    """Pin this process to `core`; False (and unpinned) where that is impossible."""
    if not can_pin():
        return False
    os.sched_setaffinity(0, {core})
    return True


@dataclass(frozen=True)
class Server:
    process: subprocess.Popen
    url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def cores(self) -> str:
        """The cores the server may run on, as the kernel has them."""
        cpus = os.sched_getaffinity(self.pid) if hasattr(os, "sched_getaffinity") else set()
        return ",".join(map(str, sorted(cpus))) or "any"


def guoku_serve(env: Path, db_url: str, business_date: str, *extra: str) -> list[str]:
    """The `guoku serve` command line of the reference library on any free loopback port."""
    return [sys.executable, "-m", "guoku", "serve", "--env", str(env), "--db", db_url, "--port", "0",
            "--business-date", business_date, *extra]  # fmt: skip


@contextlib.contextmanager
def running(
    command: Sequence[str], *, log: Path, core: int | None = SERVER_CORE, timeout: float = 60.0,
    cwd: Path = ROOT,
) -> Iterator[Server]:  # fmt: skip
    """Start `command` (pinned to `core` when possible, else free to run on every core: not on the
    core this process may be pinned to), wait for its URL and /healthz; stop it after.

    `cwd` is the checkout it runs from (`python -m guoku` imports the code there).
    Its output goes to `log` (a pipe nobody reads would fill and stall the server); on a failed
    start the log's tail is in the error.
    """
    argv = list(command)
    if can_pin():
        cores = str(core) if core is not None else ",".join(map(str, range(os.cpu_count() or 1)))
        argv = [sys.executable, "-c", _PIN, cores, *argv]
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=cwd
        )
    try:
        url = wait_until_up(process, log, timeout)
        yield Server(process, url, log)
    finally:
        stop(process)


def stop(process: subprocess.Popen, timeout: float = 15.0) -> None:
    """SIGTERM (a graceful stop closes the store), then SIGKILL if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_up(process: subprocess.Popen, log: Path, timeout: float = 60.0) -> str:
    """The URL `process` printed to `log`, once its /healthz answers; RuntimeError if it never does."""
    deadline = time.monotonic() + timeout
    url = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if url is None and (found := _LISTENING.search(log.read_text(errors="replace"))):
            url = found.group(1)
        if url is not None:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    return url
        time.sleep(0.05)
    tail = log.read_text(errors="replace")[-2000:]
    state = f"exited with {process.returncode}" if process.poll() is not None else "not healthy in time"
    raise RuntimeError(f"{' '.join(process.args[-8:])}: {state}\n{tail}")
