"""Matching rules between voucher types (勾兑, ITFE `VoucherCompare`), as data plus one checker.

Summary matching (5106↔2301, 5108↔5201, 5106↔5351, 5108↔5253): the quota notice on the left
against one or more vouchers on the right. Header: the agent bank number agrees and the left
total equals the right totals' sum. Details: the counts agree, then every (agency, function
subject, amount) key has a partner. The agency key is SupDepCode (一级预算单位), the unit
code every one of these layouts carries and by which a 2301 summarises (reference §8).

Full-element matching (5201↔8207, 5207↔8207): the batch detail 8207 names its voucher
(OriginalVtCode/OriginalVoucherNo), carries its total, and agrees on every header and detail
element the two layouts share, detail by detail in order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from evoucher.codec import Voucher
from evoucher.errors import FieldError
from evoucher.registry._build import get
from evoucher.registry.checks import parse_amount
from evoucher.registry.model import Kind
from evoucher.registry.validate import problem

_NOT_COMPARED = frozenset({"Id", "VtCode", "VoucherNo", "VouDate", "VoucherBillId", "VoucherBillNo"})


@dataclass(frozen=True)
class MatchRule:
    """Which fields of `left` and `right` must agree; `detail` pairs form the summary key."""

    left: str
    right: str
    kind: str  # "summary" or "full"
    header: tuple[tuple[str, str], ...]
    detail: tuple[tuple[str, str], ...] = ()

    @property
    def id(self) -> str:
        return f"{self.left}-{self.right}"


def _summary(left: str, right: str, bank: str, total: str, line: str) -> MatchRule:
    left_total = get(left).total
    assert left_total is not None
    key = (("SupDepCode", "SupDepCode"), ("ExpFuncCode", "ExpFuncCode"), (left_total[1] or total, line))
    return MatchRule(left, right, "summary", (("PayBankNo", bank), (left_total[0], total)), key)


MATCH_RULES: tuple[MatchRule, ...] = (
    _summary("5106", "2301", "PayBankNo", "PayAmt", "PayAmt"),
    _summary("5108", "5201", "PayeeAcctBankNo", "PayAmt", "PayAmt"),
    _summary("5106", "5351", "PayBankCode", "PayAmt", "PayAmt"),
    _summary("5108", "5253", "PayeeAcctBankNo", "PayAmt", "PayAmt"),
    MatchRule(
        "5201",
        "8207",
        "full",
        (("VtCode", "OriginalVtCode"), ("VoucherNo", "OriginalVoucherNo"), ("PayAmt", "SumAmt")),
    ),
    MatchRule(
        "5207",
        "8207",
        "full",
        (("VtCode", "OriginalVtCode"), ("VoucherNo", "OriginalVoucherNo"), ("PayAmt", "SumAmt")),
    ),
)


def match_rule(left: str, right: str) -> MatchRule:
    """The rule matching a `left` voucher with `right` ones; KeyError when none exists."""
    for rule in MATCH_RULES:
        if (rule.left, rule.right) == (left, right):
            return rule
    raise KeyError(f"no matching rule between {left} and {right}")


def _shared(left: str, right: str, *, detail: bool) -> tuple[tuple[str, str], ...]:
    """Elements two layouts share, as compared by full-element matching."""
    lspecs, rspecs = (get(c).detail if detail else get(c).header for c in (left, right))
    names = {s.name for s in rspecs}
    return tuple(
        (s.name, s.name)
        for s in lspecs
        if s.name in names
        and s.name not in _NOT_COMPARED
        and not s.receipt_only
        and not s.name.startswith("Hold")
    )


def _same(a: str | None, b: str | None) -> bool:
    amounts = parse_amount(a), parse_amount(b)
    return amounts[0] == amounts[1] if None not in amounts else (a or "") == (b or "")


def match_vouchers(left: Voucher, right: Voucher | Sequence[Voucher]) -> list[FieldError]:
    """Every mismatch between `left` and the voucher(s) it is matched with; [] when they match.

    Paths name the left voucher's field; the detail says what the right side holds.
    """
    rights = [right] if isinstance(right, Voucher) else list(right)
    if not rights or len({r.vt_code for r in rights}) != 1:
        raise ValueError("right: one or more vouchers of a single VtCode")
    rule = match_rule(left.vt_code, rights[0].vt_code)
    if rule.kind == "full" and len(rights) != 1:
        raise ValueError(f"right: full-element matching {rule.id} pairs one voucher with one")
    found = _headers(rule, left, rights)
    if rule.kind == "summary":
        details = [row for r in rights for row in r.details]
        found += _summary_details(rule, left, details)
    else:
        found += _full_details(rule, left, rights[0])
    return found


def _headers(rule: MatchRule, left: Voucher, rights: list[Voucher]) -> list[FieldError]:
    found = []
    pairs = rule.header + (_shared(rule.left, rule.right, detail=False) if rule.kind == "full" else ())
    for lname, rname in dict(pairs).items():
        mine = left.header.get(lname)
        kind = get(rule.left).field(lname).kind
        if kind is Kind.AMOUNT and rule.kind == "summary":
            amounts = [parse_amount(r.header.get(rname)) for r in rights]
            theirs = f"{sum(a for a in amounts if a is not None):.2f}" if None not in amounts else None
        else:
            values = {r.header.get(rname) for r in rights}
            theirs = values.pop() if len(values) == 1 else " / ".join(sorted(v or "" for v in values))
        if not _same(mine, theirs):
            detail = f"{rule.right} {rname} is {theirs!r} (rule {rule.id})"
            found.append(problem(f"Voucher/{lname}", "match.header", mine, detail, rule.left))
    return found


def _key(row: Mapping[str, str], names: Sequence[str]) -> tuple[str, ...]:
    out = []
    for name in names:
        value = row.get(name, "")
        amount = parse_amount(value)
        out.append(f"{amount:.2f}" if amount is not None else value)
    return tuple(out)


def _summary_details(rule: MatchRule, left: Voucher, rights: list[Mapping[str, str]]) -> list[FieldError]:
    found = []
    if len(left.details) != len(rights):
        detail = f"{rule.right} has {len(rights)} details (rule {rule.id})"
        found.append(
            problem("Voucher/DetailList", "match.detail_count", str(len(left.details)), detail, rule.left)
        )
    lnames, rnames = zip(*rule.detail, strict=True)
    unmatched = Counter(_key(row, rnames) for row in rights)
    for i, row in enumerate(left.details, 1):
        key = _key(row, lnames)
        if unmatched[key] > 0:
            unmatched[key] -= 1
            continue
        detail = f"no {rule.right} detail with {'/'.join(rnames)} = {'/'.join(key)} (rule {rule.id})"
        found.append(
            problem(f"Voucher/DetailList/Detail[{i}]", "match.detail", "/".join(key), detail, rule.left)
        )
    for key, count in unmatched.items():
        for _ in range(count):
            detail = f"{rule.right} detail {'/'.join(key)} has no partner here (rule {rule.id})"
            found.append(problem("Voucher/DetailList", "match.detail", None, detail, rule.left))
    return found


def _full_details(rule: MatchRule, left: Voucher, right: Voucher) -> list[FieldError]:
    if len(left.details) != len(right.details):
        detail = f"{rule.right} has {len(right.details)} details (rule {rule.id})"
        return [
            problem("Voucher/DetailList", "match.detail_count", str(len(left.details)), detail, rule.left)
        ]
    found = []
    for i, (mine, theirs) in enumerate(zip(left.details, right.details, strict=True), 1):
        for lname, rname in _shared(rule.left, rule.right, detail=True):
            if not _same(mine.get(lname), theirs.get(rname)):
                path = f"Voucher/DetailList/Detail[{i}]/{lname}"
                detail = f"{rule.right} detail {i} {rname} is {theirs.get(rname)!r} (rule {rule.id})"
                found.append(problem(path, "match.detail", mine.get(lname), detail, rule.left))
    return found
