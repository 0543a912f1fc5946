"""Inside one Locust process: the party desks' work, the arrivals, and what was seen.

Each party role has a queue of stages waiting for it (`Desks`). A desk — a Locust FastHttpUser of
that role — takes the next stage, sends its prepared requests in order and hands the case on to
the next party's queue. Cases enter at the first stage in one of two ways:

- open model: at fixed times `i / rate` from the start, whatever the library is doing, so a slow
  library meets a growing backlog; every request's latency is counted from when it was meant
  to start (the stage's arrival, then the previous request's answer), so time spent waiting for
  a free desk is charged to the library (coordinated omission accounted for);
- closed model: `users` loops, each starting its next case when the previous one is finished.

What every request did, every document a read handed over and how far each case got are kept
and written to the run directory when the test stops; the engine judges them afterwards.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from dataclasses import dataclass, field

import gevent
from gevent.event import Event
from gevent.queue import Empty, Queue

from loadtests.cases import Case
from loadtests.config import RunConfig
from loadtests.soap import judge

HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}
KEEP_MOFS = 8  # read MOFs kept whole, so the engine can verify their stamps after the run
RESIGN_AFTER = 240.0  # seconds: CallerAuth's freshness window is 300 s either side


@dataclass
class Progress:
    """How far a case got: steps answered successfully, steps sent, the first failure."""

    entered_at: float = 0.0
    acked: int = 0
    attempted: int = 0
    failed: str = ""
    finished_at: float = 0.0


@dataclass
class Seen:
    """Everything one process observed; pickled to the run directory at the end."""

    worker: int
    # (operation, role, intended start, start, end, ok, why, vouchers' worth of the case's work)
    requests: list[tuple] = field(default_factory=list)
    progress: dict[int, Progress] = field(default_factory=dict)
    # (reader role, VtCode, VoucherNo, VoucherFlag, positions, by readVoucher)
    delivered: list[tuple] = field(default_factory=list)
    mofs: list[bytes] = field(default_factory=list)
    started_at: float = 0.0
    dispatch_end: float = 0.0
    pool_exhausted_at: float | None = None
    resigned: int = 0


class Generator:
    """The state of one Locust process that generates load."""

    def __init__(self, config: RunConfig, pool: list[Case], worker: int, built_at: float) -> None:
        self.config, self.worker, self.built_at = config, worker, built_at
        self.pool = deque(pool)
        self.queues: dict[str, Queue] = {role: Queue() for role in config.roles}
        self.done: dict[int, Event] = {}
        self.seen = Seen(worker)
        self._greenlets: list[gevent.Greenlet] = []
        self._resigner = None

    # ------------------------------------------------------------------ arrivals

    def start(self) -> None:
        now = time.time()
        self.seen.started_at = now
        self.seen.dispatch_end = now + self.config.dispatch_seconds
        if self.config.model == "open":
            self._greenlets.append(gevent.spawn(self._open, now))
        else:
            share = _share(self.config.users, self.config.processes, self.worker)
            self._greenlets += [gevent.spawn(self._closed_loop) for _ in range(share)]

    def stop(self) -> None:
        gevent.killall(self._greenlets, block=False)

    def drained(self) -> None:
        """Return once the dispatch is over and every case released has finished (or failed), or
        the cool-down, the most the cases in flight are given, is over."""
        gevent.sleep(max(0.0, self.seen.dispatch_end - time.time()))
        deadline = self.seen.dispatch_end + self.config.cooldown
        while time.time() < deadline and any(not p.finished_at for p in self.seen.progress.values()):
            gevent.sleep(0.1)

    def _take(self) -> Case | None:
        if not self.pool:
            if self.seen.pool_exhausted_at is None:
                self.seen.pool_exhausted_at = time.time()
            return None
        return self.pool.popleft()

    def _open(self, start: float) -> None:
        """Release cases at fixed intervals; this process's share of the rate, offset by its index."""
        per_case = self.config.processes * self.config.batch_size / self.config.rate
        offset = per_case * self.worker / self.config.processes
        for i in itertools.count():
            due = start + offset + i * per_case
            if due >= self.seen.dispatch_end:
                return
            gevent.sleep(max(0.0, due - time.time()))
            case = self._take()
            if case is None:
                return
            self._enter(case, due)

    def _closed_loop(self) -> None:
        while time.time() < self.seen.dispatch_end and (case := self._take()) is not None:
            done = self.done[case.id] = Event()
            self._enter(case, time.time())
            done.wait()

    def _enter(self, case: Case, at: float) -> None:
        self.seen.progress[case.id] = Progress(entered_at=at)
        self.queues[case.stages[0].role].put((case, 0, at))

    # ------------------------------------------------------------------ desks

    def work(self, user, role: str) -> None:
        """One turn of a desk of `role`: the next stage waiting for it, if any within a second."""
        try:
            case, index, ready = self.queues[role].get(timeout=1.0)
        except Empty:
            return
        progress = self.seen.progress[case.id]
        weight = len(case.nos) / len(case.steps)  # the share of the case's vouchers each step carries
        intended = ready
        for step in case.stages[index].steps:
            body = self._fresh(step, case.stages[index].party)
            progress.attempted += 1
            start = time.time()
            with user.client.post(
                step.path, data=body, headers=HEADERS, name=step.operation, catch_response=True
            ) as response:
                end = time.time()
                content, status = response.content or b"", response.status_code or 0
                answer = judge(step.operation, status, content, step.expect)
                if answer.ok:
                    response.success()
                else:
                    response.failure(answer.why)
            record = (step.operation, role, intended, start, end, answer.ok, answer.why, weight)
            self.seen.requests.append(record)
            if answer.delivered:
                once = step.operation == "readVoucher"  # hands each document over once only
                self.seen.delivered += [(role, d.vt_code, d.voucher_no, d.voucher_flag, d.positions, once)
                                        for d in answer.delivered]  # fmt: skip
                if len(self.seen.mofs) < KEEP_MOFS:
                    self.seen.mofs.append(answer.mof)
            if not answer.ok:
                progress.failed = f"{step.operation}: {answer.why}"
                self._finish(case, progress, end)
                return
            progress.acked += 1
            intended = end
        if index + 1 < len(case.stages):
            self.queues[case.stages[index + 1].role].put((case, index + 1, intended))
        else:
            self._finish(case, progress, intended)

    def _finish(self, case: Case, progress: Progress, at: float) -> None:
        progress.finished_at = at
        if (done := self.done.pop(case.id, None)) is not None:
            done.set()

    def _fresh(self, step, party: str) -> bytes:
        """The prepared body, re-signed when its CallerAuth Created is about to leave the window."""
        if time.time() - self.built_at < RESIGN_AFTER:
            return step.body
        if self._resigner is None:
            from loadtests.cases import Resigner

            self._resigner = Resigner(self.config.env_dir)
        self.seen.resigned += 1
        return self._resigner.envelope(party, step)


def _share(total: int, parts: int, index: int) -> int:
    """Index `index`'s share when `total` is split as evenly as possible over `parts`."""
    return total // parts + (1 if index < total % parts else 0)
