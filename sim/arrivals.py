"""The business of a day, drawn before any mode touches it: who applies for what, when, for how much.

Counts are the scenario's daily volume per region (or per online unit) times the calendar's
factor (month-end surge, December), rounded — or Poisson draws when `calendar.random_counts`
says so. Times fall in the flow's window, a share of them in the morning and afternoon peaks.
Each application waits its preparation (a staff member drafts, checks and stamps it) before it
is ready to send. Everything comes from a generator seeded by (seed, day), so reference and
model mode see the very same applications.
"""

from __future__ import annotations

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
    place: Place
    electronic: bool
    t0: np.ndarray  # minutes: when the business arose
    ready: np.ndarray  # minutes: prepared, stamped, ready to send (sorted)
    bank: np.ndarray  # index of the agent bank in the region
    unit: np.ndarray  # index of the online unit in the region
    amount: np.ndarray  # yuan, whole hundreds
    prepare: np.ndarray  # staff minutes spent preparing each

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
        )


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


def draw_day(
    scenario: Scenario, topology: Topology, calendar: Calendar, day: int, seed: int
) -> list[Applications]:
    """Every application of `day`, per flow and region, in the order the scenario lists the flows."""
    factor = calendar.factor(day)
    if factor == 0:
        return []
    rng = np.random.default_rng([seed, day])
    date = calendar.dates[day]
    random_counts = bool(scenario.calendar.get("random_counts", False))
    peak_share = float(scenario.calendar.get("peak_share", 0.0))
    out = []
    for flow in scenario.flows:
        route = ROUTES[flow.name]
        if route.monthly and not (day in calendar.first_of_month or day == 0):
            continue
        for place in topology.places:
            group = place.group
            if group.level not in flow.levels or group.kind not in flow.kinds:
                continue
            if flow.name not in topology.flows_of(place):
                continue
            per = {"unit": group.units, "bank": group.banks}.get(flow.per, 1)
            mean = flow.daily * per * (1.0 if route.monthly else factor)
            n = int(rng.poisson(mean)) if random_counts else int(round(mean))
            if n == 0:
                continue
            t0 = np.sort(
                _times(rng, flow.window, n, peak_share)
                if not route.monthly
                else np.full(n, flow.window[0], float)
            )
            if route.funded_first:  # the city funds the district's sub-account first thing
                t0[0] = flow.window[0]
            electronic = place.electronic(flow.name, date)
            spec = scenario.steps["e_prepare" if electronic else "paper_prepare"]
            prepare = triangular(rng, spec, n)
            ready = t0 + prepare
            order = np.argsort(ready, kind="stable")
            unit = rng.integers(0, max(group.units, 1), n)
            if route.monthly:
                bank = np.arange(n) // 2  # a 5106 and a 5108 for each bank
            elif route.sender == "unit":  # a unit's payments go to the bank holding its account
                banks = np.asarray(group.unit_banks or [u % max(group.banks, 1) for u in range(group.units)])
                bank = banks[unit]
            else:
                bank = rng.integers(0, max(group.banks, 1), n)
            bank, unit = bank[order], unit[order]
            low, high = flow.amount
            amount = rng.integers(low // 100, high // 100 + 1, n)[order] * 100
            out.append(
                Applications(
                    flow.name,
                    place,
                    electronic,
                    t0[order] + day * DAY,
                    ready[order] + day * DAY,
                    bank,
                    unit,
                    amount,
                    prepare[order],
                )
            )
    return out
