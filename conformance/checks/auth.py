"""Authentication (the CallerAuth header, where declared) and authorization: who may do what, and a
party never sees or answers what is not addressed to it."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from lxml import etree

from conformance import raw
from conformance.catalogue import requirement
from conformance.context import Ctx
from conformance.failures import NotApplicable, Skipped, WrongAnswer
from conformance.steps import read, send, store
from evoucher import registry, wsauth
from evoucher.interface import CBANK, FINANCE, NAMESPACE
from evoucher.pki import CertificateAuthority, build_name, derive_key


def _query(ctx: Ctx, cert_id: str) -> str:
    return (
        f'<ns:queryVoucherType xmlns:ns="{NAMESPACE}"><certID>{cert_id}</certID>'
        f"<admDivCode>{ctx.adm}</admDivCode><stYear>{ctx.year}</stYear></ns:queryVoucherType>"
    )


def _signed(
    ctx: Ctx, *, service: str = FINANCE, now: float | None = None, body_after: str | None = None
) -> bytes:
    finance = ctx.party("finance")
    root = etree.fromstring(
        raw.envelope(_query(ctx, finance.cert_id), service=FINANCE, holder=None, header=False)
    )
    body = root[0]
    head = etree.Element(f"{{{root.nsmap['soapenv']}}}Header")
    head.append(
        wsauth.build_header(
            service=service,
            cert_id=finance.cert_id,
            key=finance.org.key,
            cert_der=finance.org.cert.dump(),
            body=body,
            now=now,
        )
    )
    root.insert(0, head)
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    if body_after is not None:
        data = data.replace(
            f"<stYear>{ctx.year}</stYear>".encode(), f"<stYear>{body_after}</stYear>".encode()
        )
    return data


def _refused_112(ctx: Ctx, data: bytes, why: str, requirement: str = "VL-WIRE-022") -> None:
    raw.refused(
        raw.post(ctx, FINANCE, data), "EVS112", operation="queryVoucherType", why=why, requirement=requirement
    )


@requirement("VL-WIRE-020", "VL-WIRE-022", "VL-REL-004", needs=["auth"])
def header_required(ctx: Ctx) -> None:
    """A request without the CallerAuth header is refused with EVS112."""
    finance = ctx.party("finance")
    _refused_112(
        ctx,
        raw.envelope(_query(ctx, finance.cert_id), service=FINANCE, holder=None, header=False),
        "no CallerAuth header",
    )


@requirement("VL-WIRE-022", needs=["auth"])
def stale_created_refused(ctx: Ctx) -> None:
    """A header created an hour ago is refused with EVS112."""
    _refused_112(ctx, _signed(ctx, now=time.time() - 3600), "Created an hour ago")


@requirement("VL-WIRE-022", "VL-WIRE-024", needs=["auth"])
def replay_refused(ctx: Ctx) -> None:
    """The same signed request sent twice: the second (a replayed nonce) is refused with EVS112."""
    data = _signed(ctx)
    first = raw.post(ctx, FINANCE, data)
    if first.result() is None:
        raise WrongAnswer(
            operation="queryVoucherType", expected="an answer to the first request", got=first.fault()
        )
    _refused_112(ctx, data, "a replayed request")


@requirement("VL-WIRE-021", "VL-WIRE-022", needs=["auth"])
def body_changed_after_signing(ctx: Ctx) -> None:
    """A Body changed after the header was signed is refused with EVS112."""
    _refused_112(ctx, _signed(ctx, body_after=str(ctx.year - 1)), "a Body changed after signing")


@requirement("VL-WIRE-021", needs=["auth"])
def header_for_another_service(ctx: Ctx) -> None:
    """A header signed for AsspCBankService is refused by AsspFinanceService with EVS112."""
    _refused_112(ctx, _signed(ctx, service=CBANK), "a header signed for another service", "VL-WIRE-021")


@requirement("VL-LIB-001", "VL-WIRE-025", needs=["auth"])
def foreign_ca_refused(ctx: Ctx) -> None:
    """A certificate naming the finance certID but issued by a CA the environment does not know: EVS112."""
    finance = ctx.party("finance")
    seed = b"a CA nobody trusts"
    ca = CertificateAuthority.create_root(
        derive_key(seed, "root"),
        subject=build_name(common_name="stranger CA"),
        not_before=datetime(2025, 1, 1, tzinfo=UTC),
        not_after=datetime(2035, 1, 1, tzinfo=UTC),
    )
    key = derive_key(seed, finance.cert_id)
    cert = ca.issue(build_name(common_name="stranger", serial_number=finance.cert_id), key.public_key)
    root = etree.fromstring(
        raw.envelope(_query(ctx, finance.cert_id), service=FINANCE, holder=None, header=False)
    )
    head = etree.Element(f"{{{root.nsmap['soapenv']}}}Header")
    head.append(
        wsauth.build_header(
            service=FINANCE, cert_id=finance.cert_id, key=key, cert_der=cert.dump(), body=root[0]
        )
    )
    root.insert(0, head)
    _refused_112(
        ctx, etree.tostring(root, xml_declaration=True, encoding="UTF-8"), "a foreign CA", "VL-LIB-001"
    )


@requirement("VL-WIRE-023", "VL-LIB-005", needs=["auth"])
def impersonation_refused(ctx: Ctx) -> None:
    """A certID argument naming another party (the header proves ours) is EVS112, not EVS100."""
    finance, other = ctx.party("finance"), ctx.party("finance", adm=_other_division(ctx))
    client = ctx.client(finance)
    ctx.refuses(
        "EVS112",
        lambda: client.call("queryVoucherType", ctx.adm, ctx.year, cert_id=other.cert_id),
        why="the certID argument of another party",
    )


@requirement("VL-LIB-001", needs=["auth"])
def revoked_caller_refused(ctx: Ctx) -> None:
    """A caller whose certificate is revoked on the environment's CRL is refused with EVS112."""
    revoked = next(
        (r for r in ctx.env.revoked if any(p.org.cert_id == r.cert_id for p in ctx.env.parties)), None
    )
    if revoked is None:
        raise Skipped("the environment has no revoked party certificate (guoku env revoke DIR PARTY)")
    party = ctx.env.party(revoked.cert_id)
    client = ctx.client(party)
    ctx.refuses(
        "EVS112", client.query_voucher_type, party.adm_div_code, ctx.year, why="a revoked certificate"
    )


