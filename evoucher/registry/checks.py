"""Value rules: one small function per rule id, answering "what is wrong with this value?".

Each takes the value (non-empty), its FieldSpec and the validation context, and returns None
when the value passes or a short description of the problem. The registry assigns rule ids to
fields (`FieldSpec.rules`); validate.py runs them and turns answers into FieldErrors.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from evoucher.registry.model import FieldSpec

AMOUNT = re.compile(r"-?[0-9]{1,15}\.[0-9]{2}")
ACCOUNT = re.compile(r"[0-9A-Z-]{1,32}")
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Context:
    """What the value rules need besides the value: the business date and the profile."""

    business_date: dt.date
    profile: str


def parse_amount(value: str | None) -> Decimal | None:
    """The amount as a Decimal when it has the standard format, else None."""
    return Decimal(value) if value and AMOUNT.fullmatch(value) else None


def parse_date(value: str) -> dt.date | None:
    """yyyyMMdd (or yyyyMMddHHmmss, date part) as a date, None when it is no real day."""
    if not _DIGITS.fullmatch(value) or len(value) not in (8, 14):
        return None
    try:
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:8]))  # strptime: 14 µs, this: 1
    except ValueError:
        return None


def _pattern(regex: str, words: str) -> Callable[[str, FieldSpec, Context], str | None]:
    compiled = re.compile(regex)

    def check(value: str, spec: FieldSpec, ctx: Context) -> str | None:
        return None if compiled.fullmatch(value) else f"must be {words}"

    return check


def _date(value: str, spec: FieldSpec, ctx: Context) -> str | None:
    return None if len(value) == 8 and parse_date(value) else "must be a real day written yyyyMMdd"


def _datetime(value: str, spec: FieldSpec, ctx: Context) -> str | None:
    return None if parse_date(value) else "must be yyyyMMdd or yyyyMMddHHmmss, a real day"


def _digits(value: str, spec: FieldSpec, ctx: Context) -> str | None:
    low, high = spec.digits or (1, spec.max_len)
    ok = _DIGITS.fullmatch(value) and low <= len(value) <= high
    return None if ok else f"must be {low}-{high} digits" if low != high else f"must be exactly {low} digits"


def _values(value: str, spec: FieldSpec, ctx: Context) -> str | None:
    return None if value in spec.values else f"must be one of {', '.join(spec.values)}"


def _pay_type(value: str, spec: FieldSpec, ctx: Context) -> str | None:
    if spec.values:
        return _values(value, spec, ctx)
    return None if _DIGITS.fullmatch(value) and 2 <= len(value) <= 6 else "must be 2-6 digits"


def _st_year(value: str, spec: FieldSpec, ctx: Context) -> str | None:
    if not re.fullmatch(r"[0-9]{4}", value):
        return "must be 4 digits (yyyy)"
    year = ctx.business_date.year
    return None if int(value) <= year else f"must not be after the business year {year}"


def _not_future(value: str, spec: FieldSpec, ctx: Context) -> str | None:
    day = parse_date(value)
    if day is None or day <= ctx.business_date:
        return None  # an invalid date is reported by its format rule
    return f"must not be after the business date {ctx.business_date:%Y%m%d}"


def _voucher_no_v1(value: str, spec: FieldSpec, ctx: Context) -> str | None:
    if ctx.profile != "1.0":
        return None
    return None if re.fullmatch(r"[0-9]{8}", value) else "must be exactly 8 digits under profile 1.0"


VALUE_CHECKS: dict[str, Callable[[str, FieldSpec, Context], str | None]] = {
    "format.amount": _pattern(AMOUNT.pattern, "an amount like -1234.50 (1-15 digits, a point, 2 decimals)"),
    "format.date": _date,
    "format.datetime": _datetime,
    "format.tre_code": _pattern(r"[0-9]{10}", "exactly 10 digits"),
    "format.fin_org_code": _pattern(r"[0-9]{1,12}", "1-12 digits"),
    "format.bank_no": _pattern(r"[0-9]{12}", "exactly 12 digits"),
    "format.account": _pattern(ACCOUNT.pattern, "1-32 of digits, A-Z and hyphen"),
    "format.adm_div_code": _pattern(r"[0-9]{6}", "exactly 6 digits"),
    "format.set_month": _pattern(r"0[1-9]|1[0-2]", "a month 01-12"),
    "format.digits": _digits,
    "format.count": _pattern(r"[0-9]{1,10}", "1-10 digits"),
    "format.flag": _pattern(r"[0-9]{1,2}", "1-2 digits"),
    "format.voucher_no_v1": _voucher_no_v1,
    "code.pay_type": _pay_type,
    "code.fund_type": _pattern(
        r"[12389].*|.*[12]", "a fund type starting with 1, 2, 3, 8 or 9 or ending 1 or 2"
    ),
    "code.business_type": _values,
    "code.original_vt_code": _values,
    "year.st_year": _st_year,
    "date.not_future": _not_future,
}
