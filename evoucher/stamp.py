"""Stamping vouchers in a MOF body, and checking every stamp against the exact voucher bytes.

A stamp (签章) at position P is an SES_Signature (v4, or v1 under the 1.0 profile) whose
dataHash is SM3 of the voucher bytes carried in the body and whose propertyInfo is
`binding.property_info(AdmDivCode, StYear, VtCode, VoucherNo, VoucherFlag, P)`. A stamp moved
to another voucher, another version of it (other bytes) or another position fails
(WRONG_VOUCHER, HASH_FAILURE, WRONG_POSITION).

A signature (签名) position carries no seal, only the signer's SM2 signature and certificate,
in this DER structure of ours (docs/pki.md)::

    VoucherSignature ::= SEQUENCE {
        toSign    TBSVoucherSign,
        signature BIT STRING }        -- SM2-with-SM3, default ID, over DER(toSign)
    TBSVoucherSign ::= SEQUENCE {
        propertyInfo IA5String,       -- as for a stamp
        signingTime  GeneralizedTime,
        dataHash     OCTET STRING,    -- SM3 of the voucher bytes
        cert         OCTET STRING }   -- the signer's DER X.509 certificate
"""

# asn1crypto declares types through mutable class-level tables
# ruff: noqa: RUF012

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from asn1crypto import core, x509

from evoucher.codec import MofBody, Stamp
from evoucher.crypto import sm2
from evoucher.crypto.sm3 import sm3
from evoucher.errors import EVS_LOGIC, CryptoError, EvoucherError, SealError
from evoucher.seal import certs
from evoucher.seal.binding import WrongPosition, WrongVoucher, check_property_info, property_info
from evoucher.seal.create import make_signature
from evoucher.seal.integrity import HashMismatch, SignatureInvalid
from evoucher.seal.policy import DEFAULT, NotAllowed, SealPolicy
from evoucher.seal.verify import verify_signature
from evoucher.verdict import Check, Failed, Indeterminate, Indication, Outcome, SealReport, SubIndication


class TBSVoucherSign(core.Sequence):
    _fields = [
        ("property_info", core.IA5String),
        ("signing_time", core.GeneralizedTime),
        ("data_hash", core.OctetString),
        ("cert", core.OctetString),
    ]


class VoucherSignature(core.Sequence):
    _fields = [("to_sign", TBSVoucherSign), ("signature", core.OctetBitString)]


def body_property_info(body: MofBody, position: str) -> str:
    """The propertyInfo a stamp at `position` of this body must carry."""
    return property_info(
        body.adm_div_code, body.st_year, body.vt_code, body.voucher_no, body.voucher_flag, position
    )


def make_bare_signature(
    key: sm2.PrivateKey, cert: x509.Certificate, data: bytes, property_info: str, *, at: datetime
) -> bytes:
    """DER VoucherSignature: the signer's SM2 signature over SM3(data), propertyInfo and time."""
    tbs = TBSVoucherSign(
        {
            "property_info": property_info,
            "signing_time": at.astimezone(UTC).replace(microsecond=0),
            "data_hash": sm3(data),
            "cert": cert.dump(),
        }
    )
    return VoucherSignature({"to_sign": tbs, "signature": sm2.sign(key, tbs.dump())}).dump()


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

    Refuses a position that already carries one (realware: 位置已签章, EVS700).
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
        value = make_signature(seal, key, cert, body.voucher, info, at=when)
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
    """One report per stamp, in `body.stamps` order, then one FAILED report per missing required position.

    Each stamp is checked against the body's exact voucher bytes and the propertyInfo its
    position demands. A missing position's report has a single failed `presence` check.
    """
    anchors, crl_list = list(trust_anchors), list(crls)
    reports = []
    for stamp in body.stamps:
        expected = body_property_info(body, stamp.position)
        if stamp.kind == "sign":
            reports.append(_verify_bare(stamp.value, body.voucher, expected, policy, anchors, crl_list, at))
        else:
            reports.append(
                verify_signature(
                    stamp.value,
                    data=body.voucher,
                    policy=policy,
                    trust_anchors=anchors,
                    crls=crl_list,
                    at=at,
                    expected_property_info=expected,
                )
            )
    present = {s.position for s in body.stamps}
    for position in required_positions or ():
        if position not in present:
            detail = f"required position {position!r} carries no stamp or signature"
            check = Check("presence", Outcome.FAILED, detail, Failed.FORMAT_FAILURE)
            reports.append(_report(policy, [check]))
    return reports


# ---------------------------------------------------------------- signatures (签名)

# the errors a bare signature's checks raise, and the verdict each means (as in seal.verify)
_SUB_INDICATIONS: dict[type[Exception], SubIndication] = {
    HashMismatch: Failed.HASH_FAILURE,
    SignatureInvalid: Failed.SIG_CRYPTO_FAILURE,
    CryptoError: Failed.SIG_CRYPTO_FAILURE,
    NotAllowed: Failed.NOT_ALLOWED,
    WrongVoucher: Failed.WRONG_VOUCHER,
    WrongPosition: Failed.WRONG_POSITION,
    certs.CertRevoked: Failed.REVOKED,
    certs.CertExpired: Indeterminate.EXPIRED,
    certs.CertNotYetValid: Indeterminate.NOT_YET_VALID,
    certs.ChainNotFound: Indeterminate.NO_CERTIFICATE_CHAIN_FOUND,
    certs.RevocationUnavailable: Indeterminate.TRY_LATER,
    certs.RevocationOutOfBounds: Indeterminate.REVOCATION_OUT_OF_BOUNDS,
    EvoucherError: Failed.FORMAT_FAILURE,
}
Step = Callable[[], tuple[Outcome, str]]


