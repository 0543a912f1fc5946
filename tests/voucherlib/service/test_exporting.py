"""exportPDF: a real PDF of the voucher and its seal pictures; every export counts as a print.

The pages these tests export are rendered with pdftoppm to `out/pdf/*.png` at the top of the
checkout (GUOKU_TEST_OUT overrides `out/`), so a person can look at what a printed voucher is like.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from voucherlib.pdf import PlacedStamp, voucher_pdf

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


OUT = Path(os.environ.get("GUOKU_TEST_OUT", Path(__file__).parents[3] / "out")) / "pdf"


def page_png(pdf: bytes, name: str) -> Image.Image:
    """Page 1 of `pdf` rendered by poppler at 60 dpi, kept as out/pdf/<name>.png."""
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
                    OUT / f"{name}.pdf", OUT / name], check=True)  # fmt: skip
    return Image.open(OUT / f"{name}.png").convert("RGB")


def red_pixels(image: Image.Image) -> int:
    return sum(1 for r, g, b in image.get_flattened_data() if r > 180 and g < 80 and b < 80)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


async def test_export_pdf_of_a_voucher_held_by_owner_and_recipient(lib, request):
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
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    text = text_of(pdf)
    assert v.voucher_no in text and f"拨款金额 {v.header['PayAmt']}" in text and "第2联" in text
    name = "exported-" + re.sub(r"\W+", "-", request.node.name)
    assert red_pixels(page_png(pdf, name)) > 1_500  # finance's three seals, drawn
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


def test_the_page_is_the_form_with_its_text_font_subset_and_seal_pictures(env):
    v = voucher(seed=93)
    signed = stamped(env, FINANCE, body(v), *FINANCE_POSITIONS)
    placed = [PlacedStamp(s.position, s.kind, s.value) for s in signed.stamps]
    boxes = ["cz_gz", "cz_jzysz", "cz_fhysz", "rh_gz"]
    bare = voucher_pdf(v.raw, [], positions=boxes, title="bare")
    pdf = voucher_pdf(v.raw, placed, copy_no=3, positions=boxes, title="5207 with seals")
    reader = PdfReader(io.BytesIO(pdf))
    [font] = [f for f in reader.pages[0]["/Resources"]["/Font"].values()]
    embedded = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]["/FontFile2"]
    text = text_of(pdf)
    assert red_pixels(page_png(bare, "bare-5207")) == 0
    assert red_pixels(page_png(pdf, "stamped-5207")) > 1_500  # three red seals at their boxes
    assert reader.metadata.title == "5207 with seals" and len(reader.pages) == 1
    assert font.get_object()["/BaseFont"].startswith("/") and len(embedded.get_data()) < 300_000  # a subset
    for tag in ("VoucherNo", "PayAmt", "PayeeAcctName", "AdmDivCode"):
        assert v.header[tag] in text
    assert "实拨拨款凭证" in text and "第3联" in text and "rh_gz" in text  # an empty box keeps its name


def test_a_character_beyond_gb2312_is_drawn_from_the_whole_font():
    v = voucher(seed=94, PayeeAcctName="龑昇公司")  # 龑 is in GBK, not in the 6,763 hanzi of GB 2312
    assert "龑昇公司" in text_of(voucher_pdf(v.raw, []))
