"""X.509 certificates and CRLs with SM2 keys, read by `cryptography`, checked by our SM2.

`cryptography` parses real Chinese certificates (GBK-ish and odd string types that make
asn1crypto raise) but has no SM2 curve, so it can neither give the public key nor check a
signature. The point comes from `pki.x509.certificate_public_key` (asn1crypto, decoding only the
SubjectPublicKeyInfo), and issuer signatures are verified over the exact TBSCertificate bytes
with `evoucher.crypto.sm2`.

`cryptography` 51 decodes names eagerly and refuses a string whose bytes do not fit its declared
type (the real Yunnan signer certificate has an IA5String emailAddress holding UTF-8 Chinese);
such a certificate is read with asn1crypto instead, and its `deviation` says why (a WARNING).

Errors (each becomes one sub-indication in `seal.verify`)::

    SealError
    └── CertificateError            cert (or CRL) unreadable, or not an SM2 cert
        ├── CertExpired             after notAfter at the validation time
        ├── CertNotYetValid         before notBefore
        ├── ChainNotFound           no trust anchor issued it
        ├── CertRevoked             listed on a CRL with a revocation date not after the time
        ├── RevocationUnavailable   no usable CRL from its issuer
        └── RevocationOutOfBounds   a CRL exists but its thisUpdate..nextUpdate misses the time
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from asn1crypto import core
from asn1crypto import x509 as asn1_x509
from cryptography import x509

from evoucher.crypto import oids, remembered, sm2
from evoucher.errors import CryptoError, SealError
from evoucher.pki.x509 import certificate_public_key
from evoucher.verdict import CertSummary


class CertificateError(SealError):
    """A certificate or CRL that cannot be read or used, with the role it plays (`what`)."""

    def __init__(self, detail: str, *, what: str = "certificate") -> None:
        self.detail = detail
        self.what = what
        super().__init__(f"{what}: {detail}")


class CertExpired(CertificateError):
    """The certificate's notAfter is before the validation time."""


class CertNotYetValid(CertificateError):
    """The certificate's notBefore is after the validation time."""


class ChainNotFound(CertificateError):
    """No trust anchor is (or issued) the certificate."""


class CertRevoked(CertificateError):
    """A CRL from the issuer lists the certificate as revoked at the validation time."""


class RevocationUnavailable(CertificateError):
    """No CRL from the certificate's issuer with a good signature was given."""


class RevocationOutOfBounds(CertificateError):
    """The issuer's CRL does not cover the validation time (thisUpdate..nextUpdate)."""


def _der(data: bytes) -> bytes:
    """DER from DER or PEM input."""
    if data.lstrip().startswith(b"-----BEGIN"):
        from asn1crypto import pem

        _, _, data = pem.unarmor(data.strip())
    return data


NameKey = tuple[frozenset[tuple[str, str | bytes]], ...]


def name_key(name: x509.Name) -> NameKey:
    """A Name as plain tuples, equal exactly when `cryptography` calls the Names equal (each RDN a
    set of (OID, value)), but compared in C: names are compared several times per certificate."""
    return tuple(frozenset((a.oid.dotted_string, a.value) for a in rdn) for rdn in name.rdns)


@dataclass(frozen=True)
class Cert:
    """A parsed certificate that keeps its DER; `public_key` is its SM2 point.

    `cryptography` decodes fields lazily, so the ones reports show are read at load time: a
    malformed name is a CertificateError then, not a ValueError in the middle of a verification.
    """

    der: bytes
    x509: x509.Certificate | None  # None when only asn1crypto could read it (see `deviation`)
    public_key: sm2.PublicKey
    subject: str
    issuer: str
    serial_hex: str
    not_before: datetime
    not_after: datetime
    # read once: `cryptography` builds a new Name and re-encodes the TBSCertificate at every access
    subject_name: NameKey
    issuer_name: NameKey
    serial: int
    tbs: bytes
    signature: bytes
    signature_algorithm: str  # dotted OID
    deviation: str | None = None  # why it is not strictly DER-conformant, when `cryptography` refused it

    def valid_at(self, at: datetime) -> bool:
        return self.not_before <= at <= self.not_after


