"""Declared optional operations: exportPDF with print counts (VL-LIB-036) and the attachment
channel sendData/getData (VL-LIB-050..052)."""

from __future__ import annotations

from conformance.catalogue import requirement
from conformance.context import Ctx
from conformance.failures import Failure, WrongAnswer
from conformance.steps import (
    VT,
    Cast,
    written_and_sent,
)
from evoucher.codec.attachments import build_file_block, parse_file_block


@requirement("VL-LIB-036", "VL-STORE-015", needs=["export_pdf"])
def export_pdf_counts_prints(ctx: Ctx) -> None:
    """exportPDF returns a PDF of the copy asked for, and each export counts as a print."""
    cast = Cast.of(ctx)
    v = written_and_sent(ctx, cast)
    client = ctx.client(cast.finance)
    before = ctx.accepts(
        client.query_voucher_print_count, ctx.adm, ctx.year, VT, v.voucher_no, why="print count"
    )
    pdf = ctx.accepts(client.export_pdf, ctx.adm, ctx.year, VT, 1, v.voucher_no, why="exportPDF page 1")
    if not pdf.startswith(b"%PDF"):
        raise WrongAnswer(operation="exportPDF", expected="a PDF document", got=pdf[:20])
    after = ctx.accepts(
        client.query_voucher_print_count, ctx.adm, ctx.year, VT, v.voucher_no, why="print count"
    )
    if after != before + 1:
        raise WrongAnswer(
            operation="queryVoucherPrintCount",
            expected=f"{before + 1} after one export",
            got=after,
            requirement="VL-STORE-015",
        )


@requirement("VL-LIB-050", "VL-LIB-051", "VL-STORE-016", needs=["attachments"])
def attachment_round_trip(ctx: Ctx) -> None:
    """sendData queues a block for the org type; getData hands it over once, byte for byte."""
    cast = Cast.of(ctx)
    name = f"att{ctx.voucher_no()}.txt"
    content = bytes(ctx.rng.randrange(256) for _ in range(2048))
    block = build_file_block(name, content, index=1, block_count=1, vt_code=VT, voucher_no=ctx.voucher_no())
    ctx.accepts(ctx.client(cast.finance).send_data, ctx.adm, "011", "001", ctx.year, block, why="sendData")
    client = ctx.client(cast.pboc)
    for _ in range(50):
        got = ctx.accepts(client.get_data, ctx.year, ctx.adm, why="getData")
        if not got:
            raise WrongAnswer(operation="getData", expected=f"the block of {name}", got="nothing left")
        if parse_file_block(got).name == name:
            if parse_file_block(got).data != content:
                raise Failure(f"getData handed over other bytes for {name}", requirement="VL-LIB-051")
            return
    raise WrongAnswer(
        operation="getData", expected=f"the block of {name} within 50 blocks", got="other blocks"
    )


@requirement("VL-LIB-052", "VL-LIB-030", needs=["attachments"])
def attachment_twice_is_idempotent(ctx: Ctx) -> None:
    """The same block twice answers 重复发送; the same block number with other data is EVS700."""
    cast = Cast.of(ctx)
    name = f"att{ctx.voucher_no()}.txt"
    number = ctx.voucher_no()
    block = build_file_block(name, b"first", index=1, block_count=1, vt_code=VT, voucher_no=number)
    client = ctx.client(cast.finance)
    ctx.accepts(client.send_data, ctx.adm, "011", "001", ctx.year, block, why="sendData")
    ctx.accepts(
        client.send_data, ctx.adm, "011", "001", ctx.year, block, why="the same block", idempotent_ok=True
    )
    other = build_file_block(name, b"second", index=1, block_count=1, vt_code=VT, voucher_no=number)
    fault = ctx.refuses("EVS700", client.send_data, ctx.adm, "011", "001", ctx.year, other, why="other data")
    if fault.is_idempotent_success:
        raise Failure("different data for a queued block was answered as a repeat", requirement="VL-LIB-052")
