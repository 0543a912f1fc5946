"""seal._plain_v4 reads the usual v4 SES_Signature without asn1crypto: whatever it reads, asn1crypto
reads the same way, and it hands everything else back (the reader of record is asn1crypto)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evoucher.errors import EvoucherError
from evoucher.seal import _plain_v4, asn1_v4, model
from tests.evoucher.seal.vectors import SEALS, vector

STAMPS = sorted(p.name for p in SEALS.glob("*SignedValue*.dat"))
PLAIN = vector("tax_zhejiang_v4_SignedValue.dat")


def _outcome(load, der: bytes):
    """A Signature, or the error raised."""
    try:
        return load(der)
    except EvoucherError as exc:
        return type(exc), str(exc)


def _asn1(der: bytes):
    """What load_signature gave before the plain reader."""
    return _outcome(lambda d: model.decode("SES_Signature", d, model._load_asn1_signature), der)


def _agrees(der: bytes) -> None:
    if _plain_v4.read(der) is not None:  # (an embedded seal that does not decode raises in both)
        assert _outcome(model.load_signature, der) == _asn1(der)


@pytest.mark.parametrize("name", STAMPS)
def test_real_stamps_load_as_asn1crypto_reads_them(name):
    der = vector(name)
    assert _outcome(model.load_signature, der) == _asn1(der)


def test_real_stamps_of_the_usual_shape_take_the_plain_reader():
    read = {name: _plain_v4.read(vector(name)) is not None for name in STAMPS}
    assert read["tax_zhejiang_v4_SignedValue.dat"] and read["gov_yunnan_v4_gbkcert_SignedValue.dat"]
    assert not read["dms360_v1_SignedValue.dat"]  # a v1 structure: asn1crypto's


@settings(max_examples=300)
@given(st.integers(0, len(PLAIN) - 1), st.integers(1, 255))
def test_a_changed_byte_is_read_alike_or_handed_back(offset, xor):
    mutated = bytearray(PLAIN)
    mutated[offset] ^= xor
    _agrees(bytes(mutated))


@settings(max_examples=200)
@given(st.integers(0, len(PLAIN)), st.binary(min_size=1, max_size=4), st.integers(0, 4))
def test_inserted_and_removed_bytes_are_read_alike_or_handed_back(offset, inserted, removed):
    _agrees(PLAIN[:offset] + inserted + PLAIN[offset + removed :])
    _agrees(PLAIN[: offset + removed])


def test_a_long_form_length_where_the_short_one_fits_is_handed_back():
    # 30 82 LL LL … : re-encode the outer length with one more octet (not DER)
    length = int.from_bytes(PLAIN[2:4], "big")
    padded = b"\x30\x83" + length.to_bytes(3, "big") + PLAIN[4:]
    assert _plain_v4.read(padded) is None


def _rebuilt(field: str, contents: bytes, *, in_tbs: bool = True) -> bytes:
    sig = asn1_v4.SESSignature.load(PLAIN)
    parent = sig["to_sign"] if in_tbs else sig
    parent[field] = type(parent[field])(contents=contents)
    return sig.dump(force=True)


@pytest.mark.parametrize("contents", [b"20260301173000+0800", b"20260301173000.5Z", b"202603011730Z"])
def test_other_time_forms_are_read_as_asn1crypto_reads_them(contents):
    der = _rebuilt("time_info", contents)
    assert _outcome(model.load_signature, der) == _asn1(der)


@pytest.mark.parametrize(
    "contents",
    [b"20261301173000Z", b"2026030117300aZ", b"20260301173000z", b"2026+301173000Z", b"20260301 73000Z"],
)
def test_times_that_are_no_times_are_refused_as_asn1crypto_refuses_them(contents):
    original = asn1_v4.SESSignature.load(PLAIN)["to_sign"]["time_info"].contents
    der = PLAIN.replace(original, contents, 1)
    assert _outcome(model.load_signature, der) == _asn1(der)
    assert isinstance(_asn1(der), tuple)  # an error, not a Signature


@pytest.mark.parametrize("unused", [1, 3, 7])
@pytest.mark.parametrize("field", ["data_hash", "signature"])
def test_bit_strings_with_unused_bits_are_read_as_asn1crypto_reads_them(field, unused):
    sig = asn1_v4.SESSignature.load(PLAIN)
    value = sig["to_sign"]["data_hash"] if field == "data_hash" else sig["signature"]
    original = value.dump()
    header = original[: len(original) - len(value.contents)]
    changed = header + bytes([unused]) + value.contents[1:-1] + b"\xff"  # same length, bits to mask
    der = PLAIN.replace(original, changed, 1)
    assert der != PLAIN and _outcome(model.load_signature, der) == _asn1(der)


@pytest.mark.parametrize("byte", [b"\xe4", b"\x80", b"\xff"])
def test_a_property_info_that_is_not_ascii_is_read_as_asn1crypto_reads_it(byte):
    text = asn1_v4.SESSignature.load(PLAIN)["to_sign"]["property_info"].contents
    der = PLAIN.replace(text, byte + text[1:], 1)
    assert der != PLAIN and _outcome(model.load_signature, der) == _asn1(der)
