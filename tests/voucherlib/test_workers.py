"""`guoku serve --workers 2`: two processes on one port, one store, one audit chain, one nonce memory.

Real processes reached over loopback through our SOAP client, on SQLite and PostgreSQL. Finance
saves every position of several vouchers through the shared port all at once (the kernel hands
the connections to both workers), so both workers' group commits write the store and chain
audit entries at the same time; the chain must verify. A signed request replayed over fresh
connections must be refused whichever worker takes it: each worker checks CallerAuth itself, so
without the shared nonce memory (voucherlib.nonces) the other worker would accept the replay.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import httpx
import psutil
import pytest

from evoucher.codec import build_mof
from evoucher.pki import load_environment
from mocks import LibraryFault, VoucherLibraryClient
from mocks.errors import TransportError
from voucherlib.nonces import REPLAYED, SharedNonces
from voucherlib.prefork import worker_cpus

from .service.support import (
    ADM,
    BUSINESS_DATE,
    FINANCE,
    FINANCE_POSITIONS,
    PBOC,
    SERVICE,
    YEAR,
    body,
    stamped,
    voucher,
)
from .test_scaleout import _healthy, at_once, call, guoku

REPLAYS = 16  # fresh connections, spread over the workers by the kernel


@pytest.fixture
def server(server_process: tuple[subprocess.Popen, str]) -> str:
    return server_process[1]


@pytest.fixture
def server_process(env_dir: Path, db_url: str, tmp_path: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    log = tmp_path / "serve.log"
    with serving(env_dir, db_url, log, "--workers", "2") as running:
        yield running
    assert "2 workers stopped" in log.read_text()


@contextlib.contextmanager
def serving(env_dir: Path, db_url: str, log: Path, *extra: str) -> Iterator[tuple[subprocess.Popen, str]]:
    """One `guoku serve` on `db_url` (its process and base URL once healthy), stopped gracefully."""
    command = [sys.executable, "-m", "guoku", "serve", "--env", str(env_dir), "--db", db_url, "--port", "0",
               "--business-date", BUSINESS_DATE.isoformat(), *extra]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        yield process, _healthy(process, log)
    finally:
        process.terminate()
        try:
            assert process.wait(20) == 0, log.read_text(errors="replace")[-2000:]
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise


def _listening(pid: int, port: int) -> set[str]:
    """The sockets (by inode) process `pid` listens on at `port`."""
    held = psutil.Process(pid).net_connections(kind="tcp")
    fds = [c.fd for c in held if c.status == psutil.CONN_LISTEN and c.laddr.port == port]
    return {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in fds}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_each_worker_listens_on_a_socket_of_its_own(server_process):
    """One socket shared by the workers let the first to wake accept every pending connection, so
    8 keep-alive clients kept one of two workers busy and the other idle. With a socket each
    (SO_REUSEPORT) the kernel spreads new connections over the workers."""
    process, url = server_process
    port = int(url.rsplit(":", 1)[1])
    workers = psutil.Process(process.pid).children()
    sockets = [_listening(worker.pid, port) for worker in workers]
    assert len(workers) == 2 and all(len(held) == 1 for held in sockets), sockets
    assert len(set.union(*sockets)) == 2, sockets


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="no CPU affinity on this kernel")
def test_each_worker_and_every_thread_of_it_runs_on_cpus_of_its_own(server_process):
    """Pinned before any thread starts, so the event loop, request threads and store writer of a
    worker share its CPUs; two workers on a machine with two or more CPUs share none."""
    process, _ = server_process
    allowed = os.sched_getaffinity(0)
    cpus = []
    for worker in psutil.Process(process.pid).children():
        threads = {os.sched_getaffinity(int(tid)) == os.sched_getaffinity(worker.pid)
                   for tid in os.listdir(f"/proc/{worker.pid}/task")}  # fmt: skip
        assert threads == {True}, f"a thread of worker {worker.pid} runs elsewhere"
        cpus.append(os.sched_getaffinity(worker.pid))
    assert len(cpus) == 2 and all(c <= allowed for c in cpus), cpus
    if len(allowed) >= 2:
        assert not cpus[0] & cpus[1] and cpus[0] | cpus[1] == allowed, cpus


def _nice(pid: int, tid: int) -> int:
    return int(Path(f"/proc/{pid}/task/{tid}/stat").read_text().rpartition(")")[2].split()[16])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_request_threads_yield_to_the_event_loop_and_store_writer_of_their_worker(server_process):
    """A worker's store writer holds the write lock the other workers wait for: its request
    threads run at niceness 10, so it is not kept waiting for the CPU behind them."""
    process, url = server_process
    for _ in range(8):  # malformed calls, refused by request threads on both workers in time
        httpx.post(f"{url}/realware/services/AsspFinanceService", content=b"<x/>", timeout=10)
    for worker in psutil.Process(process.pid).children():
        nice = {int(tid): _nice(worker.pid, int(tid)) for tid in os.listdir(f"/proc/{worker.pid}/task")}
        assert nice[worker.pid] == 0, nice  # the event loop
        assert sorted(set(nice.values())) in ([0, 10], [0]), nice
    niced = [
        _nice(w.pid, int(t))
        for w in psutil.Process(process.pid).children()
        for t in os.listdir(f"/proc/{w.pid}/task")
    ]
    assert niced.count(10) >= 1, niced


@pytest.mark.parametrize(
    ("workers", "cpus", "expected"),
    [
        (2, {0, 1}, [{0}, {1}]),
        (2, {0, 1, 2, 3, 4}, [{0, 1}, {2, 3, 4}]),
        (3, {4, 6}, [{4}, {6}, {4}]),
        (1, {0, 1, 2}, [{0, 1, 2}]),
    ],
)
def test_workers_get_near_equal_slices_of_the_cpus(workers, cpus, expected):
    assert worker_cpus(workers, cpus) == expected


def signed_request(env_dir: Path, url: str) -> tuple[str, bytes, dict[str, str]]:
    """A finance request our client signs (CallerAuth, fresh nonce), captured instead of sent."""
    sent: list[httpx.Request] = []

    def capture(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500, content=b"captured")

    env = load_environment(env_dir)
    holder = env.holder(env.party(FINANCE).cert_id)
    with VoucherLibraryClient(
        url, service=SERVICE["011"], cert_id=holder.cert_id, key=holder.key, cert_der=holder.cert.dump(),
        transport=httpx.MockTransport(capture),
    ) as c, contextlib.suppress(LibraryFault, TransportError):  # fmt: skip
        c.call("queryVoucherStatusByOrgType", ADM, YEAR, "5207", ["NONE"], "001")
    [request] = sent
    return (
        str(request.url),
        request.content,
        {k: v for k, v in request.headers.items() if k != "content-length"},
    )


def test_two_workers_share_the_store_the_audit_chain_and_the_nonces(server, env_dir, db_url):
    env = load_environment(env_dir)
    vouchers = [voucher(seed=500 + n) for n in range(4)]
    where = (ADM, YEAR, "5207")
    mofs = [build_mof([stamped(env, FINANCE, body(v), p)]) for v in vouchers for p in FINANCE_POSITIONS]
    assert at_once(*(partial(call, env, server, FINANCE, "saveStampVoucher", *where, m) for m in mofs)) == [
        None
    ] * len(mofs)
    nos = [v.voucher_no for v in vouchers]
    call(env, server, FINANCE, "sendVoucher", ADM, "011", "001", YEAR, "5207", nos)  # needs every stamp
    assert len(call(env, server, PBOC, "readVoucherAgain", *where, 100)) > 0

    url, content, headers = signed_request(env_dir, server)
    first = httpx.post(url, content=content, headers=headers)
    assert first.status_code == 200, first.text
    for _ in range(REPLAYS):  # a new connection each time
        again = httpx.post(url, content=content, headers=headers)
        assert again.status_code == 500 and "already used" in again.text, again.text

    verified = guoku("audit", "verify", "--db", db_url)
    assert verified.returncode == 0 and "intact" in verified.stdout, verified.stdout + verified.stderr


def test_a_nonce_one_process_remembered_is_refused_in_another(tmp_path):
    path = tmp_path / "nonces.db"
    script = (
        "import sys; from voucherlib.nonces import SharedNonces; "
        "print(SharedNonces(sys.argv[1]).remember(('cert', sys.argv[2]), 100.0, 0.0))"
    )

    def in_another_process(nonce: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", script, str(path), nonce], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert in_another_process("n1") == "None"
    assert in_another_process("n1") == REPLAYED
    assert SharedNonces(path).remember(("cert", "n1"), 100.0, 0.0) == REPLAYED
    assert SharedNonces(path).remember(("cert", "n2"), 100.0, 0.0) is None
    assert in_another_process("n2") == REPLAYED


WORKERS_SCRIPT = """
import os, signal, sys, time
from voucherlib.prefork import run_workers

