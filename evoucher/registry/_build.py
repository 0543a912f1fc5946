"""Assemble VoucherType entries: ITFE facts (fields.json) + catalogue + overlay decisions."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from evoucher.errors import UnknownVoucherType
from evoucher.registry import overlay as ov
from evoucher.registry.catalogue import REPLACED_BY, catalogue
from evoucher.registry.model import FieldSpec, Kind, Origin, VoucherType
from evoucher.registry.stamps import positions

_COMMON = {name for name, _, _ in ov.COMMON_HEADER}


@cache
def itfe_facts() -> dict[str, Any]:
    """The generated table (see tools/build_registry.py)."""
    text = resources.files("evoucher.registry").joinpath("fields.json").read_text(encoding="utf-8")
    return json.loads(text)


def _rules(vt_code: str, name: str, kind: Kind, digits: tuple[int, int] | None) -> tuple[str, ...]:
    rules = ["field.mandatory", "field.charset", "field.max_length"]
    named = ov.NAME_RULES.get(name)
    if named:
        rules.append(named)
    elif digits and not (kind is Kind.BANKNO and digits == (12, 12)):
        rules.append("format.digits")
    elif kind in ov.KIND_RULES:
        rules.append(ov.KIND_RULES[kind])
    if name == "VouDate":
        rules.append("date.not_future")
    if name == "VoucherNo" and vt_code == "5209":
        rules.append("format.voucher_no_v1")
    return tuple(rules)


def _spec(vt_code: str, part: str, fact: dict[str, Any], origin: Origin, mandatory: bool) -> FieldSpec:
    name, kind = fact["name"], Kind(fact["kind"])
    digits = tuple(fact["digits"]) if fact.get("digits") else None
    if fact.get("max_len"):
        max_len, max_len_origin = fact["max_len"], "itfe"
    elif name in ov.NAMED_MAX_LEN:
        max_len, max_len_origin = ov.NAMED_MAX_LEN[name], "generic"
    elif digits:
        max_len, max_len_origin = digits[1], "itfe"
    else:
        max_len, max_len_origin = ov.DEFAULT_MAX_LEN[kind], "ours"
    if kind is Kind.DATE and max_len == 14:
        rules = tuple(
            "format.datetime" if r == "format.date" else r for r in _rules(vt_code, name, kind, digits)
        )
    else:
        rules = _rules(vt_code, name, kind, digits)
    receipt_only = bool(fact.get("receipt_only"))
    carried = ov.CARRIED.get(vt_code, ())
    unconditional = not fact.get("conditional")
    receipt_mandatory = (
        receipt_only
        and part == "header"
        and unconditional
        and (
            (fact.get("receipt_set") and kind in ov.RECEIPT_MANDATORY_KINDS)
            or name in ov.RECEIPT_ANSWER_FIELDS
        )
    )
    values = ov.PAY_TYPE_CODES.get(vt_code, ()) if name == "PayTypeCode" else ov.VALUES.get(name, ())
    return FieldSpec(
        name=name,
        zh_name=fact.get("zh", ""),
        kind=kind,
        max_len=max_len,
        mandatory=mandatory,
        rules=rules,
        receipt_only=receipt_only,
        receipt_mandatory=bool(receipt_mandatory),
        carried=receipt_only and (carried == "*" or name in carried),
        values=values,
        digits=digits,
        origin=origin,
        itfe_required=fact.get("itfe_required", ""),
        max_len_origin=max_len_origin,
        v2_only=bool(fact.get("v2")),
    )


def _fields(vt_code: str, part: str, total: tuple[str, str | None] | None) -> tuple[FieldSpec, ...]:
    facts = itfe_facts()["types"].get(vt_code, {}).get(part, [])
    present = {f["name"] for f in facts}
    rows: list[tuple[dict[str, Any], Origin]] = []
    if part == "header":
        # the common header comes first, in its own order, as in every ITFE template
        by_name = {f["name"]: f for f in facts}
        for name, zh, kind in ov.COMMON_HEADER:
            common = {"name": name, "zh": zh, "kind": kind.value}
            rows.append((by_name[name], Origin.ITFE) if name in present else (common, Origin.COMMON))
        rows += [(f, Origin.ITFE) for f in facts if f["name"] not in _COMMON]
    else:
        rows += [(f, Origin.ITFE) for f in facts]
    completed = ov.COMPLETED.get(vt_code, {}).get(part, ())
    rows += [
        ({"name": n, "zh": zh, "kind": k.value, "mandatory": m}, Origin.COMPLETED)
        for n, zh, k, m in completed
        if n not in present
    ]
    # the amounts a sum or sign rule reads: the header total and the detail line
    amount = (total[0] if part == "header" else total[1]) if total else None
    specs = []
    for fact, origin in rows:
        name = fact["name"]
        mandatory = (
            (part == "header" and name in _COMMON)
            or (fact.get("itfe_required") == "Y" and not fact.get("conditional"))
            or (part == "detail" and name == "Id")
            or name == amount
            or bool(fact.get("mandatory"))
            or (vt_code, part, name) in ov.MANDATORY_EXTRA
        )
        specs.append(_spec(vt_code, part, fact, origin, mandatory and not fact.get("receipt_only")))
    return tuple(specs)


def _total(vt_code: str) -> tuple[str, str | None] | None:
    for fact in itfe_facts()["types"].get(vt_code, {}).get("header", []):
        if fact.get("sum_of"):
            return fact["name"], fact["sum_of"]
    return ov.EXTRA_TOTALS.get(vt_code)


def build_type(vt_code: str) -> VoucherType:
    entry = catalogue()[vt_code]
    named = {  # what the catalogue says of every type, name-only ones included
        "vt_code": vt_code,
        "zh_name": entry.zh,
        "en_name": entry.en,
        "sender": entry.sender,
        "receivers": entry.receivers,
        "business": entry.business,
        "has_detail_list": entry.detail_list,
        "profiles": entry.profiles,
        "note": entry.note,
    }
    if entry.name_only:
        return VoucherType(**named, name_only=True)
    total = _total(vt_code)
    detail = _fields(vt_code, "detail", total) if entry.detail_list else ()
    if total and not any(f.name == total[1] for f in detail):
        total = (total[0], None)
    min_details, max_details = ov.DETAIL_BOUNDS.get(vt_code, (1, 499))
    replaced_by = REPLACED_BY.get(vt_code)
    replaces = next((old for old, new in REPLACED_BY.items() if new == vt_code), None)
    return VoucherType(
        **named,
        header=_fields(vt_code, "header", total),
        detail=detail,
        total=total,
        sign=ov.SIGNS.get(vt_code),
        detail_sign=ov.DETAIL_SIGNS.get(vt_code),
        min_details=min_details,
        max_details=max_details,
        refuse_single_zero=vt_code in ov.SINGLE_ZERO,
        positions=positions(entry.stamps, entry.receivers),
        replaces=replaces,
        replaced_by=replaced_by,
        deviations=ov.DEVIATIONS.get(vt_code, ()),
    )


@cache
def registry() -> dict[str, VoucherType]:
    """Every catalogued VtCode, in code order."""
    return {code: build_type(code) for code in sorted(catalogue())}


PROFILES = ("1.0", "2.0")


def get(vt_code: str) -> VoucherType:
    """The registry entry for `vt_code`; raises UnknownVoucherType (EVS100) if there is none."""
    try:
        return registry()[vt_code]
    except (KeyError, TypeError):
        raise UnknownVoucherType(str(vt_code)) from None


def all_types() -> tuple[VoucherType, ...]:
    """Every registered type, name-only ones included, in code order."""
    return tuple(registry().values())


def codes(*, full_only: bool = False, profile: str | None = None) -> tuple[str, ...]:
    """VtCodes in code order; `full_only` drops name-only types, `profile` keeps that profile's."""
    return tuple(
        vt.vt_code
        for vt in registry().values()
        if not (full_only and vt.name_only) and (profile is None or vt.in_profile(profile))
    )
