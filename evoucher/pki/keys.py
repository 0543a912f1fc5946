"""SM2 keys on disk (PKCS#8 PEM) and the test PKI's deterministic keys and signatures.

`cryptography` cannot load SM2 keys, so PKCS#8 is built and read with asn1crypto: an
id-ecPublicKey `PrivateKeyInfo` whose namedCurve is SM2 (1.2.156.10197.1.301), the form
`openssl genpkey -algorithm SM2` writes and `openssl pkey` reads.

A seeded environment must come out byte-identical every time, so keys are derived from the
seed and certificates, CRLs and seals are signed with a nonce derived from the key and the
message (in the spirit of RFC 6979). That nonce is fine for a test PKI; vouchers are stamped
with the ordinary random nonce.
"""

from __future__ import annotations

from asn1crypto import keys, pem

from evoucher.crypto import sm2
from evoucher.crypto.oids import EC_PUBLIC_KEY, SM2_CURVE, register_with_asn1crypto
from evoucher.crypto.sm3 import sm3
from evoucher.errors import CryptoError

_PEM_LABEL = "PRIVATE KEY"

# asn1crypto must know the curve's key size to encode ECPrivateKey
register_with_asn1crypto()


def derive_key(seed: bytes, label: str) -> sm2.PrivateKey:
    """The SM2 key that `label` (e.g. a certID) gets from an environment seed; same inputs, same key."""
    counter = 0
    while True:
        d = int.from_bytes(sm3(seed + b"\x00" + label.encode() + counter.to_bytes(4, "big")), "big")
        if 1 <= d <= sm2.N - 2:
            return sm2.PrivateKey(d)
        counter += 1


def sign_deterministic(key: sm2.PrivateKey, message: bytes) -> bytes:
    """SM2-with-SM3 (default signer ID) DER signature whose nonce is derived from key and message."""
    e = sm2.message_digest(key.public_key, message)
    k = int.from_bytes(sm3(key.to_bytes() + e), "big") % (sm2.N - 1) + 1
    return sm2.sign(key, message, k=k)


def private_key_info(key: sm2.PrivateKey) -> keys.PrivateKeyInfo:
    """PKCS#8 PrivateKeyInfo for an SM2 key, with the curve OID and the public point included."""
    curve = keys.ECDomainParameters(name="named", value=SM2_CURVE)
    return keys.PrivateKeyInfo(
        {
            "version": 0,
            "private_key_algorithm": keys.PrivateKeyAlgorithm(
                {"algorithm": EC_PUBLIC_KEY, "parameters": curve}
            ),
            "private_key": keys.ECPrivateKey(
                {
                    "version": "ecPrivkeyVer1",
                    "private_key": key.d,
                    "public_key": key.public_key.to_bytes(),
                }
            ),
        }
    )


def private_key_to_pem(key: sm2.PrivateKey) -> bytes:
    """PEM `PRIVATE KEY` (PKCS#8, unencrypted: this is a test PKI)."""
    return pem.armor(_PEM_LABEL, private_key_info(key).dump())


def private_key_from_pem(data: bytes) -> sm2.PrivateKey:
    """Read a PKCS#8 SM2 key as written by `private_key_to_pem` or `openssl genpkey -algorithm SM2`."""
    try:
        label, _, der = pem.unarmor(data)
        if label != _PEM_LABEL:
            raise CryptoError(f"expected a PEM {_PEM_LABEL!r}, got {label!r}")
        info = keys.PrivateKeyInfo.load(der)
        algorithm = info["private_key_algorithm"]
        curve = algorithm["parameters"].chosen.dotted if algorithm["parameters"].name == "named" else None
        if algorithm["algorithm"].dotted != EC_PUBLIC_KEY or curve != SM2_CURVE:
            raise CryptoError(f"not an SM2 key: algorithm {algorithm['algorithm'].dotted}, curve {curve}")
        return sm2.PrivateKey(info["private_key"].parsed["private_key"].native)
    except (ValueError, TypeError) as exc:
        if isinstance(exc, CryptoError):
            raise
        raise CryptoError(f"cannot read SM2 private key: {exc}") from exc


def public_key_info(key: sm2.PublicKey) -> keys.PublicKeyInfo:
    """SubjectPublicKeyInfo: id-ecPublicKey, namedCurve SM2, uncompressed point."""
    curve = keys.ECDomainParameters(name="named", value=SM2_CURVE)
    return keys.PublicKeyInfo(
        {
            "algorithm": keys.PublicKeyAlgorithm({"algorithm": EC_PUBLIC_KEY, "parameters": curve}),
            "public_key": key.to_bytes(),
        }
    )
