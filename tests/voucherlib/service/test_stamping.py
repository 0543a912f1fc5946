"""Server stamps and signatures: positions, ids, seal versions per profile, cancelling, *AndSend."""

from __future__ import annotations

import pytest

from evoucher.codec import build_stamp_positions
from evoucher.seal import load_signature
from evoucher.stamp import verify_body

from .support import (
    ADM,
    FINANCE,
    FINANCE_POSITIONS,
    PBOC,
    YEAR,
    bodies,
    body,
    fault,
    key,
    mof,
    positions_xml,
    voucher,
)

pytestmark = pytest.mark.anyio


async def test_stamping_position_by_position_keeps_every_stamp(lib):
    v = voucher(seed=41)
    async with lib.client(FINANCE) as fin:
        for position in FINANCE_POSITIONS:
            await fin.sign_stamp_by_nos(
                ADM, YEAR, "5207", mof(body(v)), positions_xml(lib.env, FINANCE, position)
            )
        again = await fault(
            fin.sign_stamp_by_nos(ADM, YEAR, "5207", mof(body(v)), positions_xml(lib.env, FINANCE, "cz_gz"))
        )
    assert again.evs_code == "EVS700" and "位置已签章" in again.message and again.is_idempotent_success
    versions = lib.store.query(lambda q: q.versions(key(v)))
    assert [sorted(x.stamped) for x in versions] == [
        [],
        ["cz_gz"],
        ["cz_gz", "cz_jzysz"],
        sorted(FINANCE_POSITIONS),
    ]
    holders = {s.position: s.cert_id for s in versions[-1].stamps}
    assert holders == {
        "cz_gz": "011-330100-01",
        "cz_jzysz": "011-330100-01-jzy",
        "cz_fhysz": "011-330100-01-fhy",
    }


@pytest.mark.parametrize(("profile", "seal_version"), [("2.0", 4), ("1.0", 1)])
async def test_the_server_stamps_with_the_seal_version_of_its_profile(open_library, profile, seal_version):
    v = voucher(seed=42)
    async with open_library(profile=profile) as lib, lib.client(FINANCE) as fin:
        await fin.sign_stamp_by_nos(
            ADM, YEAR, "5207", mof(body(v)), positions_xml(lib.env, FINANCE, *FINANCE_POSITIONS)
        )
        stamps = lib.store.query(lambda q: q.version(key(v))).stamps
    assert {load_signature(s.data).version for s in stamps} == {seal_version}


async def test_position_xml_is_checked(lib):
    v = voucher(seed=43)
    cases = {
        "unknown": positions_xml(lib.env, FINANCE, "cz_nowhere"),
        "theirs": positions_xml(lib.env, FINANCE, "rh_zqz"),
        "not_mine": build_stamp_positions({"cz_gz": "001-330100-01"}).decode("gbk"),
        "garbled": "<MOF><Stamp No='cz_gz'>",
    }
    async with lib.client(FINANCE) as fin:
        found = {
            n: await fault(fin.sign_stamp_by_nos(ADM, YEAR, "5207", mof(body(v)), xml))
            for n, xml in cases.items()
        }
        signing = await fault(
            fin.sign_by_nos(ADM, YEAR, "5207", mof(body(v)), positions_xml(lib.env, FINANCE, "cz_gz"))
        )
    assert {n: f.evs_code for n, f in found.items()} == {
        "unknown": "EVS100", "theirs": "EVS700", "not_mine": "EVS112", "garbled": "EVS100"
    }  # fmt: skip
    assert "stamp: a stamp position of VtCode 5207" in found["unknown"].message
    assert "rh_zqz is not finance's" in found["theirs"].message
    assert signing.evs_code == "EVS700" and "use signStampByNos" in signing.message
    assert lib.store.query(lambda q: q.versions(key(v))) == []


