"""SM2 verification remembered for signatures seen again: a pure function of its inputs.

A stream of stamps from the same parties carries the same seals (the maker's signature over the
same SES_SealInfo on every voucher), certificates and CRLs, so the same signatures come back on
every voucher; on the library's send path they were most of the SM2 work. The verdict is kept
per (public key, signer ID, message, signature) for messages up to SMALL bytes (certificates,
CRLs and seals without large pictures: their bytes come from the parsed-object caches, so the
lookup hashes nothing new), and per (public key, e = SM3(Z‖M), signature) for larger ones, so
memory stays bounded: at most SIZE entries of at most SMALL bytes each (~8 MiB; a few hundred KB
in practice). Nothing outside the inputs can change a verdict, so nothing needs invalidating;
revocation and validity are judged elsewhere, on every call.

Use it only where the same signature recurs; a signature seen once (a document signature, a
CallerAuth header) would only push the recurring ones out.
"""

from __future__ import annotations

import functools

from evoucher.crypto import sm2

SIZE = 1024
SMALL = 8 * 1024


@functools.lru_cache(maxsize=SIZE)
def _verified(public_key: sm2.PublicKey, signer_id: bytes, message: bytes, signature: bytes) -> bool:
    return sm2.verify(public_key, message, signature, signer_id=signer_id)


@functools.lru_cache(maxsize=SIZE)
def _verified_digest(public_key: sm2.PublicKey, e: bytes, signature: bytes) -> bool:
    return sm2.verify_digest(public_key, e, signature)


def verify(
    public_key: sm2.PublicKey, message: bytes, signature: bytes, *, signer_id: bytes = sm2.DEFAULT_ID
) -> bool:
    """`sm2.verify`, answered from memory when this key, message and signature were checked before."""
    if len(message) <= SMALL:
        return _verified(public_key, signer_id, message, signature)
    return _verified_digest(public_key, sm2.message_digest(public_key, message, signer_id), signature)


def clear() -> None:
    """Forget every remembered verdict (benchmarks timing a first contact)."""
    _verified.cache_clear()
    _verified_digest.cache_clear()
