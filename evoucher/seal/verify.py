"""Verify a seal, a stamp or a bare signature and return a `SealReport`.

Lower layers (`model`, `bare`, `certs`, `integrity`, `binding`, `policy`) raise typed errors;
here each check runs in turn and `seal._run` records a failed check with the sub-indication its
error maps to (certificate checks are in `seal._chain`). Checks that depend on a failed one are
SKIPPED, the rest still run, so a report shows everything that is wrong at once. A bad seal is a
result, never an exception; only unreadable trust anchors or CRLs (the caller's configuration)
raise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from evoucher.errors import EvoucherError, SealError
from evoucher.seal import bare, certs, integrity, model
from evoucher.seal._chain import check_pki, check_signer_cert, load_cert, load_inputs, window
from evoucher.seal._replay import TimeMemo
from evoucher.seal._run import Run, validation_time
from evoucher.seal.binding import SealKind, check_property_info, check_seal_kind
from evoucher.seal.policy import DEFAULT, SealPolicy
from evoucher.verdict import Check, Failed, SealReport

# the signature checks whose success makes a report `valid`
SEAL_SIGNATURES = ("seal-signature",)
STAMP_SIGNATURES = ("seal-signature", "document-signature")
BARE_SIGNATURES = ("document-signature",)


def _check_seal(
    run: Run, seal: model.Seal, at: datetime, anchors: list[certs.Cert], crls: list[certs.Crl]
) -> certs.Cert | None:
    """The seal's own checks; returns the maker cert when it could be read."""
    with run.check("version") as step:
        run.policy.check_version(seal.version)
        step.note(f"v{seal.version} structure, header.version {seal.header_version}, vendor {seal.vid!r}")
    if seal.deviations:
        with run.check("deviations") as step:
            step.warn("; ".join(seal.deviations))
    maker = load_cert(run, "maker cert", seal.maker_cert)
    if maker is None:
        run.skip("seal-signature", "maker cert unreadable")
    else:
        with run.check("seal-signature") as step:
            form = integrity.check_seal_signature(seal, maker.public_key, signer_id=run.policy.signer_id)
            run.policy.check_signature_form(form, what="seal signature")
            step.note(f"SM2 ({form}) over the original {len(seal.signed_bytes)}-byte signed part")
            if form != "der":
                step.warn(f"{form} signature value accepted by policy {run.policy.name!r}")
    with run.check("seal-validity") as step:
        seal.check_valid_at(at)
        step.note(f"{seal.valid_start:%Y-%m-%d} .. {seal.valid_end:%Y-%m-%d}")
    if maker is not None:
        with run.check("maker-cert-validity") as step:
            try:
                certs.check_validity(maker, at, what="maker cert")
                step.note(window(maker))
            except certs.CertExpired as exc:
                if not (run.policy.tolerate_expired_maker and maker.valid_at(seal.create_date)):
                    raise
                step.warn(f"{exc}; tolerated: valid when the seal was made ({seal.create_date:%Y-%m-%d})")
        check_pki(run, "maker", maker, at, anchors, crls, [maker])
    return maker


@dataclass(frozen=True)
class _Parties:
    """A stamp's checks of its seal and signer certificate: before and after the document's."""

    seal_checks: tuple[Check, ...]
    signer_checks: tuple[Check, ...]
    maker: certs.Cert | None
    signer: certs.Cert | None


# the same seal and signer on every stamp they make: their checks, replayed (seal._replay)
_PARTIES: TimeMemo[_Parties] = TimeMemo()


def _check_parties(
    policy: SealPolicy, seal: model.Seal, signer_der: bytes, when: datetime,
    anchors: list[certs.Cert], crls: list[certs.Crl],
) -> _Parties:  # fmt: skip
    """The seal's checks and the signer certificate's, remembered for what they depend on."""

    def run_them(at: datetime) -> _Parties:
        run = Run(policy)
        maker = _check_seal(run, seal, at, anchors, crls)
        signer = load_cert(run, "signer cert", signer_der)
        first = len(run.checks)
        if signer is not None:
            check_signer_cert(run, signer, at, anchors, crls, [c for c in (maker, signer) if c])
        return _Parties(tuple(run.checks[:first]), tuple(run.checks[first:]), maker, signer)

    key = (policy, seal.der, signer_der, tuple(a.der for a in anchors), tuple(c.der for c in crls))
    return _PARTIES.get(key, when, run_them)


