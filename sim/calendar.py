"""The business calendar on the simulated clock: minutes since midnight of the run's first date.

Working days are Monday to Friday minus the Spring Festival gap and the National Day week (the
dates are the scenario's); month-end is the last `month_end_days` working days of a month, when
volumes surge; December carries its own factor (the year-end rush). A party works on the ITFE
grid: every `interval` minutes from its office opening plus its own phase, until closing.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

DAY = 24 * 60


class Calendar:
    def __init__(self, start: dt.date, days: int, numbers: Mapping[str, Any]) -> None:
        self.start, self.days = start, days
        gap = int(numbers.get("spring_festival_gap_days", 7))
        holidays: set[dt.date] = set()
        for eve in numbers.get("spring_festival", []):
            first = dt.date.fromisoformat(str(eve))
            holidays.update(first + dt.timedelta(days=i) for i in range(gap))
        for year in range(start.year, start.year + days // 365 + 2):
            if numbers.get("national_day_week", True):
                holidays.update(dt.date(year, 10, d) for d in range(1, 8))
        self.dates = [start + dt.timedelta(days=i) for i in range(days)]
        self.working = [d.weekday() < 5 and d not in holidays for d in self.dates]
        if numbers.get("every_day_working"):  # a day played as a business day whatever its date (the demo)
            self.working = [True] * days
        month_end = int(numbers.get("month_end_days", 5))
        self.month_end = [False] * days
        by_month: dict[tuple[int, int], list[int]] = {}
        for i, d in enumerate(self.dates):
            if self.working[i]:
                by_month.setdefault((d.year, d.month), []).append(i)
                later, left = d + dt.timedelta(days=1), 0  # working days left in its calendar month
                while later.month == d.month:
                    left += later.weekday() < 5 and later not in holidays
                    later += dt.timedelta(days=1)
                self.month_end[i] = left < month_end
        self.first_of_month = {indices[0] for indices in by_month.values()}
        following, nxt = [days] * (days + 1), days
        for i in range(days - 1, -1, -1):
            nxt = i if self.working[i] else nxt
            following[i] = nxt
        self.next_work = np.asarray(following, dtype=np.int64)  # first working day >= i (days: none)
        self._surge = float(numbers.get("month_end_factor", 1.0))
        self._december = float(numbers.get("december_factor", 1.0))

    def factor(self, day: int) -> float:
        """How many times the baseline daily volume arrives on `day` (0 on a non-working day)."""
        if not self.working[day]:
            return 0.0
        f = self._surge if self.month_end[day] else 1.0
        return f * (self._december if self.dates[day].month == 12 else 1.0)

    def day_of(self, t: float) -> int:
        return int(t // DAY)

    def date_of(self, t: float) -> dt.date:
        return self.start + dt.timedelta(days=int(t // DAY))

    def minutes(self, when: dt.datetime) -> float:
        return (when.date() - self.start).days * DAY + when.hour * 60 + when.minute

    def next_tick(self, t: float, hours: tuple[int, int], interval: float, phase: float) -> float | None:
        """The first ITFE cycle at or after `t` (None once the run is over)."""
        day = max(0, int(t // DAY))
        while day < self.days:
            if self.working[day]:
                start = day * DAY + hours[0] + phase
                end = day * DAY + hours[1]
                if t <= start:
                    return start
                tick = start + math.ceil((t - start) / interval - 1e-9) * interval
                if tick <= end:
                    return tick
            day += 1
        return None

    def next_working(self, t: float, at: int) -> float | None:
        """`at` minutes after midnight of the first working day whose `at` is not before `t`."""
        day = max(0, int(t // DAY))
        while day < self.days:
            if self.working[day] and day * DAY + at >= t:
                return day * DAY + at
            day += 1
        return None
