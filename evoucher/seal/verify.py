"""Verify a seal or a stamp and return a `SealReport`: the one place errors become verdicts.

Lower layers (`model`, `certs`, `integrity`, `binding`, `policy`) raise typed errors; here each
check runs in turn, a failed check records the sub-indication `_SUB_INDICATIONS` maps its
error to, and the verdict is the first FAILED sub-indication, else the first INDETERMINATE,
else PASSED. Checks that depend on a failed one are SKIPPED, the rest still run, so a
report shows everything that is wrong at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from evoucher.errors import CryptoError, EvoucherError, SealError
from evoucher.seal import certs, integrity, model
from evoucher.seal.binding import WrongPosition, WrongVoucher, check_property_info
from evoucher.seal.policy import DEFAULT, NotAllowed, SealPolicy
from evoucher.verdict import Check, Failed, Indeterminate, Indication, Outcome, SealReport, SubIndication

_SUB_INDICATIONS: dict[type[Exception], SubIndication] = {
    integrity.HashMismatch: Failed.HASH_FAILURE,
    integrity.SignatureInvalid: Failed.SIG_CRYPTO_FAILURE,
    CryptoError: Failed.SIG_CRYPTO_FAILURE,  # e.g. a certificate point not on the curve
    integrity.UnsupportedAlgorithm: Failed.NOT_ALLOWED,
    NotAllowed: Failed.NOT_ALLOWED,
    integrity.SignerNotInSeal: Failed.SIGNER_NOT_IN_SEAL,
    WrongVoucher: Failed.WRONG_VOUCHER,
    WrongPosition: Failed.WRONG_POSITION,
    certs.CertRevoked: Failed.REVOKED,
    certs.CertExpired: Indeterminate.EXPIRED,
    certs.CertNotYetValid: Indeterminate.NOT_YET_VALID,
    certs.ChainNotFound: Indeterminate.NO_CERTIFICATE_CHAIN_FOUND,
    certs.RevocationUnavailable: Indeterminate.TRY_LATER,
    certs.RevocationOutOfBounds: Indeterminate.REVOCATION_OUT_OF_BOUNDS,
    model.SealExpired: Indeterminate.SEAL_EXPIRED,
    model.SealNotYetValid: Indeterminate.SEAL_NOT_YET_VALID,
    integrity.SignedDataNotFound: Indeterminate.SIGNED_DATA_NOT_FOUND,
    SealError: Failed.FORMAT_FAILURE,  # undecodable structures and certificates
    EvoucherError: Failed.FORMAT_FAILURE,  # e.g. HostileInputError for oversize input
}


def _sub_indication(exc: Exception) -> SubIndication:
    return next(_SUB_INDICATIONS[cls] for cls in type(exc).__mro__ if cls in _SUB_INDICATIONS)


class _Step:
    """The check being run; the block says `warn`/`skip`/`note`, an error means failure."""

    def __init__(self) -> None:
        self.outcome, self.detail = Outcome.PASSED, ""

    def note(self, detail: str) -> None:
        self.detail = detail

    def warn(self, detail: str) -> None:
        self.outcome, self.detail = Outcome.WARNING, detail

    def skip(self, detail: str) -> None:
        self.outcome, self.detail = Outcome.SKIPPED, detail


@dataclass
class _Run:
    policy: SealPolicy
    checks: list[Check] = field(default_factory=list)

    @contextmanager
    def check(self, name: str) -> Iterator[_Step]:
        step = _Step()
        try:
            yield step
        except EvoucherError as exc:
            self.checks.append(Check(name, Outcome.FAILED, str(exc), _sub_indication(exc)))
        else:
            self.checks.append(Check(name, step.outcome, step.detail))

    def ok(self, name: str) -> bool:
        return any(c.name == name and c.outcome is not Outcome.FAILED for c in self.checks)

    def skip(self, name: str, because: str) -> None:
        self.checks.append(Check(name, Outcome.SKIPPED, f"not checked: {because}"))

    def report(self, kind: str, **facts: object) -> SealReport:
        failed = [c for c in self.checks if c.sub_indication is not None]
        decisive = next((c for c in failed if c.sub_indication.indication is Indication.FAILED), None)
        decisive = decisive or (failed[0] if failed else None)
        hashed = next((c for c in self.checks if c.name == "data-hash"), None)
        signatures = ("seal-signature", "document-signature") if kind == "signature" else ("seal-signature",)
        return SealReport(
            indication=decisive.sub_indication.indication if decisive else Indication.PASSED,
            sub_indication=decisive.sub_indication if decisive else None,
            kind=kind,
            intact=_intact(hashed),
            valid=all(self.ok(name) for name in signatures),
            policy=self.policy.name,
            checks=tuple(self.checks),
            failure_msg=f"{decisive.name}: {decisive.detail}" if decisive else None,
            **facts,
        )


def _intact(hashed: Check | None) -> bool | None:
    """True/False when the data was compared with dataHash, None when it was not."""
    if hashed is None or hashed.outcome is Outcome.SKIPPED:
        return None
    if hashed.sub_indication is None:
        return True
    return False if hashed.sub_indication is Failed.HASH_FAILURE else None


def _validation_time(policy: SealPolicy, at: datetime | None, signing: datetime | None) -> datetime | None:
    chosen = at if at is not None else policy.validation_time
    if chosen == "now":
        return datetime.now(UTC)
    if chosen == "signing":
        return signing
    return chosen if chosen.tzinfo else chosen.replace(tzinfo=UTC)


def _window(cert: certs.Cert, at: datetime) -> str:
    return f"{cert.not_before:%Y-%m-%d} <= {at:%Y-%m-%d %H:%M:%SZ} <= {cert.not_after:%Y-%m-%d}"


def _load_cert(run: _Run, name: str, der: bytes) -> certs.Cert | None:
    cert = None
    with run.check(name) as step:
        cert = certs.load_certificate(der, name)
        step.note(cert.subject)
    return cert


def _check_seal(
    run: _Run, seal: model.Seal, at: datetime, anchors: list[certs.Cert], crls: list[certs.Crl]
) -> certs.Cert | None:
    """The seal's own checks; returns the maker cert when it could be read."""
    with run.check("version") as step:
        run.policy.check_version(seal.version)
        step.note(f"v{seal.version} structure, header.version {seal.header_version}, vendor {seal.vid!r}")
    if seal.deviations:
        with run.check("deviations") as step:
            step.warn("; ".join(seal.deviations))
    maker = _load_cert(run, "maker cert", seal.maker_cert)
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
                step.note(_window(maker, at))
            except certs.CertExpired as exc:
                if not (run.policy.tolerate_expired_maker and maker.valid_at(seal.create_date)):
                    raise
                step.warn(f"{exc}; tolerated: valid when the seal was made ({seal.create_date:%Y-%m-%d})")
        _check_pki(run, "maker", maker, at, anchors, crls, [maker])
    return maker


