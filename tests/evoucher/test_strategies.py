"""The public Hypothesis API: valid vouchers validate, violations are reported, arguments are checked."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from evoucher import registry, strategies
from evoucher.codec import parse_mof, parse_voucher

DAY = dt.date(2024, 3, 20)


@given(st.data())
def test_generated_vouchers_validate(data):
    profile = data.draw(st.sampled_from(registry.PROFILES))
    receipt = data.draw(st.booleans())
    voucher = data.draw(strategies.vouchers(profile=profile, receipt=receipt, business_date=DAY))
    assert registry.validate(voucher, business_date=DAY, voucher_flag=int(receipt), profile=profile) == []


@given(st.data())
def test_each_violation_is_reported_on_its_field_with_its_rule(data):
    profile = data.draw(st.sampled_from(registry.PROFILES))
    receipt = data.draw(st.booleans())
    bad, path, rule = data.draw(strategies.violations(profile=profile, receipt=receipt, business_date=DAY))
    found = registry.validate(bad, business_date=DAY, voucher_flag=int(receipt), profile=profile)
    assert (path, rule) in [(p.path, p.rule) for p in found]
    reported = next(p for p in found if (p.path, p.rule) == (path, rule))
    assert reported.evs_code == registry.RULES[rule].evs_code


@given(strategies.vouchers("5207", valid=False, business_date=DAY))
def test_invalid_vouchers_are_invalid(data):
    assert registry.validate(data, business_date=DAY) != []


@given(strategies.mof_documents(receipt=None, max_bodies=3, business_date=DAY))
def test_mof_documents_hold_valid_bodies(mof):
    bodies = parse_mof(mof)
    assert 1 <= len(bodies) <= 3
    for i, body in enumerate(bodies, 1):
        assert registry.validate_mof_body(body, index=i, business_date=DAY) == []


@given(strategies.voucher_fields("3403", business_date=DAY))
def test_voucher_fields_are_dicts_and_no_detail_list_is_none(fields):
    header, details = fields
    assert header["VtCode"] == "3403" and details is None


@given(strategies.voucher_fields("5209", receipt=True, business_date=DAY))
def test_receipt_fields_are_filled_on_a_receipt(fields):
    header, details = fields
    assert header["XPayAmt"] == header["PayAmt"] and len(details) == 1


@pytest.mark.parametrize("code", registry.codes())
def test_every_vtcode_has_a_strategy(code):
    vt = registry.get(code)
    if vt.name_only:
        with pytest.raises(InvalidArgument, match="vt="):
            strategies.from_voucher_type(vt)
        return
    profile = vt.profiles[-1]

    @settings(max_examples=3)
    @given(strategies.from_voucher_type(vt, profile=profile, business_date=DAY))
    def draws_its_type(data):
        assert parse_voucher(data).vt_code == code

    draws_its_type()


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: strategies.vouchers("9999"), "vt_code"),
        (lambda: strategies.vouchers("3251"), "vt_code"),  # a 1.0 code under the default 2.0
        (lambda: strategies.vouchers(profile="3.0"), "profile"),
        (lambda: strategies.vouchers(valid="yes"), "valid"),
        (lambda: strategies.vouchers(receipt=1), "receipt"),
        (lambda: strategies.vouchers(encoding="latin-1"), "encoding"),
        (lambda: strategies.vouchers(business_date="20240320"), "business_date"),
        (lambda: strategies.violations("2003"), "vt_code"),
        (lambda: strategies.voucher_fields("12"), "vt_code"),
        (lambda: strategies.mof_documents(min_bodies=4, max_bodies=2), "min_bodies"),
        (lambda: strategies.mof_documents(max_bodies=101), "max_bodies"),
        (lambda: strategies.mof_documents(receipt="both"), "receipt"),
    ],
)
def test_arguments_are_checked_when_called(call, name):
    with pytest.raises(InvalidArgument, match=f"{name}="):
        call()


def test_the_public_api_is_documented():
    for name in strategies.__all__:
        assert getattr(strategies, name).__doc__, name
    assert "shrink" in strategies.__doc__
