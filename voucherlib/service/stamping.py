"""Server-side stamps (签章) and signatures (签名): signStampByNos, signByNos, their *AndSend forms,
signWithoutPosition, cancelStampWithPosition and queryStampPositionWithName (VL-LIB-025, VL-LIB-026).

The position XML names positions and, for each, a seal (esID) or certificate of the caller's
party; the server then applies the party's seal of the position's stamp type (v4 under 2.0, v1
under 1.0) with the holder the type belongs to (unit seals: the organisation; personal seals and
signatures: its bookkeeper or reviewer).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from evoucher.codec import build_mof, parse_stamp_positions
from evoucher.errors import EvoucherError
from evoucher.registry import StampPosition
from evoucher.stamp import stamp_body
from voucherlib.errors import ArgumentError
from voucherlib.service.call import Call
from voucherlib.service.errors import Unacceptable
from voucherlib.service.identity import check_stamp_id
from voucherlib.service.incoming import Incoming, receive
from voucherlib.service.writing import plan_stamps, statuses, store_bodies
from voucherlib.store import VoucherRef

UNPLACED = "qm"  # the generic 签名 type code (reference §4): where a position-less signature sits
KIND_OPERATION = {"stamp": "signStampByNos", "sign": "signByNos"}


def requested(call: Call, argument: str, xml: str, kind: str) -> Callable[[Incoming], list[StampPosition]]:
    """The positions the XML asks for, checked against each body's positions when it is planned."""
    try:
        wanted = parse_stamp_positions(xml)
    except EvoucherError as exc:
        raise ArgumentError(
            argument=argument, rule=exc.message, value=xml[:80], evs_code=exc.evs_code
        ) from None
    for position, given in wanted.items():
        check_stamp_id(call.caller, position, given)

    def choose(inc: Incoming) -> list[StampPosition]:
        chosen = []
        for position_id in wanted:
            position = inc.positions.get(position_id)
            if position is None:
                defined = [p.id for p in call.env.positions.get(inc.key.vt_code, ())]
                if position_id not in defined:
                    rule = f"a stamp position of VtCode {inc.key.vt_code} ({', '.join(defined) or 'none'})"
                    raise ArgumentError(argument=argument, rule=rule, value=position_id, voucher=inc.key)
                mine = ", ".join(inc.positions) or "none"
                raise Unacceptable(
                    f"position {position_id} is not {call.caller.party.role}'s on this document ({mine})",
                    voucher=inc.key,
                )
            if position.kind != kind:
                use = KIND_OPERATION[position.kind]
                raise Unacceptable(
                    f"position {position_id} takes a {position.kind}: use {use}", voucher=inc.key
                )
            chosen.append(position)
        return chosen

    return choose


def _apply(call: Call, where: tuple[str, int, str], message: bytes, argument: str, xml: str, kind: str,
           send: tuple[str, str] | None = None) -> dict[str, Any] | None:  # fmt: skip
    vt = call.scope(*where)
    dest = None
    if send is not None:
        call.check_src(send[0])
        dest = call.recipient(vt, where[0], send[1])
    choose = requested(call, argument, xml, kind)
    incoming = receive(call, message, *where)
    store_bodies(call, incoming, plan_stamps(call, incoming, choose), dest=dest)
    return None if send is None else statuses(call, incoming, send[1])


def sign_stamp_by_nos(
    call: Call, *, cert_id: str, adm_div_code: str, st_year: int, vt_code: str, voucher_message: bytes,
    stamp: str,
) -> None:  # fmt: skip
    """signStampByNos: stamp at the XML's positions; stored, not sent."""
    _apply(call, (adm_div_code, st_year, vt_code), voucher_message, "stamp", stamp, "stamp")


def sign_by_nos(
    call: Call, *, cert_id: str, adm_div_code: str, st_year: int, vt_code: str, voucher_message: bytes,
    sign_position: str,
) -> None:  # fmt: skip
    """signByNos: sign at the XML's positions; stored, not sent."""
    _apply(call, (adm_div_code, st_year, vt_code), voucher_message, "signPosition", sign_position, "sign")


def sign_stamp_by_nos_and_send(
    call: Call, *, cert_id: str, adm_div_code: str, st_year: int, vt_code: str, voucher_message: bytes,
    stamp: str, src_org_type: str, dec_org_type: str,
) -> dict[str, Any] | None:  # fmt: skip
    """signStampByNosAndSend (2.0): stamp and send in one transaction; Map VoucherNo -> [code, text]."""
    where = (adm_div_code, st_year, vt_code)
    return _apply(call, where, voucher_message, "stamp", stamp, "stamp", (src_org_type, dec_org_type))


def sign_by_nos_and_send(
    call: Call, *, cert_id: str, adm_div_code: str, st_year: int, vt_code: str, voucher_message: bytes,
    sign_position: str, src_org_type: str, dec_org_type: str,
) -> None:  # fmt: skip
    """signByNosAndSend (2.0): sign and send in one transaction (self-generated reports)."""
    where = (adm_div_code, st_year, vt_code)
    _apply(call, where, voucher_message, "signPosition", sign_position, "sign", (src_org_type, dec_org_type))


def sign_without_position(
    call: Call, *, cert_id: str, adm_div_code: str, st_year: int, vt_code: str, voucher_message: bytes
) -> bytes:
    """signWithoutPosition: the MOF back with the caller's own signature at `qm`; nothing is stored."""
    holder = call.env.holder(call.caller.cert_id)
    signed = []
    for inc in receive(call, voucher_message, adm_div_code, st_year, vt_code):
        try:
            signed.append(stamp_body(inc.body, UNPLACED, key=holder.key, cert=holder.cert, kind="sign"))
        except EvoucherError as exc:
            raise Unacceptable(exc.message, voucher=inc.key, evs_code=exc.evs_code) from None
    return build_mof(signed)


def cancel_stamp_with_position(
    call: Call, *, cert_id: str, adm_div_code: str, st_year: int, vt_code: str, voucher_no: str,
    stamp_position: str,
) -> None:  # fmt: skip
    """cancelStampWithPosition: undo the stamp at one position (撤销签章) as a new version."""
    call.scope(adm_div_code, st_year, vt_code)
    ref = VoucherRef(adm_div_code, st_year, vt_code, voucher_no)
    outcome = call.write(
        lambda ops: ops.cancel_stamp(call.actor, ref, stamp_position, operation=call.operation)
    )
    call.settle([outcome], "cancelled")


def query_stamp_position_with_name(
    call: Call, *, cert_id: str, adm_div_code: str, st_year: int, vt_code: str
) -> dict[str, Any]:
    """queryStampPositionWithName: the caller's positions on the type's template, id -> name."""
    call.scope(adm_div_code, st_year, vt_code)
    role = call.caller.party.role
    return {p.id: p.name for p in call.env.positions.get(vt_code, ()) if p.role == role}


OPERATIONS = {
    "signStampByNos": sign_stamp_by_nos,
    "signByNos": sign_by_nos,
    "signStampByNosAndSend": sign_stamp_by_nos_and_send,
    "signByNosAndSend": sign_by_nos_and_send,
    "signWithoutPosition": sign_without_position,
    "cancelStampWithPosition": cancel_stamp_with_position,
    "queryStampPositionWithName": query_stamp_position_with_name,
}
