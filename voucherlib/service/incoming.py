"""A MOF arriving on a write: read, checked against the call's arguments, the registry and the
caller's role, and its stamps verified — all before the store sees a byte (VL-LIB-020..023).

A voucher (VoucherFlag 0) is written by its type's sender and validated under the library's
profile, so a 2.0 library refuses a new 3251 and a 1.0 library a new 3210. A receipt (VoucherFlag 1)
is written by a receiver and, when its VtCode belongs to the other profile only, validated under
that profile: vouchers in flight across an upgrade can still be answered (VL-LIB-042).
"""

from __future__ import annotations

from dataclasses import dataclass

from evoucher import registry
from evoucher.codec import MofBody, parse_mof
from evoucher.errors import EVS_EMPTY, EVS_PARAM, EvoucherError, ValidationFailed
from evoucher.registry import StampPosition
from voucherlib.errors import ArgumentError
from voucherlib.service.call import Call
from voucherlib.service.errors import NotPermitted, Unacceptable
from voucherlib.service.seals import positions_of, verify_carried
from voucherlib.store import Stamp, VoucherKey


@dataclass(frozen=True)
class Incoming:
    """One checked body: its key, the caller's positions on it and its verified stamps."""

    body: MofBody
    key: VoucherKey
    positions: dict[str, StampPosition]
    carried: tuple[Stamp, ...]


def _profile_for(call: Call, vt: registry.VoucherType, flag: int) -> str:
    if flag == 1 and not vt.in_profile(call.profile):
        return vt.profiles[0]
    return call.profile


def _check_role(call: Call, vt: registry.VoucherType, key: VoucherKey) -> None:
    role = call.caller.party.role
    if key.voucher_flag == 0 and role != vt.sender:
        raise NotPermitted(
            f"{call.caller} may not issue VtCode {vt.vt_code}: its sender is {vt.sender}", voucher=key
        )
    if key.voucher_flag == 1 and role not in vt.receivers:
        receivers = ", ".join(str(r) for r in vt.receivers)
        raise NotPermitted(
            f"{call.caller} may not answer VtCode {vt.vt_code}: receipts come from {receivers}", voucher=key
        )


def _check_attributes(body: MofBody, where: str, adm_div_code: str, st_year: int, vt_code: str) -> None:
    for name, got, wanted in (
        ("AdmDivCode", body.adm_div_code, adm_div_code),
        ("StYear", body.st_year, str(st_year)),
        ("VtCode", body.vt_code, vt_code),
    ):
        if got != wanted:
            raise Unacceptable(
                f"{where}/@{name}: {got!r} does not match the argument {wanted!r}",
                voucher=f"{body.adm_div_code}/{body.st_year}/{body.vt_code}/{body.voucher_no}",
                evs_code=EVS_PARAM,
            )


def receive(call: Call, message: bytes, adm_div_code: str, st_year: int, vt_code: str) -> list[Incoming]:
    """Every body of `message`, checked; the first problem refuses the whole call."""
    vt = call.scope(adm_div_code, st_year, vt_code)
    try:
        bodies = parse_mof(message)
    except EvoucherError as exc:
        raise ArgumentError(argument="voucherMessage", rule=exc.message, value=f"{len(message)} bytes",
                            evs_code=exc.evs_code) from None  # fmt: skip
    if not bodies:
        raise ArgumentError(
            argument="voucherMessage", rule="at least one VoucherBody", value=0, evs_code=EVS_EMPTY
        )
    incoming, seen = [], set()
    for index, body in enumerate(bodies, 1):
        where = f"MOF/VoucherBody[{index}]"
        _check_attributes(body, where, adm_div_code, st_year, vt_code)
        key = VoucherKey(adm_div_code, st_year, vt_code, body.voucher_no, body.voucher_flag)
        if key in seen:
            raise Unacceptable(
                f"{where}: the same voucher appears twice in one MOF", voucher=key, evs_code=EVS_PARAM
            )
        seen.add(key)
        _check_role(call, vt, key)
        problems = registry.validate_mof_body(
            body, index=index, business_date=call.today(), profile=_profile_for(call, vt, key.voucher_flag)
        )
        if problems:
            failed = ValidationFailed(problems)
            raise Unacceptable(failed.message, voucher=key, evs_code=failed.evs_code)
        positions = positions_of(call, body.parsed_voucher(), key.voucher_flag)
        incoming.append(Incoming(body, key, positions, verify_carried(call, body, key, positions)))
    return incoming
