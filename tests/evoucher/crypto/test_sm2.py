"""SM2/SM3 known answers (GB/T 32905, GB/T 32918.5 Annex A) and backend agreement."""

import ctypes.util
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evoucher.crypto import sm2
from evoucher.crypto._openssl import openssl_x_of_sum
from evoucher.crypto.sm3 import sm3
from evoucher.errors import CryptoError

D = int("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8", 16)
PX = int("09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020", 16)
PY = int("CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13", 16)
K = int("59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21", 16)
R = int("F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3", 16)
S = int("B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA", 16)
MSG = b"message digest"


def test_sm3_known_answers():
    assert sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert sm3(b"abcd" * 16).hex() == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def test_annex_a_public_key_z_and_e():
    key = sm2.PrivateKey(D)
    assert (key.public_key.x, key.public_key.y) == (PX, PY)
    assert sm2.z_value(key.public_key).hex().upper() == (
        "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3"
    )
    assert sm2.message_digest(key.public_key, MSG).hex().upper() == (
        "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640"
    )


def test_annex_a_signature_with_fixed_k():
    sig = sm2.sign(sm2.PrivateKey(D), MSG, k=K)
    assert sm2.decode_signature(sig) == (R, S, "der")
    assert sm2.verify(sm2.PublicKey(PX, PY), MSG, sig)


def test_custom_signer_id_published_value():
    # recommended curve, ID ALICE123@YAHOO.COM: r starts B0E3E7D4, s starts CC8D0965 (seals-and-sm2.md §4)
    sig = sm2.sign(sm2.PrivateKey(D), MSG, signer_id=b"ALICE123@YAHOO.COM", k=K)
    r, s, _ = sm2.decode_signature(sig)
    assert f"{r:064X}".startswith("B0E3E7D4") and f"{r:064X}".endswith("184BDE58")
    assert f"{s:064X}".startswith("CC8D0965") and f"{s:064X}".endswith("3FDD5750")
    pub = sm2.PublicKey(PX, PY)
    assert sm2.verify(pub, MSG, sig, signer_id=b"ALICE123@YAHOO.COM")
    assert not sm2.verify(pub, MSG, sig)  # wrong ID, wrong Z


def test_raw_and_der_forms_both_verify_and_are_reported():
    pub = sm2.PublicKey(PX, PY)
    raw = R.to_bytes(32, "big") + S.to_bytes(32, "big")
    assert sm2.signature_form(raw) == "raw"
    assert sm2.verify(pub, MSG, raw)
    content = sm2.encode_der(R, S)[2:]
    ber = b"\x30\x81" + bytes([len(content)]) + content  # long-form length where short form fits
    assert sm2.signature_form(ber) == "ber"
    assert sm2.verify(pub, MSG, ber)


@pytest.mark.parametrize("bad", [b"", b"\x30", b"\x31\x00", b"\x30\x06\x02\x01\x01\x02\x01", b"x" * 63])
def test_garbage_signatures_are_format_errors_not_crashes(bad):
    with pytest.raises(CryptoError):
        sm2.decode_signature(bad)
    assert not sm2.verify(sm2.PublicKey(PX, PY), MSG, bad)


def test_public_key_must_be_on_curve():
    with pytest.raises(CryptoError):
        sm2.PublicKey(PX, PY + 1)
    with pytest.raises(CryptoError):
        sm2.PublicKey.from_bytes(b"\x04" + b"\x00" * 63)


@given(st.binary(max_size=200))
def test_backends_agree_on_sign_and_verify(message):
    key = sm2.PrivateKey(D)
    sig = sm2.sign(key, message)
    e = sm2.message_digest(key.public_key, message)
    assert sm2.signature_form(sig) == "der"
    assert all(sm2.verify_digest(key.public_key, e, sig, curve=c) for c in sm2.CURVES)  # every backend
    assert sm2.verify(key.public_key, message, sig)
    assert not sm2.verify(key.public_key, message + b"!", sig)


def test_signatures_verify_in_an_independent_implementation():
    pysmx = pytest.importorskip("pysmx.SM2")
    key = sm2.PrivateKey.generate()
    sig = sm2.sign(key, MSG)
    r, s, _ = sm2.decode_signature(sig)
    pub_hex = key.public_key.to_bytes()[1:].hex()
    assert pysmx.Verify(r.to_bytes(32, "big") + s.to_bytes(32, "big"), MSG, pub_hex, 64, uid=sm2.DEFAULT_ID)


def _rejected_signatures() -> list[tuple[sm2.PublicKey, bytes, bytes]]:
    key = sm2.PrivateKey(D)
    sig = sm2.sign(key, MSG)
    r, s, _ = sm2.decode_signature(sig)
    other = sm2.PrivateKey(D + 1).public_key
    return [
        (key.public_key, MSG + b"!", sig),  # another message
        (other, MSG, sig),  # another key
        (key.public_key, MSG, sm2.encode_der(r, s + 1)),  # a changed s
        (key.public_key, MSG, sm2.encode_der(r, sm2.N - r)),  # t = r + s = 0 mod n
        (key.public_key, MSG, sm2.encode_der(r, sm2.N)),  # s out of range
    ]


