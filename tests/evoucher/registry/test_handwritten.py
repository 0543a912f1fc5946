"""Vouchers written out by hand from the field lists of realware-interface.md §6 (5207, 2301, 2302).

They do not come from our generator, so they check the registry against the reference rather
than against itself.
"""

import datetime as dt

import pytest

from evoucher.codec import build_voucher
from evoucher.registry import validate

DAY = dt.date(2024, 3, 20)

# §6.1 5207 实拨拨款凭证: every header and detail field listed there, receipt fields empty
HEADER_5207 = {
    "Id": "330100202403150001",
    "AdmDivCode": "330100",
    "StYear": "2024",
    "VtCode": "5207",
    "VouDate": "20240315",
    "VoucherNo": "SB2024000001",
    "TreCode": "3301000000",
    "FinOrgCode": "330100",
    "FundTypeCode": "1",
    "FundTypeName": "一般公共预算资金",
    "PayTypeCode": "91",
    "PayTypeName": "实拨",
    "ClearBankCode": "001",
    "ClearBankName": "中国人民银行杭州中心支行",
    "PayeeAcctNo": "1202020209900012345",
    "PayeeAcctName": "杭州市政工程集团有限公司",
    "PayeeAcctBankName": "中国工商银行杭州分行",
    "PayeeAcctBankNo": "102331000013",
    "PayAcctNo": "330100000027101",
    "PayAcctName": "杭州市财政局",
    "PayAcctBankName": "国家金库杭州市中心支库",
    "PaySummaryCode": "02",
    "PaySummaryName": "工程进度款",
    "PayAmt": "150000.50",
    "AgencyCode": "101001",
    "AgencyName": "杭州市教育局机关",
    "BusinessTypeCode": "1",
    "BusinessTypeName": "单笔",
    "XPayAmt": "",
    "XPayDate": "",
    "XAgentBusinessNo": "",
    "Hold1": "",
    "Hold2": "",
}


def detail_5207(n: int, amount: str) -> dict[str, str]:
    return {
        "Id": str(n),
        "VoucherBillId": "330100202403150001",
        "VoucherDetailNo": f"SB2024000001{n:03d}",
        "BgtTypeCode": "1",
        "BgtTypeName": "当年预算",
        "ProCatCode": "001",
        "ProCatName": "一般公共预算",
        "AgencyCode": "101001",
        "AgencyName": "杭州市教育局机关",
        "ExpFuncCode": "2050201",
        "ExpFuncName": "学前教育",
        "ExpFuncCode1": "205",
        "ExpFuncName1": "教育支出",
        "ExpFuncCode2": "20502",
        "ExpFuncName2": "普通教育",
        "ExpFuncCode3": "2050201",
        "ExpFuncName3": "学前教育",
        "ExpEcoCode": "31002",
        "ExpEcoName": "办公设备购置",
        "ExpEcoCode1": "310",
        "ExpEcoName1": "资本性支出",
        "ExpEcoCode2": "31002",
        "ExpEcoName2": "办公设备购置",
        "PayeeAcctNo": "1202020209900012345",
        "PayeeAcctName": "杭州市政工程集团有限公司",
        "PayeeAcctBankNo": "102331000013",
        "PayeeAcctBankName": "中国工商银行杭州分行",
        "PaySummaryCode": "02",
        "PaySummaryName": "工程进度款",
        "Remark": "第二期",
        "PayAmt": amount,
        "XpayAmt": "",
        "XPayDate": "",
        "XAgentBusinessNo": "",
        "XAddWord": "",
        "Hold1": "",
        "Hold2": "",
        "Hold3": "",
        "Hold4": "",
    }


DETAILS_5207 = [detail_5207(1, "100000.00"), detail_5207(2, "50000.50")]

# §6.3 2301 申请划款凭证 (agent bank -> PBoC)
HEADER_2301 = {
    "Id": "102330100202403150007",
    "AdmDivCode": "330100",
    "StYear": "2024",
    "VtCode": "2301",
    "VouDate": "20240315",
    "VoucherNo": "HK2024000007",
    "TreCode": "3301000000",
    "FinOrgCode": "330100",
    "BgtTypeCode": "1",
    "BgtTypeName": "当年预算",
    "FundTypeCode": "1",
    "FundTypeName": "一般公共预算资金",
    "PayTypeCode": "12",
    "PayTypeName": "授权支付",
    "AgentAcctNo": "1202331000013",
    "AgentAcctName": "中国工商银行杭州分行财政零余额划款户",
    "AgentAcctBankName": "中国工商银行杭州分行",
    "ClearAcctNo": "330100000037101",
    "ClearAcctName": "杭州市财政局零余额清算户",
    "ClearAcctBankName": "国家金库杭州市中心支库",
    "PayAmt": "8800.00",
    "PayBankName": "中国工商银行杭州分行",
    "PayBankNo": "102331000013",
    "Remark": "3月授权支付清算",
    "MoneyCorpCode": "102",
    "XPaySndBnkNo": "",
    "XAddWord": "",
    "XClearDate": "",
    "XPayAmt": "",
    "Hold1": "",
    "Hold2": "",
}