@functools.lru_cache(maxsize=256)
def load_certificate(data: bytes, what: str = "certificate") -> Cert:
    """Parse a DER or PEM certificate with an SM2 key; CertificateError if it is neither."""
    der = _der(data)
    try:
        try:
            cert = x509.load_der_x509_certificate(der)
        except ValueError:
            lenient = _load_leniently(der)
            if lenient is None:
                raise
            return lenient
        return Cert(
            der,
            cert,
            certificate_public_key(der),
            cert.subject.rfc4514_string(),
            cert.issuer.rfc4514_string(),
            format(cert.serial_number, "x"),
            cert.not_valid_before_utc,
            cert.not_valid_after_utc,
            name_key(cert.subject),
            name_key(cert.issuer),
            cert.serial_number,
            cert.tbs_certificate_bytes,
            cert.signature,
            cert.signature_algorithm_oid.dotted_string,
        )
    except CryptoError as exc:  # e.g. not an SM2 key, or a point off the curve
        raise CertificateError(str(exc), what=what) from None
    except (ValueError, TypeError, KeyError, x509.InvalidVersion) as exc:
        raise CertificateError(f"cannot be parsed ({exc!r})", what=what) from None


def _string_type(value: core.Asn1Value) -> str:
    """The ASN.1 string type of a name value, as asn1crypto names it ("IA5String")."""
    value = value.chosen if isinstance(value, core.Choice) else value
    return next(c.__name__ for c in type(value).__mro__ if c.__module__ == core.__name__)


def _lenient_name(name: asn1_x509.Name, role: str, deviations: list[str]) -> x509.Name:
    """`name` as a `cryptography` Name, so it prints and compares as one `cryptography` read.

    A value whose bytes are not of its declared type but are UTF-8 is decoded as UTF-8 and
    noted in `deviations`; anything else asn1crypto cannot decode raises (a ValueError).
    """
    rdns = []
    for rdn in name.chosen:
        attributes = []
        for atv in rdn:
            attribute, raw = atv["type"], atv["value"]
            try:
                value = raw.native
            except UnicodeDecodeError:
                value = raw.contents.decode("utf-8")
                kind = _string_type(raw)
                deviations.append(f"{role} {attribute.native} holds UTF-8 {value!r}, not valid in its {kind}")
            attributes.append(x509.NameAttribute(x509.ObjectIdentifier(attribute.dotted), value))
        rdns.append(x509.RelativeDistinguishedName(attributes))
    return x509.Name(rdns)


def _load_leniently(der: bytes) -> Cert | None:
    """The certificate read with asn1crypto when `cryptography` refused it for a name string
    holding UTF-8 bytes its type does not allow; None (keep the refusal) for anything else.

    Reads what verification uses: names, serial, validity, the TBSCertificate bytes as
    received, the signature and the SM2 point. No certificate extension is read by the verifier.
    """
    try:
        cert = asn1_x509.Certificate.load(der, strict=True)
        tbs = cert["tbs_certificate"]
        deviations: list[str] = []
        subject = _lenient_name(tbs["subject"], "subject", deviations)
        issuer = _lenient_name(tbs["issuer"], "issuer", deviations)
        serial = tbs["serial_number"].native
        validity = tbs["validity"]
        not_before, not_after = validity["not_before"].native, validity["not_after"].native
        signature = cert["signature_value"].native
        algorithm = cert["signature_algorithm"]["algorithm"].dotted
        signed = tbs.dump()  # the bytes as received: asn1crypto keeps them for a parsed value
    except (ValueError, TypeError, KeyError):
        return None
    if not deviations:
        return None
    return Cert(
        der,
        None,
        certificate_public_key(cert),
        subject.rfc4514_string(),
        issuer.rfc4514_string(),
        format(serial, "x"),
        not_before,
        not_after,
        name_key(subject),
        name_key(issuer),
        serial,
        signed,
        signature,
        algorithm,
        "not strictly DER-conformant, read with asn1crypto: " + "; ".join(deviations),
    )


def _sm2_signed(public_key: sm2.PublicKey, tbs: bytes, signature: bytes, algorithm: str) -> bool:
    """Is `signature` the issuer's SM2 signature of `tbs`? Remembered (`crypto.remembered`): the same
    maker, signer and CRL signatures come back with every voucher from the same parties."""
    return algorithm == oids.SM2_WITH_SM3 and remembered.verify(public_key, tbs, signature)


def clear_caches() -> None:
    """Forget parsed certificates and remembered signature checks: timing a first contact."""
    load_certificate.cache_clear()
    load_crl.cache_clear()
    remembered.clear()


def issued_by(cert: Cert, issuer: Cert) -> bool:
    """True when `issuer`'s name is `cert`'s issuer and its key made `cert`'s SM2 signature."""
    return cert.issuer_name == issuer.subject_name and _sm2_signed(
        issuer.public_key, cert.tbs, cert.signature, cert.signature_algorithm
    )