def test_a_signature_that_does_not_verify_prints_nothing(capfd):
    """GmSSL's own verify writes a C trace to fd 2 for each of these; ours must not."""
    for public_key, message, signature in _rejected_signatures():
        assert not sm2.verify(public_key, message, signature)
    assert capfd.readouterr() == ("", "")


def test_verification_is_right_from_many_threads_at_once():
    key = sm2.PrivateKey(D)
    good = [(key.public_key, m, sm2.sign(key, m)) for m in (b"a", b"b", b"c")]
    cases = [(case, True) for case in good] + [(case, False) for case in _rejected_signatures()]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda c: sm2.verify(*c[0]) is c[1], cases * 40))
    assert all(results)


C_CURVES = [c for c in sm2.CURVES if c != "python"]


@pytest.mark.parametrize("curve", C_CURVES)
@given(st.integers(1, sm2.N - 1), st.integers(1, sm2.N - 1), st.integers(1, sm2.N - 2))
def test_c_point_arithmetic_matches_the_python_curve(curve, t, s, d):
    public_key = sm2.PrivateKey(d).public_key
    assert sm2.CURVES[curve](public_key, t, s) == sm2.CURVES["python"](public_key, t, s)


def test_the_system_openssl_is_used_first_when_it_has_sm2():
    """The fastest verifier is the default (docs/performance.md); GmSSL stays as a checked fallback."""
    if os.environ.get("GUOKU_SM2_BACKEND"):
        pytest.skip("GUOKU_SM2_BACKEND chooses the backend")
    if openssl_x_of_sum() is None:
        pytest.skip("no system libcrypto.so.3 with the SM2 curve")
    assert sm2.BACKEND == "openssl"


@pytest.mark.parametrize("curve", list(sm2.CURVES))
def test_every_backend_agrees_with_snowland_smx_on_good_and_bad_signatures(curve):
    pysmx = pytest.importorskip("pysmx.SM2")
    for i in range(6):
        key = sm2.PrivateKey.generate()
        message = secrets_bytes(i)
        r, s, _ = sm2.decode_signature(sm2.sign(key, message))
        tampered = [(message, r, s), (message + b"!", r, s), (message, r, (s + 1) % sm2.N)]
        pub_hex = key.public_key.to_bytes()[1:].hex()
        for msg, rr, ss in tampered:
            theirs = bool(pysmx.Verify(rr.to_bytes(32, "big") + ss.to_bytes(32, "big"), msg, pub_hex, 64,
                                       uid=sm2.DEFAULT_ID))  # fmt: skip
            e = sm2.message_digest(key.public_key, msg)
            assert sm2.verify_digest(key.public_key, e, sm2.encode_der(rr, ss), curve=curve) is theirs
            assert theirs is (msg == message and ss == s)


def secrets_bytes(i: int) -> bytes:
    return bytes(range(i * 7 % 256)) * (i + 1)


@pytest.mark.parametrize("curve", list(sm2.CURVES))
def test_a_signature_whose_point_is_at_infinity_is_refused(curve):
    """s·G + t·P = O has no x; code that read x as 0 would accept this (r, s) over e = r."""
    key = sm2.PrivateKey(D)
    t = 12345
    s = -t * D % sm2.N  # then s + t·d = 0 and s·G + t·P = O
    r = (t - s) % sm2.N
    e = r.to_bytes(32, "big")
    assert sm2.CURVES[curve](key.public_key, t, s) is None
    assert not sm2.verify_digest(key.public_key, e, sm2.encode_der(r, s), curve=curve)


@pytest.mark.parametrize("curve", C_CURVES)
def test_c_verification_is_right_from_many_threads_at_once(curve):
    key = sm2.PrivateKey(D)
    good = [(key.public_key, m, sm2.sign(key, m)) for m in (b"a", b"b", b"c")]
    cases = [(case, True) for case in good] + [(case, False) for case in _rejected_signatures()]

    def right(case: tuple[tuple[sm2.PublicKey, bytes, bytes], bool]) -> bool:
        (public_key, message, signature), expected = case
        e = sm2.message_digest(public_key, message)
        return sm2.verify_digest(public_key, e, signature, curve=curve) is expected

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(right, cases * 40))


def test_a_library_without_the_curve_arithmetic_is_not_used():
    libc = ctypes.util.find_library("c")
    assert sm2._gmssl_x_of_sum("/nonexistent/libgmssl.so") is None
    assert sm2._gmssl_x_of_sum(libc) is None
    assert openssl_x_of_sum("/nonexistent/libcrypto.so.3") is None
    assert openssl_x_of_sum(libc) is None


def test_arithmetic_that_gets_the_known_answer_wrong_is_refused():
    assert not sm2.agrees_with_known_answer(lambda public_key, t, s: 0)
    assert not sm2.agrees_with_known_answer(lambda public_key, t, s: None)
    assert all(sm2.agrees_with_known_answer(curve) for curve in sm2.CURVES.values())
