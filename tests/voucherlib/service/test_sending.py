"""Sending: routes, who sends, repeats, and a receipt copied to a second party (发送全版本凭证)."""

from __future__ import annotations

import pytest

from evoucher.codec import parse_voucher, with_fields

from .support import (
    ADM,
    BANK,
    FINANCE,
    PBOC,
    RECEIPT_POSITIONS,
    YEAR,
    bodies,
    body,
    fault,
    mof,
    pboc_signs_for,
    positions_xml,
    receipt_of,
    voucher,
)

pytestmark = pytest.mark.anyio


async def test_send_checks_route_sender_and_org_type_and_a_repeat_is_idempotent(lib):
    v = voucher(seed=61)
    async with lib.client(FINANCE) as fin:
        await fin.sign_stamp_by_nos(
            ADM, YEAR, "5207", mof(body(v)), positions_xml(lib.env, FINANCE, "cz_gz", "cz_jzysz", "cz_fhysz")
        )
        found = {
            "off_route": await fault(fin.send_voucher(ADM, "011", "102", YEAR, "5207", [v.voucher_no])),
            "nobody_there": await fault(fin.send_voucher(ADM, "011", "104", YEAR, "5207", [v.voucher_no])),
            "not_an_org_type": await fault(
                fin.send_voucher(ADM, "011", "PBOC", YEAR, "5207", [v.voucher_no])
            ),
            "someone_else": await fault(fin.send_voucher(ADM, "001", "001", YEAR, "5207", [v.voucher_no])),
            "to_itself": await fault(fin.send_voucher(ADM, "011", "011", YEAR, "5207", [v.voucher_no])),
        }
        await fin.send_voucher(ADM, "011", "001", YEAR, "5207", [v.voucher_no])
        found["again"] = await fault(fin.send_voucher(ADM, "011", "001", YEAR, "5207", [v.voucher_no]))
    assert {n: f.evs_code for n, f in found.items()} == {
        "off_route": "EVS700", "nobody_there": "EVS700", "not_an_org_type": "EVS100",
        "someone_else": "EVS112", "to_itself": "EVS100", "again": "EVS700",
    }  # fmt: skip
    assert "agent_bank is not on the route of 5207" in found["off_route"].message
    assert "no party of that org type in AdmDivCode 330100" in found["nobody_there"].message
    assert "已发送" in found["again"].message and found["again"].is_idempotent_success
    assert not any(f.is_idempotent_success for n, f in found.items() if n != "again")


async def test_a_clearing_receipt_goes_to_the_bank_and_its_full_version_to_finance(lib):
    request = voucher("2301", seed=62)
    async with lib.client(BANK) as bank:
        xml = positions_xml(lib.env, BANK, "yh_ywzyz", "yh_jzysz")
        await bank.sign_stamp_by_nos_and_send(ADM, YEAR, "2301", mof(body(request)), xml, "102", "001")
    async with lib.client(PBOC) as pboc:
        [got] = bodies(await pboc.read_voucher_again(ADM, YEAR, "2301", 10))
        await pboc.confirm_voucher(ADM, YEAR, "2301", [request.voucher_no])
        original = parse_voucher(got.voucher)
        receipt = parse_voucher(
            with_fields(original, {"XPayAmt": original.header["PayAmt"], "XClearDate": "20260630"})
        )
        xml = positions_xml(lib.env, PBOC, *RECEIPT_POSITIONS)
        await pboc.sign_stamp_by_nos(ADM, YEAR, "2301", mof(body(receipt, 1)), xml)
        await pboc.send_voucher(ADM, "001", "102", YEAR, "2301", [request.voucher_no])
        await pboc.send_voucher_full_signs(ADM, "001", "011", YEAR, "2301", [request.voucher_no])
        per_org = {
            dec: (await pboc.query_voucher_status_by_org_type(ADM, YEAR, "2301", [request.voucher_no], dec))[
                request.voucher_no
            ][0]
            for dec in ("102", "011", "104")
        }
    assert per_org == {"102": 6, "011": 6, "104": 14}
    for who in (BANK, FINANCE):
        [copy] = bodies(await lib.client(who).read_voucher_again(ADM, YEAR, "2301", 10))
        assert (copy.voucher, copy.voucher_flag) == (receipt.raw, 1)
        assert sorted(s.position for s in copy.stamps) == sorted(RECEIPT_POSITIONS)
    status = await lib.client(BANK).query_voucher_status_by_org_type(
        ADM, YEAR, "2301", [request.voucher_no], "001"
    )
    assert status[request.voucher_no][0] == 12


async def test_a_failed_payment_receipt_carries_the_attachment_stamp_instead(lib):
    v = voucher(seed=63)
    got = await pboc_signs_for(lib, v)
    failed = mof(body(receipt_of(parse_voucher(got.voucher), XPayAmt="0.00"), 1))  # 退票: nothing paid
    async with lib.client(PBOC) as pboc:
        wrong = await fault(
            pboc.sign_stamp_by_nos(ADM, YEAR, "5207", failed, positions_xml(lib.env, PBOC, "rh_zqz"))
        )
        await pboc.sign_stamp_by_nos(ADM, YEAR, "5207", failed, positions_xml(lib.env, PBOC, "rh_fjz"))
        await pboc.send_voucher(ADM, "001", "011", YEAR, "5207", [v.voucher_no])
    assert wrong.evs_code == "EVS700" and "rh_zqz is not pboc's on this document (rh_fjz)" in wrong.message
    [back] = bodies(await lib.client(FINANCE).read_voucher_again(ADM, YEAR, "5207", 10))
    assert [s.position for s in back.stamps] == ["rh_fjz"]
