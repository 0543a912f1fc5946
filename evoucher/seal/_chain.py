"""The certificate checks of a verification: reading a certificate, its validity, chain, revocation.

Verify side (see `seal._run`): each function records checks on a `Run`; `seal.certs` does the
work and raises, the run turns its errors into sub-indications. The policy decides whether a
missing anchor or CRL is a WARNING, SKIPPED or INDETERMINATE.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from evoucher.seal import certs
from evoucher.seal._run import Run


def load_inputs(
    trust_anchors: Iterable[bytes], crls: Iterable[bytes]
) -> tuple[list[certs.Cert], list[certs.Crl]]:
    """The caller's anchors and CRLs, parsed; unreadable ones raise (configuration, not evidence)."""
    anchors = [certs.load_certificate(a, "trust anchor") for a in trust_anchors]
    return anchors, [certs.load_crl(c) for c in crls]


def window(cert: certs.Cert) -> str:
    """The validity a passed check notes (the time it was judged at is the report's validation_time)."""
    return f"valid {cert.not_before:%Y-%m-%d} .. {cert.not_after:%Y-%m-%d}"


def load_cert(run: Run, name: str, der: bytes) -> certs.Cert | None:
    """The certificate in `der` as check `name`; None (a FAILED check) when it cannot be read.

    A certificate only asn1crypto could read is a WARNING naming its deviation.
    """
    cert = None
    with run.check(name) as step:
        cert = certs.load_certificate(der, name)
        if cert.deviation:
            step.warn(f"{cert.subject}; {cert.deviation}")
        else:
            step.note(cert.subject)
    return cert


def check_signer_cert(
    run: Run,
    signer: certs.Cert,
    at: datetime,
    anchors: list[certs.Cert],
    crls: list[certs.Crl],
    known: list[certs.Cert],
) -> None:
    """The signer's validity at `at`, then chain and revocation."""
    with run.check("signer-cert-validity") as step:
        certs.check_validity(signer, at, what="signer cert")
        step.note(window(signer))
    check_pki(run, "signer", signer, at, anchors, crls, known)


def check_pki(
    run: Run,
    role: str,
    cert: certs.Cert,
    at: datetime,
    anchors: list[certs.Cert],
    crls: list[certs.Crl],
    known: list[certs.Cert],
) -> None:
    """Chain to a trust anchor, then revocation, as far as the policy requires.

    `known` are certificates that may have issued a CRL besides the anchors.
    """
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
