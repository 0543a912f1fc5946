"""The rule catalogue: every check the registry runs, with its id, meaning and fault code.

EVS100 covers malformed parameters (format, length, mandatory, structure), EVS103 an invalid
business year, EVS700 business logic (signs, sums, dates after the business date, matching).
`itfe` records where our rule deliberately differs from ITFE's own check (voucher-fields.md,
"Quirks"). The table is the source for docs/registry.md and the error messages.
"""

from __future__ import annotations

from evoucher.errors import EVS_LOGIC, EVS_PARAM, EVS_YEAR
from evoucher.registry.model import Rule

_RULES = (
    # the document as a whole
    Rule("voucher.malformed", "the bytes must parse as a <Voucher> (or <MOF>) document", EVS_PARAM),
    Rule("voucher.unknown_type", "VtCode must be a voucher type in the registry", EVS_PARAM),
    Rule("voucher.name_only", "the type is known by name only; its fields cannot be checked", EVS_PARAM),
    Rule(
        "voucher.profile",
        "the VtCode must belong to the profile (1.0 keeps 3251/3453-3455, 2.0 uses 3210/3404-3406)",
        EVS_PARAM,
    ),
    Rule(
        "voucher.unknown_field",
        "every element must be a field of the voucher type",
        EVS_PARAM,
        itfe="ITFE ignores elements it does not read; we refuse them so nothing is silently lost",
    ),
    # every field
    Rule(
        "field.mandatory",
        "a mandatory field must be present and non-empty",
        EVS_PARAM,
        itfe="ITFE requires only some tags to exist; we require every mandatory field of the type",
    ),
    Rule(
        "field.max_length",
        "the value must fit the field's maximum length in GBK bytes",
        EVS_PARAM,
        itfe="ITFE truncates Hold fields silently; we refuse what would be truncated",
    ),
    Rule("field.charset", "the value must be encodable in GBK", EVS_PARAM),
    # formats
    Rule(
        "format.amount",
        "amount: optional minus, 1-15 integer digits, a point and exactly 2 decimals",
        EVS_PARAM,
    ),
    Rule("format.date", "date: yyyyMMdd and a real calendar day", EVS_PARAM),
    Rule("format.datetime", "date-time: yyyyMMdd or yyyyMMddHHmmss, a real calendar day", EVS_PARAM),
    Rule("format.tre_code", "TreCode (treasury code): exactly 10 digits", EVS_PARAM),
    Rule(
        "format.fin_org_code",
        "FinOrgCode (finance org code): 1-12 digits",
        EVS_PARAM,
        itfe="ITFE demands FinOrgCode of incoming 3507-3510/3513, whose layout has none, so it refuses "
        "them all; we check FinOrgCode only where the layout has it",
    ),
    Rule(
        "format.bank_no",
        "bank number (CNAPS): exactly 12 digits",
        EVS_PARAM,
        itfe="ITFE's 2252 PayeeAcctBankNo check never fires and Shanghai mode allows 1-12 digits; "
        "we check every bank number for 12 digits",
    ),
    Rule(
        "format.account",
        "account number: digits, upper-case letters or hyphen, 1-32 characters",
        EVS_PARAM,
        itfe="ITFE checks payee accounts only (payer accounts by length); we check all",
    ),
    Rule("format.adm_div_code", "AdmDivCode: 6 digits (GB/T 2260 administrative division)", EVS_PARAM),
    Rule("format.set_month", "SetMonth: 01-12", EVS_PARAM),
    Rule("format.digits", "a code ITFE checks as digits: the digit count it requires", EVS_PARAM),
    Rule("format.count", "a count: 1-10 digits", EVS_PARAM),
    Rule("format.flag", "a flag: 1-2 digits", EVS_PARAM),
    Rule("format.voucher_no_v1", "under profile 1.0 a 5209 VoucherNo is exactly 8 digits", EVS_PARAM),
    # code lists
    Rule(
        "code.pay_type",
        "PayTypeCode: one of the type's allowed values (else 2-6 digits)",
        EVS_PARAM,
        itfe="TreCode-specific variants (27xx requires 21, 01xx any 91x) and Shanghai mode are not modelled",
    ),
    Rule("code.fund_type", "FundTypeCode: starts with 1, 2, 3, 8 or 9, or ends with 1 or 2", EVS_PARAM),
    Rule(
        "code.business_type",
        "BusinessTypeCode: 1 single, 3 payroll or 4 batch",
        EVS_PARAM,
        itfe="ITFE's digit check reuses a stale regex matcher, so its format check means nothing; "
        "we check the value",
    ),
    Rule(
        "code.business_type_batch",
        "8207: BusinessTypeCode is 4 when OriginalVtCode is 5207 or 5201",
        EVS_LOGIC,
    ),
    Rule("code.original_vt_code", "OriginalVtCode: 5207, 5201 or 8202", EVS_PARAM),
    # years and dates
    Rule("year.st_year", "StYear: 4 digits and not after the business year", EVS_YEAR),
    Rule("date.not_future", "VouDate is not after the business date", EVS_LOGIC),
    # amounts
    Rule(
        "amount.sign",
        "the header total has the type's sign (e.g. 2302 negative, 5253 exactly 0.00)",
        EVS_LOGIC,
    ),
    Rule(
        "amount.detail_sign",
        "every detail amount has the type's sign (e.g. 5207 no negative lines)",
        EVS_LOGIC,
    ),
    Rule("amount.total", "the header total equals the sum of the detail amounts", EVS_LOGIC),
    Rule("amount.single_zero", "a zero total with exactly one detail is refused", EVS_LOGIC),
    # details
    Rule("detail.list", "a DetailList is present exactly when the type has one", EVS_PARAM),
    Rule(
        "detail.count",
        "the number of details is within the type's bounds (1-499; 5209 exactly 1; 5253 at least 2)",
        EVS_PARAM,
    ),
    Rule(
        "detail.id_unique",
        "detail Ids are unique within the voucher",
        EVS_PARAM,
        itfe="2301/2302/5108 skip the Id check when the tag is missing; we require the Id",
    ),
    # vouchers and receipts
    Rule(
        "receipt.not_on_voucher",
        "X* fields are filled by the processor on the receipt: empty or absent on a voucher (VoucherFlag=0)",
        EVS_PARAM,
    ),
    Rule("receipt.mandatory", "a receipt (VoucherFlag=1) carries the type's mandatory X* fields", EVS_PARAM),
    # the MOF envelope
    Rule(
        "mof.attribute",
        "VoucherBody attributes AdmDivCode, StYear, VtCode and VoucherNo equal the voucher's own fields",
        EVS_PARAM,
    ),
    Rule("mof.voucher_flag", "VoucherFlag is 0 (voucher) or 1 (receipt)", EVS_PARAM),
    Rule(
        "mof.attach",
        "Attach is at most 32 GBK bytes",
        EVS_PARAM,
        itfe="ITFE silently drops a longer Attach; we refuse it",
    ),
    # matching between types (勾兑)
    Rule("match.header", "the matched vouchers agree on the header elements of the matching rule", EVS_LOGIC),
    Rule("match.detail_count", "the matched vouchers have the same number of details", EVS_LOGIC),
    Rule("match.detail", "every detail key (agency, function subject, amount) has a partner", EVS_LOGIC),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}
