"""Reading what is addressed to the caller and answering it: read, sign for, refuse, return.

A party reads only deliveries addressed to it (its org type and organisation, VL-LIB-011); each
comes as it was sent: the delivered version's exact voucher bytes with its stamps, whatever seal
version they carry, so a 1.0 party receives a 2.0 party's v4 stamps unchanged (VL-LIB-043).
"""

from __future__ import annotations

from collections.abc import Sequence

from evoucher.codec import MofBody, Stamp, build_mof
from voucherlib.service.call import Call
from voucherlib.store import Delivered, Version


def as_body(version: Version) -> MofBody:
    """A stored version as the MOF body readers get: exact bytes, flag from the key, every stamp."""
    key = version.key
    return MofBody(
        adm_div_code=key.adm_div_code,
        st_year=str(key.st_year),
        vt_code=key.vt_code,
        voucher_no=key.voucher_no,
        voucher_flag=key.voucher_flag,
        voucher=version.body,
        stamps=tuple(Stamp(s.position, s.kind, s.data) for s in version.stamps),
    )


def _read(call: Call, where: tuple[str, int, str], voucher_count: int, *, unread_only: bool) -> bytes:
    call.scope(*where)
    delivered: list[Delivered] = call.write(
        lambda ops: ops.read(
            call.actor, *where, voucher_count, operation=call.operation, unread_only=unread_only
        )
    )
    return build_mof([as_body(d.version) for d in delivered])


def read_voucher_again(
    call: Call, *, cert_id: str, adm_div_code: str, st_year: int, vt_code: str, voucher_count: int
) -> bytes:
    """readVoucherAgain: up to voucherCount (1..100) documents not yet signed for (未签收), read
    before or not, oldest first, as one MOF (VoucherCount 0 when there are none); each is marked
    received (status 1 / 7)."""
    return _read(call, (adm_div_code, st_year, vt_code), voucher_count, unread_only=False)


def read_voucher(
    call: Call, *, cert_id: str, adm_div_code: str, st_year: int, vt_code: str, voucher_count: int
) -> bytes:
    """readVoucher: as readVoucherAgain, but only documents never handed over since they were sent."""
    return _read(call, (adm_div_code, st_year, vt_code), voucher_count, unread_only=True)


def _answer(call: Call, where: tuple[str, int, str], voucher_nos: Sequence[str], act: str, *reasons) -> None:
    """Run the store's `act` (confirm, confirm_fail, return_vouchers) on numbers addressed to the caller."""
    call.scope(*where)
    refs = call.refs(*where, voucher_nos)
    call.addressed(refs)
    outcomes = call.write(lambda ops: getattr(ops, act)(call.actor, refs, *reasons, operation=call.operation))
    call.settle(outcomes, f"{call.operation} repeated")


def confirm_voucher(
    call: Call, *, cert_id: str, adm_div_code: str, st_year: int, vt_code: str, voucher_nos: list[str]
) -> None:
    """confirmVoucher: sign for (签收) documents read earlier; twice is EVS700 '成功签收'."""
    _answer(call, (adm_div_code, st_year, vt_code), voucher_nos, "confirm")


def confirm_voucher_fail(
    call: Call, *, cert_id: str, adm_div_code: str, st_year: int, vt_code: str, voucher_nos: list[str],
    err_msgs: list[str],
) -> None:  # fmt: skip
    """confirmVoucherFail: refuse to sign for documents (签收失败), one reason each."""
    _answer(call, (adm_div_code, st_year, vt_code), voucher_nos, "confirm_fail", err_msgs)


def return_voucher(
    call: Call, *, cert_id: str, adm_div_code: str, st_year: int, vt_code: str, voucher_nos: list[str],
    reasons: list[str],
) -> None:  # fmt: skip
    """returnVoucher: return documents to their sender (退回), one reason each."""
    _answer(call, (adm_div_code, st_year, vt_code), voucher_nos, "return_vouchers", reasons)


OPERATIONS = {
    "readVoucherAgain": read_voucher_again,
    "readVoucher": read_voucher,
    "confirmVoucher": confirm_voucher,
    "confirmVoucherFail": confirm_voucher_fail,
    "returnVoucher": return_voucher,
}