def _check_pki(
    run: _Run,
    role: str,
    cert: certs.Cert,
    at: datetime,
    anchors: list[certs.Cert],
    crls: list[certs.Crl],
    known: list[certs.Cert],
) -> None:
    """Chain to a trust anchor, then revocation, as far as the policy requires."""
    with run.check(f"{role}-chain") as step:
        if anchors:
            anchor = certs.find_anchor(cert, anchors, what=f"{role} cert")
            certs.check_validity(anchor, at, what="trust anchor")
            step.note(f"issued by trust anchor {anchor.subject}")
        elif run.policy.require_chain:
            raise certs.ChainNotFound("no trust anchors given", what=f"{role} cert")
        else:
            step.warn(f"no trust anchors given; policy {run.policy.name!r} does not require a chain")
    with run.check(f"{role}-revocation") as step:
        if not crls and not run.policy.require_revocation:
            step.skip("no CRLs given")
        else:
            try:
                step.note(certs.check_revocation(cert, anchors + known, crls, at, what=f"{role} cert"))
            except certs.RevocationUnavailable as exc:
                if run.policy.require_revocation:
                    raise
                step.warn(str(exc))


def _inputs(
    trust_anchors: Iterable[bytes], crls: Iterable[bytes]
) -> tuple[list[certs.Cert], list[certs.Crl]]:
    return [certs.load_certificate(a, "trust anchor") for a in trust_anchors], [
        certs.load_crl(c) for c in crls
    ]


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
    anchors, crl_list = _inputs(trust_anchors, crls)
    run = _Run(policy)
    with run.check("structure") as step:
        if model.is_signature(seal_der):
            raise SealError("this is an SES_Signature, not an SES_Seal (use verify_signature)")
        seal = model.load_seal(seal_der)
        step.note(f"SES_Seal v{seal.version}, {len(seal_der)} bytes")
    if not run.ok("structure"):
        return run.report("seal", version=None)
    when = _validation_time(policy, at, seal.create_date)
    maker = _check_seal(run, seal, when, anchors, crl_list)
    return run.report(
        "seal",
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
) -> SealReport:
    """Verify an SES_Signature (a stamp): its seal, the signer's signature, and what it binds.

    `data` is compared with dataHash (SM3); `expected_property_info` (see `seal.binding`) with
    propertyInfo. Without `data` the hash check is SKIPPED, or INDETERMINATE when the policy
    requires the signed data. Unreadable `trust_anchors` or `crls` raise SealError.
    """
    anchors, crl_list = _inputs(trust_anchors, crls)
    run = _Run(policy)
    with run.check("structure") as step:
        if not model.is_signature(sig_der):
            raise SealError("this is an SES_Seal, not an SES_Signature (use verify_seal)")
        sig = model.load_signature(sig_der)
        step.note(f"SES_Signature v{sig.version}, {len(sig_der)} bytes")
    if not run.ok("structure"):
        return run.report("signature", version=None)
    with run.check("time-info") as step:
        if sig.signing_time is None:
            raise SealError(f"timeInfo {sig.time_info!r} is not a time this verifier reads")
        step.note(sig.signing_time.isoformat())
    when = _validation_time(policy, at, sig.signing_time)
    if when is None:
        return run.report("signature", version=sig.version)
    seal = sig.seal
    maker = _check_seal(run, seal, when, anchors, crl_list)
    signer = _load_cert(run, "signer cert", sig.signer_cert)
    if signer is None:
        run.skip("document-signature", "signer cert unreadable")
    else:
        with run.check("document-signature") as step:
            form = integrity.check_document_signature(sig, signer.public_key, signer_id=policy.signer_id)
            policy.check_signature_form(form, what="document signature")
            step.note(f"SM2 ({form}) over the original {len(sig.tbs_bytes)}-byte TBS_Sign")
            if form != "der":
                step.warn(f"{form} signature value accepted by policy {policy.name!r}")
    with run.check("signer-in-seal") as step:
        step.note(integrity.check_signer_in_seal(sig))
    with run.check("data-hash") as step:
        if data is not None:
            step.note(f"SM3(data) = dataHash = {integrity.check_data_hash(sig, data)}")
        elif policy.require_signed_data:
            raise integrity.SignedDataNotFound(f"dataHash {sig.data_hash.hex()} present but no data given")
        else:
            step.skip("no data given")
    with run.check("binding") as step:
        if expected_property_info is None:
            step.skip(f"no expected propertyInfo given (stamp says {sig.property_info!r})")
        else:
            check_property_info(expected_property_info, sig.property_info)
            step.note(sig.property_info)
    if sig.has_time_stamp:
        run.skip("time-stamp", "timeStamp present; time-stamp tokens are not verified")
    if signer is not None:
        with run.check("signer-cert-validity") as step:
            certs.check_validity(signer, when, what="signer cert")
            step.note(_window(signer, when))
        _check_pki(run, "signer", signer, when, anchors, crl_list, [c for c in (maker, signer) if c])
    return run.report(
        "signature",
        version=sig.version,
        validation_time=when,
        signing_time=sig.signing_time,
        maker=certs.summary(maker) if maker else None,
        signer=certs.summary(signer) if signer else None,
        es_id=seal.es_id,
        seal_name=seal.name,
    )
