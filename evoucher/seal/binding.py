"""Binding a stamp to one voucher and one position through TBS_Sign.propertyInfo.

A stamp's propertyInfo names the voucher and the stamp position
(`AdmDivCode/StYear/VtCode/VoucherNo/VoucherFlag/position`), and is covered by the signer's
signature, so a stamp lifted onto another voucher, onto the receipt of the same voucher
(VoucherFlag 1) or onto another position no longer matches. Each value is percent-encoded
(UTF-8; RFC 3986 unreserved characters kept) so a "/" inside a VoucherNo cannot shift parts.

A position also says which seal it takes (`SealKind`): a 转讫章 position a unit seal named
"…转讫章", a 私章 position a personal seal. The seal carries its property type and name, so a
genuine stamp made with the party's 公章 at its 转讫章 position is caught (`WrongSealType`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from urllib.parse import quote, unquote

from evoucher.errors import EVS_LOGIC, SealError
from evoucher.seal.model import PERSONAL_SEAL, UNIT_SEAL

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
        for name in _PARTS:
            if getattr(self, name) == "":
                raise SealError(f"propertyInfo part {name} is empty")

    def __str__(self) -> str:
        values = (getattr(self, name) for name in _PARTS)  # astuple would deep-copy each str
        return SEPARATOR.join(_quoted(value) for value in values)


_PARTS = tuple(f.name for f in fields(PropertyInfo))  # in propertyInfo order (fields() is slow)


def _quoted(value: str) -> str:
    """Percent-encoded UTF-8; ASCII letters and digits (nearly every part) stand as they are."""
    return value if value.isascii() and value.isalnum() else quote(value, safe="", encoding="utf-8")


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
    if len(parts) != len(_PARTS):
        raise SealError(f"propertyInfo {text!r} has {len(parts)} parts, expected 6")
    try:
        values = [unquote(p, encoding="utf-8", errors="strict") if "%" in p else p for p in parts]
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
    return tuple(name for name in _PARTS if getattr(expected, name) != getattr(actual, name))


def check_property_info(expected: str, actual: str) -> None:
    """Raise WrongVoucher or WrongPosition unless `actual` names the same voucher and position.

    Compared part by part after decoding, so equivalent percent-encodings are equal. An
    `actual` that is not a voucher binding at all (an OFD path, say) is a WrongVoucher.
    """
    want = parse_property_info(expected)
    if actual == expected:  # the same text decodes to the same parts
        return
    try:
        got = parse_property_info(actual)
    except SealError:
        raise WrongVoucher(expected=expected, actual=actual, parts=IDENTITY_PARTS) from None
    parts = differing_parts(want, got)
    if not parts:
        return
    error = WrongVoucher if set(parts) & set(IDENTITY_PARTS) else WrongPosition
    raise error(expected=expected, actual=actual, parts=parts)


@dataclass(frozen=True)
class SealKind:
    """The seal a stamp position takes: its property type and, for a unit seal, how its name ends.

    The seal's own fields are all there is to go on (GB/T 38540 has no stamp-type field); the
    test PKI names unit seals `<org><stamp type>`, e.g. 杭州市财政局转讫章 (docs/pki.md).
    """

    seal_type: int  # UNIT_SEAL or PERSONAL_SEAL
    name_ends: str = ""

    def __str__(self) -> str:
        if self.seal_type == PERSONAL_SEAL:
            return "a personal seal (个人印章)"
        return f"a unit seal named …{self.name_ends}" if self.name_ends else "a unit seal"


class WrongSealType(SealError):
    """A genuine seal of the wrong kind for the position (a 公章 at a 转讫章 position)."""

    evs_code = EVS_LOGIC


_TYPE_NAMES = {UNIT_SEAL: "a unit seal", PERSONAL_SEAL: "a personal seal"}


def check_seal_kind(expected: SealKind, seal_type: int, seal_name: str) -> str:
    """Raise WrongSealType unless a seal of `seal_type` named `seal_name` is what `expected` asks."""
    if seal_type != expected.seal_type or not seal_name.endswith(expected.name_ends):
        found = _TYPE_NAMES.get(seal_type, f"a seal of type {seal_type}")
        raise WrongSealType(f"seal {seal_name!r} is {found}; the position takes {expected}")
    return f"{seal_name!r} is {expected}"
