"""Our decisions on top of the ITFE facts in fields.json (hand-written overlay).

Everything here is a choice the public record leaves open, or a place where we deliberately
check more strictly than ITFE; docs/registry.md explains each. Keep facts out of this file:
a field that ITFE has belongs in the TSV, not here.
"""

from __future__ import annotations

from evoucher.registry.model import Kind, Sign

# reference §6: "Common header for all types: Id, AdmDivCode, StYear, VtCode, VouDate, VoucherNo".
# Added where ITFE's parser does not read them (it takes them from the envelope), and mandatory.
COMMON_HEADER = (
    ("Id", "凭证Id", Kind.ID),
    ("AdmDivCode", "行政区划代码", Kind.CODE),
    ("StYear", "业务年度", Kind.CODE),
    ("VtCode", "凭证类型编号", Kind.CODE),
    ("VouDate", "凭证日期", Kind.DATE),
    ("VoucherNo", "凭证号", Kind.ID),
)

# our bound (GBK bytes) for fields ITFE does not limit; amounts are bounded by their format
DEFAULT_MAX_LEN = {
    Kind.CODE: 32,
    Kind.AMOUNT: 19,
    Kind.DATE: 8,
    Kind.ACCOUNT: 32,
    Kind.BANKNO: 12,
    Kind.TEXT: 200,
    Kind.COUNT: 10,
    Kind.ID: 42,
    Kind.FLAG: 2,
}
# the generic limits of voucher-fields.md and reference §3/§6, where a TSV row has no number
NAMED_MAX_LEN = {
    "VoucherNo": 20,
    "AgencyName": 120,
    "PayeeAcctName": 60,
    "PayAcctName": 60,
    "VtCode": 4,
    "StYear": 4,
    "AdmDivCode": 6,
    "SetMonth": 2,
}

# value rules by field name, then by kind (rule ids of rules.py)
NAME_RULES = {
    "TreCode": "format.tre_code",
    "OriTreCode": "format.tre_code",
    "CurTreCode": "format.tre_code",
    "FinOrgCode": "format.fin_org_code",
    "AdmDivCode": "format.adm_div_code",
    "StYear": "year.st_year",
    "SetMonth": "format.set_month",
    "PayTypeCode": "code.pay_type",
    "FundTypeCode": "code.fund_type",
    "BusinessTypeCode": "code.business_type",
    "OriginalVtCode": "code.original_vt_code",
}
KIND_RULES = {
    Kind.AMOUNT: "format.amount",
    Kind.DATE: "format.date",
    Kind.ACCOUNT: "format.account",
    Kind.BANKNO: "format.bank_no",
    Kind.COUNT: "format.count",
    Kind.FLAG: "format.flag",
}

# allowed values; PayTypeCode per type (voucher-fields.md "Payment codes"), others everywhere
_DIRECT, _AUTHORIZED = ("11", "001001"), ("12", "001002")
_APPROPRIATION = ("91", "002", *(f"92{i}" for i in range(10)))
PAY_TYPE_CODES = {
    "2301": _DIRECT + _AUTHORIZED,
    "2302": _DIRECT + _AUTHORIZED,
    "5207": _APPROPRIATION,
    "5267": _APPROPRIATION,
    "3208": _APPROPRIATION,
    "3268": _APPROPRIATION,
    "5201": _DIRECT,
    "5253": _DIRECT,
    "8202": _AUTHORIZED,
    "8207": _DIRECT + _AUTHORIZED + ("91",),
    "2252": _DIRECT + _AUTHORIZED + ("91",),
}
VALUES = {"BusinessTypeCode": ("1", "3", "4"), "OriginalVtCode": ("5207", "5201", "8202")}

