"""exportPDF: one copy (联) of a voucher as an A4 PDF form with a real text layer, drawn with fpdf2.

The page is the voucher's form: the type's name and copy number, a ruled grid of the header
fields by their Chinese names, the detail rows, and a row of boxes, one per stamp position, each
holding what was applied there — a 签章 as its seal's own picture (from the SES_Signature), a 签名
as a box naming it. Text is text (searchable, copyable, read back by tests), in the CJK font
`make system-deps` installs, embedded as a subset of the glyphs used; without such a font the
page falls back to a core font and the field tags instead of their Chinese names.
"""

from __future__ import annotations

import atexit
import functools
import io
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass

from fontTools import subset, ttLib
from fpdf import FPDF

from evoucher import registry
from evoucher.codec import parse_voucher
from evoucher.seal import load_signature
from evoucher.seal.picture import cjk_font_path

MARGIN = 12.0  # mm
ROW = 5.6  # mm, one line of the field grid
PAIRS = 3  # label/value pairs per grid row
LABEL_W = 30.0  # mm
SEAL_MM = 36.0  # the seal boxes; a 42 mm seal printed at 6/7 so five fit on a landscape page
MAX_DETAIL_ROWS = 12
INK, RULE, SIGN_BLUE = (0, 0, 0), (150, 150, 150), (30, 30, 160)
FONT = "cjk"
# what the page writes besides the voucher's own text and field names
_FIXED = "第联（回单）……共条明细电子签名0123456789；： "


@dataclass(frozen=True)
class PlacedStamp:
    """A stamp or signature to draw: its position's name, kind and the stamp's bytes."""

    name: str
    kind: str
    value: bytes


def _common_chars() -> frozenset[str]:
    """ASCII, CJK and full-width punctuation and the 6,763 hanzi of GB 2312: nearly every voucher."""
    hanzi = (chr(c) for c in range(0x4E00, 0xA000))
    return frozenset(
        [chr(c) for c in range(0x20, 0x7F)]
        + [chr(c) for c in (*range(0x3000, 0x3040), *range(0xFF00, 0xFF70), 0x2026, 0x00B7, 0x00D7, 0x2014)]
        + [c for c in hanzi if c.encode("gb2312", "ignore")]
    )


@functools.cache
def _common_font() -> tuple[str, frozenset[str]] | None:
    """The CJK font cut down to `_common_chars`, written once per process to a temporary file.

    fpdf2 parses the whole font for every document: ~200 ms for wqy-microhei's 28,000 glyphs,
    ~60 ms for this cut (which it then subsets again to the glyphs a page uses).
    """
    path = cjk_font_path()
    if path is None:
        return None
    font = ttLib.TTFont(path, fontNumber=0, lazy=True)
    chars = frozenset(c for c in _common_chars() if ord(c) in font.getBestCmap())
    options = subset.Options(notdef_outline=True, glyph_names=True, hinting=False, layout_features=[])
    options.drop_tables += ["FFTM"]  # a FontForge timestamp the subsetter cannot cut
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=[ord(c) for c in chars])
    cutter.subset(font)
    fd, cut = tempfile.mkstemp(prefix="guoku-cjk-", suffix=".ttf")
    with os.fdopen(fd, "wb") as out:
        font.save(out)
    atexit.register(os.unlink, cut)
    return cut, chars


def _font_for(texts: Sequence[str]) -> str | None:
    """The cut font when it has every character of `texts`, else the whole CJK font (or None)."""
    common = _common_font()
    if common is not None and {c for c in "".join(texts) if c.isprintable()} <= common[1]:
        return common[0]
    return cjk_font_path()


class _Form(FPDF):
    """An A4 landscape page set up with the CJK font (or a core font without one)."""

    def __init__(self, title: str, texts: Sequence[str]) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)
        self.set_title(title)
        self.set_creator("guoku voucherlib")
        self.set_lang("zh-CN")
        path = _font_for(texts)
        self.cjk = path is not None
        if path is not None:
            self.add_font(FONT, fname=path)  # fpdf2 embeds only the glyphs used (a subset)
        self.add_page()

    def use(self, size: float) -> None:
        self.set_font(FONT if self.cjk else "helvetica", size=size)

    def show(self, text: str) -> str:
        """`text` as this page can write it: core fonts are Latin-1 only."""
        return text if self.cjk else text.encode("latin-1", "replace").decode("latin-1")

    def fit(self, text: str, width: float) -> str:
        text = self.show(text)
        while text and self.get_string_width(text) > width - 1.5:
            text = text[:-2] + ("…" if self.cjk else "~")
        return text


def _label(vt: registry.VoucherType | None, name: str, cjk: bool, detail: bool = False) -> str:
    if cjk and vt is not None and vt.has_field(name, detail=detail):
        return vt.field(name, detail=detail).zh_name or name
    return name


