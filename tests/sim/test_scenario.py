"""Scenarios are data: every number tagged, every field checked, the calendar's grid respected."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.calendar import DAY, Calendar
from sim.scenario import SHIPPED, ScenarioError, load, parse, shipped


def test_the_five_scenarios_ship_and_load():
    assert {"small-province", "zhejiang", "upgrade-2.0", "year-end-peak", "outage"} <= set(shipped())
    for name in shipped():
        scenario = load(name)
        assert scenario.numbers and all(
            t.tag in ("stated", "derived", "assumed") and t.src for t in scenario.numbers.values()
        )


def _small() -> dict:
    return tomllib.loads((SHIPPED / "small-province.toml").read_text(encoding="utf-8"))


def test_an_untagged_number_is_refused_by_its_path():
    data = _small()
    data["poll"]["pboc"] = 50
    with pytest.raises(ScenarioError, match=r"poll\.pboc: every number is"):
        parse(data)
    data = _small()
    data["poll"]["pboc"] = {"v": 50, "tag": "guessed", "src": "x"}
    with pytest.raises(ScenarioError, match=r"poll\.pboc: tag must be one of"):
        parse(data)


def test_unknown_flows_bad_times_and_missing_sections_are_named():
    data = _small()
    data["flows"][1]["name"] = "现金支付"
    with pytest.raises(ScenarioError, match=r"flows\[1\]\.name: unknown flow"):
        parse(data)
    data = _small()
    data["clock"]["open"]["v"] = "8h30"
    with pytest.raises(ScenarioError, match=r"clock\.open: a clock time"):
        parse(data)
    data = _small()
    del data["steps"]
    with pytest.raises(ScenarioError, match="steps: missing"):
        parse(data)
    with pytest.raises(ScenarioError, match="no such file"):
        load("atlantis")


def test_the_environment_chart_is_the_small_scenario(env_province):
    from mocks.province import province_of

    province = province_of(env_province)
    for region in load("small-province").regions:
        division = province.divisions[region.adm[0]]
        assert len(division.banks) == region.banks
        assert sum(1 for a in province.agencies_of(division.adm_div_code) if a.unit) == region.units


@pytest.fixture(scope="module")
def env_province(tmp_path_factory):
    from evoucher.pki.builder import create_environment

    return create_environment(tmp_path_factory.mktemp("env") / "env", scenario="province", seed=7)


CAL = Calendar(dt.date(2018, 1, 1), 400, {"spring_festival": ["2018-02-15"], "month_end_factor": 3.0})


@given(t=st.floats(0, 399 * DAY), interval=st.sampled_from([2.0, 10.0, 50.0]), phase=st.floats(0, 1.9))
def test_ticks_fall_on_the_grid_within_office_hours_of_working_days(t, interval, phase):
    hours = (510, 1020)
    tick = CAL.next_tick(t, hours, interval, phase)
    if tick is None:
        return
    day = int(tick // DAY)
    assert tick >= t - 1e-9 and CAL.working[day]
    assert hours[0] + phase - 1e-6 <= tick - day * DAY <= hours[1] + 1e-6
    assert (
        abs(
            ((tick - day * DAY - hours[0] - phase) / interval)
            - round((tick - day * DAY - hours[0] - phase) / interval)
        )
        < 1e-6
    )


def test_calendar_holidays_and_month_end():
    assert not CAL.working[(dt.date(2018, 2, 16) - CAL.start).days]  # Spring Festival
    assert not CAL.working[(dt.date(2018, 10, 2) - CAL.start).days]  # National Day
    last = (dt.date(2018, 1, 31) - CAL.start).days
    assert CAL.month_end[last] and CAL.factor(last) == 3.0 and CAL.factor(last - 14) == 1.0  # Wed 17 Jan
