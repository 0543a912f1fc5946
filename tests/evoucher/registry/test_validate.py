"""validate(), validate_mof_body() and validate_document(): one example per rule family."""

import dataclasses
import datetime as dt

import pytest

from evoucher.codec import MofBody, build_mof, build_voucher, parse_voucher, with_fields
from evoucher.registry import validate, validate_document, validate_mof_body
from evoucher.registry.generate import sample

DAY = dt.date(2024, 3, 20)


def voucher(vt_code: str, *, receipt: bool = False, profile: str = "2.0", seed: int = 0):
    return parse_voucher(sample(vt_code, receipt=receipt, seed=seed, business_date=DAY, profile=profile))


def problems(data, **options):
    options.setdefault("business_date", DAY)
    return [(p.path, p.rule, p.evs_code) for p in validate(data, **options)]


def rebuilt(v, header=None, details=None):
    """The voucher with header fields replaced/removed (None) and details swapped."""
    new = {k: val for k, val in {**v.header, **(header or {})}.items() if val is not None}
    rows = [dict(r) for r in v.details] if details is None else details
    return build_voucher(new, rows if v.has_detail_list or details is not None else None)


def test_an_unknown_vtcode_is_one_problem():
    data = build_voucher({"VtCode": "9999", "PayAmt": "x"})
    assert problems(data) == [("Voucher/VtCode", "voucher.unknown_type", "EVS100")]


def test_a_name_only_type_is_one_problem():
    assert problems(build_voucher({"VtCode": "2003"})) == [("Voucher/VtCode", "voucher.name_only", "EVS100")]


@pytest.mark.parametrize(
    "data",
    [b"<Voucher><PayAmt>1", b'<!DOCTYPE v [<!ENTITY x "y">]><Voucher/>', b"\xff\xfe<Voucher/>"],
    ids=["truncated", "entity", "bad-bytes"],
)
def test_unreadable_bytes_are_one_malformed_problem(data):
    found = validate(data)
    assert [(p.path, p.rule) for p in found] == [("Voucher", "voucher.malformed")]
    assert found[0].evs_code.startswith("EVS") and found[0].detail


def test_unknown_elements_are_refused():
    v = voucher("5207")
    assert problems(rebuilt(v, {"Surprise": "1"})) == [
        ("Voucher/Surprise", "voucher.unknown_field", "EVS100")
    ]


def test_dates_and_years():
    v = voucher("5207")
    assert problems(rebuilt(v, {"VouDate": "20240321"})) == [("Voucher/VouDate", "date.not_future", "EVS700")]
    assert problems(rebuilt(v, {"VouDate": "20240230"})) == [("Voucher/VouDate", "format.date", "EVS100")]
    assert problems(rebuilt(v, {"StYear": "2025"})) == [("Voucher/StYear", "year.st_year", "EVS103")]
    assert problems(rebuilt(v, {"StYear": "24"})) == [("Voucher/StYear", "year.st_year", "EVS103")]
    # the business date moves the bounds
    assert problems(rebuilt(v, {"StYear": "2025"}), business_date=dt.date(2025, 1, 1)) == []


def test_the_default_business_date_is_today():
    v = voucher("5207")
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    found = validate(rebuilt(v, {"VouDate": f"{tomorrow:%Y%m%d}"}))
    assert ("Voucher/VouDate", "date.not_future") in [(p.path, p.rule) for p in found]


@pytest.mark.parametrize(
    ("field", "bad", "rule"),
    [
        ("TreCode", "33010000001", "field.max_length"),
        ("TreCode", "33010000A0", "format.tre_code"),
        ("FinOrgCode", "33A", "format.fin_org_code"),
        ("PayeeAcctNo", "abc-1", "format.account"),
        ("AdmDivCode", "33010", "format.adm_div_code"),
        ("PayAmt", "100", "format.amount"),
        ("PayAmt", "1,000.00", "format.amount"),
        ("PayTypeCode", "11", "code.pay_type"),
        ("FundTypeCode", "4", "code.fund_type"),
        ("BusinessTypeCode", "2", "code.business_type"),
        ("PayeeAcctName", "名" * 31, "field.max_length"),
        ("AgencyName", "名" * 61, "field.max_length"),
        ("PayeeAcctNo", None, "field.mandatory"),
        ("PayeeAcctNo", "", "field.mandatory"),
    ],
)
def test_field_rules_of_a_5207_header(field, bad, rule):
    v = voucher("5207")
    assert (f"Voucher/{field}", rule, "EVS100") in problems(rebuilt(v, {field: bad}))


