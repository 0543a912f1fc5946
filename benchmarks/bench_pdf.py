"""exportPDF page rendering: the fpdf2 form with a text layer against the raster page it replaced.

Covers: `voucherlib.pdf.voucher_pdf` (A4 form, CJK font subset embedded, three seal pictures)
for a sample 5207 stamped at finance's three positions. Baseline, timed in the same rounds:
the 0.1.0 exportPDF, kept here only as the yardstick — Pillow draws the same fields and seals
on a 100-dpi A4 image and saves it as a one-image PDF. Scenario: a `tiny` environment (seed 1)
in a temporary directory; one process. A ratio above 1 means the form is faster per page.

    .venv/bin/python -m benchmarks.bench_pdf [--seconds 1] [--rounds 5]
"""

from __future__ import annotations

import argparse
import io
import tempfile
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFont

from benchmarks._harness import add_arguments, print_results, run_rounds
from evoucher.codec import parse_mof, parse_voucher
from evoucher.pki.builder import create_environment
from evoucher.registry.generate import sample_mof
from evoucher.seal import load_signature
from evoucher.seal.picture import cjk_font_path
from evoucher.stamp import stamp_body
from voucherlib.pdf import PlacedStamp, voucher_pdf

POSITIONS = ("cz_gz", "cz_jzysz", "cz_fhysz")


def raster_pdf(voucher: bytes, stamps: list[PlacedStamp]) -> bytes:
    """The former exportPDF: every field and seal drawn into one 100-dpi image, saved as a PDF."""
    parsed = parse_voucher(voucher)
    page = Image.new("RGB", (1169, 827), "white")
    draw = ImageDraw.Draw(page)
    path = cjk_font_path()
    big, small = (ImageFont.truetype(path, s) if path else ImageFont.load_default(s) for s in (30, 16))
    draw.text((584, 40), parsed.vt_code, font=big, fill="black", anchor="mt")
    for i, (name, value) in enumerate((k, v) for k, v in parsed.header.items() if v):
        draw.text((40 + (i % 2) * 545, 90 + (i // 2) * 24), f"{name}：{value}", font=small, fill="black")
    for n, row in enumerate(parsed.details[:8], 1):
        cells = "；".join(f"{k} {v}" for k, v in row.items() if v)
        draw.text((40, 420 + n * 24), cells, font=small, fill="black")
    for i, stamp in enumerate(stamps):
        picture = Image.open(io.BytesIO(load_signature(stamp.value).seal.picture)).convert("RGBA")
        page.paste(picture.resize((165, 165)), (40 + i * 185, 598), picture.resize((165, 165)))
    out = io.BytesIO()
    page.save(out, format="PDF", resolution=100)
    return out.getvalue()


def workloads(root: str) -> dict[str, tuple[str | None, Callable[[], object]]]:
    env = create_environment(root, scenario="tiny", seed=1)
    party = env.party("hz-finance")
    body = parse_mof(sample_mof("5207"))[0]
    for position_id in POSITIONS:
        position = env.position("5207", position_id)
        holder = party.signer(position.stamp_type)
        seal = party.seal(position.stamp_type, 4) if position.kind == "stamp" else None
        body = stamp_body(body, position_id, seal=seal, key=holder.key, cert=holder.cert, kind=position.kind)
    stamps = [PlacedStamp(s.position, s.kind, s.value) for s in body.stamps]
    voucher = body.voucher
    return {
        "raster page, Pillow 100 dpi (0.1.0, baseline)": (None, lambda: raster_pdf(voucher, stamps)),
        "form with text layer, fpdf2": (
            "raster page, Pillow 100 dpi (0.1.0, baseline)",
            lambda: voucher_pdf(voucher, stamps, positions=POSITIONS),
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser, seconds=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        work = workloads(root)
        print(f"pages per second; median of {args.rounds} rounds of {args.seconds}s per workload")
        print_results(run_rounds(work, seconds=args.seconds, rounds=args.rounds))


if __name__ == "__main__":
    main()
