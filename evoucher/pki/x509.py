"""X.509 certificates and CRLs signed with SM2-with-SM3.

`cryptography` parses SM2 certificates but cannot sign them, so the TBSCertificate and
TBSCertList are built with asn1crypto and their DER is signed with our SM2 (default signer ID,
OID 1.2.156.10197.1.501, no parameters), the way `openssl x509 -sm3` and real Chinese CAs do.
Key identifiers are the first 20 bytes of SM3 over the public point.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import algos, core, crl, keys, pem, x509

from evoucher.crypto import sm2
from evoucher.crypto.oids import EC_PUBLIC_KEY, SM2_CURVE, SM2_WITH_SM3
from evoucher.crypto.sm3 import sm3
from evoucher.errors import CryptoError
from evoucher.pki.keys import public_key_info, sign_deterministic

END_ENTITY_USAGE = frozenset({"digital_signature", "non_repudiation"})
CA_USAGE = frozenset({"key_cert_sign", "crl_sign"})


def _algorithm() -> algos.SignedDigestAlgorithm:
    return algos.SignedDigestAlgorithm({"algorithm": SM2_WITH_SM3})


def _time(at: datetime) -> x509.Time:
    # RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050
    return x509.Time(name="utc_time" if at.year < 2050 else "general_time", value=at.astimezone(UTC))


def key_identifier(public_key: sm2.PublicKey) -> bytes:
    """Subject/authority key identifier: SM3 of the uncompressed point, cut to 20 bytes."""
    return sm3(public_key.to_bytes())[:20]


def build_name(
    *,
    common_name: str,
    organization: str | None = None,
    org_unit: str | None = None,
    locality: str | None = None,
    serial_number: str | None = None,
) -> x509.Name:
    """A subject name: C=CN plus the given attributes, Chinese text as UTF8String.

    The test PKI puts the AdmDivCode in L, the org type in OU and the certID in serialNumber.
    """
    fields = {"country_name": "CN"}
    for name, value in (
        ("locality_name", locality),
        ("organization_name", organization),
        ("organizational_unit_name", org_unit),
        ("common_name", common_name),
        ("serial_number", serial_number),
    ):
        if value is not None:
            fields[name] = value
    return x509.Name.build(fields, use_printable=False)


class _SubjectPublicKeyInfo(core.Sequence):
    """SubjectPublicKeyInfo with the key as plain bits: asn1crypto's `PublicKeyInfo` picks the key's
    type by algorithm and raises KeyError on the SM2 curve OID used as the algorithm."""

    _fields = [("algorithm", keys.PublicKeyAlgorithm), ("public_key", core.OctetBitString)]  # noqa: RUF012


def certificate_public_key(cert: x509.Certificate | bytes) -> sm2.PublicKey:
    """The SM2 point of a certificate's SubjectPublicKeyInfo (an asn1crypto certificate or its DER).

    The one reader of SM2 keys from certificates: `seal.certs` uses it for the real certificates
    it reads with `cryptography`. Accepts id-ecPublicKey with the SM2 curve, and the SM2 curve
    OID as the algorithm itself (seen in older Chinese certificates). asn1crypto parses lazily,
    so odd name strings elsewhere in a real certificate are never decoded. CryptoError if the
    key is not an SM2 point.
    """
    if isinstance(cert, bytes):
        cert = x509.Certificate.load(cert)
    spki = _SubjectPublicKeyInfo.load(cert["tbs_certificate"]["subject_public_key_info"].dump())
    algorithm = spki["algorithm"]["algorithm"].dotted
    params = spki["algorithm"]["parameters"]
    curve = params.chosen.dotted if algorithm == EC_PUBLIC_KEY and params.name == "named" else None
    if algorithm != SM2_CURVE and curve != SM2_CURVE:
        raise CryptoError(f"not an SM2 key (algorithm {algorithm}, curve {curve})")
    return sm2.PublicKey.from_bytes(bytes(spki["public_key"].native))


@dataclass(frozen=True)
class CertificateRequest:
    """What a CA needs to issue one certificate; the CA supplies issuer, serial and its key."""

    subject: x509.Name
    public_key: sm2.PublicKey
    not_before: datetime
    not_after: datetime
    is_ca: bool = False
    crl_uri: str | None = None


def sign_certificate(
    request: CertificateRequest,
    *,
    serial: int,
    issuer_key: sm2.PrivateKey,
    issuer_cert: x509.Certificate | None = None,
) -> x509.Certificate:
    """Build and SM2-sign a v3 certificate; `issuer_cert=None` makes it self-signed."""
    issuer_public = issuer_key.public_key
    if issuer_cert is not None and certificate_public_key(issuer_cert) != issuer_public:
        raise CryptoError("issuer key does not match the issuer certificate")
    issuer = issuer_cert.subject if issuer_cert is not None else request.subject
    extensions = [
        {
            "extn_id": "basic_constraints",
            "critical": True,
            "extn_value": {"ca": request.is_ca},
        },
        {
            "extn_id": "key_usage",
            "critical": True,
            "extn_value": set(CA_USAGE if request.is_ca else END_ENTITY_USAGE),
        },
        {"extn_id": "key_identifier", "critical": False, "extn_value": key_identifier(request.public_key)},
        {
            "extn_id": "authority_key_identifier",
            "critical": False,
            "extn_value": {"key_identifier": key_identifier(issuer_public)},
        },
    ]
    if request.crl_uri is not None:
        extensions.append(
            {
                "extn_id": "crl_distribution_points",
                "critical": False,
                "extn_value": [
                    {
                        "distribution_point": {
                            "full_name": [
                                x509.GeneralName(name="uniform_resource_identifier", value=request.crl_uri)
                            ]
                        }
                    }
                ],
            }
        )
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": serial,
            "signature": _algorithm(),
            "issuer": issuer,
            "validity": {"not_before": _time(request.not_before), "not_after": _time(request.not_after)},
            "subject": request.subject,
            "subject_public_key_info": public_key_info(request.public_key),
            "extensions": extensions,
        }
    )
    return x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": _algorithm(),
            "signature_value": sign_deterministic(issuer_key, tbs.dump()),
        }
    )


# RFC 5280 CRLReason names, as OpenSSL and our CLI spell them -> asn1crypto's names
REASONS = {
    "unspecified": "unspecified",
    "keyCompromise": "key_compromise",
    "cACompromise": "ca_compromise",
    "affiliationChanged": "affiliation_changed",
    "superseded": "superseded",
    "cessationOfOperation": "cessation_of_operation",
    "certificateHold": "certificate_hold",
    "removeFromCRL": "remove_from_crl",
    "privilegeWithdrawn": "privilege_withdrawn",
    "aACompromise": "aa_compromise",
}


@dataclass(frozen=True)
class Revocation:
    """One revoked serial: when and why (`key_compromise` or the RFC 5280 `keyCompromise`)."""

    serial: int
    revoked_at: datetime
    reason: str = "unspecified"

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", REASONS.get(self.reason, self.reason))
        if self.reason not in crl.CRLReason._map.values():
            known = ", ".join(REASONS)
            raise ValueError(f"unknown revocation reason {self.reason!r}; one of {known}")


def sign_crl(
    revocations: Iterable[Revocation],
    *,
    issuer_cert: x509.Certificate,
    issuer_key: sm2.PrivateKey,
    number: int,
    this_update: datetime,
    next_update: datetime,
) -> crl.CertificateList:
    """Build and SM2-sign a v2 CRL with a reason code per entry, a CRL number and the AKI."""
    entries = [
        {
            "user_certificate": r.serial,
            "revocation_date": _time(r.revoked_at),
            "crl_entry_extensions": [{"extn_id": "crl_reason", "critical": False, "extn_value": r.reason}],
        }
        for r in sorted(revocations, key=lambda r: r.serial)
    ]
    tbs = crl.TbsCertList(
        {
            "version": "v2",
            "signature": _algorithm(),
            "issuer": issuer_cert.subject,
            "this_update": _time(this_update),
            "next_update": _time(next_update),
            "revoked_certificates": entries or None,
            "crl_extensions": [
                {"extn_id": "crl_number", "critical": False, "extn_value": number},
                {
                    "extn_id": "authority_key_identifier",
                    "critical": False,
                    "extn_value": {"key_identifier": key_identifier(certificate_public_key(issuer_cert))},
                },
            ],
        }
    )
    return crl.CertificateList(
        {
            "tbs_cert_list": tbs,
            "signature_algorithm": _algorithm(),
            "signature": sign_deterministic(issuer_key, tbs.dump()),
        }
    )


def to_pem(obj: x509.Certificate | crl.CertificateList) -> bytes:
    """PEM armour with the label OpenSSL expects for a certificate or a CRL."""
    label = "CERTIFICATE" if isinstance(obj, x509.Certificate) else "X509 CRL"
    return pem.armor(label, obj.dump())


def _der(data: bytes) -> bytes:
    return pem.unarmor(data)[2] if pem.detect(data) else data


def load_certificate(data: bytes) -> x509.Certificate:
    """A certificate from PEM or DER bytes."""
    return x509.Certificate.load(_der(data))


def load_crl(data: bytes) -> crl.CertificateList:
    """A CRL from PEM or DER bytes."""
    return crl.CertificateList.load(_der(data))
