"""Model mode: reproducible, conserving, and faithful to the calendar and the faults it is given."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from sim import report
from sim.engine import RunSpec, confidence, replicate, simulate_model
from sim.flows import ROUTES
from sim.scenario import Fault, load


def test_same_seed_writes_a_bit_identical_summary(small, tmp_path):
    (a, sim_a), (b, sim_b) = (simulate_model(small, seed=5, days=3) for _ in range(2))
    files_a = report.write(a, sim_a.metrics, tmp_path / "a")
    files_b = report.write(b, sim_b.metrics, tmp_path / "b")
    for name in ("summary", "series", "flows"):
        assert Path(files_a[name]).read_bytes() == Path(files_b[name]).read_bytes(), name
    other, _ = simulate_model(small, seed=6, days=3)
    assert other["headline"] != a["headline"]


def test_every_voucher_is_counted_once(small):
    summary, _ = simulate_model(small, seed=2, days=7)
    for row in summary["flows"]:
        assert row["sent"] == row["receipt"] + row["returned"] + row["failed"] + row["pending"], row
    assert summary["working_days"] == 5  # 2018-06-04 is a Monday
    assert summary["headline"]["vouchers"] > 5 * 40


def test_a_library_outage_builds_a_backlog_that_drains(small):
    start = dt.datetime(2018, 6, 4, 10, 0)
    outage = dataclasses.replace(small, faults=(Fault("library_outage", start, 120.0),))
    summary, _ = simulate_model(outage, seed=1)
    fault = summary["faults"][0]
    assert fault["backlog_peak"] > fault["backlog_before"]
    assert fault["drained_hours_after_end"] is not None
    calm, _ = simulate_model(small, seed=1)
    assert summary["headline"]["electronic_receipt_p95_min"] > calm["headline"]["electronic_receipt_p95_min"]


def test_tips_failures_fail_payments(small):
    failing = dataclasses.replace(
        small, faults=(Fault("tips_failure", dt.datetime(2018, 6, 4, 0, 0), 1440, 1.0),)
    )
    summary, _ = simulate_model(failing, seed=1)
    rows = {r["flow"]: r for r in summary["flows"]}
    assert rows["实拨 5207"]["failed"] == rows["实拨 5207"]["sent"]
    assert "额度清算 2301/2302" not in rows  # nothing paid, nothing to clear


def test_replications_in_processes_match_one_process_and_give_intervals():
    specs = [RunSpec("small-province", seed) for seed in (1, 2, 3)]
    alone = replicate(specs, jobs=1)
    assert replicate(specs, jobs=2) == alone
    ci = confidence(alone)
    assert ci["vouchers"]["n"] == 3 and ci["electronic_receipt_p50_min"]["ci95"] > 0


def test_replications_on_a_local_dask_cluster():
    distributed = pytest.importorskip("distributed")
    specs = [RunSpec("small-province", seed) for seed in (1, 2)]
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as c:
        assert replicate(specs, dask=c.scheduler_address) == replicate(specs, jobs=1)


@pytest.mark.parametrize("name", ["upgrade-2.0", "year-end-peak", "outage"])
def test_shipped_scenarios_run_a_short_stretch(name):
    scenario = load(name)
    summary, _ = simulate_model(scenario, seed=1, days=min(scenario.days, 3))
    assert summary["headline"]["vouchers"] > 0


def test_zhejiang_moves_refunds_statements_reports_and_quota_refusals():
    summary, _ = simulate_model(load("zhejiang"), seed=1, start=dt.date(2018, 10, 8), days=3)
    rows = {(r["flow"], r["medium"]): r for r in summary["flows"]}
    for flow in ("收款行退款 2252→3208/2302", "对账 35xx/55xx/25xx", "日报 2206/3410"):
        assert rows[(flow, "electronic")]["sent"] > 0 and rows[(flow, "paper")]["sent"] > 0, flow
    assert rows[("授权支付 8202", "electronic")]["returned"] > 0  # beyond quota, then applied for again
    for row in summary["flows"]:
        assert row["sent"] == row["receipt"] + row["returned"] + row["failed"] + row["pending"], row


def test_document_events_count_each_hop_of_each_voucher(small):
    """What the benchmark's 'document events' means: a voucher sent, handled by each receiver and
    receipted for each receiver electronically; carried, handled and its receipt carried on paper.
    The payments alone: refunds, statements and refusals end in more than one way."""
    payments = tuple(f for f in small.flows if ROUTES[f.name].row == f.name and not ROUTES[f.name].books)
    summary, sim = simulate_model(dataclasses.replace(small, flows=payments), seed=1, days=3)
    hops = {
        r["flow"]: 1 + 2 * len(ROUTES[r["flow"]].receivers)
        for r in summary["flows"]
        if r["medium"] == "electronic"
    }
    assert all(r["receipt"] == r["sent"] for r in summary["flows"])  # every voucher went all the way
    assert summary["document_events"] == sum(hops[r["flow"]] * r["sent"] for r in summary["flows"])
    assert sim.metrics.paper_events == 0
    paper, sim = simulate_model(load("zhejiang"), seed=1, start=dt.date(2013, 8, 5), days=5)
    assert paper["headline"]["electronic_share"] == 0
    assert sim.metrics.paper_events == paper["document_events"] > 0
    assert paper["document_events"] % 3 == 0