async def test_cancel_a_stamp_then_sending_needs_it_again_but_full_signs_sends_the_complete_version(lib):
    v = voucher(seed=44)
    async with lib.client(FINANCE) as fin:
        await fin.sign_stamp_by_nos(
            ADM, YEAR, "5207", mof(body(v)), positions_xml(lib.env, FINANCE, *FINANCE_POSITIONS)
        )
        await fin.cancel_stamp_with_position(ADM, YEAR, "5207", v.voucher_no, "cz_fhysz")
        await fin.cancel_stamp_with_position(ADM, YEAR, "5207", v.voucher_no, "cz_fhysz")  # none there: fine
        incomplete = await fault(fin.send_voucher(ADM, "011", "001", YEAR, "5207", [v.voucher_no]))
        await fin.send_voucher_full_signs(ADM, "011", "001", YEAR, "5207", [v.voucher_no])
    assert incomplete.evs_code == "EVS700" and "not every stamp position" in incomplete.message
    [got] = bodies(await lib.client(PBOC).read_voucher_again(ADM, YEAR, "5207", 10))
    assert sorted(s.position for s in got.stamps) == sorted(FINANCE_POSITIONS)
    assert [x.version for x in lib.store.query(lambda q: q.versions(key(v)))] == [1, 2, 3, 4, 5]


async def test_and_send_operations_stamp_or_sign_and_send_in_one_call(lib):
    v, report = voucher(seed=45), voucher("3208", seed=46)
    async with lib.client(FINANCE) as fin:
        xml = positions_xml(lib.env, FINANCE, *FINANCE_POSITIONS)
        answer = await fin.sign_stamp_by_nos_and_send(ADM, YEAR, "5207", mof(body(v)), xml, "011", "001")
    async with lib.client(PBOC) as pboc:
        xml = positions_xml(lib.env, PBOC, "rh_jzyqm", "rh_fhyqm")
        assert (
            await pboc.sign_by_nos_and_send(ADM, YEAR, "3208", mof(body(report)), xml, "001", "011") is None
        )
        stamped_xml = positions_xml(lib.env, PBOC, "rh_jzyqm")
        wrong_kind = await fault(pboc.sign_stamp_by_nos(ADM, YEAR, "3208", mof(body(report)), stamped_xml))
    assert answer == {v.voucher_no: [0, "对方未接收"]}
    assert wrong_kind.evs_code == "EVS700" and "use signByNos" in wrong_kind.message
    [got] = bodies(await lib.client(FINANCE).read_voucher_again(ADM, YEAR, "3208", 10))
    assert {s.kind for s in got.stamps} == {"sign"}
    assert all(r.passed for r in verify_body(got, trust_anchors=lib.env.trust_anchors, crls=lib.env.crls))


async def test_sign_without_position_returns_the_signed_mof_and_stores_nothing(lib):
    v = voucher(seed=47)
    async with lib.client(FINANCE, cert_id="011-330100-01-jzy") as bookkeeper:
        [signed] = bodies(await bookkeeper.sign_without_position(ADM, YEAR, "5207", mof(body(v))))
    assert signed.voucher == v.raw and [(s.position, s.kind) for s in signed.stamps] == [("qm", "sign")]
    [report] = verify_body(signed, trust_anchors=lib.env.trust_anchors, crls=lib.env.crls)
    assert report.passed and "011-330100-01-jzy" in report.signer.subject
    assert lib.store.query(lambda q: q.versions(key(v))) == []


async def test_stamp_positions_are_the_callers_own(lib):
    async with lib.client(FINANCE) as fin, lib.client(PBOC, service="AsspEStampService") as pboc:
        mine = await fin.query_stamp_position_with_name(ADM, YEAR, "5207")
        theirs = await pboc.query_stamp_position_with_name(ADM, YEAR, "5207")
    assert mine == {"cz_gz": "财政公章", "cz_jzysz": "财政记账员私章", "cz_fhysz": "财政复核员私章"}
    assert theirs == {"rh_zqz": "人行转讫章", "rh_gz": "人行公章", "rh_fjz": "人行附件章"}


async def test_full_signs_needs_a_complete_version(lib):
    v = voucher(seed=48)
    async with lib.client(FINANCE) as fin:
        await fin.sign_stamp_by_nos(ADM, YEAR, "5207", mof(body(v)), positions_xml(lib.env, FINANCE, "cz_gz"))
        f = await fault(fin.send_voucher_full_signs(ADM, "011", "001", YEAR, "5207", [v.voucher_no]))
    assert f.evs_code == "EVS700" and "not every stamp position" in f.message and str(key(v)) in f.message
