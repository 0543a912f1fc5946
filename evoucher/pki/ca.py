"""A certificate authority for the test PKI: issues SM2 certificates, revokes them, signs CRLs.

The CA keeps no database of its own: the environment manifest records what it issued and
revoked, and hands the revocations back when it reloads the CA. Serial numbers are derived
from the issuer, subject, key and validity (71 bits of SM3: 9 bytes shifted right once, so the
DER INTEGER stays positive), so a seeded environment is reproducible and two different
certificates practically never share a serial.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from asn1crypto import crl, x509

from evoucher.crypto import sm2
from evoucher.crypto.sm3 import sm3
from evoucher.pki.x509 import (
    CertificateRequest,
    Revocation,
    certificate_public_key,
    key_identifier,
    sign_certificate,
    sign_crl,
)


class CertificateAuthority:
    """An SM2 CA certificate and its key, plus the revocations and CRL number it has issued."""

    def __init__(
        self,
        key: sm2.PrivateKey,
        cert: x509.Certificate,
        *,
        crl_uri: str | None = None,
        revocations: Iterable[Revocation] = (),
        crl_number: int = 0,
    ) -> None:
        if certificate_public_key(cert) != key.public_key:
            raise ValueError("CA key does not match the CA certificate")
        self.key = key
        self.cert = cert
        self.crl_uri = crl_uri
        self.crl_number = crl_number
        self._revoked: dict[int, Revocation] = {r.serial: r for r in revocations}

    @classmethod
    def create_root(
        cls,
        key: sm2.PrivateKey,
        *,
        subject: x509.Name,
        not_before: datetime,
        not_after: datetime,
        crl_uri: str | None = None,
    ) -> CertificateAuthority:
        """A self-signed root CA (basicConstraints CA:TRUE, keyCertSign and cRLSign)."""
        request = CertificateRequest(subject, key.public_key, not_before, not_after, is_ca=True)
        cert = sign_certificate(request, serial=_serial(key.public_key, request), issuer_key=key)
        return cls(key, cert, crl_uri=crl_uri)

    @property
    def not_before(self) -> datetime:
        return self.cert["tbs_certificate"]["validity"]["not_before"].native

    @property
    def not_after(self) -> datetime:
        return self.cert["tbs_certificate"]["validity"]["not_after"].native

    def issue(
        self,
        subject: x509.Name,
        public_key: sm2.PublicKey,
        *,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        is_ca: bool = False,
    ) -> x509.Certificate:
        """Issue a certificate; validity defaults to the CA's own, and never exceeds it."""
        start = max(not_before or self.not_before, self.not_before)
        end = min(not_after or self.not_after, self.not_after)
        if end <= start:
            raise ValueError(f"empty validity {start:%Y-%m-%d}..{end:%Y-%m-%d} inside the CA's")
        request = CertificateRequest(subject, public_key, start, end, is_ca=is_ca, crl_uri=self.crl_uri)
        serial = _serial(self.key.public_key, request)
        return sign_certificate(request, serial=serial, issuer_key=self.key, issuer_cert=self.cert)

    def revoke(self, serial: int, *, at: datetime, reason: str = "unspecified") -> Revocation:
        """Record a revocation; it appears in every CRL signed after this. Refuses a second one."""
        if serial in self._revoked:
            raise ValueError(f"serial {serial:x} is already revoked ({self._revoked[serial].reason})")
        revocation = Revocation(serial, at, reason)
        self._revoked[serial] = revocation
        return revocation

    def revocation(self, serial: int) -> Revocation | None:
        """The revocation of `serial`, or None if it is not revoked."""
        return self._revoked.get(serial)

    @property
    def revocations(self) -> tuple[Revocation, ...]:
        return tuple(sorted(self._revoked.values(), key=lambda r: r.serial))

    def sign_crl(self, *, this_update: datetime, next_update: datetime | None = None) -> crl.CertificateList:
        """Sign the next CRL (its number goes up by one) listing every revocation so far.

        `next_update` defaults to the CA's notAfter: the test PKI publishes a new CRL on every
        revocation, so a CRL is never stale until the CA itself expires.
        """
        self.crl_number += 1
        return sign_crl(
            self.revocations,
            issuer_cert=self.cert,
            issuer_key=self.key,
            number=self.crl_number,
            this_update=this_update,
            next_update=next_update or max(self.not_after, this_update + timedelta(days=1)),
        )


def _serial(issuer: sm2.PublicKey, request: CertificateRequest) -> int:
    validity = f"{request.not_before.isoformat()}/{request.not_after.isoformat()}".encode()
    digest = sm3(key_identifier(issuer) + request.subject.dump() + request.public_key.to_bytes() + validity)
    return int.from_bytes(digest[:9], "big") >> 1 or 1
