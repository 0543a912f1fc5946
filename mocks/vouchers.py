"""Vouchers and receipts built from the registry's field lists, and checked before they leave.

A party hands over the values it knows (a dict that may hold more than the type has: an agency
row, a bank row); `compose` keeps the fields the VtCode defines, in the registry's order, and
refuses to return a voucher the registry finds a problem with, so a mock never sends what the
standard forbids. `receipt` fills X fields by their registry spelling (5207 details spell
`XpayAmt`), so callers can always say `XPayAmt`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal

from evoucher import registry
from evoucher.codec import Voucher, build_voucher, parse_voucher, with_fields
from evoucher.registry import FieldSpec
from mocks.money import ZERO, fmt, money
from mocks.tips import TipsResult

Values = Mapping[str, object]


class VoucherProblems(ValueError):
    """A voucher a mock built breaks the standard: a bug in the mock, never sent."""

    def __init__(self, vt_code: str, problems: Sequence[Exception]) -> None:
        lines = "; ".join(str(p) for p in problems[:5])
        super().__init__(f"{vt_code}: {len(problems)} problem(s): {lines}")
        self.problems = list(problems)


def _text(value: object) -> str:
    if isinstance(value, Decimal):
        return fmt(value)
    return "" if value is None else str(value)


def _record(specs: Sequence[FieldSpec], values: Values) -> dict[str, str]:
    return {spec.name: _text(values[spec.name]) for spec in specs if spec.name in values}


def compose(
    vt_code: str,
    header: Values,
    details: Sequence[Values] | None = None,
    *,
    business_date: dt.date,
    profile: str = "2.0",
) -> Voucher:
    """A valid voucher of `vt_code`: the fields of `header`/`details` the type defines, validated."""
    vt = registry.get(vt_code)
    rows = [_record(vt.detail, row) for row in details or ()] if vt.has_detail_list else None
    data = build_voucher(_record(vt.header, {**header, "VtCode": vt_code}), rows)
    problems = registry.validate(data, business_date=business_date, profile=profile)
    if problems:
        raise VoucherProblems(vt_code, problems)
    return parse_voucher(data)


def _spelled(specs: Sequence[FieldSpec], values: Values) -> dict[str, str]:
    """Values keyed by the registry's own spelling of each name (case-insensitive match)."""
    names = {spec.name.lower(): spec.name for spec in specs}
    return {names[name.lower()]: _text(value) for name, value in values.items() if name.lower() in names}


def receipt(
    voucher: Voucher,
    header: Values,
    details: Mapping[int, Values] | None = None,
    *,
    business_date: dt.date,
    profile: str = "2.0",
) -> Voucher:
    """The receipt of `voucher`: the same fields with the X fields (and answers) filled in."""
    vt = registry.get(voucher.vt_code)
    rows = {i: _spelled(vt.detail, values) for i, values in (details or {}).items()}
    data = with_fields(voucher, _spelled(vt.header, header), rows)
    problems = registry.validate(data, business_date=business_date, voucher_flag=1, profile=profile)
    if problems:
        raise VoucherProblems(voucher.vt_code, problems)
    return parse_voucher(data)


def amount_of(voucher: Voucher) -> Decimal:
    """The header total of a voucher (its registry total field), 0.00 when it has none."""
    total = registry.get(voucher.vt_code).total
    value = voucher.header.get(total[0], "") if total else ""
    return money(value) if value else ZERO


def settlement_fields(voucher: Voucher, result: TipsResult) -> tuple[dict[str, object], dict[int, dict]]:
    """The X fields of a payment or clearing receipt from what TCBS answered (0.00 when it failed).

    Every type takes the names it has: XPayAmt/XPayDate/XAgentBusinessNo on payments, XClearDate
    and XPaySndBnkNo on clearing, XAcctDate/XAccDate on notices, XAddWord for a failure reason.
    """
    header: dict[str, object] = {
        "XPayAmt": result.amount,
        "XPayDate": result.date,
        "XAgentBusinessNo": result.business_no,
        "XClearDate": result.date,
        "XAcctDate": result.date,
        "XAccDate": result.date,
        "XAddWord": result.reason,
    }
    total = registry.get(voucher.vt_code).total
    line = total[1] if total else None
    details = {
        i: {
            "XPayAmt": money(row[line]) if result.ok and line and row.get(line) else ZERO,
            "XPayDate": result.date,
            "XAgentBusinessNo": result.business_no,
            "XAddWord": result.reason,
        }
        for i, row in enumerate(voucher.details)
    }
    return header, details
