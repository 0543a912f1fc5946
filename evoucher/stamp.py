"""Stamping vouchers in a MOF body, and checking every stamp against the exact voucher bytes.

A stamp (签章) at position P is an SES_Signature (v4, or v1 under the 1.0 profile) whose
dataHash is SM3 of the voucher bytes carried in the body and whose propertyInfo is
`binding.property_info(AdmDivCode, StYear, VtCode, VoucherNo, VoucherFlag, P)`. A stamp moved
to another voucher, another version of it (other bytes) or another position fails
(WRONG_VOUCHER, HASH_FAILURE, WRONG_POSITION). A signature (签名) position carries a bare
signature instead (`seal.bare`, no seal), bound the same way.

A registry position also names its stamp type, and so the seal it takes (`position_seal`):
`stamp_body` refuses a seal of another kind (EVS700) and `verify_body` reports one as
WRONG_SEAL_TYPE, e.g. the party's 公章 at its 转讫章 position.

This module decides what each position must carry; `seal.verify` judges and words the verdict.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import UTC, datetime

from asn1crypto import x509

from evoucher import registry
from evoucher.codec import MofBody, Stamp
from evoucher.crypto import sm2
from evoucher.errors import EVS_LOGIC, SealError, UnknownVoucherType
from evoucher.registry.stamps import STAMP_TYPES
from evoucher.seal.bare import make_bare_signature
from evoucher.seal.binding import SealKind, property_info
from evoucher.seal.create import make_signature
from evoucher.seal.model import PERSONAL_SEAL, UNIT_SEAL
from evoucher.seal.policy import DEFAULT, SealPolicy
from evoucher.seal.verify import missing_stamp, verify_bare_signature, verify_signature
from evoucher.verdict import SealReport


def body_property_info(body: MofBody, position: str) -> str:
    """The propertyInfo a stamp at `position` of this body must carry."""
    return property_info(
        body.adm_div_code, body.st_year, body.vt_code, body.voucher_no, body.voucher_flag, position
    )


def position_seal(vt_code: str, position: str) -> SealKind | None:
    """The seal the registry's `position` of `vt_code` takes: a personal seal at a 私章 position,
    else a unit seal named after the stamp type (…转讫章). None for a signature position and for
    a position the registry does not define (nothing to check against)."""
    try:
        positions = registry.get(vt_code).positions
    except UnknownVoucherType:
        return None
    found = next((p for p in positions if p.id == position), None)
    if found is None or found.kind == "sign":
        return None
    name = STAMP_TYPES[found.stamp_type]
    return SealKind(PERSONAL_SEAL) if name.endswith("私章") else SealKind(UNIT_SEAL, name)


def stamp_body(
    body: MofBody,
    position: str,
    *,
    seal: bytes | None = None,
    key: sm2.PrivateKey,
    cert: x509.Certificate,
    kind: str = "stamp",
    at: datetime | None = None,
) -> MofBody:
    """A copy of `body` with a stamp (`seal` required) or signature added at `position`.

    Refuses a position that already carries one (realware: 位置已签章, EVS700), and a seal that
    is not of the kind the position takes (`position_seal`; WrongSealType, EVS700).
    """
    if any(s.position == position for s in body.stamps):
        raise SealError(
            f"位置已签章: position {position!r} of {body.voucher_no} is already stamped", evs_code=EVS_LOGIC
        )
    when = at or datetime.now(UTC)
    info = body_property_info(body, position)
    if kind == "stamp":
        if seal is None:
            raise SealError(f"a stamp at {position!r} needs a seal")
        kind_wanted = position_seal(body.vt_code, position)
        value = make_signature(seal, key, cert, body.voucher, info, at=when, seal_kind=kind_wanted)
    elif kind == "sign":
        if seal is not None:
            raise SealError(f"a signature at {position!r} takes no seal")
        value = make_bare_signature(key, cert, body.voucher, info, at=when)
    else:
        raise SealError(f"stamp kind must be 'stamp' or 'sign', got {kind!r}")
    return dataclasses.replace(body, stamps=(*body.stamps, Stamp(position, kind, value)))


def verify_body(
    body: MofBody,
    *,
    trust_anchors: Iterable[bytes] = (),
    crls: Iterable[bytes] = (),
    policy: SealPolicy = DEFAULT,
    required_positions: Iterable[str] | None = None,
    at: datetime | None = None,
) -> list[SealReport]:
    """One report per stamp, in `body.stamps` order, then one per missing required position.

    Each stamp is checked against the body's exact voucher bytes, the propertyInfo its position
    demands and the seal it takes; every report names its `position`. A missing position's report is FAILED
    with STAMP_MISSING and a single failed `presence` check.
    """
    anchors, crl_list = list(trust_anchors), list(crls)
    reports = []
    for stamp in body.stamps:
        args = {
            "data": body.voucher,
            "policy": policy,
            "trust_anchors": anchors,
            "crls": crl_list,
            "at": at,
            "expected_property_info": body_property_info(body, stamp.position),
        }
        if stamp.kind == "sign":
            report = verify_bare_signature(stamp.value, **args)
        else:
            expected_seal = position_seal(body.vt_code, stamp.position)
            report = verify_signature(stamp.value, **args, expected_seal=expected_seal)
        reports.append(dataclasses.replace(report, position=stamp.position))
    present = {s.position for s in body.stamps}
    reports.extend(missing_stamp(p, policy=policy) for p in required_positions or () if p not in present)
    return reports
