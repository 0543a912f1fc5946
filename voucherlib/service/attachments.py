"""The attachment channel (绿色通道): sendData queues one file block for an org type, getData hands
the caller's org type the oldest block waiting in its AdmDivCode (VL-LIB-050..052).

Blocks travel as the codec's `base64(<File>…</File>)`; the same block sent twice is EVS700
'重复发送', which clients treat as success; getData with nothing waiting returns empty bytes.
"""

from __future__ import annotations

from evoucher.codec import FileBlock, parse_file_block
from evoucher.codec.attachments import build_file_block
from evoucher.errors import EvoucherError
from evoucher.interface import is_idempotent_success
from voucherlib.errors import ArgumentError
from voucherlib.service.call import Call
from voucherlib.service.errors import AlreadyDone
from voucherlib.service.identity import check_org_type, check_vt_code
from voucherlib.store import AttachmentBlock


def encode_block(block: AttachmentBlock) -> bytes:
    """One stored block in the sendData wire form, written by the codec's one block writer."""
    return build_file_block(
        block.file_name, block.data, index=block.block_no, block_count=block.block_count,
        vt_code=block.vt_code, voucher_no=block.voucher_no, attach=block.attach,
    )  # fmt: skip


def send_data(
    call: Call, *, cert_id: str, adm_div_code: str, src_org_type: str, dec_org_type: str, st_year: int,
    data: bytes,
) -> None:  # fmt: skip
    """sendData: queue one block of a file for decOrgType in the caller's AdmDivCode."""
    call.scope(adm_div_code, st_year)
    call.check_src(src_org_type)
    check_org_type("decOrgType", dec_org_type)
    try:
        block: FileBlock = parse_file_block(data)
    except EvoucherError as exc:
        raise ArgumentError(argument="data", rule=exc.message, value=f"{len(data)} bytes",
                            evs_code=exc.evs_code) from None  # fmt: skip
    if block.vt_code:
        check_vt_code(call.env, call.caller, block.vt_code)
    stored = AttachmentBlock(
        adm_div_code, st_year, src_org_type, dec_org_type, block.name, block.block_count, block.index,
        block.vt_code, block.voucher_no, block.attach, block.data,
    )  # fmt: skip
    t = call.write(lambda ops: ops.put_block(call.actor, stored, operation=call.operation))
    if t.noop and is_idempotent_success(t.note, call.operation):
        what = f"block {block.index}/{block.block_count} of {block.name} is already queued"
        raise AlreadyDone(voucher=f"{block.vt_code}/{block.voucher_no}", note=t.note, what=what)


def get_data(call: Call, *, cert_id: str, st_year: int, adm_div_code: str) -> bytes:
    """getData: the oldest block waiting for the caller's org type, taken; b"" when none waits."""
    call.scope(adm_div_code, st_year)
    block = call.write(
        lambda ops: ops.take_block(call.actor, adm_div_code, st_year, operation=call.operation)
    )
    return b"" if block is None else encode_block(block)


OPERATIONS = {"sendData": send_data, "getData": get_data}
