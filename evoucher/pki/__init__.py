"""The test PKI: SM2 keys (PKCS#8), X.509 certificates and CRLs signed with SM2-with-SM3, a CA,
and the self-contained environment `guoku env init` writes (parties, certs, seals, positions).

`cryptography` parses SM2 certificates but cannot sign them; asn1crypto builds the structures
and `evoucher.crypto.sm2` signs them. Writing an environment (`evoucher.pki.builder`) needs the
seal maker, so it is imported from its module, not from here (seal creation imports this package).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# name -> submodule; loaded on first use, so that reading `evoucher.pki.scenario` (the CLI's
# --scenario choices) does not load the CA, SM2 and asn1crypto at every `guoku` start
_EXPORTS = {
    "CertificateAuthority": "ca",
    "Environment": "environment",
    "Holder": "environment",
    "Party": "environment",
    "load_environment": "environment",
    "derive_key": "keys",
    "private_key_from_pem": "keys",
    "private_key_to_pem": "keys",
    "sign_deterministic": "keys",
    "CertificateRequest": "x509",
    "Revocation": "x509",
    "build_name": "x509",
    "certificate_public_key": "x509",
    "load_certificate": "x509",
    "load_crl": "x509",
    "sign_certificate": "x509",
    "sign_crl": "x509",
    "to_pem": "x509",
}

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'evoucher.pki' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"evoucher.pki.{module}"), name)
    globals()[name] = value
    return value


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


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
