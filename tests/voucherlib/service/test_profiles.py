"""Profiles 1.0 and 2.0 side by side on one store, as during an upgrade (VL-LIB-040..043)."""

from __future__ import annotations

import pytest

from evoucher.seal import STRICT, load_signature

from .support import (
    ADM,
    FINANCE,
    FINANCE_POSITIONS,
    PBOC,
    YEAR,
    bodies,
    body,
    fault,
    mof,
    positions_xml,
    stamped,
    voucher,
)

pytestmark = pytest.mark.anyio


async def test_a_v4_stamped_voucher_reaches_a_1_0_party_as_it_was_sent(open_library):
    v = voucher(seed=81)
    async with open_library(profile="2.0") as new, open_library(profile="1.0") as old:
        async with new.client(FINANCE) as fin:
            xml = positions_xml(new.env, FINANCE, *FINANCE_POSITIONS)
            await fin.sign_stamp_by_nos_and_send(ADM, YEAR, "5207", mof(body(v)), xml, "011", "001")
        async with old.client(PBOC) as pboc:
            [got] = bodies(await pboc.read_voucher_again(ADM, YEAR, "5207", 10))
            await pboc.confirm_voucher(ADM, YEAR, "5207", [v.voucher_no])
        status = await new.client(FINANCE).query_voucher_status_by_org_type(
            ADM, YEAR, "5207", [v.voucher_no], "001"
        )
    assert {load_signature(s.value).version for s in got.stamps} == {4}
    assert status[v.voucher_no][0] == 3


async def test_seal_versions_on_arrival_follow_the_profile_and_the_policy(open_library):
    async with (
        open_library(profile="1.0") as old,
        open_library(profile="2.0") as new,
        open_library(profile="2.0", seal_policy=STRICT) as strict,
    ):
        env = old.env
        v4 = mof(stamped(env, FINANCE, body(voucher(seed=82)), "cz_gz"))
        v1_old = mof(stamped(env, FINANCE, body(voucher(seed=83)), "cz_gz", version=1))
        v1_new = mof(stamped(env, FINANCE, body(voucher(seed=84)), "cz_gz", version=1))
        refused_v4 = await fault(old.client(FINANCE).save_stamp_voucher(ADM, YEAR, "5207", v4))
        await old.client(FINANCE).save_stamp_voucher(ADM, YEAR, "5207", v1_old)
        await new.client(FINANCE).save_stamp_voucher(ADM, YEAR, "5207", v1_new)  # tolerated by DEFAULT
        refused_v1 = await fault(strict.client(FINANCE).save_stamp_voucher(ADM, YEAR, "5207", v1_new))
        await strict.client(FINANCE).save_stamp_voucher(ADM, YEAR, "5207", v4)
    assert (
        refused_v4.evs_code == "EVS700" and "profile 1.0 takes GM/T 0031 v1 seals only" in refused_v4.message
    )
    assert refused_v1.evs_code == "EVS700" and "NOT_ALLOWED" in refused_v1.message


async def test_old_and_new_codes_and_2_0_operations(open_library):
    async with open_library(profile="1.0") as old, open_library(profile="2.0") as new:
        new_code_on_old = await fault(
            old.client(PBOC).save_sign_voucher(ADM, YEAR, "3210", mof(body(voucher("3210", seed=85))))
        )
        old_code_on_new = await fault(
            new.client(PBOC).save_sign_voucher(
                ADM, YEAR, "3251", mof(body(voucher("3251", seed=86, profile="1.0")))
            )
        )
        batch_on_old = await fault(
            old.client(FINANCE).batch_query_all_voucher_status(ADM, YEAR, "5207", ["A1"])
        )
    assert new_code_on_old.evs_code == old_code_on_new.evs_code == "EVS100"
    assert "voucher.profile" in new_code_on_old.message and "uses 3251" in new_code_on_old.message
    assert "voucher.profile" in old_code_on_new.message and "uses 3210" in old_code_on_new.message
    assert batch_on_old.evs_code == "EVS100" and "not part of interface profile 1.0" in batch_on_old.message


async def test_an_old_code_voucher_in_flight_is_answered_after_the_upgrade(open_library):
    notice = voucher("3251", seed=87, profile="1.0")
    async with open_library(profile="1.0") as old, open_library(profile="2.0") as new:
        async with old.client(PBOC) as pboc:
            xml = positions_xml(old.env, PBOC, "rh_jzyqm", "rh_fhyqm")
            await pboc.sign_by_nos(ADM, YEAR, "3251", mof(body(notice)), xml)
            await pboc.send_voucher(ADM, "001", "011", YEAR, "3251", [notice.voucher_no])
        async with new.client(FINANCE) as fin:
            [got] = bodies(await fin.read_voucher_again(ADM, YEAR, "3251", 10))
            await fin.confirm_voucher(ADM, YEAR, "3251", [notice.voucher_no])
            await fin.sign_by_nos(
                ADM, YEAR, "3251", mof(body(notice, 1)), positions_xml(new.env, FINANCE, "cz_qm")
            )
            await fin.send_voucher(ADM, "011", "001", YEAR, "3251", [notice.voucher_no])
        status = await old.client(PBOC).query_voucher_status_by_org_type(
            ADM, YEAR, "3251", [notice.voucher_no], "011"
        )
    assert got.voucher == notice.raw and status[notice.voucher_no][0] == 12
