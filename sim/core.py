"""The SimPy model both modes share: days of business, parties on the ITFE grid, one library.

`Simulation` owns the clock, the calendar, who is who and the tallies. Each day a process draws
the day's applications (`arrivals`) and hands the electronic ones to the backend and the paper
ones to the courier (`paper`); at the clearing time every bank is asked to clear. Every party is
a process that sleeps until it has something to do, then wakes on its next ITFE cycle inside its
hours and lets the backend do the cycle's work. The library is a facility: `Library.use` queues
a party's calls for one of its workers and holds it for their service time, waits out outages,
and tallies utilisation and queue lengths. The backend decides what a cycle does: real SOAP calls
through `mocks/` (reference mode) or draws from a calibration file (model mode).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator
from typing import Any, Protocol

import simpy

from sim.arrivals import Applications, Eligible, draw_day
from sim.calendar import DAY, Calendar
from sim.flows import ROUTES
from sim.metrics import Metrics
from sim.paper import Courier
from sim.scenario import Scenario
from sim.topology import Party, Topology

Progress = Callable[[dict[str, Any]], None]


class Backend(Protocol):
    def apply(self, apps: Applications) -> None: ...
    def clearing(self, t: float) -> None: ...
    def ready_at(self, party: Party) -> float | None: ...
    def tick(self, party: Party) -> Generator: ...


class Library:
    """The voucher library as a queueing facility of `workers` servers, first come first served.

    A caller that finds a worker free starts at once, without an event of its own; one that finds
    them all busy waits in line, and a worker that finishes hands itself to the first in line.
    """

    def __init__(self, sim: Simulation, workers: int, outages: list[tuple[float, float]]) -> None:
        self.sim, self.env = sim, sim.env
        self.workers, self.busy = workers, 0
        self.line: deque[simpy.Event] = deque()
        self.outages = sorted(outages)

    def down_until(self, t: float) -> float | None:
        if not self.outages:
            return None
        for start, end in self.outages:
            if start <= t < end:
                return end
        return None

    def use(self, minutes: float, ops: int, profile: str) -> Generator[Any, Any, float]:
        """Hold one worker for `minutes` of calls; returns when the first call started."""
        while (up := self.down_until(self.env.now)) is not None:
            yield self.env.timeout(up - self.env.now)
        queue = len(self.line)
        if self.busy < self.workers:
            self.busy += 1
        else:
            turn = self.env.event()
            self.line.append(turn)
            yield turn  # a worker is handed over
        start = self.env.now
        if minutes > 0:
            yield self.env.timeout(minutes)
        if self.line:
            self.line.popleft().succeed()
        else:
            self.busy -= 1
        self.sim.metrics.library(start, profile, self.sim.month(start), ops, minutes, queue)
        return start


class Simulation:
    def __init__(self, scenario: Scenario, *, seed: int, start=None, days: int | None = None) -> None:
        self.scenario, self.seed = scenario, seed
        self.env = simpy.Environment()
        self.calendar = Calendar(start or scenario.start, days or scenario.days, scenario.calendar)
        self.days = self.calendar.days
        self.months = [f"{d:%Y-%m}" for d in self.calendar.dates]
        self.topology = Topology(scenario, seed)
        self.metrics = Metrics(self.days)
        clock = scenario.clock
        self.hours = {
            "finance": (clock["open"], clock.get("finance_until", clock["close"])),  # its front end
            "unit": (clock["open"], clock["close"]),
            "bank": (clock["open"], clock["day_cut"]),
            "pboc": (clock["pboc_open"], clock["day_cut"]),
            "payee": (clock["open"], clock["day_cut"]),
        }
        outages, self.offline, self.tips_failures, self.revoked = [], {}, [], {}
        for fault in scenario.faults:
            start_t = self.calendar.minutes(fault.start)
            window = (start_t, start_t + fault.minutes)
            if fault.kind == "library_outage":
                outages.append((*window, fault.fallback))
            elif fault.kind == "bank_offline":
                self.offline.setdefault(fault.target, []).append(window)
            elif fault.kind == "tips_failure":
                self.tips_failures.append((*window, fault.share))
            else:
                self.revoked.setdefault(fault.target, []).append((*window, fault.share))
        self.fallbacks = outages
        self.library = Library(self, int(scenario.library["workers"]), [(a, b) for a, b, _ in outages])
        self.courier = Courier(self)
        self.backend: Backend | None = None
        self.progress: Progress | None = None

    # ------------------------------------------------------------------ helpers for backends

    def wake(self, party: Party) -> None:
        if party.wake is not None and not party.wake.triggered:
            party.wake.succeed()

    def tips_failure_share(self, t: float) -> float:
        return max((share for a, b, share in self.tips_failures if a <= t < b), default=0.0)

    def revoked_share(self, party: Party, t: float) -> float:
        windows = self.revoked.get(party.name, []) + self.revoked.get(
            f"{party.place.group.name}/{party.role}", []
        )
        return max((share for a, b, share in windows if a <= t < b), default=0.0)

    def fallback_share(self, t: float) -> float:
        return max((share for a, b, share in self.fallbacks if a <= t < b), default=0.0)

    def month(self, t: float) -> str:
        day = int(t // DAY)
        return self.months[day] if 0 <= day < self.days else f"{self.calendar.date_of(t):%Y-%m}"

    # ------------------------------------------------------------------ processes

    def _days(self) -> Generator:
        clearing = self.scenario.clock["clearing"]
        eligible = Eligible(self.scenario, self.topology)
        for day in range(self.days):
            if self.env.now < day * DAY:
                yield self.env.timeout(day * DAY - self.env.now)
            from_books = []  # statements and reports: drawn up from the books at their time, not now
            for apps in draw_day(self.scenario, eligible, self.calendar, day, self.seed):
                medium, route = "electronic" if apps.electronic else "paper", ROUTES[apps.flow]
                if route.books and apps.electronic:
                    from_books.append(apps)
                    continue
                self.metrics.applied(
                    route.row, medium, self.month(apps.t0[0]), apps.t0, float(apps.prepare.sum())
                )
                (self.backend.apply if apps.electronic else self.courier.apply)(apps)
            if from_books:
                self.env.process(self._from_books(from_books))
            if self.calendar.working[day]:
                self.env.process(self._clear_at(day * DAY + clearing))
            if self.progress:
                self.progress(
                    {
                        "date": str(self.calendar.dates[day]),
                        "day": day + 1,
                        "days": self.days,
                        "vouchers": sum(c["sent"] for c in self.metrics.outcomes.values()),
                    }
                )

    def _from_books(self, due: list[Applications]) -> Generator:
        for apps in sorted(due, key=lambda a: float(a.t0[0])):
            if apps.t0[0] > self.env.now:
                yield self.env.timeout(float(apps.t0[0]) - self.env.now)
            self.backend.apply(apps)

    def _clear_at(self, t: float) -> Generator:
        yield self.env.timeout(t - self.env.now)
        self.backend.clearing(t)

    def _offline_until(self, party: Party, t: float) -> float | None:
        if not self.offline:
            return None
        for start, end in self.offline.get(party.name, []) + self.offline.get(
            f"{party.place.group.name}/bank", []
        ):
            if party.role == "bank" and start <= t < end:
                return end
        return None

    def _party(self, party: Party) -> Generator:
        hours, interval = self.hours[party.role], self.scenario.poll[party.role]
        env, calendar = self.env, self.calendar
        while True:
            ready = self.backend.ready_at(party)
            if ready is None:
                party.wake = env.event()
                yield party.wake
                party.wake = None
                continue
            tick = calendar.next_tick(max(env.now, ready), hours, interval, party.phase)
            if tick is None:
                return
            if tick > env.now:
                yield env.timeout(tick - env.now)
            back = self._offline_until(party, env.now)
            if back is not None:
                yield env.timeout(back - env.now)
                continue
            yield from self.backend.tick(party)

    def run(self, backend: Backend, progress: Progress | None = None) -> Metrics:
        self.backend, self.progress = backend, progress
        self.env.process(self._days())
        for party in self.topology.parties:
            self.env.process(self._party(party))
        self.env.run(until=self.days * DAY)
        self.metrics.flush()
        self.metrics.events = next(self.env._eid)  # events SimPy scheduled (its own counter)
        return self.metrics
