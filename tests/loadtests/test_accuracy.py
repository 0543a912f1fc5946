"""The numbers are right: a target of known speed is measured as queueing theory predicts.

The wire proxy serves one call at a time, each holding the server for at least S (a single
server with a deterministic service time, in front of the reference library, which mostly
answers within S; the proxy records how long each call really held it). In the closed model
with N users every call waits for the N-1 others, so the server completes 1/hold calls per
second and a call takes N·hold from when it was ready (Little's law). Twice the service time
is a known 2× slowdown, which `compare` must report as 2× within ±15%.
"""

from __future__ import annotations

import statistics

import pytest

from loadtests.compare import Side, compare

from .conftest import proxied, run_config

S = 0.03  # seconds per call at the baseline
USERS = 3


def _mean_hold(proxy, window: tuple[float, float]) -> float:
    return statistics.fmean(h for t, h in proxy.holds if window[0] <= t < window[1])


def test_compare_reports_a_known_2x_slowdown_as_2x(load_env, reference, tmp_path):
    with (
        reference("1.0") as library,
        proxied(library, service_time=S) as (fast, fast_proxy),
        proxied(library, service_time=2 * S) as (slow, slow_proxy),
    ):
        template = run_config(load_env, fast, model="closed", users=USERS, duration=8.0, warmup=2.0)
        baseline, candidate = Side("baseline", fast, "1.0"), Side("candidate", slow, "1.0")
        result = compare(baseline, candidate, template, tmp_path, rounds=1, pool=80, listener=print)
    assert result.passed, [(g.name, g.detail) for pair in result.rounds for r in pair for g in r.failed_gates]
    # a 2× slower target finishes half as many vouchers
    assert 1 / result.ratio == pytest.approx(2.0, rel=0.15)
    for run, proxy in zip(result.rounds[0], (fast_proxy, slow_proxy), strict=True):
        hold = _mean_hold(proxy, run.figures.window)
        assert run.figures.requests_per_s == pytest.approx(1 / hold, rel=0.15)
        mean_latency = statistics.fmean(run.figures.latencies_ms) / 1000
        assert mean_latency == pytest.approx(USERS * hold, rel=0.25)
    assert (tmp_path / "report.html").is_file() and (tmp_path / "compare-rounds.png").is_file()
