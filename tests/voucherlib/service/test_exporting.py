"""exportPDF: a real PDF of the voucher and its seal pictures; every export counts as a print."""

from __future__ import annotations

import pytest

from voucherlib.pdf import PlacedStamp, render_page

from .support import (
    ADM,
    BANK,
    FINANCE,
    FINANCE_POSITIONS,
    PBOC,
    YEAR,
    body,
    fault,
    finance_sends,
    key,
    mof,
    stamped,
    voucher,
)

pytestmark = pytest.mark.anyio


def red_pixels(image) -> int:
    return sum(1 for r, g, b in image.get_flattened_data() if r > 180 and g < 80 and b < 80)


async def test_export_pdf_of_a_voucher_held_by_owner_and_recipient(lib):
    v = voucher(seed=91)
    await finance_sends(lib, v)
    async with lib.client(FINANCE) as fin, lib.client(PBOC) as pboc:
        pdf = await fin.export_pdf(ADM, YEAR, "5207", 2, v.voucher_no)
        await pboc.export_pdf(ADM, YEAR, "5207", 1, v.voucher_no)
        count = await pboc.query_voucher_print_count(ADM, YEAR, "5207", v.voucher_no)
        bad_copy = await fault(fin.export_pdf(ADM, YEAR, "5207", 0, v.voucher_no))
    async with lib.client("zj-finance") as other_finance:
        elsewhere = await fault(other_finance.export_pdf("330000", YEAR, "5207", 1, v.voucher_no))
    not_yours = await fault(lib.client(BANK).query_voucher_print_count(ADM, YEAR, "2301", "X"))
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF") and len(pdf) > 10_000
    assert count == 2
    assert bad_copy.evs_code == "EVS100" and "pageNo" in bad_copy.message
    assert elsewhere.evs_code == "EVS100"  # no such voucher in 330000
    assert not_yours.evs_code == "EVS100"


async def test_exporting_or_counting_what_was_not_addressed_to_you_is_refused(lib):
    notice = voucher("5106", seed=92)
    async with lib.client(FINANCE) as fin:
        await fin.write_voucher(ADM, YEAR, "5106", mof(body(notice)), "011", "001")  # to the PBoC only
    async with lib.client(BANK) as bank:
        export = await fault(bank.export_pdf(ADM, YEAR, "5106", 1, notice.voucher_no))
        count = await fault(bank.query_voucher_print_count(ADM, YEAR, "5106", notice.voucher_no))
    assert export.evs_code == count.evs_code == "EVS700"
    assert "not addressed to org 102" in export.message and notice.voucher_no in export.message
    assert lib.store.query(lambda q: q.print_count(q.voucher(key(notice)).owner, key(notice).ref)) == 0


def test_the_page_shows_the_fields_and_the_seal_pictures(env):
    v = voucher(seed=93)
    signed = stamped(env, FINANCE, body(v), *FINANCE_POSITIONS)
    bare = render_page(v.raw, [], copy_no=1, voucher_flag=0)
    page = render_page(
        v.raw, [PlacedStamp(s.position, s.kind, s.value) for s in signed.stamps], copy_no=1, voucher_flag=0
    )
    assert red_pixels(bare) == 0 and red_pixels(page) > 5_000  # three red seals drawn from the stamps
    assert bare.size == page.size == (1169, 827)