def _check_document_signature(
    run: Run, sig: model.Signature | bare.BareSignature, signer: certs.Cert | None, signed: str
) -> None:
    """The signer's SM2 signature over the original bytes of `signed` (TBS_Sign, TBSVoucherSign)."""
    if signer is None:
        run.skip("document-signature", "signer cert unreadable")
        return
    with run.check("document-signature") as step:
        form = integrity.check_document_signature(sig, signer.public_key, signer_id=run.policy.signer_id)
        run.policy.check_signature_form(form, what="document signature")
        step.note(f"SM2 ({form}) over the original {len(sig.tbs_bytes)}-byte {signed}")
        if form != "der":
            step.warn(f"{form} signature value accepted by policy {run.policy.name!r}")


def _check_data_and_binding(
    run: Run, sig: model.Signature | bare.BareSignature, data: bytes | None, expected: str | None
) -> None:
    """dataHash against the data, propertyInfo against the voucher and position expected."""
    with run.check("data-hash") as step:
        if data is not None:
            step.note(f"SM3(data) = dataHash = {integrity.check_data_hash(sig, data)}")
        elif run.policy.require_signed_data:
            raise integrity.SignedDataNotFound(f"dataHash {sig.data_hash.hex()} present but no data given")
        else:
            step.skip("no data given")
    with run.check("binding") as step:
        if expected is None:
            step.skip(f"no expected propertyInfo given (it says {sig.property_info!r})")
        else:
            check_property_info(expected, sig.property_info)
            step.note(sig.property_info)


def verify_seal(
    seal_der: bytes,
    *,
    policy: SealPolicy = DEFAULT,
    trust_anchors: Iterable[bytes] = (),
    crls: Iterable[bytes] = (),
    at: datetime | None = None,
) -> SealReport:
    """Verify an SES_Seal (v1 or v4): structure, maker signature, validity, chain, revocation.

    With validation time "signing" a bare seal is judged at its createDate, when the maker
    signed it. `trust_anchors` and `crls` are DER or PEM; unreadable ones raise SealError
    (they are the caller's configuration, not the seal under test).
    """
    anchors, crl_list = load_inputs(trust_anchors, crls)
    run = Run(policy)
    with run.check("structure") as step:
        if model.is_signature(seal_der):
            raise SealError("this is an SES_Signature, not an SES_Seal (use verify_signature)")
        seal = model.load_seal(seal_der)
        step.note(f"SES_Seal v{seal.version}, {len(seal_der)} bytes")
    if not run.ok("structure"):
        return run.report("seal", signatures=SEAL_SIGNATURES, version=None)
    when = validation_time(policy, at, seal.create_date)
    maker = _check_seal(run, seal, when, anchors, crl_list)
    return run.report(
        "seal",
        signatures=SEAL_SIGNATURES,
        version=seal.version,
        validation_time=when,
        maker=certs.summary(maker) if maker else None,
        es_id=seal.es_id,
        seal_name=seal.name,
    )


