"""exportPDF: one copy (联) of a voucher as a one-page A4 PDF, drawn with Pillow.

The page shows the type's name, the copy number, the header fields by their Chinese names, the
detail rows, and every stamp where it sits: a 签章 as its seal's own picture (from the
SES_Signature), a 签名 as a box naming the signer. Pillow's PDF writer embeds the page as one
image, so no PDF library is needed; Chinese text needs the CJK font `make system-deps` installs
(without one the page is still drawn, without the Chinese).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from evoucher import registry
from evoucher.codec import parse_voucher
from evoucher.seal import load_signature
from evoucher.seal.picture import cjk_font_path

DPI = 100
PAGE = (1169, 827)  # A4 landscape at 100 dpi
MARGIN, LINE = 40, 24
SEAL_PX = 165  # 42 mm, the usual official seal
MAX_DETAIL_ROWS = 8
INK, RULE = (0, 0, 0), (150, 150, 150)


@dataclass(frozen=True)
class PlacedStamp:
    """A stamp or signature to draw: its position's name, kind and the stamp's bytes."""

    name: str
    kind: str
    value: bytes


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = cjk_font_path()
    return ImageFont.truetype(path, size) if path else ImageFont.load_default(size)


def _label(vt: registry.VoucherType | None, name: str, detail: bool = False) -> str:
    if vt is not None and vt.has_field(name, detail=detail):
        return vt.field(name, detail=detail).zh_name or name
    return name


def _fit(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> str:
    while text and draw.textlength(text, font=font) > width:
        text = text[:-2] + "…"
    return text


def _stamp_picture(stamp: PlacedStamp, font) -> Image.Image:
    """The seal's picture for a 签章; for a 签名, a box naming the signer's certificate."""
    if stamp.kind == "stamp":
        picture = Image.open(io.BytesIO(load_signature(stamp.value).seal.picture)).convert("RGBA")
        return picture.resize((SEAL_PX, SEAL_PX))
    box = Image.new("RGBA", (SEAL_PX, SEAL_PX // 2), (255, 255, 255, 0))
    draw = ImageDraw.Draw(box)
    draw.rectangle((1, 1, box.width - 2, box.height - 2), outline=(30, 30, 160), width=2)
    draw.text((box.width / 2, box.height / 2), "电子签名", font=font, fill=(30, 30, 160), anchor="mm")
    return box


def render_page(
    voucher: bytes, stamps: Sequence[PlacedStamp], *, copy_no: int, voucher_flag: int
) -> Image.Image:
    """The page image of one copy: fields on the left and above, stamps along the bottom."""
    parsed = parse_voucher(voucher)
    vt = registry.get(parsed.vt_code) if parsed.vt_code in registry.codes() else None
    page = Image.new("RGB", PAGE, "white")
    draw = ImageDraw.Draw(page)
    big, small = _font(30), _font(16)
    title = f"{vt.zh_name if vt else parsed.vt_code}{'（回单）' if voucher_flag else ''}"
    draw.text((PAGE[0] / 2, MARGIN), title, font=big, fill=INK, anchor="mt")
    draw.text((PAGE[0] - MARGIN, MARGIN), f"第{copy_no}联", font=small, fill=INK, anchor="rt")
    y = MARGIN + 50
    column = (PAGE[0] - 2 * MARGIN) // 2
    fields = [(k, v) for k, v in parsed.header.items() if v]
    for i, (name, value) in enumerate(fields):
        x = MARGIN + (i % 2) * column
        text = _fit(draw, f"{_label(vt, name)}：{value}", small, column - 10)
        draw.text((x, y + (i // 2) * LINE), text, font=small, fill=INK)
    y += ((len(fields) + 1) // 2) * LINE + 10
    draw.line((MARGIN, y, PAGE[0] - MARGIN, y), fill=RULE)
    for n, row in enumerate(parsed.details[:MAX_DETAIL_ROWS], 1):
        cells = "；".join(f"{_label(vt, k, detail=True)} {v}" for k, v in row.items() if v)
        draw.text((MARGIN, y + 6 + (n - 1) * LINE), _fit(draw, f"{n}. {cells}", small, PAGE[0] - 2 * MARGIN),
                  font=small, fill=INK)  # fmt: skip
    if len(parsed.details) > MAX_DETAIL_ROWS:
        more = f"…… 共 {len(parsed.details)} 条明细"
        draw.text((MARGIN, y + 6 + MAX_DETAIL_ROWS * LINE), more, font=small, fill=INK)
    x = MARGIN
    for stamp in stamps:
        picture = _stamp_picture(stamp, small)
        top = PAGE[1] - MARGIN - LINE - picture.height
        page.paste(picture, (x, top), picture)
        draw.text((x + picture.width / 2, PAGE[1] - MARGIN), stamp.name, font=small, fill=INK, anchor="mb")
        x += SEAL_PX + 20
    return page


def voucher_pdf(
    voucher: bytes, stamps: Sequence[PlacedStamp], *, copy_no: int = 1, voucher_flag: int = 0, title: str = ""
) -> bytes:
    """The PDF bytes of one copy of a voucher with its stamps; `title` goes into the PDF's info."""
    out = io.BytesIO()
    page = render_page(voucher, stamps, copy_no=copy_no, voucher_flag=voucher_flag)
    page.save(out, format="PDF", resolution=DPI, title=title or "voucher", creator="guoku voucherlib")
    return out.getvalue()