# sign of the header total, and of every detail amount
SIGNS = {
    "2302": Sign.NEGATIVE,
    "2252": Sign.NEGATIVE,
    "3208": Sign.NEGATIVE,
    "3268": Sign.NEGATIVE,
    "2203": Sign.NEGATIVE,
    "3210": Sign.NEGATIVE,
    "3251": Sign.NEGATIVE,
    "5552": Sign.NEGATIVE,
    "5253": Sign.ZERO,
    "5351": Sign.ZERO,
    "5207": Sign.POSITIVE,
    "5267": Sign.POSITIVE,
    "5201": Sign.POSITIVE,
    "2301": Sign.POSITIVE,
    "8202": Sign.POSITIVE,
    "5551": Sign.POSITIVE,
    "5553": Sign.POSITIVE,
    "5287": Sign.POSITIVE,
    "5209": Sign.NON_NEGATIVE,
    "5106": Sign.NONZERO,
    "5108": Sign.NONZERO,
}
DETAIL_SIGNS = {
    "5207": Sign.NON_NEGATIVE,
    "5267": Sign.NON_NEGATIVE,
    "5257": Sign.NON_NEGATIVE,
    "2252": Sign.NON_POSITIVE,
    # ours: a refund's lines are refunds too
    "2302": Sign.NON_POSITIVE,
    "3208": Sign.NON_POSITIVE,
    "3268": Sign.NON_POSITIVE,
    "2203": Sign.NON_POSITIVE,
    "3210": Sign.NON_POSITIVE,
    "3251": Sign.NON_POSITIVE,
    "5552": Sign.NON_POSITIVE,
}
# header total -> detail amount, where ITFE's parser has no sum check but both are written
EXTRA_TOTALS = {
    "2203": ("PayAmt", "PayAmt"),
    "2305": ("PayAmt", "PayAmt"),
    "2306": ("PayAmt", "PayAmt"),
    "3208": ("PayAmt", "Amt"),
    "3209": ("PayAmt", "PayAmt"),
    "3251": ("PayAmt", "PayAmt"),
    "3268": ("PayAmt", "Amt"),
    "5257": ("PayAmt", "PayAmt"),
    "8202": ("PayAmt", "PayAmt"),
    "3501": ("AllAmt", "Amt"),
    "3502": ("AllAmt", "Amt"),
    "3503": ("AllAmt", "ClearAmt"),
    **{vt: ("AllAmt", "PayAmt") for vt in ("2507", "3504", "3505", "3506", "3508", "3509", "3587", "3588")},
    **{vt: ("AllAmt", "PayAmt") for vt in ("5507", "5508", "5509", "9301", "9303", "5551", "5552", "5553")},
    "5287": ("PayAmt", "PayAmt"),
}
# (min, max) details; ITFE: 5209/5407 exactly one, 5253 refuses one, 3210 reads a single detail
DETAIL_BOUNDS = {"5209": (1, 1), "5407": (1, 1), "3210": (1, 1), "3251": (1, 1), "5253": (2, 499)}
SINGLE_ZERO = frozenset({"5106", "5108", "5408", "5671", "2671"})

# X* fields the issuer itself fills: notices carrying the original payment's results, and
# bank-side facts travelling in a finance voucher. "*" = every X field of the type.
CARRIED = {
    "3209": "*",
    "3210": "*",
    "3251": "*",
    "5671": ("XPayBankNo", "XTraNo", "XAddWord", "XTraDate", "XTraAmt"),
    "2671": "*",
    "5408": ("XPBPayDictateNo", "XPBPayMsgNo"),
}
# answer flags a receipt of a reconciliation must carry (besides the X fields ITFE always sets)
RECEIPT_ANSWER_FIELDS = frozenset({"XCheckResult"})
RECEIPT_MANDATORY_KINDS = frozenset({Kind.AMOUNT, Kind.DATE, Kind.ID})

