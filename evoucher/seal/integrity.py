"""Is the seal or stamp intact and are its signatures genuine? (SM3 dataHash, SM2 signatures)

Each function answers one question about bytes already decoded by `seal.model`, and raises a
typed error when the answer is no; `seal.verify` turns the errors into a verdict. Signatures
are checked over the original bytes (`Seal.signed_bytes`, `Signature.tbs_bytes`), and the
encoding seen (DER, BER or raw r‖s) is returned so the policy can judge it.
"""

from __future__ import annotations

import hmac

from evoucher.crypto import oids, remembered, sm2
from evoucher.crypto.sm3 import sm3, sm3_recent
from evoucher.errors import CryptoError, SealError
from evoucher.seal.bare import BareSignature
from evoucher.seal.model import Seal, Signature


class HashMismatch(SealError):
    """TBS_Sign.dataHash is not SM3 of the data given."""


class SignatureInvalid(SealError):
    """An SM2 signature does not verify over the signed bytes with the named certificate's key."""


class UnsupportedAlgorithm(SealError):
    """A signature algorithm other than SM2-with-SM3."""


class SignerNotInSeal(SealError):
    """The signer's certificate is not one the seal authorises (certList)."""


def check_data_hash(signature: Signature | BareSignature, data: bytes) -> str:
    """Raise HashMismatch unless dataHash == SM3(data); returns the digest in hex."""
    digest = sm3_recent(data)  # a voucher's stamps all sign the same bytes
    if not hmac.compare_digest(digest, signature.data_hash):
        raise HashMismatch(
            f"dataHash {signature.data_hash.hex()} != SM3(data) {digest.hex()} ({len(data)} bytes)"
        )
    return digest.hex()


def check_sm2(
    public_key: sm2.PublicKey, signed: bytes, value: bytes, algorithm: str, *, what: str, signer_id: bytes,
    recurs: bool = False, recurring: int = 0,
) -> sm2.SignatureForm:  # fmt: skip
    """Verify one SM2-with-SM3 signature; returns its encoding form.

    `recurs`: the same signature comes back often (a seal's), so its verdict is remembered
    (`crypto.remembered`); `recurring`: the first so many bytes of `signed` come back in other
    signed messages (`sm2.message_digest`). Raises UnsupportedAlgorithm for another algorithm,
    SignatureInvalid when the value is undecodable or does not verify.
    """
    if algorithm != oids.SM2_WITH_SM3:
        raise UnsupportedAlgorithm(f"{what}: algorithm {algorithm} is not SM2-with-SM3")
    try:
        form = sm2.signature_form(value)
    except CryptoError as exc:
        raise SignatureInvalid(f"{what}: signature value is not an SM2 signature ({exc})") from None
    if recurs:
        verified = remembered.verify(public_key, signed, value, signer_id=signer_id)
    else:
        verified = sm2.verify(public_key, signed, value, signer_id=signer_id, recurring=recurring)
    if not verified:
        raise SignatureInvalid(f"{what}: SM2 signature does not verify")
    return form


def check_seal_signature(seal: Seal, maker_key: sm2.PublicKey, *, signer_id: bytes) -> sm2.SignatureForm:
    """The maker's signature: v4 over DER(SES_SealInfo), v1 over DER SEQUENCE{SealInfo, cert, alg}."""
    return check_sm2(
        maker_key,
        seal.signed_bytes,
        seal.signed_value,
        seal.signature_algorithm,
        what="seal signature",
        signer_id=signer_id,
        recurs=True,  # every stamp made with this seal carries the same seal signature
    )


def check_document_signature(
    signature: Signature | BareSignature, signer_key: sm2.PublicKey, *, signer_id: bytes
) -> sm2.SignatureForm:
    """The signer's signature over the original DER of TBS_Sign (TBSVoucherSign for a bare one).

    A TBS_Sign starts with the seal it was made with, as every stamp of that seal does: its hash
    state up to the end of the seal is remembered (`sm3.sm3_after`).
    """
    seal = getattr(signature, "seal", None)
    at = -1 if seal is None else signature.tbs_bytes.find(seal.der)
    return check_sm2(
        signer_key,
        signature.tbs_bytes,
        signature.signature,
        signature.signature_algorithm,
        what="document signature",
        signer_id=signer_id,
        recurring=at + len(seal.der) if at >= 0 else 0,
    )


def check_signer_in_seal(signature: Signature) -> str:
    """Raise SignerNotInSeal unless the signer cert is byte-equal to one in the seal's certList,
    or (certListType 2) its digest is listed."""
    seal = signature.seal
    if signature.signer_cert in seal.signer_certs:
        return f"signer cert is entry {seal.signer_certs.index(signature.signer_cert) + 1} of the certList"
    for algorithm, digest in seal.cert_digests:
        if algorithm.upper() in ("SM3", oids.SM3) and sm3(signature.signer_cert) == digest:
            return f"signer cert's {algorithm} digest is in the certList"
    listed = len(seal.signer_certs) + len(seal.cert_digests)
    raise SignerNotInSeal(f"signer cert is none of the {listed} certificate(s) the seal lists")


class SignedDataNotFound(SealError):
    """The stamp carries a dataHash but the data was not given and the policy requires it."""
