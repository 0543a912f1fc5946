"""SM2 verification remembered for signatures seen again: a pure function of its inputs.

A stream of stamps from the same parties carries the same seals (the maker's signature over the
same SES_SealInfo on every voucher), certificates and CRLs, so the same signatures come back on
every voucher; on the library's send path they were most of the SM2 work. What is remembered is
the verdict on (public key, e = SM3(Z‖M), signature): e is computed for every call (SM3 costs
~1/50 of a verify), so the memory per entry is a few hundred bytes whatever the message size,
and 4,096 entries bound it to ~1 MB. Nothing outside the inputs can change a verdict, so
nothing needs invalidating; revocation and validity are judged elsewhere, on every call.

Use it only where the same signature recurs; a signature seen once (a document signature, a
CallerAuth header) would only push the recurring ones out.
"""

from __future__ import annotations

import functools

from evoucher.crypto import sm2

SIZE = 4096


@functools.lru_cache(maxsize=SIZE)
def _verified(public_key: sm2.PublicKey, e: bytes, signature: bytes) -> bool:
    return sm2.verify_digest(public_key, e, signature)


def verify(
    public_key: sm2.PublicKey, message: bytes, signature: bytes, *, signer_id: bytes = sm2.DEFAULT_ID
) -> bool:
    """`sm2.verify`, answered from memory when this key, digest and signature were checked before."""
    return _verified(public_key, sm2.message_digest(public_key, message, signer_id), signature)


def clear() -> None:
    """Forget every remembered verdict (benchmarks timing a first contact)."""
    _verified.cache_clear()
