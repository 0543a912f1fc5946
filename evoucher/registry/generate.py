"""Valid voucher fields generated from the registry, for samples and Hypothesis strategies alike.

Generation makes its choices through a `Chooser`, so the same code serves `sample()` (a seeded
`random.Random`) and `evoucher.strategies` (Hypothesis draws, which shrink). Choices are made
so that shrinking heads for the simplest voucher: the fewest details, the smallest amounts
(0.01), the first party of each table, optional fields left out.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol, TypeVar

from evoucher.codec import MofBody, build_mof, build_voucher, parse_voucher
from evoucher.registry import plausible as pl
from evoucher.registry._build import get
from evoucher.registry.checks import Context
from evoucher.registry.model import FieldSpec, Kind, Sign, VoucherType
from evoucher.registry.validate import field_problem

T = TypeVar("T")
MAX_GENERATED_DETAILS = 3
Fields = dict[str, str]


class Chooser(Protocol):
    """Where generation gets its choices; integers shrink towards `low`, choices to the first."""

    def integer(self, low: int, high: int) -> int: ...

    def choice(self, options: Sequence[T]) -> T: ...


class RandomChooser:
    """Choices from a seeded `random.Random`: the same seed gives the same voucher."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def integer(self, low: int, high: int) -> int:
        return self._rng.randint(low, high)

    def choice(self, options: Sequence[T]) -> T:
        return options[self._rng.randrange(len(options))]