def detail_2301(n: int, amount: str) -> dict[str, str]:
    return {
        "Id": str(n),
        "VoucherNo": f"ZF20240300{n:02d}",
        "DAVoucherNo": f"SQ20240300{n:02d}",
        "SupDepCode": "101",
        "SupDepName": "杭州市教育局",
        "AgencyCode": "101002",
        "AgencyName": "杭州第二中学",
        "ExpFuncCode": "2050203",
        "ExpFuncName": "初中教育",
        "ExpEcoCode": "30201",
        "ExpEcoName": "办公费",
        "FundTypeCode": "1",
        "FundTypeName": "一般公共预算资金",
        "PayeeAcctNo": "3301040160000123456",
        "PayeeAcctName": "杭州蓝天办公用品有限公司",
        "PayeeAcctBankName": "杭州银行股份有限公司",
        "PayAmt": amount,
        "PaySummaryName": "办公用品采购",
        "Remark": "",
        "PayDate": "20240314",
        "AgentBusinessNo": f"ICBC2024031400{n:02d}",
        "XPayDate": "",
        "XCheckNo": "",
        "XPayAmt": "",
        "XAddWord": "",
        "XPayeeAcctBankName": "",
        "XPayeeAcctNo": "",
        "XPayeeAcctName": "",
        "Hold1": "",
        "Hold2": "",
        "Hold3": "",
        "Hold4": "",
    }


DETAILS_2301 = [detail_2301(1, "6000.00"), detail_2301(2, "2800.00")]
_ONLY_2301 = ("AgentBusinessNo", "PayDate", *(k for k in detail_2301(1, "0") if k.startswith("X")))

# §6.3 2302 申请退款凭证: 2301 plus the refund fields, amounts negative
HEADER_2302 = {
    **HEADER_2301,
    "VtCode": "2302",
    "VoucherNo": "TK2024000003",
    "PayAmt": "-8800.00",
    "PayDictateNo": "20240315",
    "PayMsgNo": "HVPS.111",
    "PayEntrustDate": "20240315",
    "TKLX": "1",
}
DETAILS_2302 = [
    {
        **{k: v for k, v in d.items() if k not in _ONLY_2301},
        "PayAmt": f"-{d['PayAmt']}",
        "OriVoucherNo": d["VoucherNo"],
        "OriVouDetailNo": d["Id"],
        "ReturnDate": "20240315",
        "PayeeAcctBankNo": "313331000014",
    }
    for d in DETAILS_2301
]

CASES = {
    "5207": (HEADER_5207, DETAILS_5207),
    "2301": (HEADER_2301, DETAILS_2301),
    "2302": (HEADER_2302, DETAILS_2302),
}


@pytest.mark.parametrize("vt_code", sorted(CASES))
def test_a_voucher_written_from_the_reference_field_list_validates(vt_code):
    header, details = CASES[vt_code]
    assert validate(build_voucher(header, details), business_date=DAY) == []


def _problems(header, details, **changes):
    data = build_voucher({**header, **changes}, details)
    return [(p.path, p.rule, p.evs_code) for p in validate(data, business_date=DAY)]


def test_a_positive_2302_amount_is_rejected_on_payamt():
    details = [{**d, "PayAmt": d["PayAmt"].lstrip("-")} for d in DETAILS_2302]
    problems = _problems(HEADER_2302, details, PayAmt="8800.00")
    assert ("Voucher/PayAmt", "amount.sign", "EVS700") in problems
    assert ("Voucher/DetailList/Detail[1]/PayAmt", "amount.detail_sign", "EVS700") in problems


@pytest.mark.parametrize("vt_code", ["2301", "2302"])
def test_a_13_digit_paybankno_is_rejected_naming_paybankno(vt_code):
    header, details = CASES[vt_code]
    problems = _problems(header, details, PayBankNo="1023310000130")
    assert problems == [("Voucher/PayBankNo", "field.max_length", "EVS100")]


def test_an_11_digit_paybankno_breaks_the_bank_number_format():
    assert _problems(HEADER_2301, DETAILS_2301, PayBankNo="10233100001") == [
        ("Voucher/PayBankNo", "format.bank_no", "EVS100")
    ]


def test_a_13_digit_payee_bank_number_on_a_5207_detail_names_the_detail_field():
    details = [DETAILS_5207[0], {**DETAILS_5207[1], "PayeeAcctBankNo": "1023310000130"}]
    problems = _problems(HEADER_5207, details)
    assert problems == [("Voucher/DetailList/Detail[2]/PayeeAcctBankNo", "field.max_length", "EVS100")]


def test_every_problem_is_listed_not_just_the_first():
    header = {**HEADER_5207, "TreCode": "330100000", "PayTypeCode": "11", "StYear": "2025"}
    details = [{**DETAILS_5207[0], "Id": "2"}, {**DETAILS_5207[1], "PayAmt": "-50000.50"}]
    del header["FinOrgCode"]
    problems = _problems(header, details)
    assert ("Voucher/TreCode", "format.tre_code", "EVS100") in problems
    assert ("Voucher/PayTypeCode", "code.pay_type", "EVS100") in problems
    assert ("Voucher/StYear", "year.st_year", "EVS103") in problems
    assert ("Voucher/FinOrgCode", "field.mandatory", "EVS100") in problems
    assert ("Voucher/DetailList/Detail[2]/Id", "detail.id_unique", "EVS100") in problems
    assert ("Voucher/DetailList/Detail[2]/PayAmt", "amount.detail_sign", "EVS700") in problems
    assert ("Voucher/PayAmt", "amount.total", "EVS700") in problems
    assert len(problems) == 7