def _other_division(ctx: Ctx) -> str:
    others = sorted({p.adm_div_code for p in ctx.env.find(role="finance")} - {ctx.adm})
    if not others:
        raise Skipped("the environment has a single AdmDivCode with a finance bureau")
    return others[0]


@requirement("VL-LIB-002")
def service_of_another_org_type(ctx: Ctx) -> None:
    """Finance calling AsspCBankService (the PBoC's service) is refused with EVS112."""
    client = ctx.client(ctx.party("finance"), service=CBANK)
    ctx.refuses("EVS112", client.query_voucher_type, ctx.adm, ctx.year, why="finance on the PBoC's service")


@requirement("VL-LIB-003")
def another_adm_div_code(ctx: Ctx) -> None:
    """A party acting in another party's AdmDivCode is refused with EVS112."""
    client = ctx.client(ctx.party("finance"))
    ctx.refuses("EVS112", client.query_voucher_type, _other_division(ctx), ctx.year, why="another AdmDivCode")


@requirement("VL-LIB-003")
def unknown_adm_div_code(ctx: Ctx) -> None:
    """An AdmDivCode no party of the environment has is refused with EVS004."""
    client = ctx.client(ctx.party("finance"))
    ctx.refuses("EVS004", client.query_voucher_type, "990000", ctx.year, why="AdmDivCode 990000")


@requirement("VL-LIB-003", "VL-WIRE-005")
def malformed_adm_div_code(ctx: Ctx) -> None:
    """A malformed AdmDivCode is refused with EVS100."""
    client = ctx.client(ctx.party("finance"))
    ctx.refuses("EVS100", client.query_voucher_type, "33A1", ctx.year, why="AdmDivCode '33A1'")


@requirement("VL-LIB-004", "EV-PKI-014")
def vt_code_outside_permissions(ctx: Ctx) -> None:
    """A VtCode the caller's certificate may not use is refused with EVS112."""
    bank = ctx.party("agent_bank")
    forbidden = next(
        vt
        for vt in registry.codes()
        if vt not in bank.vt_codes
        and ctx.profile in registry.get(vt).profiles
        and not registry.get(vt).name_only
    )
    client = ctx.client(bank)
    ctx.refuses(
        "EVS112", client.read_voucher_again, ctx.adm, ctx.year, forbidden, 10, why=f"VtCode {forbidden}"
    )


@requirement("VL-LIB-004")
def unknown_vt_code(ctx: Ctx) -> None:
    """A VtCode the registry does not know is refused with EVS100."""
    client = ctx.client(ctx.party("finance"))
    ctx.refuses("EVS100", client.read_voucher_again, ctx.adm, ctx.year, "0000", 10, why="VtCode 0000")


@requirement("VL-LIB-004", "EV-REG-029")
def year_after_business_year(ctx: Ctx) -> None:
    """stYear after the business year is refused with EVS103."""
    client = ctx.client(ctx.party("finance"))
    ctx.refuses(
        "EVS103", client.read_voucher_again, ctx.adm, ctx.year + 1, "5207", 10, why=f"stYear {ctx.year + 1}"
    )


