"""Single-rule violations of a valid voucher, derived from the registry.

Each candidate breaks one rule at one path (a mandatory field removed, a bank number one digit
short, a refund made positive, ...). Field-level candidates are checked against the field's
own rules before they are offered, so the rule a candidate names is the one the field breaks.
Used by `evoucher.strategies.violations` and the conformance suite.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import NamedTuple

from evoucher.registry.checks import Context, parse_amount
from evoucher.registry.generate import Fields, money
from evoucher.registry.model import FieldSpec, Kind, Sign, VoucherType
from evoucher.registry.validate import field_problem

Details = list[Fields] | None
Apply = Callable[[], tuple[Fields, Details]]
Setter = Callable[[str, str | None], Apply]  # (field, new value or None to remove) -> how to apply


class Candidate(NamedTuple):
    """A violation not yet applied: the rule it breaks, where, and how to make it."""

    rule: str
    path: str
    apply: Apply


# a value breaking each format rule while fitting the field's length
_BAD = {
    "format.amount": "100",
    "format.date": "20230230",
    "format.datetime": "20230230",
    "format.tre_code": "123456789",
    "format.fin_org_code": "12A",
    "format.bank_no": "12345678901",
    "format.account": "abc",
    "format.adm_div_code": "33010",
    "format.set_month": "13",
    "format.count": "x",
    "format.flag": "x",
    "format.voucher_no_v1": "1234567",
    "code.fund_type": "4",
    "code.business_type": "2",
    "code.original_vt_code": "5106",
    "format.digits": "A",
}


def _bad_values(spec: FieldSpec, ctx: Context) -> list[tuple[str, str]]:
    """(rule id, value) pairs: a too-long value and one bad value per value rule."""
    long_value = "字" * (spec.max_len // 2 + 1) if spec.kind is Kind.TEXT else "9" * (spec.max_len + 1)
    out = [("field.max_length", long_value)]
    for rule_id in spec.rules:
        if rule_id in _BAD:
            out.append((rule_id, _BAD[rule_id]))
        elif rule_id == "code.pay_type":
            out.append((rule_id, "99" if spec.values else "9"))
        elif rule_id == "year.st_year":
            out.append((rule_id, str(ctx.business_date.year + 1)))
        elif rule_id == "date.not_future":
            out.append((rule_id, f"{ctx.business_date + dt.timedelta(days=1):%Y%m%d}"))
    return out


def _field_candidates(
    specs: tuple[FieldSpec, ...], record: Fields, path: str, ctx: Context, receipt: bool, replace: Setter
) -> list[Candidate]:
    out = []
    flag = int(receipt)
    for spec in specs:
        if spec.name == "VtCode":
            continue  # another VtCode is another type, not a broken field
        where, present = f"{path}/{spec.name}", bool(record.get(spec.name))
        processor_fills = spec.receipt_only and not spec.carried
        if processor_fills and not receipt:
            out.append(Candidate("receipt.not_on_voucher", where, replace(spec.name, "1")))
            continue
        if present and (spec.mandatory or (receipt and processor_fills and spec.receipt_mandatory)):
            rule = "field.mandatory" if spec.mandatory else "receipt.mandatory"
            out.append(Candidate(rule, where, replace(spec.name, None)))
        for rule_id, bad in _bad_values(spec, ctx):
            found = field_problem(spec, bad, ctx, flag)
            if found and found[0] == rule_id:
                out.append(Candidate(rule_id, where, replace(spec.name, bad)))
    return out


def candidates(
    vt: VoucherType, header: Fields, details: Details, *, receipt: bool, ctx: Context
) -> list[Candidate]:
    """Every single-rule violation available for this valid voucher."""

    def in_header(name: str, value: str | None) -> Apply:
        def apply() -> tuple[Fields, Details]:
            changed = {k: v for k, v in header.items() if k != name}
            if value is not None:
                changed[name] = value
            return changed, details

        return apply

    def in_detail(index: int) -> Setter:
        def at(name: str, value: str | None) -> Apply:
            def apply() -> tuple[Fields, Details]:
                rows = [dict(r) for r in details or []]
                rows[index].pop(name, None)
                if value is not None:
                    rows[index][name] = value
                return header, rows

            return apply

        return at

    out = _field_candidates(vt.header, header, "Voucher", ctx, receipt, in_header)
    out.append(Candidate("voucher.unknown_field", "Voucher/Extra", in_header("Extra", "1")))
    for i, row in enumerate(details or []):
        out += _field_candidates(
            vt.detail, row, f"Voucher/DetailList/Detail[{i + 1}]", ctx, receipt, in_detail(i)
        )
    if details is not None:
        out += _structure(vt, header, details)
        out += _amounts(vt, header, details)
    if vt.has_field("OriginalVtCode") and vt.has_field("BusinessTypeCode"):
        batch = {**header, "OriginalVtCode": "5201", "BusinessTypeCode": "1"}
        out.append(
            Candidate("code.business_type_batch", "Voucher/BusinessTypeCode", lambda: (batch, details))
        )
    return out


def _structure(vt: VoucherType, header: Fields, details: list[Fields]) -> list[Candidate]:
    out = [Candidate("detail.list", "Voucher/DetailList", lambda: (header, None))]
    if vt.max_details == 1:
        extra = {**details[0], "Id": "2"} if "Id" in details[0] else dict(details[0])
        out.append(Candidate("detail.count", "Voucher/DetailList", lambda: (header, [*details, extra])))
    if vt.min_details >= 2:
        out.append(Candidate("detail.count", "Voucher/DetailList", lambda: (header, details[:1])))
    if len(details) >= 2 and vt.has_field("Id", detail=True):
        twin = [details[0], {**details[1], "Id": details[0]["Id"]}, *details[2:]]
        out.append(Candidate("detail.id_unique", "Voucher/DetailList/Detail[2]/Id", lambda: (header, twin)))
    return out


def _amounts(vt: VoucherType, header: Fields, details: list[Fields]) -> list[Candidate]:
    if not vt.total:
        return []
    head, line = vt.total
    path = f"Voucher/{head}"
    total = parse_amount(header.get(head))
    if total is None:
        return []

    def scaled(change: Callable[[Decimal], Decimal], rows: list[Fields]) -> tuple[Fields, Details]:
        new_rows = [{**r, line: money(int(change(Decimal(r[line])) * 100))} for r in rows] if line else rows
        return {**header, head: money(int(change(total) * 100))}, new_rows

    out = []
    if line:
        nudged = {**header, head: money(int(total * 100) + 1)}
        out.append(Candidate("amount.total", path, lambda: (nudged, details)))
    if vt.sign is Sign.NONZERO:
        out.append(Candidate("amount.sign", path, lambda: scaled(lambda _: Decimal(0), details)))
    elif vt.sign is Sign.ZERO:
        shifted = [{**details[0], line: money(int(Decimal(details[0][line]) * 100) + 100)}, *details[1:]]
        out.append(
            Candidate("amount.sign", path, lambda: ({**header, head: "1.00"}, shifted if line else details))
        )
    elif vt.sign:
        out.append(Candidate("amount.sign", path, lambda: scaled(lambda a: -a, details)))
    if vt.detail_sign and line:
        flipped = [{**details[0], line: money(-int(Decimal(details[0][line]) * 100))}, *details[1:]]
        new_total = sum((Decimal(r[line]) for r in flipped), Decimal(0))
        where = f"Voucher/DetailList/Detail[1]/{line}"
        out.append(
            Candidate("amount.detail_sign", where, lambda: ({**header, head: f"{new_total:.2f}"}, flipped))
        )
    return out
