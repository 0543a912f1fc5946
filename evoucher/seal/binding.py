"""Binding a stamp to one voucher and one position through TBS_Sign.propertyInfo.

A stamp's propertyInfo names the voucher and the stamp position
(`AdmDivCode/StYear/VtCode/VoucherNo/VoucherFlag/position`), and is covered by the signer's
signature, so a stamp lifted onto another voucher, onto the receipt of the same voucher
(VoucherFlag 1) or onto another position no longer matches. Each value is percent-encoded
(UTF-8; RFC 3986 unreserved characters kept) so a "/" inside a VoucherNo cannot shift parts.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields
from urllib.parse import quote, unquote

from evoucher.errors import SealError

SEPARATOR = "/"
# the parts that identify the voucher; the rest say where on it the stamp sits
IDENTITY_PARTS = ("AdmDivCode", "StYear", "VtCode", "VoucherNo")
PLACEMENT_PARTS = ("VoucherFlag", "position")


@dataclass(frozen=True)
class PropertyInfo:
    """The six decoded values of a stamp's propertyInfo, named as in the voucher XML."""

    AdmDivCode: str
    StYear: str
    VtCode: str
    VoucherNo: str
    VoucherFlag: str
    position: str

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) == "":
                raise SealError(f"propertyInfo part {f.name} is empty")

    def __str__(self) -> str:
        return SEPARATOR.join(quote(value, safe="", encoding="utf-8") for value in astuple(self))


def property_info(
    adm_div_code: str,
    st_year: str | int,
    vt_code: str,
    voucher_no: str,
    voucher_flag: str | int,
    position: str,
) -> str:
    """The propertyInfo string for a stamp at `position` on one voucher (or receipt, flag 1)."""
    return str(PropertyInfo(adm_div_code, str(st_year), vt_code, voucher_no, str(voucher_flag), position))


def parse_property_info(text: str) -> PropertyInfo:
    """Decode a propertyInfo; SealError if it is not six non-empty percent-encoded UTF-8 parts."""
    parts = text.split(SEPARATOR)
    if len(parts) != len(fields(PropertyInfo)):
        raise SealError(f"propertyInfo {text!r} has {len(parts)} parts, expected 6")
    try:
        values = [unquote(p, encoding="utf-8", errors="strict") for p in parts]
    except UnicodeDecodeError as exc:
        raise SealError(f"propertyInfo {text!r} is not percent-encoded UTF-8") from exc
    return PropertyInfo(*values)


class BindingMismatch(SealError):
    """The stamp's propertyInfo names another voucher or another position than expected."""

    def __init__(self, *, expected: str, actual: str, parts: tuple[str, ...]) -> None:
        self.expected = expected
        self.actual = actual
        self.parts = parts
        super().__init__(
            f"propertyInfo {actual!r} does not match {expected!r} (differs in {', '.join(parts)})"
        )


class WrongVoucher(BindingMismatch):
    """The stamp belongs to another voucher (or the propertyInfo is not a voucher binding at all)."""


class WrongPosition(BindingMismatch):
    """The stamp belongs to this voucher but another VoucherFlag or stamp position."""


def differing_parts(expected: PropertyInfo, actual: PropertyInfo) -> tuple[str, ...]:
    """Names of the parts whose values differ, in propertyInfo order."""
    return tuple(f.name for f in fields(PropertyInfo) if getattr(expected, f.name) != getattr(actual, f.name))


def check_property_info(expected: str, actual: str) -> None:
    """Raise WrongVoucher or WrongPosition unless `actual` names the same voucher and position.

    Compared part by part after decoding, so equivalent percent-encodings are equal. An
    `actual` that is not a voucher binding at all (an OFD path, say) is a WrongVoucher.
    """
    want = parse_property_info(expected)
    try:
        got = parse_property_info(actual)
    except SealError:
        raise WrongVoucher(expected=expected, actual=actual, parts=IDENTITY_PARTS) from None
    parts = differing_parts(want, got)
    if not parts:
        return
    error = WrongVoucher if set(parts) & set(IDENTITY_PARTS) else WrongPosition
    raise error(expected=expected, actual=actual, parts=parts)
