"""Shapes of the identifiers the envelope carries: AdmDivCode, StYear, VtCode, VoucherNo, stamp positions.

The codec checks only shape (a business year in the future, say, is the validator's business);
the MOF body, the stamp-position XML and the file blocks all check through here.
"""

from __future__ import annotations

import re

from evoucher.errors import EVS_EMPTY, CodecError

# name on the wire -> (pattern, the rule in words)
SHAPES: dict[str, tuple[re.Pattern[str], str]] = {
    "AdmDivCode": (re.compile(r"[0-9]{6}"), "6 digits (GB/T 2260 code)"),
    "StYear": (re.compile(r"[0-9]{4}"), "4 digits (yyyy)"),
    "VtCode": (re.compile(r"[0-9]{4}"), "4 digits"),
    "VoucherNo": (re.compile(r"[^\s\x00-\x1f\x7f]{1,64}"), "1-64 characters, no whitespace"),
    "No": (re.compile(r"[A-Za-z0-9_.-]{1,64}"), "a stamp position id: 1-64 of [A-Za-z0-9_.-]"),
}


def check(name: str, value: object, where: str) -> str:
    """`value` if it has the shape of `name`; else CodecError naming `where` (EVS111 when missing)."""
    if value is None or value == "":
        raise CodecError(f"{where}: missing or empty", evs_code=EVS_EMPTY)
    pattern, rule = SHAPES[name]
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise CodecError(f"{where}: must be {rule}, got {value!r}")
    return value


def check_count(text: str | None, where: str, *, low: int, high: int) -> int:
    """A decimal count written without sign, spaces or leading zeros, within [low, high]."""
    if not text:
        raise CodecError(f"{where}: missing or empty", evs_code=EVS_EMPTY)
    if not re.fullmatch(r"0|[1-9][0-9]{0,8}", text):
        raise CodecError(f"{where}: must be a decimal number, got {text[:20]!r}")
    if not low <= int(text) <= high:
        raise CodecError(f"{where}: must be between {low} and {high}, got {text}")
    return int(text)
