"""Status queries per voucher and per receiving org type, and the caller's voucher types."""

from __future__ import annotations

import pytest

from .support import ADM, FINANCE, PBOC, YEAR, body, fault, mof, positions_xml, receipt_sent, voucher

pytestmark = pytest.mark.anyio


async def test_batch_queries_report_vouchers_and_receipts_in_their_own_ranges(lib):
    sent, stored = voucher(seed=71), voucher(seed=72)
    await receipt_sent(lib, sent)
    async with lib.client(FINANCE) as fin:
        xml = positions_xml(lib.env, FINANCE, "cz_gz")
        await fin.sign_stamp_by_nos(ADM, YEAR, "5207", mof(body(stored)), xml)
        everything = await fin.batch_query_all_voucher_status(
            ADM, YEAR, "5207", [sent.voucher_no, stored.voucher_no, "NONE"]
        )
        finance_receipts = await fin.batch_query_sent_voucher_status(ADM, YEAR, "5207", [sent.voucher_no])
        bad_org = await fault(fin.query_voucher_status_by_org_type(ADM, YEAR, "5207", [sent.voucher_no], "1"))
    async with lib.client(PBOC) as pboc:
        pboc_receipts = await pboc.batch_query_sent_voucher_status(ADM, YEAR, "5207", [sent.voucher_no])
    assert everything == {
        sent.voucher_no: (12, "已收到对方回单"),
        stored.voucher_no: (13, "本方未发送"),
        "NONE": (-1, "凭证不存在"),
    }
    assert finance_receipts == {sent.voucher_no: (-1, "凭证不存在")}  # finance has no receipt of its own
    assert pboc_receipts == {sent.voucher_no: (6, "回单对方未接收")}
    assert bad_org.evs_code == "EVS100" and "decOrgType" in bad_org.message


@pytest.mark.parametrize(("profile", "present", "absent"), [("2.0", "3210", "3251"), ("1.0", "3251", "3210")])
async def test_voucher_types_are_the_callers_in_the_profile(open_library, profile, present, absent):
    async with open_library(profile=profile) as lib:
        finance = await lib.client(FINANCE).query_voucher_type(ADM, YEAR)
        bank = await lib.client("hz-icbc").query_voucher_type(ADM, YEAR)
    assert finance["5207"] == "实拨拨款凭证" and present in finance and absent not in finance
    assert "8202" in bank and "8202" not in finance and "5207" not in bank