def serve(index):
    if index == 0 and sys.argv[1] == "fail":
        return 3
    if sys.argv[1] == "slow":  # still starting (reading the environment, say) when stopped
        os.write(1, f"worker {index} starting\\n".encode())
        time.sleep(30)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    os.write(1, f"worker {index} up\\n".encode())  # one write: the workers share the pipe
    while True:
        time.sleep(0.05)

sys.exit(run_workers(3, serve))
"""


def _workers(mode: str) -> subprocess.Popen:
    command = [sys.executable, "-c", WORKERS_SCRIPT, mode]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def test_a_worker_that_fails_stops_the_others_and_the_exit_says_so():
    process = _workers("fail")
    assert process.wait(30) == 1


def test_sigterm_to_the_parent_stops_every_worker_gracefully():
    process = _workers("serve")
    assert sorted(process.stdout.readline() for _ in range(3)) == [f"worker {i} up\n" for i in range(3)]
    process.terminate()
    assert process.wait(30) == 0


def test_a_stop_while_the_workers_are_still_starting_is_a_clean_stop():
    """Until a worker has its own handlers, a SIGTERM from the parent must not kill it (which the
    parent took for a failure, exit 1): a worker stopped before it serves has nothing to finish."""
    process = _workers("slow")
    assert sorted(process.stdout.readline() for _ in range(3)) == [f"worker {i} starting\n" for i in range(3)]
    process.terminate()
    assert process.wait(30) == 0


def test_fewer_than_one_worker_is_a_usage_error(env_dir):
    done = guoku("serve", "--env", str(env_dir), "--port", "0", "--workers", "0")
    assert done.returncode == 2 and "--workers must be at least 1" in done.stderr
