"""SM2 digital signatures (GB/T 32918.2) with the Z value and any signer ID.

`cryptography` has no SM2 curve, so signing and verifying go through one small interface.
Verifying takes only the point sum s·G + t·P from a C library: the system OpenSSL 3 libcrypto
(~2,500-3,800 verifies/s here) where it has the SM2 curve, else GmSSL's (gmssl-pyx, ~1,000-2,000/s),
else pure Python (~200/s); each must pass the GB/T 32918.5 known answer to be used (`CURVES`),
and the tests cross-check them against each other and against snowland-smx. Signing uses GmSSL
(the fastest signer here) or Python. We compute e = SM3(Z_A ‖ M) ourselves via `cryptography`'s
SM3, so any signer ID works with any backend. Verifying never writes to stderr (GmSSL's own
verify does; see "GmSSL backend").

Signatures are emitted as DER `SEQUENCE{r, s}`; on input we also accept a raw 64-byte r‖s
and non-minimal BER, and report which form was seen (`signature_form`) so that a validation
policy, not this module, decides whether to tolerate it.
"""

from __future__ import annotations

import ctypes
import functools
import os
import platform
import secrets
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Literal

from evoucher.crypto._openssl import openssl_x_of_sum
from evoucher.crypto.sm3 import sm3, sm3_after
from evoucher.errors import CryptoError

# Recommended curve parameters, GB/T 32918.5-2017
P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0

DEFAULT_ID = b"1234567812345678"

SignatureForm = Literal["der", "raw", "ber"]


# ---------------------------------------------------------------- pure-Python curve arithmetic
# Jacobian coordinates; (X, Y, Z) with Z == 0 the point at infinity.


def _jdouble(pt: tuple[int, int, int]) -> tuple[int, int, int]:
    x, y, z = pt
    if y == 0 or z == 0:
        return (0, 1, 0)
    yy = y * y % P
    s = 4 * x * yy % P
    zz = z * z % P
    m = (3 * x * x + A * zz * zz) % P
    nx = (m * m - 2 * s) % P
    ny = (m * (s - nx) - 8 * yy * yy) % P
    nz = 2 * y * z % P
    return (nx, ny, nz)


def _jadd(p1: tuple[int, int, int], p2: tuple[int, int, int]) -> tuple[int, int, int]:
    x1, y1, z1 = p1
    x2, y2, z2 = p2
    if z1 == 0:
        return p2
    if z2 == 0:
        return p1
    z1z1 = z1 * z1 % P
    z2z2 = z2 * z2 % P
    u1 = x1 * z2z2 % P
    u2 = x2 * z1z1 % P
    s1 = y1 * z2 * z2z2 % P
    s2 = y2 * z1 * z1z1 % P
    if u1 == u2:
        return _jdouble(p1) if s1 == s2 else (0, 1, 0)
    h = (u2 - u1) % P
    r = (s2 - s1) % P
    hh = h * h % P
    hhh = h * hh % P
    v = u1 * hh % P
    nx = (r * r - hhh - 2 * v) % P
    ny = (r * (v - nx) - s1 * hhh) % P
    nz = h * z1 * z2 % P
    return (nx, ny, nz)


def _mul(k: int, x: int, y: int) -> tuple[int, int, int]:
    result = (0, 1, 0)
    addend = (x, y, 1)
    while k:
        if k & 1:
            result = _jadd(result, addend)
        addend = _jdouble(addend)
        k >>= 1
    return result


def _affine(pt: tuple[int, int, int]) -> tuple[int, int] | None:
    x, y, z = pt
    if z == 0:
        return None
    zi = pow(z, -1, P)
    zi2 = zi * zi % P
    return (x * zi2 % P, y * zi2 * zi % P)


def _on_curve(x: int, y: int) -> bool:
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x + A * x + B)) % P == 0


# ---------------------------------------------------------------- keys


@dataclass(frozen=True)
class PublicKey:
    """An SM2 public key (a point on the recommended curve)."""

    x: int
    y: int

    def __post_init__(self) -> None:
        if not _on_curve(self.x, self.y):
            raise CryptoError("SM2 public key is not a point on the SM2 curve")

    @classmethod
    def from_bytes(cls, data: bytes) -> PublicKey:
        """Accept the uncompressed 65-byte 04‖x‖y of certificates, or the bare 64-byte x‖y."""
        if len(data) == 65 and data[0] == 4:
            data = data[1:]
        if len(data) != 64:
            raise CryptoError(f"SM2 public key must be 65 bytes 04‖x‖y or 64 bytes x‖y, got {len(data)}")
        return cls(int.from_bytes(data[:32], "big"), int.from_bytes(data[32:], "big"))

    def to_bytes(self) -> bytes:
        """Uncompressed point 04‖x‖y, as carried in SubjectPublicKeyInfo."""
        return b"\x04" + self.x.to_bytes(32, "big") + self.y.to_bytes(32, "big")