def _stamp_box(pdf: _Form, stamp: PlacedStamp | None, name: str, x: float, y: float) -> None:
    """One position's box: its name under it, the seal picture or signature mark inside."""
    pdf.set_draw_color(*RULE)
    pdf.rect(x, y, SEAL_MM, SEAL_MM)
    pdf.use(7.5)
    pdf.set_xy(x, y + SEAL_MM)
    pdf.cell(SEAL_MM, 4.5, pdf.fit(name, SEAL_MM), align="C")
    if stamp is None:
        return
    if stamp.kind == "stamp":
        picture = load_signature(stamp.value).seal.picture
        pdf.image(io.BytesIO(picture), x=x, y=y, w=SEAL_MM, h=SEAL_MM)
        return
    pdf.set_draw_color(*SIGN_BLUE)
    pdf.set_text_color(*SIGN_BLUE)
    pdf.set_line_width(0.5)
    pdf.rect(x + 3, y + SEAL_MM / 2 - 7, SEAL_MM - 6, 14)
    pdf.set_line_width(0.2)
    pdf.set_xy(x + 3, y + SEAL_MM / 2 - 7)
    pdf.use(11)
    pdf.cell(SEAL_MM - 6, 14, pdf.show("电子签名") if pdf.cjk else "e-signature", align="C")
    pdf.set_text_color(*INK)


def voucher_pdf(
    voucher: bytes,
    stamps: Sequence[PlacedStamp],
    *,
    copy_no: int = 1,
    voucher_flag: int = 0,
    title: str = "",
    positions: Sequence[str] = (),
) -> bytes:
    """The PDF bytes of one copy of a voucher: fields, details, and a box per stamp position.

    `positions` names the boxes in order (the type's stamp positions for this side); a stamp at a
    position not named there gets a box of its own after them. `title` goes into the PDF's info.
    """
    parsed = parse_voucher(voucher)
    vt = registry.get(parsed.vt_code) if parsed.vt_code in registry.codes() else None
    cjk = cjk_font_path() is not None
    labels = [_label(vt, k, cjk) for k in parsed.header]
    detail_tags = dict.fromkeys(k for row in parsed.details for k in row)
    labels += [_label(vt, k, cjk, detail=True) for k in detail_tags]
    used = [voucher.decode(parsed.encoding, "replace"), _FIXED, vt.zh_name if vt else "", *positions, *labels]
    pdf = _Form(title or "voucher", [*used, *(s.name for s in stamps)])
    width = pdf.epw
    pdf.use(16)
    name = (vt.zh_name if pdf.cjk else vt.en_name) if vt else parsed.vt_code
    heading = f"{name}{('（回单）' if pdf.cjk else ' (receipt)') if voucher_flag else ''}"
    pdf.cell(width, 9, pdf.fit(heading, width - 40), align="C")
    pdf.use(9)
    pdf.set_xy(MARGIN, MARGIN)
    pdf.cell(width, 5, f"第{copy_no}联" if pdf.cjk else f"copy {copy_no}", align="R")
    pdf.set_xy(MARGIN, MARGIN + 5)
    pdf.cell(width, 5, f"{parsed.vt_code} {parsed.voucher_no}", align="R")

    pdf.set_draw_color(*RULE)
    pdf.set_y(MARGIN + 12)
    value_w = width / PAIRS - LABEL_W
    fields = [(k, v) for k, v in parsed.header.items() if v]
    pdf.use(8)
    for i, (tag, value) in enumerate(fields):
        if i % PAIRS == 0:
            pdf.set_x(MARGIN)
        pdf.set_fill_color(244, 244, 244)
        pdf.cell(LABEL_W, ROW, pdf.fit(_label(vt, tag, pdf.cjk), LABEL_W), border=1, fill=True)
        last = i % PAIRS == PAIRS - 1 or i == len(fields) - 1
        pdf.cell(value_w, ROW, pdf.fit(value, value_w), border=1, new_x="LMARGIN" if last else "RIGHT",
                 new_y="NEXT" if last else "TOP")  # fmt: skip

    pdf.ln(2)
    pdf.use(7.5)
    for n, row in enumerate(parsed.details[:MAX_DETAIL_ROWS], 1):
        cells = "；".join(f"{_label(vt, k, pdf.cjk, detail=True)} {v}" for k, v in row.items() if v)
        pdf.cell(width, ROW - 0.8, pdf.fit(f"{n}. {cells}", width), border="B", new_x="LMARGIN", new_y="NEXT")
    if len(parsed.details) > MAX_DETAIL_ROWS:
        more = f"…… 共 {len(parsed.details)} 条明细" if pdf.cjk else f"... {len(parsed.details)} detail rows"
        pdf.cell(width, ROW - 0.8, more, new_x="LMARGIN", new_y="NEXT")

    by_name = {s.name: s for s in stamps}
    names = list(dict.fromkeys([*positions, *by_name]))
    per_row = int((width + 6) // (SEAL_MM + 6))
    y = pdf.get_y() + 4
    for i, box in enumerate(names):
        if i % per_row == 0 and i:
            y += SEAL_MM + 8
        if y + SEAL_MM + 5 > pdf.h - MARGIN:
            pdf.add_page()
            y = MARGIN
        _stamp_box(pdf, by_name.get(box), box, MARGIN + (i % per_row) * (SEAL_MM + 6), y)
    return bytes(pdf.output())


def version_pdf(version, table: Sequence[registry.StampPosition], *, copy_no: int = 1) -> bytes:
    """The PDF of a stored version (`key`, `body`, `stamps`) with its stamps in the boxes of its side
    of the type's layout `table` (a failed receipt's 附件章 comes as stamped): exportPDF's, the console's."""
    names = {p.id: p.name for p in table}
    side = "receipt" if version.key.voucher_flag else "voucher"
    stamps = [PlacedStamp(names.get(s.position, s.position), s.kind, s.data) for s in version.stamps]
    return voucher_pdf(
        version.body,
        stamps,
        copy_no=copy_no,
        voucher_flag=version.key.voucher_flag,
        title=str(version.key),
        positions=[p.name for p in table if p.on == side],
    )
