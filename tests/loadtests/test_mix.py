"""Mixes are data: every shipped mix builds cases for both client generations; bad files say why."""

from __future__ import annotations

import datetime as dt

import pytest

from loadtests.cases import SENT, STATUS_AFTER, PoolBuilder
from loadtests.gates import expected_statuses
from loadtests.mix import MixError, available, load_mix

SHIPPED = ("clearing-hour", "december-peak", "month-end", "normal-day")


def test_the_four_business_mixes_are_shipped():
    assert set(SHIPPED) <= set(available())


@pytest.mark.parametrize("name", SHIPPED)
def test_every_flow_of_a_mix_builds_a_case_for_both_generations(load_env, name):
    mix = load_mix(name)
    for profile in ("1.0", "2.0"):
        builder = PoolBuilder(load_env, mix, profile, business_date=dt.date.today(), tag="TEST")
        for i, flow in enumerate(mix.flows):
            case = builder.case(i, flow)
            operations = [s.operation for s in case.steps]
            assert len(case.nos) == mix.batch_for(profile)
            if profile == "1.0":  # one call per step, client-side stamps
                assert operations[:2] == ["saveStampVoucher", "sendVoucher"]
                assert "signStampByNosAndSend" not in operations
            else:  # combined and batch operations
                assert operations[0] == "signStampByNosAndSend"
                assert "batchQueryAllVoucherStatus" in operations


def test_expected_statuses_follow_the_acknowledged_steps(load_env):
    mix = load_mix("normal-day")
    case = PoolBuilder(load_env, mix, "1.0", business_date=dt.date.today(), tag="TEST").case(0, mix.flows[0])
    (no,) = case.nos
    assert expected_statuses(case, 0, 0) == {}
    sent = [s.operation for s in case.steps].index("sendVoucher") + 1
    assert expected_statuses(case, sent, sent) == {no: STATUS_AFTER[SENT]}
    # the send was in flight when the run stopped: either outcome is allowed
    assert expected_statuses(case, sent - 1, sent) == {no: STATUS_AFTER[SENT]}
    assert expected_statuses(case, len(case.steps), len(case.steps))[no] <= {5, 12}


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ('[[flows]]\nvt_code = "9999"', "vt_code"),
        ('[[flows]]\nvt_code = "5207"\nto = "agent_bank"', "to"),
        ('rate = -1\n[[flows]]\nvt_code = "5207"', "rate"),
        ('[[flows]]\nvt_code = "5207"\n[client."1.0"]\nbatch = 5', "client.1.0.batch"),
        ("rate = 1", "flows"),
        ("rate = ", "TOML"),
    ],
)
def test_a_bad_mix_names_the_key(tmp_path, text, names):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MixError, match=names.replace(".", r"\.")):
        load_mix(path)
