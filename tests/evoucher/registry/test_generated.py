"""Samples, XSDs and single-rule violations derived from the registry, for every full type."""

import datetime as dt
from functools import cache

import pytest
from lxml import etree

from evoucher import registry
from evoucher.codec import build_voucher, parse_mof, parse_voucher
from evoucher.registry.checks import Context
from evoucher.registry.generate import RandomChooser, sample, sample_mof, voucher_fields
from evoucher.registry.mutations import candidates
from evoucher.registry.schemas import xsd

DAY = dt.date(2024, 3, 20)
FULL = registry.codes(full_only=True)


def profile_of(code: str) -> str:
    return registry.get(code).profiles[-1]


@cache
def schema(code: str, receipt: bool) -> etree.XMLSchema:
    return etree.XMLSchema(etree.fromstring(xsd(code, receipt=receipt, profile=profile_of(code))))


@pytest.mark.parametrize("code", FULL)
def test_samples_of_every_type_validate_as_voucher_and_receipt(code):
    for receipt in (False, True):
        for seed in (0, 1):
            data = sample(code, receipt=receipt, seed=seed, business_date=DAY, profile=profile_of(code))
            found = registry.validate(
                data, business_date=DAY, voucher_flag=int(receipt), profile=profile_of(code)
            )
            assert found == [], (receipt, seed, found)


@pytest.mark.parametrize("code", FULL)
def test_the_xsd_of_every_type_accepts_its_samples(code):
    for receipt in (False, True):
        data = sample(code, receipt=receipt, business_date=DAY, profile=profile_of(code))
        assert schema(code, receipt).validate(etree.fromstring(data)), schema(code, receipt).error_log


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"Surprise": "1"}, "Surprise"),
        ({"PayBankNo": "1023310000130"}, "PayBankNo"),
        ({"PayAmt": "100"}, "PayAmt"),
        ({"XPayAmt": "1.00"}, "XPayAmt"),
        ({"PayTypeCode": "91"}, "PayTypeCode"),
    ],
)
def test_the_xsd_rejects_what_it_can_express(change, message):
    v = parse_voucher(sample("2301", business_date=DAY))
    data = build_voucher({**v.header, **change}, [dict(r) for r in v.details])
    s = schema("2301", False)
    assert not s.validate(etree.fromstring(data))
    assert message in str(s.error_log.last_error)


def test_the_xsd_requires_receipt_fields_on_a_receipt_and_unique_detail_ids():
    v = parse_voucher(sample("5207", receipt=True, business_date=DAY))
    without = {k: val for k, val in v.header.items() if k != "XPayDate"}
    assert not schema("5207", True).validate(etree.fromstring(build_voucher(without, list(v.details))))
    rows = [dict(r) for r in v.details] * 2
    assert not schema("5207", True).validate(etree.fromstring(build_voucher(dict(v.header), rows)))


def test_name_only_types_have_no_xsd():
    with pytest.raises(ValueError, match="name only"):
        xsd("2003")


def test_samples_are_deterministic_and_plausible():
    assert sample("5207", seed=7, business_date=DAY) == sample("5207", seed=7, business_date=DAY)
    assert sample("5207", seed=7, business_date=DAY) != sample("5207", seed=8, business_date=DAY)
    v = parse_voucher(sample("5207", business_date=DAY))
    assert v.encoding == "GBK" and v.header["VtCode"] == "5207"
    assert v.header["AgencyName"] and all(d["AgencyCode"] == v.details[0]["AgencyCode"] for d in v.details)
    assert sample("5207", encoding="UTF-8", business_date=DAY).startswith(
        b'<?xml version="1.0" encoding="UTF-8"'
    )


def test_receipts_fill_the_processors_fields_from_what_they_report_on():
    r = parse_voucher(sample("5207", receipt=True, business_date=DAY))
    assert r.header["XPayAmt"] == r.header["PayAmt"] and r.header["XPayDate"]
    v = parse_voucher(sample("5207", business_date=DAY))
    assert v.header["XPayAmt"] == ""  # written empty, as ITFE templates do


def test_sample_mof_wraps_one_body_with_its_flag():
    bodies = parse_mof(sample_mof("2301", receipt=True, business_date=DAY))
    assert [(b.vt_code, b.voucher_flag, b.attach) for b in bodies] == [("2301", 1, "SUCCESS")]


def test_adjustments_net_to_zero_over_at_least_two_details():
    for seed in range(5):
        header, details = voucher_fields("5253", RandomChooser(seed), business_date=DAY)
        assert header["PayAmt"] == "0.00" and len(details) >= 2


@pytest.mark.parametrize("code", FULL)
def test_every_single_rule_violation_is_reported_on_its_field(code):
    """Exhaustive over rules: one candidate of each rule available for a sample of `code`."""
    vt = registry.get(code)
    ctx = Context(DAY, profile_of(code))
    for receipt in (False, True):
        header, details = voucher_fields(
            vt, RandomChooser(3), receipt=receipt, business_date=DAY, profile=ctx.profile
        )
        first_of_rule = {}
        for candidate in candidates(vt, header, details, receipt=receipt, ctx=ctx):
            first_of_rule.setdefault(candidate.rule, candidate)
        for candidate in first_of_rule.values():
            data = build_voucher(*candidate.apply())
            found = registry.validate(data, business_date=DAY, voucher_flag=int(receipt), profile=ctx.profile)
            assert (candidate.path, candidate.rule) in [(p.path, p.rule) for p in found], (receipt, candidate)
