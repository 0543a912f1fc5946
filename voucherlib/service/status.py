"""The status queries, the print count and the caller's voucher types (VL-LIB-035, VL-LIB-037).

Statuses are the caller's view of its own documents (reference §3): 0..5 for a voucher it sent,
6..11 for a receipt it sent, 12 once the peer's receipt arrived, 13/14 never sent there, -1 when it
has no such document. Queries read a snapshot and change nothing, so they are not audited.
"""

from __future__ import annotations

from typing import Any

from evoucher import registry
from voucherlib.lifecycle import STATUS_TEXT, status_code
from voucherlib.service.call import Call
from voucherlib.service.identity import check_org_type
from voucherlib.store import VoucherRef

StatusMap = dict[str, tuple[int, str]]


def _statuses(call: Call, where: tuple[str, int, str], voucher_nos: list[str], **which: Any) -> StatusMap:
    call.scope(*where)
    refs = call.refs(*where, voucher_nos)
    found = call.read(lambda q: q.status(call.org, refs, **which))
    return {s.ref.voucher_no: (s.code, s.text) for s in found}


def query_voucher_status_by_org_type(
    call: Call, *, cert_id: str, adm_div_code: str, st_year: int, vt_code: str, voucher_nos: list[str],
    dec_org_type: str,
) -> StatusMap:  # fmt: skip
    """queryVoucherStatusByOrgType: each document's delivery to decOrgType (voucher before receipt)."""
    check_org_type("decOrgType", dec_org_type)
    return _statuses(call, (adm_div_code, st_year, vt_code), voucher_nos, dest_type=dec_org_type)


def batch_query_sent_voucher_status(
    call: Call, *, cert_id: str, adm_div_code: str, st_year: int, vt_code: str, voucher_nos: list[str]
) -> StatusMap:
    """batchQuerySentVoucherStatus (2.0): the caller's receipts, 6..11 or 14."""
    return _statuses(call, (adm_div_code, st_year, vt_code), voucher_nos, flag=1)


def batch_query_all_voucher_status(
    call: Call, *, cert_id: str, adm_div_code: str, st_year: int, vt_code: str, voucher_nos: list[str]
) -> StatusMap:
    """batchQueryAllVoucherStatus (2.0): the delivery that most needs attention, 13 when never sent."""
    return _statuses(call, (adm_div_code, st_year, vt_code), voucher_nos)


def batch_query_voucher_nos_by_back_status(
    call: Call, *, cert_id: str, adm_div_code: str, st_year: int, vt_code: str, dec_org_type: str
) -> StatusMap:
    """batchQueryVoucherNosByBackStatus (2.0): what bounced at decOrgType, with the peer's reason."""
    check_org_type("decOrgType", dec_org_type)
    call.scope(adm_div_code, st_year, vt_code)
    bounced = call.read(lambda q: q.bounced(call.org, adm_div_code, st_year, vt_code))
    answer = {}
    for d in bounced:
        if d.dest.type == dec_org_type:
            code = status_code(d.key.voucher_flag, d.state)
            answer[d.key.voucher_no] = (
                code,
                f"{STATUS_TEXT[code]}: {d.reason}" if d.reason else STATUS_TEXT[code],
            )
    return answer


def query_voucher_print_count(
    call: Call, *, cert_id: str, adm_div_code: str, st_year: int, vt_code: str, voucher_no: str
) -> int:
    """queryVoucherPrintCount: prints (exportPDF) of a document the caller owns or received."""
    call.scope(adm_div_code, st_year, vt_code)
    ref = VoucherRef(adm_div_code, st_year, vt_code, voucher_no)
    call.addressed([ref], owned_too=True)
    return call.read(lambda q: q.print_count(call.org, ref))


def query_voucher_type(call: Call, *, cert_id: str, adm_div_code: str, st_year: int) -> dict[str, Any]:
    """queryVoucherType: the VtCodes of this profile the certificate may use, VtCode -> name."""
    call.scope(adm_div_code, st_year)
    allowed = call.env.allowed_vt_codes(call.caller.cert_id)
    return {
        vt.vt_code: vt.zh_name
        for vt in registry.all_types()
        if vt.vt_code in allowed and vt.in_profile(call.profile) and not vt.name_only
    }


OPERATIONS = {
    "queryVoucherStatusByOrgType": query_voucher_status_by_org_type,
    "batchQuerySentVoucherStatus": batch_query_sent_voucher_status,
    "batchQueryAllVoucherStatus": batch_query_all_voucher_status,
    "batchQueryVoucherNosByBackStatus": batch_query_voucher_nos_by_back_status,
    "queryVoucherPrintCount": query_voucher_print_count,
    "queryVoucherType": query_voucher_type,
}