def check_validity(cert: Cert, at: datetime, *, what: str = "certificate") -> None:
    """Raise CertExpired or CertNotYetValid unless notBefore <= at <= notAfter."""
    if at < cert.not_before:
        raise CertNotYetValid(f"not valid before {cert.not_before:%Y-%m-%d %H:%M:%SZ}", what=what)
    if at > cert.not_after:
        raise CertExpired(f"expired {cert.not_after:%Y-%m-%d %H:%M:%SZ}", what=what)


def find_anchor(cert: Cert, anchors: Sequence[Cert], *, what: str = "certificate") -> Cert:
    """The trust anchor that is `cert` or issued it; ChainNotFound otherwise.

    Anchors are trusted outright (roots or CAs configured by the operator), so one step
    suffices; intermediate CAs belong in the anchors list.
    """
    for anchor in anchors:
        if anchor.der == cert.der or issued_by(cert, anchor):
            return anchor
    raise ChainNotFound(f"issuer {cert.issuer!r} is not among {len(anchors)} trust anchor(s)", what=what)


@dataclass(frozen=True)
class Crl:
    """A parsed CRL that keeps its DER, with what revocation checks read, read once."""

    der: bytes
    x509: x509.CertificateRevocationList
    issuer_name: NameKey
    this_update: datetime
    next_update: datetime | None
    tbs: bytes
    signature: bytes
    algorithm: str  # dotted OID
    number: int  # cRLNumber, -1 without one: it orders two CRLs issued in the same second
    revoked: Mapping[int, datetime]  # serial -> revocation date


@functools.lru_cache(maxsize=64)
def load_crl(data: bytes) -> Crl:
    """Parse a DER or PEM CRL; CertificateError if it cannot be read.

    Remembered: the library passes the same CRLs (its configuration) with every stamp, and a
    new CRL is new bytes, so it is read afresh (and the old entry ages out of the 64 kept).
    """
    der = _der(data)
    try:
        crl = x509.load_der_x509_crl(der)
        try:
            number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        except x509.ExtensionNotFound:
            number = -1
        revoked: dict[int, datetime] = {}
        for entry in crl:  # the first entry of a serial answers, as get_revoked_certificate_by_serial_number
            revoked.setdefault(entry.serial_number, entry.revocation_date_utc)
        signed = crl.tbs_certlist_bytes, crl.signature, crl.signature_algorithm_oid.dotted_string
        updates = crl.last_update_utc, crl.next_update_utc
        return Crl(der, crl, name_key(crl.issuer), *updates, *signed, number, MappingProxyType(revoked))
    except ValueError as exc:
        raise CertificateError(f"cannot be parsed ({exc})", what="CRL") from None


def _crl_signed(crl: Crl, issuers: Iterable[Cert]) -> bool:
    return any(_sm2_signed(i.public_key, crl.tbs, crl.signature, crl.algorithm) for i in issuers)


def _covers(crl: Crl, at: datetime) -> bool:
    return crl.this_update <= at and (crl.next_update is None or at <= crl.next_update)


def check_revocation(
    cert: Cert, issuers: Iterable[Cert], crls: Iterable[Crl], at: datetime, *, what: str = "certificate"
) -> str:
    """Check `cert` against the CRLs its issuer signed; returns a note of which CRL answered.

    Only CRLs whose SM2 signature verifies against one of `issuers` count. Revocation after
    `at` does not affect a signature made at `at`.
    """
    issuers = [i for i in issuers if i.subject_name == cert.issuer_name]
    signed = [crl for crl in crls if crl.issuer_name == cert.issuer_name and _crl_signed(crl, issuers)]
    if not signed:
        raise RevocationUnavailable(f"no CRL signed by issuer {cert.issuer!r}", what=what)
    covering = [c for c in signed if _covers(c, at)]
    if not covering:
        raise RevocationOutOfBounds(f"no CRL from {cert.issuer!r} covers {at:%Y-%m-%d %H:%M:%SZ}", what=what)
    crl = max(covering, key=lambda c: (c.this_update, c.number))
    revoked_at = crl.revoked.get(cert.serial)
    if revoked_at is not None and revoked_at <= at:
        raise CertRevoked(f"revoked {revoked_at:%Y-%m-%d %H:%M:%SZ}", what=what)
    return f"not revoked per CRL of {crl.this_update:%Y-%m-%d %H:%M:%SZ}"


def summary(cert: Cert) -> CertSummary:
    """The few facts a report shows about a certificate."""
    return CertSummary(cert.subject, cert.issuer, cert.serial_hex, cert.not_before, cert.not_after)
