"""Electronic seals and stamps: GB/T 38540-2020 (v4) and GM/T 0031-2014 (v1).

Layers, bottom up: `asn1_v4`/`asn1_v1` (the structures), `model` (decoded seals that keep
their original bytes), `certs` (X.509 with SM2), `integrity` (SM3 dataHash, SM2 signatures),
`binding` (propertyInfo names the voucher and position), `policy` and `verify` (the verdict,
with its private helpers `_run` and `_chain`). `bare` is the seal-less signature (签名) of voucher
signature positions. Creation (`create`, `picture`) sits beside them. See docs/seals.md.
"""

from evoucher.seal.binding import PropertyInfo, check_property_info, parse_property_info, property_info
from evoucher.seal.model import Seal, Signature, load, load_seal, load_signature
from evoucher.seal.policy import DEFAULT, STRICT, SealPolicy
from evoucher.seal.verify import verify_bare_signature, verify_seal, verify_signature

__all__ = [
    "DEFAULT",
    "STRICT",
    "PropertyInfo",
    "Seal",
    "SealPolicy",
    "Signature",
    "check_property_info",
    "load",
    "load_seal",
    "load_signature",
    "parse_property_info",
    "property_info",
    "verify_bare_signature",
    "verify_seal",
    "verify_signature",
]