def test_a_character_gbk_cannot_carry_is_refused_in_a_utf8_voucher():
    v = voucher("5207")
    data = build_voucher(
        {**v.header, "PaySummaryName": "办公€"}, [dict(r) for r in v.details], encoding="UTF-8"
    )
    assert problems(data) == [("Voucher/PaySummaryName", "field.charset", "EVS100")]


def test_set_month_of_a_5106():
    v = voucher("5106")
    assert problems(rebuilt(v, {"SetMonth": "13"})) == [("Voucher/SetMonth", "format.set_month", "EVS100")]
    assert problems(rebuilt(v, {"SetMonth": "12"})) == []


def test_5106_voucher_no_is_at_most_17_bytes():
    v = voucher("5106")
    assert problems(rebuilt(v, {"VoucherNo": "1" * 17})) == []
    assert problems(rebuilt(v, {"VoucherNo": "1" * 18})) == [
        ("Voucher/VoucherNo", "field.max_length", "EVS100")
    ]


def test_5209_voucher_no_is_8_digits_under_profile_1_0_only():
    v = voucher("5209", profile="1.0")
    long_no = rebuilt(v, {"VoucherNo": "2024000001"})
    assert problems(long_no, profile="1.0") == [("Voucher/VoucherNo", "format.voucher_no_v1", "EVS100")]
    assert problems(long_no, profile="2.0") == []


@pytest.mark.parametrize(
    ("code", "profile"), [("3251", "2.0"), ("3210", "1.0"), ("3453", "2.0"), ("3404", "1.0")]
)
def test_codes_of_the_other_profile_are_refused(code, profile):
    other = "1.0" if profile == "2.0" else "2.0"
    found = validate(sample(code, business_date=DAY, profile=other), business_date=DAY, profile=profile)
    assert [(p.path, p.rule) for p in found] == [("Voucher/VtCode", "voucher.profile")]
    assert "uses" in found[0].detail


@pytest.mark.parametrize(
    ("vt_code", "amount", "rule"),
    [
        ("2302", "1.00", "amount.sign"),
        ("2252", "1.00", "amount.sign"),
        ("3208", "1.00", "amount.sign"),
        ("5253", "1.00", "amount.sign"),
        ("5351", "-1.00", "amount.sign"),
        ("5207", "-1.00", "amount.sign"),
        ("5201", "0.00", "amount.sign"),
        ("8202", "0.00", "amount.sign"),
        ("2301", "-1.00", "amount.sign"),
        ("5106", "0.00", "amount.sign"),
        ("5108", "0.00", "amount.sign"),
    ],
)
def test_sign_of_the_header_total(vt_code, amount, rule):
    v = voucher(vt_code)
    total_field = "PlanAmt" if vt_code == "5106" else "PayAmt"
    line = "Amt" if vt_code == "3208" else total_field
    # put the new total on the first detail and zero the others, so only sign rules can fire
    rows = [dict(r) for r in v.details]
    for i, row in enumerate(rows):
        row[line] = amount if i == 0 else "0.00"
    found = problems(rebuilt(v, {total_field: amount}, rows))
    assert (f"Voucher/{total_field}", rule, "EVS700") in found
    assert all(r.startswith("amount.") for _, r, _ in found)


def test_header_total_equals_the_sum_of_details():
    v = voucher("5207")
    total = v.header["PayAmt"]
    bumped = f"{float(total) + 0.01:.2f}"
    found = validate(rebuilt(v, {"PayAmt": bumped}), business_date=DAY)
    assert [(p.path, p.rule) for p in found] == [("Voucher/PayAmt", "amount.total")]
    assert total in found[0].detail


def test_detail_rules():
    v5209 = voucher("5209")
    two = [dict(v5209.details[0]), {**v5209.details[0], "Id": "2", "PayAmt": "0.00"}]
    assert problems(rebuilt(v5209, details=two)) == [("Voucher/DetailList", "detail.count", "EVS100")]
    v5253 = voucher("5253")
    one = [{**v5253.details[0], "PayAmt": "0.00"}]
    assert ("Voucher/DetailList", "detail.count", "EVS100") in problems(rebuilt(v5253, details=one))
    no_list = build_voucher(dict(voucher("5207").header))
    assert problems(no_list) == [("Voucher/DetailList", "detail.list", "EVS100")]
    list_on_3403 = build_voucher(dict(voucher("3403").header), [])
    assert problems(list_on_3403) == [("Voucher/DetailList", "detail.list", "EVS100")]