# fields we complete for the summary types whose layout ITFE does not have (TSV: generic reader
# only). (name, zh, kind, mandatory); appended after the TSV fields.
_SUMMARY_LIST_HEADER = (
    ("PayBankNo", "代理银行行号", Kind.BANKNO, False),
    ("PayBankName", "代理银行名称", Kind.TEXT, False),
    ("AllNum", "总笔数", Kind.COUNT, False),
)
COMPLETED: dict[str, dict[str, tuple[tuple[str, str, Kind, bool], ...]]] = {
    "5551": {
        "header": _SUMMARY_LIST_HEADER,
        "detail": (
            ("Id", "明细Id", Kind.ID, True),
            ("ClearVoucherNo", "申请划款凭证号", Kind.ID, True),
            ("SupDepCode", "一级预算单位编码", Kind.CODE, False),
            ("SupDepName", "一级预算单位名称", Kind.TEXT, False),
            ("ExpFuncCode", "支出功能分类科目编码", Kind.CODE, False),
            ("ExpFuncName", "支出功能分类科目名称", Kind.TEXT, False),
            ("PayAmt", "划款金额", Kind.AMOUNT, True),
            ("Hold1", "预留字段1", Kind.TEXT, False),
            ("Hold2", "预留字段2", Kind.TEXT, False),
        ),
    },
    "5553": {
        "header": _SUMMARY_LIST_HEADER[2:],
        "detail": (
            ("Id", "明细Id", Kind.ID, True),
            ("VoucherNo", "实拨拨款凭证号", Kind.ID, True),
            ("PayeeAcctNo", "收款人账号", Kind.ACCOUNT, False),
            ("PayeeAcctName", "收款人名称", Kind.TEXT, False),
            ("PayAmt", "拨款金额", Kind.AMOUNT, True),
            ("Hold1", "预留字段1", Kind.TEXT, False),
            ("Hold2", "预留字段2", Kind.TEXT, False),
        ),
    },
    "5287": {
        "header": (
            ("FundTypeCode", "资金性质编码", Kind.CODE, False),
            ("FundTypeName", "资金性质名称", Kind.TEXT, False),
            ("PayAcctNo", "付款人账号", Kind.ACCOUNT, False),
            ("PayAcctName", "付款人名称", Kind.TEXT, False),
            ("AllNum", "总笔数", Kind.COUNT, False),
        ),
        "detail": (
            ("Id", "明细Id", Kind.ID, True),
            ("VoucherNo", "实拨拨款凭证号", Kind.ID, True),
            ("AgencyCode", "预算单位编码", Kind.CODE, False),
            ("AgencyName", "预算单位名称", Kind.TEXT, False),
            ("PayeeAcctNo", "收款人账号", Kind.ACCOUNT, False),
            ("PayeeAcctName", "收款人名称", Kind.TEXT, False),
            ("PayAmt", "拨款金额", Kind.AMOUNT, True),
        ),
    },
}
COMPLETED["5552"] = {"header": COMPLETED["5551"]["header"], "detail": COMPLETED["5551"]["detail"]}
# the partial types' TSV fields that our completed layout makes mandatory
MANDATORY_EXTRA = {
    ("5551", "header", "TreCode"),
    ("5551", "header", "FinOrgCode"),
    ("5551", "header", "ClearDate"),
    ("5552", "header", "TreCode"),
    ("5552", "header", "FinOrgCode"),
    ("5552", "header", "ClearDate"),
    ("5553", "header", "TreCode"),
    ("5553", "header", "FinOrgCode"),
    ("5553", "header", "ClearDate"),
    ("5287", "header", "TreCode"),
    ("5287", "header", "FinOrgCode"),
}

_NO_FIN_ORG = (
    "FinOrgCode is not a field of this layout and is not required; ITFE's check demands it and so "
    "refuses every incoming copy"
)
# type-level notes on where ITFE's behaviour and ours differ (besides rule-level ones in rules.py)
DEVIATIONS = {
    "3507": (_NO_FIN_ORG,),
    "3508": (_NO_FIN_ORG,),
    "3509": (_NO_FIN_ORG,),
    "3510": (_NO_FIN_ORG,),
    "3513": (_NO_FIN_ORG,),
    "2301": ("detail Hold2-Hold4 are kept as sent (ITFE stores Hold1 in their place)",),
    "2302": ("detail Hold2-Hold4 are kept as sent (ITFE stores Hold1 in their place)",),
    "2252": ("PayeeAcctBankNo must be 12 digits (ITFE's check never fires)",),
    "5207": ("PayTypeCode 91/002/92x for every TreCode (ITFE: 27xx needs 21, 01xx any 91x)",),
    "5901": ("EffectiveDate1 is a field of its own (ITFE's template closes it as EffectiveDate)",),
}