def _run(checks: list[Check], name: str, step: Step) -> bool:
    """Run one check; its error becomes a FAILED check with the matching sub-indication."""
    try:
        outcome, detail = step()
    except EvoucherError as exc:
        sub = next(_SUB_INDICATIONS[c] for c in type(exc).__mro__ if c in _SUB_INDICATIONS)
        checks.append(Check(name, Outcome.FAILED, str(exc), sub))
        return False
    checks.append(Check(name, outcome, detail))
    return True


def _report(policy: SealPolicy, checks: list[Check], **facts: object) -> SealReport:
    failed = [c for c in checks if c.sub_indication is not None]
    decisive = next((c for c in failed if c.sub_indication.indication is Indication.FAILED), None)
    decisive = decisive or (failed[0] if failed else None)
    hashed = next((c for c in checks if c.name == "data-hash"), None)
    return SealReport(
        indication=decisive.sub_indication.indication if decisive else Indication.PASSED,
        sub_indication=decisive.sub_indication if decisive else None,
        kind="signature",
        version=None,
        intact=None if hashed is None else hashed.sub_indication is None,
        valid=any(c.name == "document-signature" and c.outcome is not Outcome.FAILED for c in checks),
        policy=policy.name,
        checks=tuple(checks),
        failure_msg=f"{decisive.name}: {decisive.detail}" if decisive else None,
        **facts,
    )


def _decode_bare(value: bytes) -> tuple[TBSVoucherSign, bytes, certs.Cert, datetime]:
    """(toSign, signature, signer cert, signingTime); SealError if any part does not decode."""
    try:
        sig = VoucherSignature.load(value, strict=True)
        tbs = sig["to_sign"]
        signed_at = tbs["signing_time"].native
        return (
            tbs,
            sig["signature"].native,
            certs.load_certificate(tbs["cert"].native, "signer cert"),
            signed_at,
        )
    except ValueError as exc:
        if isinstance(exc, EvoucherError):
            raise
        raise SealError(f"not a VoucherSignature: {exc}") from exc


def _verify_bare(
    value: bytes,
    data: bytes,
    expected: str,
    policy: SealPolicy,
    anchors: list[bytes],
    crls: list[bytes],
    at: datetime | None,
) -> SealReport:
    """The checks of `seal.verify.verify_signature` that apply to a signature without a seal."""
    checks: list[Check] = []
    decoded = []

    def structure() -> tuple[Outcome, str]:
        decoded.extend(_decode_bare(value))
        return Outcome.PASSED, f"VoucherSignature, {len(value)} bytes"

    if not _run(checks, "structure", structure):
        return _report(policy, checks)
    tbs, signature, cert, signed_at = decoded
    chosen = at or policy.validation_time
    when = signed_at if chosen == "signing" else datetime.now(UTC) if chosen == "now" else chosen
    trusted = [certs.load_certificate(a, "trust anchor") for a in anchors]

    def document_signature() -> tuple[Outcome, str]:
        form = sm2.signature_form(signature)
        policy.check_signature_form(form, what="signature")
        if not sm2.verify(cert.public_key, tbs.dump(), signature, signer_id=policy.signer_id):
            raise SignatureInvalid("SM2 signature over TBSVoucherSign does not verify")
        return Outcome.PASSED, f"SM2 ({form}) over the original {len(tbs.dump())}-byte TBSVoucherSign"

    def data_hash() -> tuple[Outcome, str]:
        if sm3(data) != tbs["data_hash"].native:
            raise HashMismatch(f"SM3(voucher) {sm3(data).hex()} != dataHash {tbs['data_hash'].native.hex()}")
        return Outcome.PASSED, "SM3(voucher) = dataHash"

    def binding() -> tuple[Outcome, str]:
        check_property_info(expected, tbs["property_info"].native)
        return Outcome.PASSED, expected

    def validity() -> tuple[Outcome, str]:
        certs.check_validity(cert, when, what="signer cert")
        return Outcome.PASSED, f"{cert.not_before:%Y-%m-%d} .. {cert.not_after:%Y-%m-%d}"

    def chain() -> tuple[Outcome, str]:
        if not trusted:
            if policy.require_chain:
                raise certs.ChainNotFound("no trust anchors given", what="signer cert")
            return Outcome.WARNING, "no trust anchors given"
        anchor = certs.find_anchor(cert, trusted, what="signer cert")
        certs.check_validity(anchor, when, what="trust anchor")
        return Outcome.PASSED, f"issued by trust anchor {anchor.subject}"

    def revocation() -> tuple[Outcome, str]:
        if not crls and not policy.require_revocation:
            return Outcome.SKIPPED, "no CRLs given"
        return Outcome.PASSED, certs.check_revocation(
            cert, trusted, [certs.load_crl(c) for c in crls], when, what="signer cert"
        )

    for name, step in (
        ("document-signature", document_signature),
        ("data-hash", data_hash),
        ("binding", binding),
        ("signer-cert-validity", validity),
        ("signer-chain", chain),
        ("signer-revocation", revocation),
    ):
        _run(checks, name, step)
    return _report(policy, checks, validation_time=when, signing_time=signed_at, signer=certs.summary(cert))