def money(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


def _line_cents(vt: VoucherType, ch: Chooser, count: int) -> list[int]:
    """Detail amounts in cents that satisfy the type's sign rules; the header is their sum."""
    cents = [ch.integer(1, 5_000_000) for _ in range(count)]
    if vt.sign is Sign.ZERO:
        return [*cents[:-1], -sum(cents[:-1])]
    if vt.sign is Sign.NEGATIVE or vt.detail_sign is Sign.NON_POSITIVE:
        return [-c for c in cents]
    return cents


def _detail_count(vt: VoucherType, ch: Chooser) -> int:
    low = max(vt.min_details, 2) if vt.sign is Sign.ZERO and vt.max_details >= 2 else vt.min_details
    return ch.integer(low, max(low, min(vt.max_details, MAX_GENERATED_DETAILS)))


def _row(ch: Chooser, *fixed: Fields) -> Fields:
    """One coherent set of parties and classifications for a header or a detail."""
    row: Fields = {}
    for table in (pl.FUNCTIONS, pl.ECONOMICS, pl.REVENUES, pl.BANKS, pl.PAYEES):
        row.update(ch.choice(table))
    for prefix, pairs in pl.CODE_PAIRS.items():
        code, name = ch.choice(pairs)
        row[f"{prefix}Code"], row[f"{prefix}Name"] = code, name
    for part in fixed:
        row.update(part)
    return row


def _fallback(spec: FieldSpec, ch: Chooser, ctx: Context) -> str:
    """A value that passes the field's rules when no table row supplies one."""
    rules = set(spec.rules)
    if spec.values:
        return ch.choice(spec.values)
    if spec.kind is Kind.DATE:
        return f"{ctx.business_date:%Y%m%d}"
    if spec.kind is Kind.AMOUNT:
        return money(ch.integer(1, 5_000_000))
    if "format.digits" in rules and spec.digits:
        return _digits(ch, spec.digits[0])
    if "format.set_month" in rules:
        return f"{ch.integer(1, 12):02d}"
    if "year.st_year" in rules:
        return str(ctx.business_date.year)
    if "code.pay_type" in rules:
        return "11"
    if "code.fund_type" in rules:
        return "1"
    if spec.kind in (Kind.COUNT, Kind.FLAG):
        return str(ch.integer(0, 1))
    width = {"format.tre_code": 10, "format.bank_no": 12, "format.adm_div_code": 6}
    size = next((width[r] for r in rules if r in width), 19 if spec.kind is Kind.ACCOUNT else 6)
    if spec.kind is Kind.TEXT and spec.max_len >= 8:
        return ch.choice(pl.TEXTS)
    return _digits(ch, min(size, spec.max_len))


def _digits(ch: Chooser, width: int) -> str:
    return f"{ch.integer(0, 10**width - 1):0{width}d}"


class _Builder:
    """Fills one record (header or detail) field by field from the registry specs."""

    def __init__(self, ch: Chooser, ctx: Context, *, receipt: bool, complete: bool) -> None:
        self.ch, self.ctx, self.receipt, self.complete = ch, ctx, receipt, complete

    def record(self, specs: tuple[FieldSpec, ...], known: Fields, row: Fields) -> Fields:
        out: Fields = {}
        for spec in specs:
            value = self.value(spec, known, row)
            if value is not None:
                out[spec.name] = value
        return out

    def value(self, spec: FieldSpec, known: Fields, row: Fields) -> str | None:
        name = spec.name
        processor_fills = spec.receipt_only and not spec.carried
        if processor_fills and not self.receipt:
            return "" if self.complete or self.ch.integer(0, 1) else None
        needed = spec.mandatory or (processor_fills and spec.receipt_mandatory)
        if not needed and not self.complete:
            presence = self.ch.integer(0, 2)  # absent, filled, empty element
            if presence != 1:
                return None if presence == 0 else ""
        if name.startswith("Hold") and not needed:
            return ""
        for candidate in (known.get(name), row.get(name), self._from_twin(name, known, row)):
            if candidate is not None and not field_problem(spec, candidate, self.ctx, int(self.receipt)):
                return candidate
        return _fallback(spec, self.ch, self.ctx)

    @staticmethod
    def _from_twin(name: str, known: Fields, row: Fields) -> str | None:
        """A receipt field's value from the field it reports on (XPayAmt <- PayAmt, XpayAmt too)."""
        if not name.startswith("X"):
            return None
        base = name[1:].lower()
        for source in (known, row):
            for other, value in source.items():
                if other.lower() == base:
                    return value
        return None


def voucher_fields(
    vt: VoucherType | str,
    ch: Chooser,
    *,
    receipt: bool = False,
    business_date: dt.date | None = None,
    profile: str = "2.0",
    complete: bool = True,
) -> tuple[Fields, list[Fields] | None]:
    """A valid (header, details) pair; details is None for a type without a DetailList.

    `complete` writes every field (empty receipt fields on a voucher, as ITFE templates do);
    otherwise the chooser decides which optional fields appear.
    """
    vt = get(vt) if isinstance(vt, str) else vt
    ctx = Context(business_date or dt.date.today(), profile)
    build = _Builder(ch, ctx, receipt=receipt, complete=complete)
    vou_date = ctx.business_date - dt.timedelta(days=ch.integer(0, 20))
    serial = ch.integer(1, 999_999)
    division = pl.division(*ch.choice(pl.DIVISIONS))
    agency = ch.choice(pl.AGENCIES)  # one budget unit per voucher, as ITFE requires of a 5207
    known: Fields = {
        **division,
        "Id": f"{division['AdmDivCode']}{vou_date:%Y%m%d}{serial:06d}",
        "StYear": str(vou_date.year),
        "VtCode": vt.vt_code,
        "VouDate": f"{vou_date:%Y%m%d}",
        "VoucherNo": f"{vou_date:%y}{serial:06d}",
    }
    if vt.has_field("OriginalVtCode"):
        known["OriginalVtCode"] = origin = ch.choice(vt.field("OriginalVtCode").values)
        known["BusinessTypeCode"] = "4" if origin in ("5207", "5201") else ch.choice(("1", "3", "4"))
    count = _detail_count(vt, ch) if vt.has_detail_list else 0
    cents = _line_cents(vt, ch, max(count, 1))
    head_name, line_name = vt.total or (None, None)
    if head_name:
        known[head_name] = money(sum(cents) if line_name else cents[0])
    if vt.has_detail_list:
        known.setdefault("AllNum", str(count))
    pay_types = vt.field("PayTypeCode").values if vt.has_field("PayTypeCode") else ()
    if pay_types:
        known["PayTypeCode"] = code = ch.choice(pay_types)
        known["PayTypeName"] = pl.PAY_TYPE_NAMES.get(code, "实拨")
    header = build.record(vt.header, known, _row(ch, agency))
    if not vt.has_detail_list:
        return header, None
    details = []
    for i in range(count):
        line = {
            "Id": str(i + 1),
            "VoucherBillId": header.get("Id", ""),
            "VoucherBillNo": header.get("VoucherNo", ""),
        }
        if line_name:
            line[line_name] = money(cents[i])
        details.append(build.record(vt.detail, line, _row(ch, division, agency)))
    return header, details


def sample(
    vt_code: str,
    *,
    receipt: bool = False,
    seed: int = 0,
    business_date: dt.date | None = None,
    profile: str = "2.0",
    encoding: str = "GBK",
) -> bytes:
    """A valid voucher (or receipt, with its X* fields filled) of `vt_code`, every field written."""
    header, details = voucher_fields(
        vt_code, RandomChooser(seed), receipt=receipt, business_date=business_date, profile=profile
    )
    return build_voucher(header, details, encoding=encoding)


def sample_mof(
    vt_code: str,
    *,
    receipt: bool = False,
    seed: int = 0,
    business_date: dt.date | None = None,
    profile: str = "2.0",
) -> bytes:
    """`sample()` wrapped in a one-body MOF envelope (VoucherFlag 1 for a receipt)."""
    voucher = parse_voucher(
        sample(vt_code, receipt=receipt, seed=seed, business_date=business_date, profile=profile)
    )
    body = MofBody.of(voucher, voucher_flag=int(receipt), attach="SUCCESS" if receipt else None)
    return build_mof([body])
