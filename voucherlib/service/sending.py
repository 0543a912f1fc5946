"""Sending stored documents: sendVoucher (the latest version, which must carry every configured
stamp) and sendVoucherFullSigns (the newest version that carries them all, e.g. a receipt copy to
a second party). The destination is the one party of decOrgType in the voucher's AdmDivCode, and
must be on the VtCode's route in the registry (VL-LIB-010, VL-LIB-027).
"""

from __future__ import annotations

from voucherlib.service.call import Call


def _send(
    call: Call, adm_div_code: str, src_org_type: str, dec_org_type: str, st_year: int, vt_code: str,
    voucher_nos: list[str], *, full_signs: bool,
) -> None:  # fmt: skip
    vt = call.scope(adm_div_code, st_year, vt_code)
    call.check_src(src_org_type)
    dest = call.recipient(vt, adm_div_code, dec_org_type)
    refs = call.refs(adm_div_code, st_year, vt_code, voucher_nos)
    outcomes = call.write(
        lambda ops: ops.send(call.actor, refs, dest, full_signs=full_signs, operation=call.operation)
    )
    call.settle(outcomes, f"already sent to {dest}")


def send_voucher(
    call: Call, *, cert_id: str, adm_div_code: str, src_org_type: str, dec_org_type: str, st_year: int,
    vt_code: str, voucher_nos: list[str],
) -> None:  # fmt: skip
    """sendVoucher: send stored, fully stamped vouchers or receipts; again is EVS700 '已发送'."""
    _send(call, adm_div_code, src_org_type, dec_org_type, st_year, vt_code, voucher_nos, full_signs=False)


def send_voucher_full_signs(
    call: Call, *, cert_id: str, adm_div_code: str, src_org_type: str, dec_org_type: str, st_year: int,
    vt_code: str, voucher_nos: list[str],
) -> None:  # fmt: skip
    """sendVoucherFullSigns: send the newest version carrying all signatures (发送全版本凭证)."""
    _send(call, adm_div_code, src_org_type, dec_org_type, st_year, vt_code, voucher_nos, full_signs=True)


OPERATIONS = {"sendVoucher": send_voucher, "sendVoucherFullSigns": send_voucher_full_signs}
