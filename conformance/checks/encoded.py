"""The Axis 1 rpc/encoded dialect (VL-WIRE-040..047): a target accepts what Axis front ends send
(`mocks` client with `wire="encoded"`) and answers each request in kind: encoded results, Axis-style
faults, references checked as a whole, and the rpc WSDL."""

from __future__ import annotations

from conformance import raw
from conformance.catalogue import requirement
from conformance.checks.wire import answered, missing_extra, offered, plausible, wsdl
from conformance.context import Ctx
from conformance.failures import Failure, Skipped, WrongAnswer
from conformance.steps import VT, Cast, body, read, store
from evoucher.interface import FINANCE, OPERATIONS, Operation, operations_for

SOAPENC = "http://schemas.xmlsoap.org/soap/encoding/"
_ALL = [(op.name, op) for op in OPERATIONS]


@requirement("VL-WIRE-043", "VL-WIRE-040", "VL-WIRE-046", each=_ALL)
def nil_argument_is_evs111(ctx: Ctx, op: Operation) -> None:
    """{}: an encoded request with admDivCode xsi:nil is refused with EVS111."""
    offered(ctx, op)
    args = plausible(ctx, op)
    args[[p.name for p in op.params[1:]].index("admDivCode")] = None
    client = ctx.client(ctx.party("finance"), wire="encoded")
    ctx.refuses("EVS111", lambda: client.call(op.name, *args), why="admDivCode xsi:nil (encoded)")


@requirement("VL-WIRE-040", "VL-WIRE-043", "VL-WIRE-044", "VL-WIRE-046", "EV-CODEC-003")
def encoded_round_trip(ctx: Ctx) -> None:
    """Writing, sending, reading and signing for in the encoded dialect: exact bytes, statuses 0, 1, 3."""
    cast = Cast.of(ctx)
    v = ctx.voucher(VT)
    fin, pboc = ctx.client(cast.finance, wire="encoded"), ctx.client(cast.pboc, wire="encoded")
    stamped = ctx.stamped(cast.finance, body(v), *ctx.positions(VT))
    from conformance.context import mof

    ctx.accepts(fin.save_stamp_voucher, ctx.adm, ctx.year, VT, mof(stamped), why="saveStampVoucher (encoded)")
    ctx.accepts(
        fin.send_voucher, ctx.adm, "011", "001", ctx.year, VT, [v.voucher_no], why="sendVoucher (encoded)"
    )

    def status() -> int:
        answer = ctx.accepts(
            fin.query_voucher_status_by_org_type,
            ctx.adm,
            ctx.year,
            VT,
            [v.voucher_no],
            "001",
            why="an encoded StatusMap",
        )
        return answer.get(v.voucher_no, (None,))[0]

    if (got := status()) != 0:
        raise WrongAnswer(
            operation="queryVoucherStatusByOrgType", expected="0 (sent)", got=got, requirement="VL-WIRE-044"
        )
    data = ctx.accepts(pboc.read_voucher_again, ctx.adm, ctx.year, VT, 100, why="readVoucherAgain (encoded)")
    from evoucher.codec import parse_mof

    found = [b for b in parse_mof(data) if b.voucher_no == v.voucher_no] if data else []
    if not found or found[0].voucher != v.raw:
        raise Failure(
            "the voucher read in the encoded dialect is missing or not byte-exact", requirement="VL-WIRE-044"
        )
    ctx.accepts(
        pboc.confirm_voucher, ctx.adm, ctx.year, VT, [v.voucher_no], why="confirmVoucher (encoded array)"
    )
    if (got := status()) != 3:
        raise WrongAnswer(
            operation="queryVoucherStatusByOrgType",
            expected="3 (signed for)",
            got=got,
            requirement="VL-WIRE-043",
        )


@requirement("VL-WIRE-044", "VL-WIRE-040")
def answered_in_kind(ctx: Ctx) -> None:
    """An encoded Map answer is an Axis Map multiRef (apachesoap:Map, soapenc:string keys), encoded style."""
    client = ctx.client(ctx.party("finance"), wire="encoded")
    answer = ctx.accepts(client.query_voucher_type, ctx.adm, ctx.year, why="queryVoucherType (encoded)")
    if not answer:
        raise WrongAnswer(operation="queryVoucherType", expected="a non-empty Map", got=answer)
    text = ctx.recorder.kept[-1].response
    for marker in ("apachesoap:Map", "multiRef", SOAPENC, "soapenc:string"):
        if marker not in text:
            raise WrongAnswer(
                operation="queryVoucherType",
                expected=f"an encoded answer carrying {marker}",
                got=text[:300],
                requirement="VL-WIRE-044",
            )


@requirement("VL-WIRE-045")
def encoded_fault_shape(ctx: Ctx) -> None:
    """An encoded refusal is HTTP 500, soapenv:Server.userException, `java.lang.Exception: EVSnnn#…`."""
    client = ctx.client(ctx.party("finance"), wire="encoded")
    fault = ctx.refuses("EVS004", client.query_voucher_type, "990000", ctx.year, why="an unknown AdmDivCode")
    exchange = ctx.recorder.kept[-1]
    if exchange.status != 500 or "Server.userException" not in fault.faultcode:
        raise WrongAnswer(
            operation="queryVoucherType",
            expected="HTTP 500 soapenv:Server.userException",
            got=f"HTTP {exchange.status} {fault.faultcode}",
        )
    if "Exception: EVS004#" not in exchange.response:
        raise WrongAnswer(
            operation="queryVoucherType",
            expected="faultstring java.lang.Exception: EVS004#…",
            got=exchange.response[:300],
        )


