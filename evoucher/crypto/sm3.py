"""SM3 (GB/T 32905) from `cryptography`, which implements it in C."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes


def sm3(data: bytes) -> bytes:
    """SM3 digest (32 bytes) of `data`."""
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()
