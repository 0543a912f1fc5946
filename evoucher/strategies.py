"""Hypothesis strategies for treasury e-vouchers, derived from the voucher-type registry.

For vendors' CI and our own tests::

    from hypothesis import given
    from evoucher import strategies as vst

    @given(vst.vouchers("5207"))
    def test_library_accepts_valid_5207(data): ...

    @given(vst.violations())
    def test_library_names_the_broken_field(violation):
        data, path, rule = violation

Every strategy checks its arguments when called and raises
`hypothesis.errors.InvalidArgument` naming the bad argument. Examples shrink towards the
simplest voucher: the first VtCode in code order, the fewest details the type allows, amounts
of 0.01, the first party of each table, optional fields left out; a violation shrinks towards
the first rule of the catalogue (field.mandatory) and the first field in registry order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple, TypeVar

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from evoucher.codec import MofBody, build_mof, build_voucher, parse_voucher
from evoucher.errors import UnknownVoucherType
from evoucher.registry import PROFILES, RULES, codes, get
from evoucher.registry.checks import Context
from evoucher.registry.generate import Fields
from evoucher.registry.generate import voucher_fields as _generate
from evoucher.registry.model import VoucherType
from evoucher.registry.mutations import candidates

__all__ = [
    "Violation",
    "from_voucher_type",
    "mof_documents",
    "violations",
    "voucher_fields",
    "vouchers",
]

T = TypeVar("T")
ENCODINGS = ("GBK", "UTF-8")


class Violation(NamedTuple):
    """A voucher breaking one rule: its bytes, the path of the broken field, the rule id."""

    data: bytes
    path: str
    rule: str


class _Draws:
    """The registry generator's Chooser, answered by Hypothesis draws (so examples shrink)."""

    def __init__(self, draw: st.DrawFn) -> None:
        self._draw = draw

    def integer(self, low: int, high: int) -> int:
        return self._draw(st.integers(low, high))

    def choice(self, options: Sequence[T]) -> T:
        return self._draw(st.sampled_from(options))


def _voucher_type(vt: VoucherType | str, profile: str, name: str = "vt_code") -> VoucherType:
    try:
        found = vt if isinstance(vt, VoucherType) else get(vt)
    except UnknownVoucherType:
        raise InvalidArgument(f"{name}={vt!r} is not a registered VtCode") from None
    if found.name_only:
        raise InvalidArgument(f"{name}={found.vt_code!r} is known by name only: no fields to generate")
    if not found.in_profile(profile):
        raise InvalidArgument(
            f"{name}={found.vt_code!r} is not in profile {profile!r} ({'/'.join(found.profiles)})"
        )
    return found


def _check(profile: object, business_date: object, encoding: object = "GBK", **flags: object) -> None:
    if profile not in PROFILES:
        raise InvalidArgument(f"profile={profile!r} must be one of {PROFILES}")
    if business_date is not None and (
        not isinstance(business_date, dt.date) or isinstance(business_date, dt.datetime)
    ):
        raise InvalidArgument(f"business_date={business_date!r} must be a datetime.date or None")
    if encoding not in ENCODINGS:
        raise InvalidArgument(f"encoding={encoding!r} must be one of {ENCODINGS}")
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise InvalidArgument(f"{name}={value!r} must be True or False")


def _types(vt_code: str | None, profile: str) -> st.SearchStrategy[VoucherType]:
    if vt_code is None:
        return st.sampled_from([get(code) for code in codes(full_only=True, profile=profile)])
    return st.just(_voucher_type(vt_code, profile))


@st.composite
def _fields(draw: st.DrawFn, vt: VoucherType, receipt: bool, profile: str, day: dt.date | None):
    return _generate(vt, _Draws(draw), receipt=receipt, business_date=day, profile=profile, complete=False)


def voucher_fields(
    vt_code: str, *, receipt: bool = False, profile: str = "2.0", business_date: dt.date | None = None
) -> st.SearchStrategy[tuple[Fields, list[Fields] | None]]:
    """Valid (header, details) dicts of `vt_code`; details is None for a type without a DetailList.

    Optional fields come and go; amounts add up; on a receipt the processor's X* fields are
    filled. Shrinks towards the fewest details, 0.01 amounts and optional fields left out.
    """
    _check(profile, business_date, receipt=receipt)
    return _fields(_voucher_type(vt_code, profile), receipt, profile, business_date)