@dataclass(frozen=True)
class PrivateKey:
    """An SM2 private key d in [1, n-2]."""

    d: int

    def __post_init__(self) -> None:
        if not 1 <= self.d <= N - 2:
            raise CryptoError("SM2 private key out of range")

    @classmethod
    def generate(cls) -> PrivateKey:
        return cls(secrets.randbelow(N - 2) + 1)

    @classmethod
    def from_bytes(cls, data: bytes) -> PrivateKey:
        if len(data) != 32:
            raise CryptoError(f"SM2 private key must be 32 bytes, got {len(data)}")
        return cls(int.from_bytes(data, "big"))

    def to_bytes(self) -> bytes:
        return self.d.to_bytes(32, "big")

    @property
    def public_key(self) -> PublicKey:
        return _public_of(self.d)


@functools.lru_cache(maxsize=4096)
def _public_of(d: int) -> PublicKey:
    # d·G in pure Python costs a few ms; keys are reused, so remember the last few thousand
    xy = _affine(_mul(d, GX, GY))
    assert xy is not None
    return PublicKey(*xy)


# ---------------------------------------------------------------- Z value and digest


@functools.lru_cache(maxsize=1024)
def z_value(public_key: PublicKey, signer_id: bytes = DEFAULT_ID) -> bytes:
    """Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA); remembered, as keys come back."""
    entl = (len(signer_id) * 8).to_bytes(2, "big")
    parts = [A, B, GX, GY, public_key.x, public_key.y]
    return sm3(entl + signer_id + b"".join(v.to_bytes(32, "big") for v in parts))


def message_digest(
    public_key: PublicKey, message: bytes, signer_id: bytes = DEFAULT_ID, *, recurring: int = 0
) -> bytes:
    """e = SM3(Z_A ‖ M), the value actually signed; the first `recurring` bytes of M come back in
    other messages (`sm3.sm3_after`)."""
    z = z_value(public_key, signer_id)
    if recurring:
        return sm3_after(z + message[:recurring], message[recurring:])
    return sm3(z + message)


# ---------------------------------------------------------------- signature encodings


def encode_der(r: int, s: int) -> bytes:
    """DER SEQUENCE { INTEGER r, INTEGER s }."""

    def integer(v: int) -> bytes:
        body = v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big")
        return b"\x02" + bytes([len(body)]) + body

    content = integer(r) + integer(s)
    return b"\x30" + bytes([len(content)]) + content


def _read_len(data: bytes, i: int) -> tuple[int, int, bool]:
    """Return (length, next index, minimal) for a BER length at data[i]."""
    first = data[i]
    if first < 0x80:
        return first, i + 1, True
    n = first & 0x7F
    if n == 0 or n > 2 or i + 1 + n > len(data):
        raise CryptoError("bad length in SM2 signature")
    length = int.from_bytes(data[i + 1 : i + 1 + n], "big")
    return length, i + 1 + n, length >= 0x80 and data[i + 1] != 0


def decode_signature(sig: bytes) -> tuple[int, int, SignatureForm]:
    """Split an SM2 signature into (r, s, form): `der`, non-minimal `ber`, or `raw` r‖s."""
    if len(sig) == 64 and sig[0] != 0x30:
        return int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"), "raw"
    try:
        if sig[0] != 0x30:
            raise CryptoError("SM2 signature is neither DER SEQUENCE{r,s} nor 64-byte r‖s")
        seq_len, i, minimal = _read_len(sig, 1)
        if i + seq_len != len(sig):
            raise CryptoError("SM2 signature has trailing or missing bytes")
        values = []
        for _ in range(2):
            if sig[i] != 0x02:
                raise CryptoError("SM2 signature component is not an INTEGER")
            ln, i, min_len = _read_len(sig, i + 1)
            body = sig[i : i + ln]
            if len(body) != ln or ln == 0:
                raise CryptoError("truncated INTEGER in SM2 signature")
            if body[0] & 0x80:
                raise CryptoError("negative INTEGER in SM2 signature")
            minimal = minimal and min_len and not (ln > 1 and body[0] == 0 and not body[1] & 0x80)
            values.append(int.from_bytes(body, "big"))
            i += ln
        if len(sig) == 64 and i != len(sig):
            raise CryptoError("not DER")
    except IndexError as exc:
        raise CryptoError("truncated SM2 signature") from exc
    if i != len(sig):
        raise CryptoError("SM2 signature has trailing bytes")
    return values[0], values[1], "der" if minimal else "ber"


