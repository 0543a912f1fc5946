"""Reading what is addressed to the caller, and answering it: sign for, refuse, return."""

from __future__ import annotations

import pytest

from .support import (
    ADM,
    BANK,
    FINANCE,
    PBOC,
    YEAR,
    bodies,
    fault,
    finance_sends,
    pboc_signs_for,
    voucher,
)

pytestmark = pytest.mark.anyio


async def test_a_party_reads_only_what_is_addressed_to_it(lib):
    first, second = voucher(seed=51), voucher(seed=52)
    await finance_sends(lib, first)
    await finance_sends(lib, second)
    async with lib.client(PBOC) as pboc, lib.client(FINANCE) as fin:
        assert [b.voucher_no for b in bodies(await pboc.read_voucher_again(ADM, YEAR, "5207", 1))] == [
            first.voucher_no
        ]  # oldest first, at most voucherCount
        again = bodies(await pboc.read_voucher_again(ADM, YEAR, "5207", 100))
        assert [b.voucher_no for b in again] == [first.voucher_no, second.voucher_no]
        assert bodies(await fin.read_voucher_again(ADM, YEAR, "5207", 100)) == []  # its own are not for it
        too_many = await fault(pboc.read_voucher_again(ADM, YEAR, "5207", 101))
    assert too_many.evs_code == "EVS100" and "voucherCount" in too_many.message


async def test_read_voucher_hands_over_only_what_was_never_read_again_rereads_the_unsigned(lib):
    first, second, third = voucher(seed=56), voucher(seed=57), voucher(seed=58)
    for v in (first, second):
        await finance_sends(lib, v)
    async with lib.client(PBOC) as pboc:
        read = bodies(await pboc.read_voucher(ADM, YEAR, "5207", 1))
        new = bodies(await pboc.read_voucher(ADM, YEAR, "5207", 100))
        none = bodies(await pboc.read_voucher(ADM, YEAR, "5207", 100))
        await pboc.confirm_voucher(ADM, YEAR, "5207", [first.voucher_no])
        await finance_sends(lib, third)
        unsigned = bodies(await pboc.read_voucher_again(ADM, YEAR, "5207", 100))
        after = bodies(await pboc.read_voucher(ADM, YEAR, "5207", 100))
    assert [b.voucher_no for b in read] == [first.voucher_no] and read[0].stamps  # as sent, stamps and all
    assert [b.voucher_no for b in new] == [second.voucher_no] and none == []
    assert [b.voucher_no for b in unsigned] == [second.voucher_no, third.voucher_no]  # 未签收, read or not
    assert after == []  # readVoucherAgain handed the third over: it is no longer unread
    statuses = await lib.client(FINANCE).batch_query_all_voucher_status(
        ADM, YEAR, "5207", [v.voucher_no for v in (first, second, third)]
    )
    assert [statuses[v.voucher_no][0] for v in (first, second, third)] == [3, 1, 1]


async def test_confirm_is_for_read_vouchers_addressed_to_you_and_twice_is_idempotent(lib):
    v = voucher(seed=53)
    await finance_sends(lib, v)
    async with lib.client(PBOC) as pboc:
        unread = await fault(pboc.confirm_voucher(ADM, YEAR, "5207", [v.voucher_no]))
        await pboc.read_voucher_again(ADM, YEAR, "5207", 10)
        await pboc.confirm_voucher(ADM, YEAR, "5207", [v.voucher_no])
        twice = await fault(pboc.confirm_voucher(ADM, YEAR, "5207", [v.voucher_no]))
        missing = await fault(pboc.confirm_voucher(ADM, YEAR, "5207", ["NOSUCH1"]))
    other = await fault(lib.client(FINANCE).confirm_voucher(ADM, YEAR, "5207", [v.voucher_no]))
    assert unread.evs_code == "EVS700" and "never read" in unread.message
    assert twice.evs_code == "EVS700" and "成功签收" in twice.message and twice.is_idempotent_success
    assert missing.evs_code == "EVS100" and "NOSUCH1" in missing.message
    assert other.evs_code == "EVS700" and "not addressed to org 011" in other.message
    assert not other.is_idempotent_success and not unread.is_idempotent_success


async def test_refused_and_returned_vouchers_show_as_bounces_with_their_reason(lib):
    refused, returned = voucher(seed=54), voucher(seed=55)
    await finance_sends(lib, refused)
    await finance_sends(lib, returned)
    async with lib.client(PBOC) as pboc:
        await pboc.read_voucher_again(ADM, YEAR, "5207", 10)
        await pboc.confirm_voucher_fail(ADM, YEAR, "5207", [refused.voucher_no], ["报文不规范: PayAmt"])
        await pboc.return_voucher(ADM, YEAR, "5207", [returned.voucher_no], ["收款人账号错误"])
        await pboc.return_voucher(ADM, YEAR, "5207", [returned.voucher_no], ["收款人账号错误"])  # again: fine
        mismatch = await fault(pboc.return_voucher(ADM, YEAR, "5207", [refused.voucher_no], ["a", "b"]))
    async with lib.client(FINANCE) as fin:
        nos = [refused.voucher_no, returned.voucher_no]
        statuses = await fin.query_voucher_status_by_org_type(ADM, YEAR, "5207", nos, "001")
        bounced = await fin.batch_query_voucher_nos_by_back_status(ADM, YEAR, "5207", "001")
        elsewhere = await fin.batch_query_voucher_nos_by_back_status(ADM, YEAR, "5207", "102")
    assert mismatch.evs_code == "EVS100" and "reasons" in mismatch.message
    assert {no: code for no, (code, _) in statuses.items()} == {refused.voucher_no: 4, returned.voucher_no: 5}
    assert bounced == {
        refused.voucher_no: (4, "对方签收失败: 报文不规范: PayAmt"),
        returned.voucher_no: (5, "对方已退回: 收款人账号错误"),
    }
    assert elsewhere == {}


async def test_a_bank_cannot_answer_a_voucher_it_was_not_sent(lib):
    v = voucher("5106", seed=56)
    f = await fault(lib.client(BANK).confirm_voucher(ADM, YEAR, "5106", [v.voucher_no]))
    assert f.evs_code == "EVS100"  # nothing by that number at all: -1, not EVS700
    await pboc_signs_for(lib, voucher(seed=57))
    f = await fault(lib.client(BANK).confirm_voucher(ADM, YEAR, "5207", ["X"]))
    assert f.evs_code == "EVS112" and "VtCode 5207" in f.message


async def test_the_provincial_treasury_does_not_get_the_citys_vouchers(lib):
    await finance_sends(lib, voucher(seed=58))
    async with lib.client("zj-treasury") as province:
        city = await fault(province.read_voucher_again(ADM, YEAR, "5207", 10))
        own = bodies(await province.read_voucher_again("330000", YEAR, "5207", 10))
    assert city.evs_code == "EVS112" and "acts for AdmDivCode 330000, not 330100" in city.message
    assert own == []
