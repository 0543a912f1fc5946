"""Validation derived from the registry: every problem of a voucher or MOF body, not just the first.

A problem is a FieldError naming the path (`Voucher/DetailList/Detail[2]/Id`), the rule id of
rules.py, the value and the realware fault code. Unparsable or hostile bytes are one problem
too (rule `voucher.malformed`), so callers get a list either way.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal

from evoucher.codec import MofBody, Voucher, parse_mof, parse_voucher
from evoucher.errors import EvoucherError, FieldError, UnknownVoucherType
from evoucher.registry._build import PROFILES, get
from evoucher.registry.checks import VALUE_CHECKS, Context, parse_amount
from evoucher.registry.model import FieldSpec, Sign, VoucherType
from evoucher.registry.rules import RULES

_BASE_RULES = ("field.mandatory", "field.charset", "field.max_length")
_MOF_ATTRIBUTES = {
    "AdmDivCode": "adm_div_code",
    "StYear": "st_year",
    "VtCode": "vt_code",
    "VoucherNo": "voucher_no",
}
_SIGN_TESTS = {
    Sign.POSITIVE: (lambda a: a > 0, "must be positive"),
    Sign.NEGATIVE: (lambda a: a < 0, "must be negative"),
    Sign.ZERO: (lambda a: a == 0, "must be exactly 0.00"),
    Sign.NONZERO: (lambda a: a != 0, "must not be zero"),
    Sign.NON_NEGATIVE: (lambda a: a >= 0, "must not be negative"),
    Sign.NON_POSITIVE: (lambda a: a <= 0, "must not be positive"),
}


def problem(
    path: str, rule_id: str, value: str | None, detail: str = "", vt_code: str | None = None
) -> FieldError:
    """A FieldError for `rule_id`, with the rule's fault code and (by default) its description."""
    rule = RULES[rule_id]
    return FieldError(
        path=path,
        rule=rule_id,
        value=value,
        detail=detail or rule.description,
        evs_code=rule.evs_code,
        vt_code=vt_code,
    )


def _check_args(voucher_flag: object, profile: object) -> None:
    if voucher_flag not in (0, 1) or isinstance(voucher_flag, bool):
        raise ValueError(f"voucher_flag must be 0 (voucher) or 1 (receipt), got {voucher_flag!r}")
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")


def validate(
    voucher: Voucher | bytes,
    *,
    business_date: dt.date | None = None,
    voucher_flag: int = 0,
    profile: str = "2.0",
) -> list[FieldError]:
    """Every problem of one voucher (VoucherFlag 0) or receipt (1); an empty list means valid.

    `business_date` (default today) bounds VouDate and StYear. Bytes are parsed first; bytes
    that cannot be read are one `voucher.malformed` problem carrying the codec's fault code.
    """
    _check_args(voucher_flag, profile)
    if isinstance(voucher, bytes | bytearray):
        try:
            voucher = parse_voucher(bytes(voucher))
        except EvoucherError as exc:
            return [_malformed("Voucher", exc)]
    try:
        vt = get(voucher.vt_code)
    except UnknownVoucherType:
        return [problem("Voucher/VtCode", "voucher.unknown_type", voucher.header.get("VtCode"))]
    if vt.name_only:
        return [problem("Voucher/VtCode", "voucher.name_only", vt.vt_code, vt_code=vt.vt_code)]
    ctx = Context(business_date or dt.date.today(), profile)
    found: list[FieldError] = []
    if not vt.in_profile(profile):
        detail = f"{vt.vt_code} belongs to profile {'/'.join(vt.profiles)}"
        if vt.replaced_by or vt.replaces:
            detail += f"; profile {profile} uses {vt.replaced_by or vt.replaces}"
        found.append(problem("Voucher/VtCode", "voucher.profile", vt.vt_code, detail, vt.vt_code))
    found += _fields(vt, vt.header, voucher.header, "Voucher", ctx, voucher_flag)
    found += _details(vt, voucher, ctx, voucher_flag)
    found += _amounts(vt, voucher)
    found += _cross_fields(vt, voucher.header)
    return found


