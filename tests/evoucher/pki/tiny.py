"""A three-certificate PKI (root, seal maker, one signer) for seal and stamp tests."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import x509

from evoucher.crypto import sm2
from evoucher.pki import CertificateAuthority, build_name, derive_key

T0 = datetime(2025, 1, 1, tzinfo=UTC)
T1 = datetime(2045, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class TinyPki:
    ca: CertificateAuthority
    maker_key: sm2.PrivateKey
    maker_cert: x509.Certificate
    signer_key: sm2.PrivateKey
    signer_cert: x509.Certificate
    other_key: sm2.PrivateKey
    other_cert: x509.Certificate

    @property
    def anchors(self) -> list[bytes]:
        return [self.ca.cert.dump()]


@functools.cache
def tiny_pki() -> TinyPki:
    ca = CertificateAuthority.create_root(
        derive_key(b"tiny", "root"), subject=build_name(common_name="tiny root"), not_before=T0, not_after=T1
    )

    def leaf(label: str) -> tuple[sm2.PrivateKey, x509.Certificate]:
        key = derive_key(b"tiny", label)
        return key, ca.issue(build_name(common_name=label, organization="杭州市财政局"), key.public_key)

    return TinyPki(ca, *leaf("maker"), *leaf("signer"), *leaf("other"))