def verify_signature(
    sig_der: bytes,
    *,
    data: bytes | None = None,
    policy: SealPolicy = DEFAULT,
    trust_anchors: Iterable[bytes] = (),
    crls: Iterable[bytes] = (),
    at: datetime | None = None,
    expected_property_info: str | None = None,
    expected_seal: SealKind | None = None,
) -> SealReport:
    """Verify an SES_Signature (a stamp): its seal, the signer's signature, and what it binds.

    `data` is compared with dataHash (SM3); `expected_property_info` (see `seal.binding`) with
    propertyInfo; `expected_seal` with the seal's type and name (check `seal-type`). Without
    `data` the hash check is SKIPPED, or INDETERMINATE when the policy requires the signed data.
    Unreadable `trust_anchors` or `crls` raise SealError.
    """
    anchors, crl_list = load_inputs(trust_anchors, crls)
    run = Run(policy)
    with run.check("structure") as step:
        try:
            sig = model.load_signature(sig_der)
        except EvoucherError:  # is it a seal? (asked only now: it parses the outer layers again)
            if not model.is_signature(sig_der):
                raise SealError("this is an SES_Seal, not an SES_Signature (use verify_seal)") from None
            raise
        step.note(f"SES_Signature v{sig.version}, {len(sig_der)} bytes")
    if not run.ok("structure"):
        return run.report("signature", signatures=STAMP_SIGNATURES, version=None)
    with run.check("time-info") as step:
        if sig.signing_time is None:
            raise SealError(f"timeInfo {sig.time_info!r} is not a time this verifier reads")
        step.note(sig.signing_time.isoformat())
    when = validation_time(policy, at, sig.signing_time)
    if when is None:
        return run.report("signature", signatures=STAMP_SIGNATURES, version=sig.version)
    seal = sig.seal
    parties = _check_parties(policy, seal, sig.signer_cert, when, anchors, crl_list)
    run.checks.extend(parties.seal_checks)
    maker, signer = parties.maker, parties.signer
    _check_document_signature(run, sig, signer, "TBS_Sign")
    with run.check("signer-in-seal") as step:
        step.note(integrity.check_signer_in_seal(sig))
    _check_data_and_binding(run, sig, data, expected_property_info)
    with run.check("seal-type") as step:
        if expected_seal is None:
            step.skip(f"no expected seal kind given (seal {seal.name!r}, type {seal.seal_type})")
        else:
            step.note(check_seal_kind(expected_seal, seal.seal_type, seal.name))
    if sig.has_time_stamp:
        run.skip("time-stamp", "timeStamp present; time-stamp tokens are not verified")
    run.checks.extend(parties.signer_checks)
    return run.report(
        "signature",
        signatures=STAMP_SIGNATURES,
        version=sig.version,
        validation_time=when,
        signing_time=sig.signing_time,
        maker=certs.summary(maker) if maker else None,
        signer=certs.summary(signer) if signer else None,
        es_id=seal.es_id,
        seal_name=seal.name,
    )


def verify_bare_signature(
    sig_der: bytes,
    *,
    data: bytes | None = None,
    policy: SealPolicy = DEFAULT,
    trust_anchors: Iterable[bytes] = (),
    crls: Iterable[bytes] = (),
    at: datetime | None = None,
    expected_property_info: str | None = None,
) -> SealReport:
    """Verify a bare signature (签名, a `seal.bare` VoucherSignature): a stamp's checks minus the seal's.

    Arguments and verdicts as for `verify_signature`; the report's kind is "signature" and its
    version None (the structure is ours, not a versioned standard's).
    """
    anchors, crl_list = load_inputs(trust_anchors, crls)
    run = Run(policy)
    with run.check("structure") as step:
        sig = bare.load_bare_signature(sig_der)
        step.note(f"VoucherSignature, {len(sig_der)} bytes")
    if not run.ok("structure"):
        return run.report("signature", signatures=BARE_SIGNATURES, version=None)
    when = validation_time(policy, at, sig.signing_time)
    signer = load_cert(run, "signer cert", sig.signer_cert)
    _check_document_signature(run, sig, signer, "TBSVoucherSign")
    _check_data_and_binding(run, sig, data, expected_property_info)
    if signer is not None:
        check_signer_cert(run, signer, when, anchors, crl_list, [signer])
    return run.report(
        "signature",
        signatures=BARE_SIGNATURES,
        version=None,
        validation_time=when,
        signing_time=sig.signing_time,
        signer=certs.summary(signer) if signer else None,
    )


def missing_stamp(position: str, *, policy: SealPolicy = DEFAULT) -> SealReport:
    """The FAILED (STAMP_MISSING) report for a required position that carries nothing."""
    run = Run(policy)
    detail = f"required position {position!r} carries no stamp or signature"
    run.fail("presence", detail, Failed.STAMP_MISSING)
    return run.report("signature", signatures=(), version=None, position=position)