def _encoded(ctx: Ctx, inner: str, refs: str) -> bytes:
    finance = ctx.party("finance")
    text = (
        f'<queryVoucherType soapenv:encodingStyle="{SOAPENC}" xmlns:soapenc="{SOAPENC}" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<arg0 xsi:type="soapenc:string">{finance.cert_id}</arg0>'
        f'<arg1 xsi:type="soapenc:string">{ctx.adm}</arg1>{inner}</queryVoucherType>{refs}'
    )
    text = text.replace(
        f'soapenv:encodingStyle="{SOAPENC}"',
        f'soapenv:encodingStyle="{SOAPENC}" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"',
        1,
    )
    return raw.envelope(text, service=FINANCE, holder=finance.org)


def _multiref(ident: str, value: str) -> str:
    return (
        f'<multiRef xmlns:soapenc="{SOAPENC}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'id="{ident}" soapenc:root="0" xsi:type="soapenc:int">{value}</multiRef>'
    )


@requirement("VL-WIRE-041", "VL-WIRE-043")
def multiref_int_accepted(ctx: Ctx) -> None:
    """An int sent as an href to a multiRef (as Axis sends every int) is understood."""
    answer = raw.post(ctx, FINANCE, _encoded(ctx, '<arg2 href="#id0"/>', _multiref("id0", str(ctx.year))))
    answered(answer, operation="queryVoucherType", expected="an answer to an Axis-encoded request")


@requirement("VL-WIRE-042")
def dangling_reference_refused(ctx: Ctx) -> None:
    """An href naming no id of the Body is refused with EVS100."""
    answer = raw.post(ctx, FINANCE, _encoded(ctx, '<arg2 href="#id9"/>', _multiref("id0", str(ctx.year))))
    raw.refused(answer, "EVS100", operation="queryVoucherType", why="a dangling href")


@requirement("VL-WIRE-042")
def reference_cycle_refused(ctx: Ctx) -> None:
    """References forming a cycle are refused with EVS100."""
    refs = (
        f'<multiRef xmlns:soapenc="{SOAPENC}" id="id0" soapenc:root="0" href="#id1"/>'
        f'<multiRef xmlns:soapenc="{SOAPENC}" id="id1" soapenc:root="0" href="#id0"/>'
    )
    answer = raw.post(ctx, FINANCE, _encoded(ctx, '<arg2 href="#id0"/>', refs))
    raw.refused(answer, "EVS100", operation="queryVoucherType", why="a reference cycle")


@requirement("VL-WIRE-043")
def array_size_mismatch_refused(ctx: Ctx) -> None:
    """A soapenc:Array declaring 3 items but holding 1 is refused with EVS100."""
    finance = ctx.party("finance")
    text = (
        f'<queryVoucherStatusByOrgType xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        f'soapenv:encodingStyle="{SOAPENC}" xmlns:soapenc="{SOAPENC}" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<arg0 xsi:type="soapenc:string">{finance.cert_id}</arg0>'
        f'<arg1 xsi:type="soapenc:string">{ctx.adm}</arg1>'
        f'<arg2 xsi:type="soapenc:int">{ctx.year}</arg2><arg3 xsi:type="soapenc:string">{VT}</arg3>'
        f'<arg4 soapenc:arrayType="soapenc:string[3]" xsi:type="soapenc:Array"><arg4>A1</arg4></arg4>'
        f'<arg5 xsi:type="soapenc:string">001</arg5></queryVoucherStatusByOrgType>'
    )
    answer = raw.post(ctx, FINANCE, raw.envelope(text, service=FINANCE, holder=finance.org))
    raw.refused(answer, "EVS100", operation="queryVoucherStatusByOrgType", why="string[3] holding one item")


@requirement("VL-WIRE-047", each=[("AsspFinanceService", FINANCE)])
def rpc_wsdl(ctx: Ctx, service: str) -> None:
    """{}: GET ?wsdl&style=rpc describes the profile's operations, rpc/encoded; other styles are HTTP 400."""
    root, names = wsdl(ctx, service, "?wsdl&style=rpc")
    wanted = {op.name for op in operations_for(service, ctx.profile)}
    uses = {b.get("use") for b in root.iter("{http://schemas.xmlsoap.org/wsdl/soap/}body")}
    if names != wanted or uses != {"encoded"}:
        raise WrongAnswer(
            operation="GET ?wsdl&style=rpc",
            expected="the catalogue's operations, use=encoded",
            got=f"{missing_extra(wanted, names)}, uses {uses}",
        )
    if raw.post(ctx, service, b"", method="GET", query="?wsdl&style=bogus").status != 400:
        raise Failure("GET ?wsdl&style=bogus is not answered HTTP 400", requirement="VL-WIRE-047")


@requirement("VL-WIRE-027")
def deployed_cert_id(ctx: Ctx) -> None:
    """A deployed certID (the PBoC's `001`) is accepted in its AdmDivCode without CallerAuth, else EVS112."""
    pboc = ctx.party("pboc")
    if not pboc.deployed_cert_ids:
        raise Skipped(f"the environment gives {pboc.handle} no deployed certID")
    deployed = pboc.deployed_cert_ids[0]
    cast = Cast.of(ctx)
    v = ctx.voucher(VT)
    store(ctx, cast.finance, v)
    client = ctx.client(pboc, signed=False, wire="encoded")
    call = lambda: client.call("readVoucherAgain", ctx.adm, ctx.year, VT, 1, cert_id=deployed)  # noqa: E731
    if ctx.target.declaration.auth:
        ctx.refuses("EVS112", call, why=f"certID {deployed!r} without CallerAuth", requirement="VL-WIRE-027")
        return
    ctx.accepts(call, why=f"the deployed certID {deployed!r} of {pboc.handle}", requirement="VL-WIRE-027")
    read(ctx, pboc, VT, v.voucher_no)