def test_a_zero_total_with_one_detail_is_refused_where_itfe_refuses_it():
    v = voucher("5408")
    rows = [{**v.details[0], "Amt": "0.00"}]
    assert problems(rebuilt(v, {"SumAmt": "0.00"}, rows)) == [
        ("Voucher/SumAmt", "amount.single_zero", "EVS700")
    ]


def test_8207_batch_of_a_5201_has_business_type_4():
    v = voucher("8207")
    found = problems(rebuilt(v, {"OriginalVtCode": "5201", "BusinessTypeCode": "1"}))
    assert found == [("Voucher/BusinessTypeCode", "code.business_type_batch", "EVS700")]
    assert problems(rebuilt(v, {"OriginalVtCode": "8202", "BusinessTypeCode": "1"})) == []


def test_receipt_fields_are_empty_on_a_voucher_and_mandatory_on_a_receipt():
    v = voucher("5207")
    assert problems(rebuilt(v, {"XPayAmt": "1.00"})) == [
        ("Voucher/XPayAmt", "receipt.not_on_voucher", "EVS100")
    ]
    receipt = voucher("5207", receipt=True)
    assert problems(receipt.raw, voucher_flag=1) == []
    found = problems(rebuilt(receipt, {"XPayDate": None}), voucher_flag=1)
    assert found == [("Voucher/XPayDate", "receipt.mandatory", "EVS100")]
    # the voucher itself (X fields empty) is not a complete receipt
    assert ("Voucher/XAgentBusinessNo", "receipt.mandatory", "EVS100") in problems(v.raw, voucher_flag=1)


def test_reconciliation_answers_carry_xcheckresult_on_the_receipt():
    receipt = voucher("2507", receipt=True)
    found = problems(rebuilt(receipt, {"XCheckResult": ""}), voucher_flag=1)
    assert found == [("Voucher/XCheckResult", "receipt.mandatory", "EVS100")]


def test_notices_carry_their_own_x_fields():
    v = voucher("3210")
    assert problems(rebuilt(v, {"XpayAmt": "-1.00", "XPayDate": "20240301"})) == []


def test_arguments_are_checked():
    data = voucher("5207").raw
    with pytest.raises(ValueError, match="voucher_flag"):
        validate(data, voucher_flag=2)
    with pytest.raises(ValueError, match="profile"):
        validate(data, profile="3.0")


def test_a_mof_body_is_checked_against_its_voucher():
    v = voucher("5207")
    body = MofBody(
        adm_div_code="330200",
        st_year=v.st_year,
        vt_code="5207",
        voucher_no=v.voucher_no,
        voucher_flag=1,
        voucher=v.raw,
        attach="成功" * 20,
    )
    found = [(p.path, p.rule) for p in validate_mof_body(body, index=3, business_date=DAY)]
    assert ("MOF/VoucherBody[3]/@AdmDivCode", "mof.attribute") in found
    assert ("MOF/VoucherBody[3]/Attach", "mof.attach") in found
    # flag 1: the voucher is checked as a receipt, so its empty X fields are missing
    assert ("MOF/VoucherBody[3]/Voucher/XPayDate", "receipt.mandatory") in found
    odd = dataclasses.replace(MofBody.of(v), voucher_flag=2)  # built in code, not read by the codec
    found = [(p.path, p.rule) for p in validate_mof_body(odd, business_date=DAY)]
    assert found == [("MOF/VoucherBody[1]/VoucherFlag", "mof.voucher_flag")]


def test_validate_document_tells_voucher_and_mof_apart():
    receipt = voucher("2301", receipt=True)
    mof = build_mof([MofBody.of(receipt, voucher_flag=1), MofBody.of(voucher("5207"), voucher_flag=0)])
    assert validate_document(mof, business_date=DAY) == ("MOF", [])
    broken = with_fields(receipt, {"XClearDate": ""})
    kind, found = validate_document(
        build_mof([MofBody.of(parse_voucher(broken), voucher_flag=1)]), business_date=DAY
    )
    assert kind == "MOF"
    assert [(p.path, p.rule) for p in found] == [
        ("MOF/VoucherBody[1]/Voucher/XClearDate", "receipt.mandatory")
    ]
    assert validate_document(receipt.raw, business_date=DAY, voucher_flag=1) == ("Voucher", [])
    kind, found = validate_document(b"<MOF><VoucherCount>2</VoucherCount></MOF>")
    assert kind == "MOF" and [(p.path, p.rule) for p in found] == [("MOF", "voucher.malformed")]
