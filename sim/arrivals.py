"""The business of a day, drawn before any mode touches it: who applies for what, when, for how much.

Counts are the scenario's daily volume per region (or per online unit) times the calendar's
factor (month-end surge, December), rounded — or Poisson draws when `calendar.random_counts`
says so. Times fall in the flow's window, a share of them in the morning and afternoon peaks.
Each application waits its preparation (a staff member drafts, checks and stamps it) before it
is ready to send. Everything comes from a generator seeded by (seed, day), so reference and
model mode see the very same applications.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from sim.calendar import DAY, Calendar
from sim.flows import ROUTES
from sim.scenario import Scenario
from sim.topology import Place, Topology

PEAKS = ((9 * 60, 11 * 60), (14 * 60, 15 * 60 + 30))  # assumed (reference: "Intra-day arrivals peak")


@dataclass
class Applications:
    flow: str
    place: Place | None  # electronic ones come per region; paper ones of many regions together
    electronic: bool
    t0: np.ndarray  # minutes: when the business arose
    ready: np.ndarray  # minutes: prepared, stamped, ready to send (sorted)
    bank: np.ndarray  # index of the agent bank in the region
    unit: np.ndarray  # index of the online unit in the region
    amount: np.ndarray  # yuan, whole hundreds
    prepare: np.ndarray  # staff minutes spent preparing each
    where: np.ndarray  # the region (Place.index) of each

    def take(self, index) -> Applications:
        """The applications at `index` (a slice, an index array or a mask)."""
        return Applications(
            self.flow,
            self.place,
            self.electronic,
            self.t0[index],
            self.ready[index],
            self.bank[index],
            self.unit[index],
            self.amount[index],
            self.prepare[index],
            self.where[index],
        )


def in_order(times: np.ndarray) -> np.ndarray:
    """The stable sorting order of `times`, by the faster unstable sort when no two are equal (then
    there is only one order)."""
    order = np.argsort(times)
    ordered = times[order]
    if (ordered[1:] == ordered[:-1]).any():
        return np.argsort(times, kind="stable")
    return order


def triangular(rng: np.random.Generator, spec: list[float], n: int) -> np.ndarray:
    low, mode, high = (float(x) for x in spec)
    return rng.triangular(low, mode, high, n) if high > low else np.full(n, low)


def _times(rng: np.random.Generator, window: tuple[int, int], n: int, peak_share: float) -> np.ndarray:
    uniform = rng.uniform(window[0], window[1], n)
    peaks = [(max(a, window[0]), min(b, window[1])) for a, b in PEAKS]
    peaks = [(a, b) for a, b in peaks if b > a]
    if not peaks or peak_share <= 0:
        return uniform
    which = rng.integers(0, len(peaks), n)
    lows, highs = np.array([a for a, _ in peaks])[which], np.array([b for _, b in peaks])[which]
    peaked = lows + rng.random(n) * (highs - lows)
    return np.where(rng.random(n) < peak_share, peaked, uniform)


class Eligible:
    """Per flow, the regions it can happen in, with the arrays a day's draw needs (built once)."""

    def __init__(self, scenario: Scenario, topology: Topology) -> None:
        self.by_flow = {}
        possible = {p.index: set(topology.flows_of(p)) for p in topology.places}
        for flow in scenario.flows:
            places = [
                p
                for p in topology.places
                if p.group.level in flow.levels
                and p.group.kind in flow.kinds
                and flow.name in possible[p.index]
            ]
            if not places:
                continue
            per = np.array(
                [{"unit": p.group.units, "bank": p.group.banks}.get(flow.per, 1) for p in places], float
            )
            live = np.array([p.group.electronic.get(flow.name, dt.date.max).toordinal() for p in places])
            units = np.array([max(p.group.units, 1) for p in places])
            banks = np.array([max(p.group.banks, 1) for p in places])
            tables = {k: np.asarray(p.group.unit_banks) for k, p in enumerate(places) if p.group.unit_banks}
            self.by_flow[flow.name] = (places, per, live, units, banks, tables)


def draw_day(
    scenario: Scenario, eligible: Eligible, calendar: Calendar, day: int, seed: int
) -> list[Applications]:
    """Every application of `day`: per flow, the electronic ones per region, the paper ones together."""
    factor = calendar.factor(day)
    if factor == 0:
        return []
    rng = np.random.default_rng([seed, day])
    today = calendar.dates[day].toordinal()
    random_counts = bool(scenario.calendar.get("random_counts", False))
    peak_share = float(scenario.calendar.get("peak_share", 0.0))
    out = []
    for flow in scenario.flows:
        route = ROUTES[flow.name]
        if (
            flow.name not in eligible.by_flow
            or (route.monthly and not (day in calendar.first_of_month or day == 0))
            or (route.later and day == 0)
        ):
            continue
        places, per, live, units, banks, tables = eligible.by_flow[flow.name]
        scheduled = route.monthly or bool(route.books)  # a job on the calendar: no surge, no chance
        mean = flow.daily * per * (1.0 if scheduled else factor)
        counts = rng.poisson(mean) if random_counts and not scheduled else np.round(mean).astype(np.int64)
        n = int(counts.sum())
        if n == 0:
            continue
        where = np.repeat(np.arange(len(places)), counts)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        rank = np.arange(n) - starts[where]  # position of each within its region
        monthly = np.full(n, float(flow.window[0]))
        t0 = monthly if route.monthly else _times(rng, flow.window, n, peak_share)
        if route.funded_first:  # the city funds the district's sub-account first thing
            t0[rank == 0] = flow.window[0]
        electronic = live[where] <= today
        prepare = np.where(
            electronic,
            triangular(rng, scenario.steps["e_prepare"], n),
            triangular(rng, scenario.steps["paper_prepare"], n),
        )
        unit = rng.integers(0, units[where])
        if route.monthly:
            bank = rank // 2  # a 5106 and a 5108 for each bank
        elif route.sender == "unit":  # a unit's payments go to the bank holding its account
            bank = unit % banks[where]
            for k, table in tables.items():
                mine = where == k
                bank[mine] = table[unit[mine]]
        else:
            bank = rng.integers(0, banks[where])
        low, high = flow.amount
        amount = rng.integers(low // 100, high // 100 + 1, n) * 100
        base = day * DAY
        index_of = np.array([p.index for p in places])
        every = Applications(
            flow.name,
            None,
            True,
            t0 + base,
            t0 + prepare + base,
            bank,
            unit,
            amount,
            prepare,
            index_of[where],
        )
        if not electronic.all():
            paper = np.flatnonzero(~electronic)
            paper = every.take(paper[in_order(every.ready[paper])])
            paper.electronic = False
            out.append(paper)
        ends = np.cumsum(counts)
        for k in np.flatnonzero((live <= today) & (counts > 0)).tolist():  # a region's are consecutive
            mine = every.take(starts[k] + in_order(every.ready[starts[k] : ends[k]]))
            mine.place = places[k]
            out.append(mine)
    return out