@requirement("VL-LIB-012")
def src_org_type_not_own(ctx: Ctx) -> None:
    """srcOrgType naming another org type than the caller's is refused with EVS112."""
    call = ctx.client(ctx.party("finance")).send_voucher
    args = (ctx.adm, "001", "011", ctx.year, "5207", [ctx.voucher_no()])
    ctx.refuses("EVS112", call, *args, why="finance sending as the PBoC (srcOrgType 001)")


@requirement("VL-LIB-006", "EV-PKI-012")
def person_acts_for_party(ctx: Ctx) -> None:
    """A person's certificate (bookkeeper) reads and queries as its party."""
    finance = ctx.party("finance")
    person = next((h for h in finance.people), None)
    if person is None:
        raise Skipped(f"{finance.handle} has no person certificate")
    v = ctx.voucher("5207")
    store(ctx, finance, v)
    client = ctx.client(finance, holder=person)
    answer = ctx.accepts(
        client.batch_query_all_voucher_status
        if ctx.profile == "2.0"
        else (lambda *a: client.query_voucher_status_by_org_type(*a, "001")),
        ctx.adm,
        ctx.year,
        "5207",
        [v.voucher_no],
        why="a person querying its party's voucher",
    )
    if answer.get(v.voucher_no, (None,))[0] != 13:
        raise WrongAnswer(operation="status query", expected=f"13 (not sent) for {v.voucher_no}", got=answer)


def _quota_to_bank(ctx: Ctx) -> tuple:
    """Finance sends a 5106 quota notice to the first agent bank; (voucher, bank, other bank)."""
    finance, bank, other = ctx.party("finance"), ctx.party("agent_bank"), ctx.party("agent_bank", 1)
    if other.org_type == bank.org_type:
        raise Skipped("the two agent banks of the division share an org type")
    v = ctx.voucher("5106")
    store(ctx, finance, v)
    send(ctx, finance, bank, v)
    return v, bank, other


@requirement("VL-LIB-011", "VL-LIB-010", "VL-STORE-017")
def other_bank_cannot_read(ctx: Ctx) -> None:
    """A voucher sent to one bank is never handed to another bank."""
    v, bank, other = _quota_to_bank(ctx)
    if read(ctx, other, "5106", v.voucher_no, again=True) is not None:
        raise WrongAnswer(
            operation="readVoucherAgain",
            expected=f"nothing of {bank.handle}'s 5106",
            got=f"{other.handle} read {v.voucher_no}",
            requirement="VL-LIB-011",
        )
    if read(ctx, bank, "5106", v.voucher_no) is None:
        raise WrongAnswer(
            operation="readVoucher",
            expected=f"{bank.handle} reads {v.voucher_no}",
            got="nothing",
            requirement="VL-LIB-010",
        )


@requirement("VL-LIB-011", "VL-STORE-017")
def other_bank_cannot_answer(ctx: Ctx) -> None:
    """Confirming, returning or printing another bank's voucher is refused with EVS700."""
    v, _bank, other = _quota_to_bank(ctx)
    client = ctx.client(other)
    no = [v.voucher_no]
    ctx.refuses(
        "EVS700", client.confirm_voucher, ctx.adm, ctx.year, "5106", no, why="confirming another's voucher"
    )
    ctx.refuses(
        "EVS700", client.return_voucher, ctx.adm, ctx.year, "5106", no, ["x"], why="returning another's"
    )
    ctx.refuses(
        "EVS700",
        client.query_voucher_print_count,
        ctx.adm,
        ctx.year,
        "5106",
        v.voucher_no,
        why="counting prints of another's voucher",
    )


@requirement("VL-LIB-035", "VL-LIB-011")
def status_of_anothers_voucher(ctx: Ctx) -> None:
    """A status query about a voucher that is not the caller's answers −1."""
    v, _bank, other = _quota_to_bank(ctx)
    answer = ctx.accepts(
        ctx.client(other).query_voucher_status_by_org_type,
        ctx.adm,
        ctx.year,
        "5106",
        [v.voucher_no],
        "011",
        why="a status query",
    )
    if answer.get(v.voucher_no, (None,))[0] != -1:
        raise WrongAnswer(
            operation="queryVoucherStatusByOrgType", expected="−1 for another's voucher", got=answer
        )


@requirement("VL-WIRE-026")
def auth_off_takes_cert_id_on_trust(ctx: Ctx) -> None:
    """A library declared without CallerAuth answers a request without the header (certID on trust)."""
    if ctx.target.declaration.auth:
        raise NotApplicable("the declaration claims CallerAuth: unsigned requests must be refused instead")
    finance = ctx.party("finance")
    answer = raw.post(
        ctx, FINANCE, raw.envelope(_query(ctx, finance.cert_id), service=FINANCE, holder=None, header=False)
    )
    if answer.result() is None:
        raise WrongAnswer(
            operation="queryVoucherType", expected="an answer without CallerAuth", got=answer.fault()
        )
