"""The test PKI: SM2 keys (PKCS#8), X.509 certificates and CRLs signed with SM2-with-SM3, a CA,
and the self-contained environment `guoku env init` writes (parties, certs, seals, positions).

`cryptography` parses SM2 certificates but cannot sign them; asn1crypto builds the structures
and `evoucher.crypto.sm2` signs them. Writing an environment (`evoucher.pki.builder`) needs the
seal maker, so it is imported from its module, not from here (seal creation imports this package).
"""

from evoucher.pki.ca import CertificateAuthority
from evoucher.pki.environment import Environment, Holder, Party, load_environment
from evoucher.pki.keys import derive_key, private_key_from_pem, private_key_to_pem, sign_deterministic
from evoucher.pki.x509 import (
    CertificateRequest,
    Revocation,
    build_name,
    certificate_public_key,
    load_certificate,
    load_crl,
    sign_certificate,
    sign_crl,
    to_pem,
)

__all__ = [
    "CertificateAuthority",
    "CertificateRequest",
    "Environment",
    "Holder",
    "Party",
    "Revocation",
    "build_name",
    "certificate_public_key",
    "derive_key",
    "load_certificate",
    "load_crl",
    "load_environment",
    "private_key_from_pem",
    "private_key_to_pem",
    "sign_certificate",
    "sign_crl",
    "sign_deterministic",
    "to_pem",
]
