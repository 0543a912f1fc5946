"""SM2 curve arithmetic from the system's OpenSSL 3 libcrypto, through ctypes.

`cryptography` bundles an OpenSSL built without SM2, but Debian's libcrypto.so.3 has the SM2
curve (NID_sm2), and its generic prime-curve code computes s·G + t·P about twice as fast as
GmSSL's z256 routines on this machine (docs/performance.md §2). We take only that point sum
and its x from OpenSSL; SM3, Z and the comparison (e + x1) mod n = r stay in `evoucher.crypto.sm2`,
so any signer ID works and the same known answer decides whether this path is used at all.

The EC_* calls are deprecated in OpenSSL 3 but exported by every 3.x libcrypto; they are the
only public way to the raw point sum without building an EVP_PKEY per verify. ctypes releases
the GIL during each call, so several threads verify at once; each thread has its own BN_CTX
(not thread-safe) and the group is only read.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evoucher.crypto.sm2 import PublicKey

NID_SM2 = 1172  # obj_mac.h
_P = ctypes.c_void_p
_SIGNATURES: dict[str, tuple[type | None, list[type]]] = {
    "EC_GROUP_new_by_curve_name": (_P, [ctypes.c_int]),
    "EC_POINT_new": (_P, [_P]),
    "EC_POINT_free": (None, [_P]),
    "EC_POINT_oct2point": (ctypes.c_int, [_P, _P, ctypes.c_char_p, ctypes.c_size_t, _P]),
    "EC_POINT_mul": (ctypes.c_int, [_P, _P, _P, _P, _P, _P]),
    "EC_POINT_get_affine_coordinates": (ctypes.c_int, [_P, _P, _P, _P, _P]),
    "BN_bin2bn": (_P, [ctypes.c_char_p, ctypes.c_int, _P]),
    "BN_bn2binpad": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.c_int]),
    "BN_new": (_P, []),
    "BN_free": (None, [_P]),
    "BN_CTX_new": (_P, []),
    "ERR_clear_error": (None, []),
}


def openssl_x_of_sum(library: str | None = None) -> Callable[[PublicKey, int, int], int | None] | None:
    """x of t·P + s·G (None: the point at infinity or a point OpenSSL refuses) by `library`.

    `library` defaults to the system libcrypto.so.3; None instead of a function when it cannot
    be loaded, lacks a symbol, or has no SM2 curve. The caller checks a known answer before use.
    """
    try:
        lib = ctypes.CDLL(library or "libcrypto.so.3")
        for name, (restype, argtypes) in _SIGNATURES.items():
            function = getattr(lib, name)
            function.restype, function.argtypes = restype, argtypes
    except (OSError, AttributeError, TypeError):
        return None
    group = lib.EC_GROUP_new_by_curve_name(NID_SM2)
    if not group:
        return None
    local = threading.local()

    def bn_ctx() -> int:
        ctx = getattr(local, "ctx", None)
        if ctx is None:
            ctx = local.ctx = lib.BN_CTX_new()  # one per thread, kept for the thread's life
        return ctx

    def x_of_sum(public_key: PublicKey, t: int, s: int) -> int | None:
        ctx = bn_ctx()
        point, total = lib.EC_POINT_new(group), lib.EC_POINT_new(group)
        tn, sn, x = lib.BN_bin2bn(t.to_bytes(32, "big"), 32, None), lib.BN_new(), lib.BN_new()
        lib.BN_bin2bn(s.to_bytes(32, "big"), 32, sn)
        try:
            encoded = public_key.to_bytes()
            if not (point and total and tn and sn and x and ctx):
                raise MemoryError("OpenSSL could not allocate")
            if (
                lib.EC_POINT_oct2point(group, point, encoded, len(encoded), ctx) != 1
                or lib.EC_POINT_mul(group, total, sn, point, tn, ctx) != 1
                or lib.EC_POINT_get_affine_coordinates(group, total, x, None, ctx) != 1  # not for O
            ):
                lib.ERR_clear_error()  # leave this thread's OpenSSL error queue as it was
                return None
            out = ctypes.create_string_buffer(32)
            lib.BN_bn2binpad(x, out, 32)
            return int.from_bytes(out.raw, "big")
        finally:
            lib.EC_POINT_free(point)
            lib.EC_POINT_free(total)
            for bn in (tn, sn, x):
                lib.BN_free(bn)

    return x_of_sum
