"""Stamps as the library sees them: which positions a document has, checking stamps on arrival, and
applying the server's own stamps (签章) and signatures (签名).

Positions come from the environment's copy of the registry layouts, narrowed to the caller's
role: a finance bureau's 5207 has cz_gz, cz_jzysz, cz_fhysz; the PBoC's receipt of it rh_zqz and
rh_gz, or rh_fjz when the receipt reports a failed payment (XPayAmt 0.00, VL-LIB-021).
Profile 1.0 takes and makes GM/T 0031 v1 seals only; 2.0 makes v4 and takes v4, and v1 as far
as the seal policy allows (VL-LIB-041).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from evoucher.codec import MofBody, Voucher
from evoucher.errors import EvoucherError
from evoucher.registry import StampPosition
from evoucher.registry.checks import parse_amount
from evoucher.stamp import stamp_body, verify_body
from voucherlib.service.call import Call
from voucherlib.service.errors import StampRejected, Unacceptable
from voucherlib.store import Stamp, VoucherKey

SEAL_VERSION = {"1.0": 1, "2.0": 4}
RECEIPT_AMOUNTS = ("XPayAmt", "XpayAmt")  # ITFE accepts both spellings


def failed_receipt(voucher: Voucher) -> bool:
    """A receipt whose paid amount is 0.00 reports a failed payment (ITFE's 退票, status 75)."""
    amounts = [parse_amount(voucher.header.get(name)) for name in RECEIPT_AMOUNTS]
    return any(a is not None and a == 0 for a in amounts)


def positions_of(call: Call, voucher: Voucher, flag: int) -> dict[str, StampPosition]:
    """The positions the caller's role fills on this voucher (flag 0) or receipt (flag 1)."""
    failed = flag == 1 and failed_receipt(voucher)
    found = call.env.positions_for(voucher.vt_code, flag, failed=failed)
    return {p.id: p for p in found if p.role == call.caller.party.role}


def verify_carried(
    call: Call, body: MofBody, key: VoucherKey, positions: Mapping[str, StampPosition]
) -> tuple[Stamp, ...]:
    """The body's stamps as store records, each at one of the caller's positions, each verified."""
    for stamp in body.stamps:
        position = positions.get(stamp.position)
        if position is None:
            mine = ", ".join(positions) or "none"
            why = f"is not a position of {call.caller.party.role} on this document (its positions: {mine})"
            raise Unacceptable(f"stamp at position {stamp.position} {why}", voucher=key)
        if position.kind != stamp.kind:
            want = "签章 (stamp)" if position.kind == "stamp" else "签名 (sign)"
            raise Unacceptable(
                f"position {stamp.position} takes a {want}, got Type={stamp.kind}", voucher=key
            )
    reports = verify_body(
        body, trust_anchors=call.env.trust_anchors, crls=call.env.crls, policy=call.settings.policy
    )
    holders = {h.serial: h.cert_id for h in call.caller.party.holders}
    accepted = []
    for stamp, report in zip(body.stamps, reports, strict=True):
        if not report.passed:
            why = f"{report.sub_indication.value}: {report.failure_msg}"
            raise StampRejected(voucher=key, position=stamp.position, why=why, report=report)
        if report.version == 4 and SEAL_VERSION[call.profile] == 1:
            why = "a GB/T 38540 v4 seal; interface profile 1.0 takes GM/T 0031 v1 seals only"
            raise StampRejected(voucher=key, position=stamp.position, why=why, report=report)
        signer = holders.get(int(report.signer.serial, 16)) if report.signer else None
        if signer is None:
            who = report.signer.subject if report.signer else "an unknown signer"
            why = f"made by {who}, not by a holder of {call.caller.party.cert_id}"
            raise StampRejected(voucher=key, position=stamp.position, why=why, report=report)
        accepted.append(Stamp(stamp.position, stamp.kind, signer, stamp.value))
    return tuple(accepted)


def server_stamp(
    call: Call, body: MofBody, position: StampPosition, *, key: VoucherKey
) -> tuple[MofBody, Stamp]:
    """`body` with the caller's party's stamp or signature added at `position` (seal per profile),
    and the store record of that stamp."""
    party = call.caller.party
    holder = party.signer(position.stamp_type)
    seal = party.seal(position.stamp_type, SEAL_VERSION[call.profile]) if position.kind == "stamp" else None
    try:
        stamped = stamp_body(
            body, position.id, seal=seal, key=holder.key, cert=holder.cert, kind=position.kind,
            at=datetime.now(UTC),
        )  # fmt: skip
    except EvoucherError as exc:
        raise Unacceptable(exc.message, voucher=key, evs_code=exc.evs_code) from None
    made = stamped.stamps[-1]
    return stamped, Stamp(made.position, made.kind, holder.cert_id, made.value)