def _malformed(path: str, exc: EvoucherError) -> FieldError:
    rule = RULES["voucher.malformed"]
    return FieldError(path=path, rule=rule.id, value=None, detail=exc.message, evs_code=exc.evs_code)


def _fields(
    vt: VoucherType,
    specs: tuple[FieldSpec, ...],
    values: Mapping[str, str],
    path: str,
    ctx: Context,
    voucher_flag: int,
) -> list[FieldError]:
    found = []
    known = {spec.name for spec in specs}
    for name, value in values.items():
        if name not in known:
            found.append(problem(f"{path}/{name}", "voucher.unknown_field", value, "", vt.vt_code))
    for spec in specs:
        value = values.get(spec.name)
        error = field_problem(spec, value, ctx, voucher_flag)
        if error:
            rule_id, detail = error
            found.append(problem(f"{path}/{spec.name}", rule_id, value, detail, vt.vt_code))
    return found


def field_problem(
    spec: FieldSpec, value: str | None, ctx: Context, voucher_flag: int
) -> tuple[str, str] | None:
    """The first rule `value` (None when absent) breaks, as (rule id, detail), or None."""
    if spec.receipt_only and not spec.carried:
        if voucher_flag == 0 and value:
            return "receipt.not_on_voucher", f"{spec.name} is filled only on a receipt (VoucherFlag=1)"
        if voucher_flag == 1 and spec.receipt_mandatory and not value:
            return "receipt.mandatory", f"a receipt must carry {spec.name} ({spec.zh_name})"
    if not value:
        return ("field.mandatory", f"{spec.name} ({spec.zh_name}) is mandatory") if spec.mandatory else None
    try:
        size = len(value.encode("gbk"))
    except UnicodeEncodeError:
        return "field.charset", "contains a character GBK cannot encode"
    if size > spec.max_len:
        return "field.max_length", f"{size} GBK bytes, at most {spec.max_len}"
    for rule_id in spec.rules:
        if rule_id not in _BASE_RULES:
            detail = VALUE_CHECKS[rule_id](value, spec, ctx)
            if detail:
                return rule_id, detail
    return None


def _details(vt: VoucherType, voucher: Voucher, ctx: Context, voucher_flag: int) -> list[FieldError]:
    if vt.has_detail_list != voucher.has_detail_list:
        detail = "the type has a DetailList" if vt.has_detail_list else "the type has no DetailList"
        value = None if vt.has_detail_list else str(len(voucher.details))
        return [problem("Voucher/DetailList", "detail.list", value, detail, vt.vt_code)]
    if not vt.has_detail_list:
        return []
    found = []
    count = len(voucher.details)
    if not vt.min_details <= count <= vt.max_details:
        bounds = (
            f"exactly {vt.min_details}"
            if vt.min_details == vt.max_details
            else f"{vt.min_details}-{vt.max_details}"
        )
        found.append(
            problem("Voucher/DetailList", "detail.count", str(count), f"{bounds} details", vt.vt_code)
        )
    seen: set[str] = set()
    for i, row in enumerate(voucher.details, 1):
        path = f"Voucher/DetailList/Detail[{i}]"
        found += _fields(vt, vt.detail, row, path, ctx, voucher_flag)
        detail_id = row.get("Id")
        if detail_id and detail_id in seen:
            found.append(problem(f"{path}/Id", "detail.id_unique", detail_id, "", vt.vt_code))
        seen.add(detail_id or "")
    return found


def _amounts(vt: VoucherType, voucher: Voucher) -> list[FieldError]:
    if vt.total is None:
        return []
    found = []
    head_name, line_name = vt.total
    head = parse_amount(voucher.header.get(head_name))
    path = f"Voucher/{head_name}"
    if vt.sign and head is not None:
        test, words = _SIGN_TESTS[vt.sign]
        if not test(head):
            found.append(problem(path, "amount.sign", str(head), f"{head_name} {words}", vt.vt_code))
    if not line_name or not voucher.has_detail_list:
        return found
    lines = [parse_amount(row.get(line_name)) for row in voucher.details]
    if vt.detail_sign:
        test, words = _SIGN_TESTS[vt.detail_sign]
        for i, line in enumerate(lines, 1):
            if line is not None and not test(line):
                where = f"Voucher/DetailList/Detail[{i}]/{line_name}"
                found.append(
                    problem(where, "amount.detail_sign", str(line), f"{line_name} {words}", vt.vt_code)
                )
    if head is not None and lines and None not in lines:
        total = sum(lines, Decimal("0.00"))
        if total != head:
            detail = f"the {len(lines)} detail {line_name} add up to {total:.2f}"
            found.append(problem(path, "amount.total", str(head), detail, vt.vt_code))
        if vt.refuse_single_zero and head == 0 and len(lines) == 1:
            found.append(problem(path, "amount.single_zero", str(head), "", vt.vt_code))
    return found


