"""Object identifiers of SM2/SM3 (GM/T 0006) used in certificates and seals, and their names.

asn1crypto knows none of them: `register_with_asn1crypto()` adds them to its OID maps so that
they print by name (`sm2_sm3`, `sm3`, `sm2p256v1`) and so that ECPrivateKey knows the curve's
32-byte key size. Every module that builds or prints these structures calls it at import; it is
idempotent.
"""

from __future__ import annotations

import functools

from asn1crypto import algos, core, keys

SM2_CURVE = "1.2.156.10197.1.301"
SM3 = "1.2.156.10197.1.401"
SM2_WITH_SM3 = "1.2.156.10197.1.501"
EC_PUBLIC_KEY = "1.2.840.10045.2.1"

SM2_WITH_SM3_NAME = "sm2_sm3"
SM3_NAME = "sm3"
SM2_CURVE_NAME = "sm2p256v1"  # OpenSSL's short name
SM2_KEY_SIZE = 32  # bytes of an SM2 private key


def _add(map_cls: type[core.ObjectIdentifier], oid: str, name: str) -> None:
    """`oid` -> `name` in an asn1crypto map, patching the reverse map if asn1crypto built it already."""
    map_cls._map[oid] = name
    if map_cls._reverse_map is not None:
        map_cls._reverse_map[name] = oid


@functools.cache
def register_with_asn1crypto() -> None:
    """Name SM2-with-SM3, SM3 and the SM2 curve in asn1crypto's maps (once per process)."""
    _add(algos.SignedDigestAlgorithmId, SM2_WITH_SM3, SM2_WITH_SM3_NAME)
    _add(algos.DigestAlgorithmId, SM3, SM3_NAME)
    keys.NamedCurve.register(SM2_CURVE_NAME, SM2_CURVE, SM2_KEY_SIZE)
