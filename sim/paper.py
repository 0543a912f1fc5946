"""The paper era (跑银行): print, hand-stamp, and carry vouchers to the bank or the treasury.

A region's paper vouchers wait for the daily courier run (finance's runner to the PBoC, a unit's
staff to its bank), travel, and are handled one after another on arrival; the money moves when
its voucher is handled, next working day when that is after hours, one more day when a seal is
rejected (blurred, wrong) and the voucher goes back to be stamped again. The paper receipt
comes back with the next working day's run. One SimPy process per run day does it all at once,
in arrays, so the paper years of a province cost a few events a day.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import numpy as np

from sim.arrivals import Applications, triangular
from sim.calendar import DAY
from sim.flows import ROUTES

if TYPE_CHECKING:
    from sim.core import Simulation


class Courier:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.pending: list[Applications] = []
        self.rng = np.random.default_rng([sim.seed, 7_001])
        self._started = False

    def apply(self, apps: Applications) -> None:
        """Paper vouchers for the next runs, sorted by when each is ready (as `draw_day` gives them)."""
        self.pending.append(apps)
        if not self._started:
            self._started = True
            self.sim.env.process(self._runs())

    def _runs(self) -> Generator:
        sim, steps = self.sim, self.sim.scenario.steps
        at = int(steps["courier_at"])
        while self.pending:
            t = sim.calendar.next_working(sim.env.now, at)
            if t is None:
                break
            if t > sim.env.now:
                yield sim.env.timeout(t - sim.env.now)
            due, keep = [], []
            for apps in self.pending:
                cut = int(np.searchsorted(apps.ready, sim.env.now, side="right"))
                if cut:
                    due.append(apps.take(slice(0, cut)))
                if cut < len(apps.ready):
                    keep.append(apps.take(slice(cut, None)))
            self.pending = keep
            for apps in due:
                self._deliver(apps, sim.env.now)
            yield sim.env.timeout(1)
        self._started = False

    def _deliver(self, apps: Applications, now: float) -> None:
        """One run's vouchers of one flow, of any number of regions: each region's are carried and
        handled one after another."""
        sim, steps, cal = self.sim, self.sim.scenario.steps, self.sim.calendar
        # per region, each still in order of readiness (a stable sort; of 16-bit keys it is a radix sort)
        small = len(sim.topology.places) < 2**15
        order = np.argsort(apps.where.astype(np.int16) if small else apps.where, kind="stable")
        where, t0 = apps.where[order], apps.t0[order]
        n = len(t0)
        handle = triangular(self.rng, steps["paper_handle"], n)
        total = np.cumsum(handle)
        first = np.flatnonzero(np.concatenate(([True], where[1:] != where[:-1])))
        before = np.repeat(total[first] - handle[first], np.diff(np.append(first, n)))
        funds = now + float(steps["courier_minutes"]) + (total - before)
        close = sim.scenario.clock["close"]
        day = (funds // DAY).astype(np.int64)
        late = funds - day * DAY > close
        rejected = self.rng.random(n) < float(steps["reject_share"])
        shift = late.astype(np.int64) + rejected
        target = np.minimum(day + shift, cal.days)
        new_day = np.where(shift > 0, cal.next_work[target], day)
        opened = sim.scenario.clock["open"] + (funds - day * DAY - close).clip(0)
        funds = np.where(shift > 0, new_day * DAY + np.where(late, opened, funds - day * DAY), funds)
        receipt_day = cal.next_work[np.minimum(new_day + 1, cal.days)]
        receipt = receipt_day * DAY + int(steps["courier_at"]) + float(steps["courier_minutes"])
        done = receipt_day < cal.days
        metrics = sim.metrics
        metrics.staff_minutes["paper"] += float(handle.sum())
        metrics.document_events += 3 * n  # carried, handled, its receipt carried back
        metrics.paper_events += 3 * n
        metrics.trips["courier"] += len(first)
        if ROUTES[apps.flow].sender == "unit":
            metrics.trips["unit"] += _distinct_pairs(where, apps.unit[order])
        missed = int((new_day > (t0 // DAY)).sum())
        if not done.all():
            t0, funds, receipt = t0[done], funds[done], receipt[done]
        metrics.ended(ROUTES[apps.flow].row, "paper", "receipt", t0, funds, receipt, missed)


def _distinct_pairs(a: np.ndarray, b: np.ndarray) -> int:
    """How many distinct (a, b) pairs of small non-negative integers there are."""
    span = int(b.max()) + 1
    seen = np.zeros((int(a.max()) + 1) * span, dtype=bool)
    seen[a * span + b] = True
    return int(np.count_nonzero(seen))