def _cross_fields(vt: VoucherType, header: Mapping[str, str]) -> list[FieldError]:
    """8207: a batch detail of a 5207/5201 is itself a batch (BusinessTypeCode 4)."""
    if not vt.has_field("OriginalVtCode") or not vt.has_field("BusinessTypeCode"):
        return []
    kind = header.get("BusinessTypeCode")
    if header.get("OriginalVtCode") in ("5207", "5201") and kind and kind != "4":
        detail = f"must be 4 when OriginalVtCode is {header['OriginalVtCode']}"
        return [problem("Voucher/BusinessTypeCode", "code.business_type_batch", kind, detail, vt.vt_code)]
    return []


def validate_mof_body(
    body: MofBody,
    *,
    index: int = 1,
    business_date: dt.date | None = None,
    profile: str = "2.0",
) -> list[FieldError]:
    """Every problem of one MOF body: its flag and attributes against its voucher, then the voucher.

    Paths start `MOF/VoucherBody[index]/`; the voucher is checked as a voucher or as a receipt
    according to the body's VoucherFlag.
    """
    where = f"MOF/VoucherBody[{index}]"
    found = []
    flag = body.voucher_flag
    if flag not in (0, 1) or isinstance(flag, bool):
        found.append(problem(f"{where}/VoucherFlag", "mof.voucher_flag", str(flag)))
        flag = 0
    if body.attach is not None and len(body.attach.encode("gbk", "replace")) > 32:
        found.append(problem(f"{where}/Attach", "mof.attach", body.attach))
    try:
        voucher = body.parsed_voucher()
    except EvoucherError as exc:
        return [*found, _malformed(f"{where}/Voucher", exc)]
    for name, attribute in _MOF_ATTRIBUTES.items():
        claimed, own = getattr(body, attribute), voucher.header.get(name)
        if claimed != own:
            detail = f"the voucher's <{name}> is {own!r}"
            found.append(
                problem(f"{where}/@{name}", "mof.attribute", claimed, detail, voucher.vt_code or None)
            )
    for error in validate(voucher, business_date=business_date, voucher_flag=flag, profile=profile):
        found.append(_moved(error, where))
    return found


def _moved(error: FieldError, prefix: str) -> FieldError:
    return FieldError(
        path=f"{prefix}/{error.path}",
        rule=error.rule,
        value=error.value,
        detail=error.detail,
        evs_code=error.evs_code,
        vt_code=error.vt_code,
    )


def validate_document(
    data: bytes, *, business_date: dt.date | None = None, profile: str = "2.0", voucher_flag: int = 0
) -> tuple[str, list[FieldError]]:
    """A Voucher or a MOF file, told apart by its root element: ("Voucher"|"MOF", problems).

    A MOF body is checked with its own VoucherFlag; `voucher_flag` applies to a bare voucher.
    """
    if root_name(data) == "MOF":
        try:
            bodies = parse_mof(data)
        except EvoucherError as exc:
            return "MOF", [_malformed("MOF", exc)]
        found: list[FieldError] = []
        for i, body in enumerate(bodies, 1):
            found += validate_mof_body(body, index=i, business_date=business_date, profile=profile)
        return "MOF", found
    return "Voucher", validate(data, business_date=business_date, voucher_flag=voucher_flag, profile=profile)


def root_name(data: bytes) -> str:
    """'MOF' if the document's first element is <MOF>, else 'Voucher' (the codec judges the rest)."""
    match = re.search(rb"<([A-Za-z_][A-Za-z0-9_.-]*)", data[:4096])
    return "MOF" if match and match.group(1) == b"MOF" else "Voucher"