def signature_form(sig: bytes) -> SignatureForm:
    """Which encoding a signature uses; raises CryptoError if it is none of them."""
    return decode_signature(sig)[2]


# ---------------------------------------------------------------- pure-Python backend


def _pure_sign_digest(d: int, e: bytes, k: int | None = None) -> tuple[int, int]:
    ei = int.from_bytes(e, "big")
    while True:
        kk = k if k is not None else secrets.randbelow(N - 1) + 1
        pt = _affine(_mul(kk, GX, GY))
        assert pt is not None
        r = (ei + pt[0]) % N
        if r == 0 or r + kk == N:
            if k is not None:
                raise CryptoError("fixed k gives r = 0 or r + k = n")
            continue
        s = pow(1 + d, -1, N) * (kk - r * d) % N
        if s == 0:
            if k is not None:
                raise CryptoError("fixed k gives s = 0")
            continue
        return r, s


# ---------------------------------------------------------------- GmSSL backend
# GmSSL's sm2_do_verify (behind gmssl-pyx's verify) fprintf()s a trace to stderr for every bad
# signature, and only redirecting fd 2 (every thread's) would silence it. So we take x1 of
# s·G + t·P from GmSSL's exported curve arithmetic (sm2_z256.h of GmSSL 3.2, in the pinned wheel)
# through ctypes and compare (e + x1) mod n with r here; a known answer checked at import keeps
# a differing wheel out. The system OpenSSL's arithmetic (`crypto._openssl`) is used the same way.

_Z256 = ctypes.c_uint64 * 4  # sm2_z256_t: 256 bits, least significant word first
_POINT = ctypes.c_uint64 * 12  # SM2_Z256_POINT: Jacobian X, Y, Z
# GB/T 32918.5 Annex A: public key, e = SM3(Z‖"message digest"), signature (r, s)
_KAT = (
    0x09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020,
    0xCCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13,
    0xF0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640,
    0xF5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3,
    0xB1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA,
)

XOfSum = Callable[[PublicKey, int, int], int | None]


def _gmssl_x_of_sum(library: str) -> XOfSum | None:
    """x of t·P + s·G (None: the point at infinity) by GmSSL's z256 arithmetic in `library`.

    None instead of a function when the library lacks the symbols or gets the known answer wrong.
    """
    try:
        lib = ctypes.CDLL(library)
        from_bytes, to_bytes = lib.sm2_z256_from_bytes, lib.sm2_z256_to_bytes
        point_from_bytes, mul_sum, get_xy = (
            lib.sm2_z256_point_from_bytes,
            lib.sm2_z256_point_mul_sum,
            lib.sm2_z256_point_get_xy,
        )
    except (OSError, AttributeError):
        return None
    for function, nargs in ((from_bytes, 2), (to_bytes, 2), (point_from_bytes, 2), (mul_sum, 4), (get_xy, 3)):
        function.argtypes = [ctypes.c_void_p] * nargs

    def x_of_sum(public_key: PublicKey, t: int, s: int) -> int | None:
        point, total, tz, sz, x = _POINT(), _POINT(), _Z256(), _Z256(), _Z256()
        out = ctypes.create_string_buffer(32)
        point_from_bytes(point, public_key.to_bytes()[1:])
        from_bytes(tz, t.to_bytes(32, "big"))
        from_bytes(sz, s.to_bytes(32, "big"))
        mul_sum(total, tz, point, sz)
        if get_xy(total, x, None) != 1:
            return None
        to_bytes(x, out)
        return int.from_bytes(out.raw, "big")

    return x_of_sum if agrees_with_known_answer(x_of_sum) else None


