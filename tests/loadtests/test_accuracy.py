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


def test_the_open_model_charges_waiting_to_the_target(load_env, reference, tmp_path):
    """Offered twice what the target serves to a generator of one desk per party (so each party
    sends one call at a time, like a client that waits), the time each call takes once sent stays
    near the service time, but latency from the intended start grows with the backlog
    (coordinated omission accounted for), and the run fails `finished`."""
    from loadtests.engine import run
    from loadtests.outcome import analyse

    service = 0.05  # 20 calls/s: 2 vouchers/s of 实拨 lifecycle (10 calls each)
    mix = tmp_path / "shibo.toml"
    mix.write_text('name = "shibo"\n[[flows]]\nvt_code = "5207"\n', encoding="utf-8")
    with reference("1.0") as library, proxied(library, service_time=service) as (target, _proxy):
        config = run_config(load_env, target, mix=str(mix), rate=4.0, duration=4.0, warmup=1.0, cooldown=1.0,
                            desks=1)  # fmt: skip
        result = analyse(run(config, tmp_path / "out"))
    assert "finished" in {g.name for g in result.failed_gates}
    figures = result.figures
    served = statistics.median(o.service_p50_ms for o in figures.operations) / 1000
    assert served < 3 * service  # a call, once sent, waits at most for the other party's call
    waited = statistics.fmean(figures.latencies_ms) / 1000
    assert waited > 4 * service  # but it was meant to start much earlier
    assert figures.max_desk_wait_ms / 1000 > 1.0  # cases queued for a free desk for seconds
