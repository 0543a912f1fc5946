"""Registry rules through the target: for every voucher type a party of the environment sends, a valid
voucher is accepted, and one single-rule violation per rule of the registry's catalogue
(`evoucher.registry.mutations`, the source of `evoucher.strategies.violations`) is refused with
that rule's EVS code. One check per VtCode, derived from the registry."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from conformance.catalogue import requirement
from conformance.context import ROLES, Ctx, mof
from conformance.failures import Failure, NotApplicable, Skipped
from conformance.steps import store
from evoucher import registry
from evoucher.codec import MofBody, build_voucher, parse_voucher
from evoucher.errors import EvoucherError
from evoucher.registry.checks import Context
from evoucher.registry.mutations import candidates
from mocks import LibraryFault

# identity fields route the call (the MOF attributes must match the arguments): breaking them is
# refused by the envelope checks (VL-LIB-020), covered in the encoding area
ROUTING = {"AdmDivCode", "StYear", "VtCode", "VoucherNo"}
TYPES: list[tuple[str, str]] = [
    (vt.vt_code, vt.vt_code)
    for vt in registry.all_types()
    if not vt.name_only and vt.sender is not None and vt.sender.value in ROLES
]


@functools.cache
def rule_requirements() -> dict[str, str]:
    """Rule id -> the EV-REG requirement whose text names it, read from docs/registry.md (one source)."""
    page = Path(__file__).resolve().parents[2] / "docs" / "registry.md"
    parts = re.split(r"\*\*(EV-REG-\d+)", page.read_text(encoding="utf-8")) if page.is_file() else []
    owner: dict[str, str] = {}
    for rid, text in zip(parts[1::2], parts[2::2], strict=True):
        for rule_id in registry.RULES:
            if f"`{rule_id}`" in text:
                owner.setdefault(rule_id, rid)
    return owner


def _requirement(rule_id: str) -> str:
    return rule_requirements().get(rule_id, "EV-REG-024")


# the requirements of the rules a single-voucher mutation can break (MOF-level and matching rules are not)
_RULE_IDS = tuple(
    sorted({rid for rule, rid in rule_requirements().items() if not rule.startswith(("mof.", "match."))})
)


def _sender(ctx: Ctx, vt_code: str):
    vt = registry.get(vt_code)
    if ctx.profile not in vt.profiles:
        raise NotApplicable(f"{vt_code} is not a new voucher type under profile {ctx.profile} (VL-LIB-042)")
    parties = [p for p in ctx.env.find(role=vt.sender.value) if vt_code in p.vt_codes]
    if not parties:
        raise Skipped(f"no {vt.sender.value} of the environment may send {vt_code}")
    here = [p for p in parties if p.adm_div_code == ctx.adm]
    party = (here or parties)[0]
    ctx.adm = party.adm_div_code
    return party


@requirement(
    "EV-REG-024", "VL-LIB-020", "EV-REG-045", each=[(s, v, _RULE_IDS) for s, v in TYPES], name="rules"
)
def rules_enforced(ctx: Ctx, vt_code: str) -> None:
    """VtCode {}: a valid voucher is accepted; each single-rule violation is refused with its rule's code."""
    party = _sender(ctx, vt_code)
    v = ctx.voucher(vt_code)
    store(ctx, party, v)
    client = ctx.client(party)
    by_rule: dict[str, list] = {}
    vt = registry.get(vt_code)
    context = Context(ctx.target.business_date, ctx.profile)
    for candidate in candidates(
        vt, dict(v.header), [dict(d) for d in v.details] or None, receipt=False, ctx=context
    ):
        if candidate.path.rpartition("/")[2] not in ROUTING:
            by_rule.setdefault(candidate.rule, []).append(candidate)
    tried, accepted, wrong = [], [], []
    for rule_id in sorted(by_rule):
        candidate = ctx.rng.choice(by_rule[rule_id])
        header, details = candidate.apply()
        fresh = {**header, "VoucherNo": ctx.voucher_no(vt_code)}
        try:
            data = build_voucher(fresh, details)
            body = MofBody.of(parse_voucher(data))
        except EvoucherError:
            continue  # the codec cannot carry this violation (e.g. an unknown element): nothing to send
        expected = registry.RULES[rule_id].evs_code
        try:
            client.save_stamp_voucher(ctx.adm, ctx.year, vt_code, mof(body))
        except LibraryFault as fault:
            tried.append((rule_id, candidate.path, fault.evs_code))
            if fault.evs_code != expected and rule_id not in fault.message:
                wrong.append(
                    (rule_id, f"{candidate.path} ({rule_id}) refused with {fault.evs_code}, not {expected}")
                )
            continue
        accepted.append((rule_id, f"{candidate.path} breaking {rule_id} accepted ({expected} required)"))
    if accepted or wrong:
        found = accepted + wrong
        raise Failure(
            f"{vt_code}: " + "; ".join(text for _, text in found),
            requirement=tuple(dict.fromkeys(_requirement(r) for r, _ in found)),
        )
    ctx.notes["violations refused"] = [f"{r} at {p}: {c}" for r, p, c in tried]
