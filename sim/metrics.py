"""What a run measures, kept as fixed-size tallies so that six years of a province fit in memory.

Latencies go into log-spaced histograms (0.01 min to 90 days, 0.5 % wide bins) per flow,
medium (electronic / paper) and measure (application → funds, application → receipt), so a
percentile read from them is within half a percent. Hourly series count applications,
receipts, library operations and busy minutes, and the deepest queue; monthly tallies count
rollout coverage and the 1.0/2.0 mix. Everything is a pure function of what happened, so the
same run gives the same numbers.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from sim.calendar import DAY

EDGES = np.concatenate(([0.0], np.geomspace(0.01, 90 * 24 * 60, 2400)))
_LOG_FIRST, _LOG_STEP = np.log(EDGES[1]), np.log(EDGES[-1] / EDGES[1]) / (len(EDGES) - 2)
OUTCOMES = ("sent", "receipt", "returned", "failed", "pending")


class Metrics:
    def __init__(self, days: int) -> None:
        self.hours = days * 24
        self.latency: dict[tuple[str, str, str], np.ndarray] = {}
        self.outcomes: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))
        self.series = {
            name: np.zeros(self.hours)
            for name in ("applications", "receipts", "library_ops", "library_busy", "queue_max", "backlog_in")
        }
        self.monthly: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
        self.profile_ops: dict[str, dict[str, list[float]]] = defaultdict(
            lambda: defaultdict(lambda: [0, 0.0])
        )
        self.staff_minutes = {"electronic": 0.0, "paper": 0.0}
        self.trips = {"courier": 0, "unit": 0}
        self.missed_cutoff = {"electronic": 0, "paper": 0}
        self.events = 0  # SimPy events
        self.document_events = 0  # a document sent, handled or receipted: what a per-voucher model schedules
        self.paper_events = 0  # of which carried, handled or its receipt carried back on paper
        self._pending: dict[tuple[str, str, str], list[tuple[np.ndarray, np.ndarray]]] = {}  # (end, start)
        self._missed: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}  # (funds, application)
        self._buffered = 0
        self._times: dict[str, list[np.ndarray]] = {}

    def _hour(self, t: np.ndarray) -> np.ndarray:
        return np.clip((np.asarray(t) // 60).astype(np.int64), 0, self.hours - 1)

    def add_series(self, name: str, t: np.ndarray) -> None:
        """Buffered like the latencies: hours are counted in bulk."""
        if len(t):
            self._times.setdefault(name, []).append(t)
            self._buffered += len(t)

    def latency_of(self, flow: str, medium: str, measure: str, end: np.ndarray, start: np.ndarray) -> None:
        """Buffered: `end - start` binned into the histogram 50,000 at a time (and by `flush`), so
        that many small chunks cost one subtraction and one binning."""
        if not len(end):
            return
        self._pending.setdefault((flow, medium, measure), []).append((end, start))
        self._buffered += len(end)
        if self._buffered > 50_000:
            self.flush()

    def flush(self) -> None:
        for key, parts in self._pending.items():
            hist = self.latency.get(key)
            if hist is None:
                hist = self.latency[key] = np.zeros(len(EDGES), dtype=np.int64)
            minutes = np.concatenate([end for end, _ in parts]) - np.concatenate(
                [start for _, start in parts]
            )
            hist += np.bincount(bin_of(minutes), minlength=len(EDGES))
        for name, parts in self._times.items():
            self.series[name] += np.bincount(self._hour(np.concatenate(parts)), minlength=self.hours)
        for medium, parts in self._missed.items():
            funds = np.concatenate([f for f, _ in parts]) // DAY
            self.missed_cutoff[medium] += int((funds > np.concatenate([t0 for _, t0 in parts]) // DAY).sum())
        self._pending, self._times, self._missed, self._buffered = {}, {}, {}, 0

    def applied(self, flow: str, medium: str, month: str, t0: np.ndarray, staff: float) -> None:
        self.outcomes[(flow, medium)]["sent"] += len(t0)
        self.outcomes[(flow, medium)]["pending"] += len(t0)
        self.monthly[month][flow][0 if medium == "electronic" else 1] += len(t0)
        self.staff_minutes[medium] += staff
        if medium == "electronic":  # the backlog is of electronic vouchers (paper has its courier)
            self.add_series("applications", t0)

    def ended(
        self, flow: str, medium: str, outcome: str, t0, funds, done, cutoff_missed: int | None = 0
    ) -> None:
        """`len(t0)` documents ended `outcome`; funds/done are their times (funds None: no money).

        `cutoff_missed` None: count those whose money moved on a later day than they arose (when
        the buffers are flushed)."""
        counts = self.outcomes[(flow, medium)]
        counts["pending"] -= len(t0)
        counts[outcome] += len(t0)
        if cutoff_missed is not None:
            self.missed_cutoff[medium] += cutoff_missed
        elif funds is not None and len(funds):
            self._missed.setdefault(medium, []).append((funds, t0))
        if medium == "electronic":
            self.add_series("receipts", done)
        if outcome == "returned":
            return
        self.latency_of(flow, medium, "receipt", done, t0)
        if funds is not None and outcome == "receipt":
            self.latency_of(flow, medium, "funds", funds, t0)

    def library(self, t: float, profile: str, month: str, ops: int, busy: float, queue: int) -> None:
        h = min(int(t // 60), self.hours - 1)
        self.series["library_ops"][h] += ops
        self.series["library_busy"][h] += busy
        self.series["queue_max"][h] = max(self.series["queue_max"][h], queue)
        tally = self.profile_ops[month][profile]
        tally[0] += ops
        tally[1] += busy


def bin_of(minutes: np.ndarray) -> np.ndarray:
    """The histogram bin of each latency (negative ones in the first): the last edge not above it.

    What `np.searchsorted(EDGES, minutes, side="right") - 1` gives, five times faster: the bin
    from the logarithm, then set right against the edges themselves where rounding put it one off.
    """
    top = len(EDGES) - 1
    guess = np.floor((np.log(np.maximum(minutes, EDGES[1])) - _LOG_FIRST) / _LOG_STEP).astype(np.intp) + 1
    np.clip(guess, 0, top, out=guess)
    guess -= EDGES[guess] > minutes
    guess += (EDGES[np.minimum(guess + 1, top)] <= minutes) & (guess < top)
    return guess


def percentiles(hist: np.ndarray, qs=(50, 90, 95, 99)) -> dict[str, float]:
    """Percentiles of a latency histogram, interpolated within the bin; also n and mean."""
    n = int(hist.sum())
    if n == 0:
        return {"n": 0}
    cum = np.cumsum(hist)
    upper = np.append(EDGES[1:], EDGES[-1])
    mids = (EDGES + upper) / 2
    out: dict[str, float] = {"n": n, "mean": float((hist * mids).sum() / n)}
    for q in qs:
        rank = q / 100 * n
        i = int(np.searchsorted(cum, rank, side="left"))
        before = cum[i - 1] if i else 0
        frac = (rank - before) / hist[i] if hist[i] else 0.0
        out[f"p{q}"] = float(EDGES[i] + frac * (upper[i] - EDGES[i]))
    return out
