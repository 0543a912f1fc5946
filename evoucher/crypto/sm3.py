"""SM3 (GB/T 32905) from `cryptography`, which implements it in C."""

from __future__ import annotations

import functools

from cryptography.hazmat.primitives import hashes


def sm3(data: bytes) -> bytes:
    """SM3 digest (32 bytes) of `data`."""
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


@functools.lru_cache(maxsize=16)
def sm3_recent(data: bytes) -> bytes:
    """SM3 of `data`, remembered for the last 16 inputs: a voucher's bytes are hashed by each of its
    stamps' checks and again by the store, with other requests' in between. For vouchers (at
    most 1 MiB each, codec.safe.MAX_VOUCHER_BYTES) that keeps at most 16 MiB alive, ~0.5 MB
    in practice."""
    return sm3(data)