def from_voucher_type(
    vt: VoucherType | str,
    *,
    receipt: bool = False,
    profile: str = "2.0",
    business_date: dt.date | None = None,
    encoding: str = "GBK",
) -> st.SearchStrategy[bytes]:
    """Valid voucher bytes of one registry entry (a VoucherType or its VtCode)."""
    _check(profile, business_date, encoding, receipt=receipt)
    found = _voucher_type(vt, profile, "vt")
    return _fields(found, receipt, profile, business_date).map(
        lambda hd: build_voucher(*hd, encoding=encoding)
    )


def vouchers(
    vt_code: str | None = None,
    *,
    profile: str = "2.0",
    valid: bool = True,
    receipt: bool = False,
    business_date: dt.date | None = None,
    encoding: str = "GBK",
) -> st.SearchStrategy[bytes]:
    """Voucher bytes of `vt_code` (any full type of the profile when None).

    `valid=False` gives vouchers breaking exactly one rule (see `violations`). Validate a
    receipt with voucher_flag=1. Shrinks towards the first VtCode and the simplest voucher.
    """
    _check(profile, business_date, encoding, valid=valid, receipt=receipt)
    if not valid:
        return violations(vt_code, profile=profile, receipt=receipt, business_date=business_date).map(
            lambda v: v.data
        )
    return _types(vt_code, profile).flatmap(
        lambda vt: from_voucher_type(
            vt, receipt=receipt, profile=profile, business_date=business_date, encoding=encoding
        )
    )


@st.composite
def _violations(
    draw: st.DrawFn, vt: VoucherType, receipt: bool, profile: str, day: dt.date | None
) -> Violation:
    header, details = draw(_fields(vt, receipt, profile, day))
    ctx = Context(day or dt.date.today(), profile)
    by_rule: dict[str, list] = {}
    for candidate in candidates(vt, header, details, receipt=receipt, ctx=ctx):
        by_rule.setdefault(candidate.rule, []).append(candidate)
    rule = draw(st.sampled_from(sorted(by_rule, key=list(RULES).index)))  # every rule equally likely
    candidate = draw(st.sampled_from(by_rule[rule]))
    new_header, new_details = candidate.apply()
    return Violation(build_voucher(new_header, new_details), candidate.path, candidate.rule)


def violations(
    vt_code: str | None = None,
    *,
    profile: str = "2.0",
    receipt: bool = False,
    business_date: dt.date | None = None,
) -> st.SearchStrategy[Violation]:
    """(bytes, expected path, expected rule id): a valid voucher with exactly one rule broken.

    Validating the bytes (with voucher_flag=1 when `receipt`, the same profile and business
    date) reports that rule at that path; other problems may follow from it (a changed amount
    also breaks the sum). Shrinks towards header fields and the first VtCode.
    """
    _check(profile, business_date, receipt=receipt)
    return _types(vt_code, profile).flatmap(lambda vt: _violations(vt, receipt, profile, business_date))


@st.composite
def _mof(draw: st.DrawFn, vt_code: str | None, profile: str, receipt: bool | None, low: int, high: int, day):
    bodies = []
    for _ in range(draw(st.integers(low, high))):
        flag = draw(st.booleans()) if receipt is None else receipt
        data = draw(vouchers(vt_code, profile=profile, receipt=flag, business_date=day))
        attach = "SUCCESS" if flag else None
        bodies.append(MofBody.of(parse_voucher(data), voucher_flag=int(flag), attach=attach))
    return build_mof(bodies)


def mof_documents(
    vt_code: str | None = None,
    *,
    profile: str = "2.0",
    receipt: bool | None = False,
    min_bodies: int = 1,
    max_bodies: int = 3,
    business_date: dt.date | None = None,
) -> st.SearchStrategy[bytes]:
    """MOF envelopes (GBK) of `min_bodies`..`max_bodies` valid vouchers, VoucherFlag per `receipt`.

    `receipt=None` mixes vouchers and receipts. Shrinks towards `min_bodies` bodies of the
    simplest voucher.
    """
    _check(profile, business_date)
    if receipt is not None and not isinstance(receipt, bool):
        raise InvalidArgument(f"receipt={receipt!r} must be True, False or None")
    for name, value in (("min_bodies", min_bodies), ("max_bodies", max_bodies)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
            raise InvalidArgument(f"{name}={value!r} must be an int from 0 to 100")
    if min_bodies > max_bodies:
        raise InvalidArgument(f"min_bodies={min_bodies} must not exceed max_bodies={max_bodies}")
    if vt_code is not None:
        _voucher_type(vt_code, profile)
    return _mof(vt_code, profile, receipt, min_bodies, max_bodies, business_date)