def agrees_with_known_answer(x_of_sum: XOfSum) -> bool:
    """Does this curve arithmetic make the GB/T 32918.5 Annex A signature verify?"""
    px, py, e, r, s = _KAT
    try:
        x1 = x_of_sum(PublicKey(px, py), (r + s) % N, s)
    except (OSError, ValueError):
        return False
    return x1 is not None and x1 % N == (r - e) % N  # the x1 (mod n) that makes it verify


def _python_x_of_sum(public_key: PublicKey, t: int, s: int) -> int | None:
    total = _affine(_jadd(_mul(s, GX, GY), _mul(t, public_key.x, public_key.y)))
    return None if total is None else total[0]


def _curves() -> tuple[dict[str, XOfSum], ModuleType | None]:
    """Every curve arithmetic that passes the known answer, fastest first, and gmssl_pyx (for signing).

    OpenSSL's libcrypto verifies ~2x as fast as GmSSL's z256 here, GmSSL ~5-40x as fast as
    Python. GUOKU_SM2_BACKEND=python|gmssl|openssl puts that one first (python: the only one).
    """
    forced = os.environ.get("GUOKU_SM2_BACKEND", "").lower()
    if forced == "python":
        return {"python": _python_x_of_sum}, None
    curves: dict[str, XOfSum] = {}
    if (openssl := openssl_x_of_sum()) is not None and agrees_with_known_answer(openssl):
        curves["openssl"] = openssl
    try:
        import gmssl_pyx
    except ImportError:
        gmssl_pyx = None
    if gmssl_pyx is not None and (gmssl := _gmssl_x_of_sum(gmssl_pyx.gmsslext.__file__)) is not None:
        curves["gmssl"] = gmssl
    if gmssl_pyx is None:
        # gmssl-pyx has wheels for x86_64 only: say once that signing (and verifying, without
        # OpenSSL's SM2) is ~7x slower here
        what = "signing" if curves else "signing and verifying"
        warnings.warn(
            f"evoucher: no gmssl-pyx for {platform.machine()}; SM2 {what} runs in pure Python, ~7x slower "
            "(guoku --version shows the backend; GUOKU_SM2_BACKEND=python silences this)",
            RuntimeWarning,
            stacklevel=2,
        )
    curves["python"] = _python_x_of_sum
    if forced in curves:
        curves = {forced: curves[forced]} | curves
    return curves, gmssl_pyx


CURVES, _gm = _curves()  # name -> x of s·G + t·P, the one verification uses first
BACKEND = next(iter(CURVES))


def sign_digest(private_key: PrivateKey, e: bytes) -> bytes:
    """Sign a precomputed e = SM3(Z‖M); returns DER."""
    if _gm is not None:
        return _gm.sm2_sign_sm3_digest(private_key.to_bytes(), e)
    return encode_der(*_pure_sign_digest(private_key.d, e))


def verify_digest(public_key: PublicKey, e: bytes, signature: bytes, *, curve: str = BACKEND) -> bool:
    """Check a signature (DER, BER or raw r‖s) over a precomputed e; False if it does not verify.

    `curve` names the arithmetic of `CURVES` to use (benchmarks and cross-checks pick one).
    Quiet: nothing is written to stderr whatever the outcome.
    """
    try:
        r, s, _ = decode_signature(signature)
    except CryptoError:
        return False
    if not (1 <= r < N and 1 <= s < N) or (r + s) % N == 0:
        return False
    x1 = CURVES[curve](public_key, (r + s) % N, s)
    return x1 is not None and (int.from_bytes(e, "big") + x1) % N == r


def sign(
    private_key: PrivateKey, message: bytes, *, signer_id: bytes = DEFAULT_ID, k: int | None = None
) -> bytes:
    """SM2-with-SM3 signature of `message`, DER-encoded.

    `k` fixes the ephemeral key; it exists only for the GB/T 32918.5 known-answer test and
    forces the pure-Python path.
    """
    e = message_digest(private_key.public_key, message, signer_id)
    if k is not None:
        return encode_der(*_pure_sign_digest(private_key.d, e, k))
    return sign_digest(private_key, e)


def verify(
    public_key: PublicKey,
    message: bytes,
    signature: bytes,
    *,
    signer_id: bytes = DEFAULT_ID,
    recurring: int = 0,
) -> bool:
    """True when `signature` (DER, BER or raw r‖s) is a valid SM2 signature of `message`
    (whose first `recurring` bytes come back in other messages: see `message_digest`)."""
    e = message_digest(public_key, message, signer_id, recurring=recurring)
    return verify_digest(public_key, e, signature)
