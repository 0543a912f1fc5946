"""propertyInfo binds a stamp to one voucher and one position."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evoucher.errors import SealError
from evoucher.seal.binding import (
    PropertyInfo,
    WrongPosition,
    WrongVoucher,
    check_property_info,
    parse_property_info,
    property_info,
)

BASE = ("330000", "2026", "5207", "PAY/001", "0", "rh_zqz")


def test_documented_example():
    assert property_info("330000", 2026, "5207", "PAY/001", 0, "rh_zqz") == (
        "330000/2026/5207/PAY%2F001/0/rh_zqz"
    )


def test_non_ascii_is_utf8_percent_encoded():
    assert (
        property_info("330000", 2026, "5207", "付-1", 1, "章") == "330000/2026/5207/%E4%BB%98-1/1/%E7%AB%A0"
    )


@given(st.tuples(*[st.text(min_size=1, max_size=12)] * 6))
def test_parse_inverts_property_info(values):
    text = property_info(*values)
    assert text.count("/") == 5
    assert parse_property_info(text) == PropertyInfo(*values)


@pytest.mark.parametrize("text", ["a/b/c", "a/b/c/d/e/f/g", "a/b//d/e/f", "a/b/c/%FF/e/f"])
def test_malformed_property_info_is_refused(text):
    with pytest.raises(SealError):
        parse_property_info(text)


def test_same_binding_passes_even_with_other_hex_case():
    check_property_info(property_info(*BASE), "330000/2026/5207/PAY%2f001/0/rh_zqz")


@pytest.mark.parametrize(
    ("index", "value", "error", "part"),
    [
        (0, "110000", WrongVoucher, "AdmDivCode"),
        (1, "2025", WrongVoucher, "StYear"),
        (2, "5201", WrongVoucher, "VtCode"),
        (3, "PAY/002", WrongVoucher, "VoucherNo"),
        (4, "1", WrongPosition, "VoucherFlag"),
        (5, "rh_fhz", WrongPosition, "position"),
    ],
)
def test_mismatch_names_the_part(index, value, error, part):
    changed = list(BASE)
    changed[index] = value
    with pytest.raises(error) as info:
        check_property_info(property_info(*BASE), property_info(*changed))
    assert info.value.parts == (part,)
    assert part in str(info.value)


def test_identity_outranks_position():
    other = ("330000", "2026", "5207", "PAY/002", "1", "rh_fhz")
    with pytest.raises(WrongVoucher) as info:
        check_property_info(property_info(*BASE), property_info(*other))
    assert info.value.parts == ("VoucherNo", "VoucherFlag", "position")


def test_an_ofd_path_is_not_a_voucher_binding():
    with pytest.raises(WrongVoucher):
        check_property_info(property_info(*BASE), "/Doc_0/Signs/Sign_0/Signature.xml")
