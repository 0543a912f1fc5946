"""Operation contracts, derived from the wire catalogue (`evoucher.interface`): every operation of
every service in the target's profile, its arguments, return shapes, faults and HTTP behaviour."""

from __future__ import annotations

from typing import Any

from lxml import etree

from conformance import raw
from conformance.catalogue import requirement
from conformance.context import Ctx, mof
from conformance.failures import Failure, NotApplicable, WrongAnswer
from conformance.steps import body, positions_xml
from evoucher import registry
from evoucher.codec.safe import encode_base64
from evoucher.interface import (
    ESTAMP,
    FINANCE,
    NAMESPACE,
    OPERATIONS,
    SERVICES,
    Operation,
    operations_for,
)

WSDL = "http://schemas.xmlsoap.org/wsdl/"
_BOTH_PROFILES = [(op.name, op) for op in OPERATIONS]
_V2_ONLY = [(op.name, op) for op in OPERATIONS if op.profiles == {"2.0"}]
_NOT_ON_ESTAMP = [(op.name, op) for op in OPERATIONS if ESTAMP not in op.services]


def plausible(ctx: Ctx, op: Operation) -> list[Any]:
    """Well-formed arguments (after certID) of `op` for the finance party: what a careful client sends."""
    finance = ctx.party("finance")
    v = ctx.voucher("5207")
    values = {
        "admDivCode": ctx.adm,
        "stYear": ctx.year,
        "vtCode": "5207",
        "voucherMessage": mof(body(v)),
        "stamp": positions_xml(finance, "cz_gz"),
        "signPosition": positions_xml(finance, "cz_jzysz"),
        "srcOrgType": "011",
        "decOrgType": "001",
        "voucherNos": [v.voucher_no],
        "errMsgs": ["x"],
        "reasons": ["x"],
        "voucherNo": v.voucher_no,
        "stampPosition": "cz_gz",
        "voucherCount": 1,
        "pageNo": 1,
        "data": b"x",
    }
    return [values[p.name] for p in op.params[1:]]


def offered(ctx: Ctx, op: Operation) -> None:
    if ctx.profile not in op.profiles:
        raise NotApplicable(f"{op.name} is not part of profile {ctx.profile}")


def wsdl(ctx: Ctx, service: str, query: str) -> tuple[etree._Element, set[str]]:
    """GET `query` (?wsdl…) of `service`: the WSDL's root and the names of its portType's operations."""
    answer = raw.post(ctx, service, b"", method="GET", query=query)
    if answer.status != 200:
        raise WrongAnswer(operation=f"GET {query}", expected="HTTP 200 with a WSDL", got=answer.status)
    root = etree.fromstring(answer.content, etree.XMLParser(resolve_entities=False, no_network=True))
    names = {
        o.get("name") for o in root.iter(f"{{{WSDL}}}operation") if o.getparent().tag == f"{{{WSDL}}}portType"
    }
    return root, names


def missing_extra(wanted: set[str], got: set[str]) -> str:
    return f"missing {sorted(wanted - got)}, extra {sorted(got - wanted)}"


def answered(answer: raw.Answer, *, operation: str, expected: str) -> etree._Element:
    """The answer to a hand-built request must be a result, not a fault; the result is returned."""
    result = answer.result()
    if result is None:
        raise WrongAnswer(operation=operation, expected=expected, got=answer.fault() or answer.status)
    return result


def _wrapper(operation: str, *elements: tuple[str, object]) -> str:
    """A literal request body: `operation`'s wrapper around `<name>value</name>` of each element."""
    inner = "".join(f"<{name}>{value}</{name}>" for name, value in elements)
    return f'<ns:{operation} xmlns:ns="{NAMESPACE}">{inner}</ns:{operation}>'


def _head(ctx: Ctx) -> tuple[tuple[str, object], ...]:
    """The first elements of most requests: finance's certID, the AdmDivCode and the stYear."""
    return ("certID", ctx.party("finance").cert_id), ("admDivCode", ctx.adm), ("stYear", ctx.year)


def _post(ctx: Ctx, xml: str, **options: Any) -> raw.Answer:
    """`xml` as the Body of finance's signed request to its service."""
    return raw.post(
        ctx, FINANCE, raw.envelope(xml, service=FINANCE, holder=ctx.party("finance").org), **options
    )


@requirement("VL-WIRE-005", "VL-WIRE-030", each=_BOTH_PROFILES)
def missing_argument(ctx: Ctx, op: Operation) -> None:
    """{}: a missing argument (admDivCode left out) is refused with EVS111."""
    offered(ctx, op)
    args = plausible(ctx, op)
    args[[p.name for p in op.params[1:]].index("admDivCode")] = None
    client = ctx.client(ctx.party("finance"))
    ctx.refuses("EVS111", lambda: client.call(op.name, *args), why="a request without admDivCode")


@requirement("VL-WIRE-005", "VL-WIRE-004", each=_BOTH_PROFILES)
def non_integer_argument(ctx: Ctx, op: Operation) -> None:
    """{}: a non-integer stYear is refused with EVS100."""
    offered(ctx, op)
    args = plausible(ctx, op)
    args[[p.name for p in op.params[1:]].index("stYear")] = "二〇二六"
    client = ctx.client(ctx.party("finance"))
    ctx.refuses("EVS100", lambda: client.call(op.name, *args), why="stYear '二〇二六'")


@requirement("VL-WIRE-010", "VL-LIB-040", profiles={"1.0"}, each=_V2_ONLY)
def profile_1_refuses(ctx: Ctx, op: Operation) -> None:
    """{}: a 1.0 library refuses this 2.0-only operation with EVS100."""
    client = ctx.client(ctx.party("finance"))
    fault = ctx.refuses(
        "EVS100", lambda: client.call(op.name, *plausible(ctx, op)), why="a 2.0-only operation"
    )
    if "1.0" not in fault.message:
        raise Failure(
            f"{op.name}: the EVS100 message does not name profile 1.0: {fault.message[:200]}",
            requirement="VL-WIRE-010",
        )


@requirement("VL-WIRE-011", each=_NOT_ON_ESTAMP)
def estamp_does_not_offer(ctx: Ctx, op: Operation) -> None:
    """{}: AsspEStampService does not offer this operation (EVS100)."""
    offered(ctx, op)
    client = ctx.client(ctx.party("finance"), service=ESTAMP)
    ctx.refuses("EVS100", lambda: client.call(op.name, *plausible(ctx, op)), why=f"{op.name} on {ESTAMP}")


@requirement("VL-WIRE-001", "VL-WIRE-010", "VL-WIRE-011", each=[(s, s) for s in SERVICES])
def wsdl_lists_operations(ctx: Ctx, service: str) -> None:
    """{}: GET ?wsdl describes exactly the operations of the service in the target's profile."""
    _, names = wsdl(ctx, service, "?wsdl")
    wanted = {op.name for op in operations_for(service, ctx.profile)}
    if names != wanted:
        raise WrongAnswer(
            operation="GET ?wsdl",
            expected=f"the {len(wanted)} operations of the catalogue",
            got=missing_extra(wanted, names),
        )


@requirement("VL-WIRE-001", "VL-WIRE-007")
def unknown_service_is_404(ctx: Ctx) -> None:
    """An unknown service answers HTTP 404 with an EVS100 fault."""
    body_xml = f'<ns:queryVoucherType xmlns:ns="{NAMESPACE}"/>'
    answer = raw.post(
        ctx, "AsspNoSuchService", raw.envelope(body_xml, service=FINANCE, holder=None, header=False)
    )
    raw.refused(
        answer, "EVS100", operation="POST /realware/services/AsspNoSuchService", why="an unknown service"
    )
    if answer.status != 404:
        raise WrongAnswer(operation="POST AsspNoSuchService", expected="HTTP 404", got=answer.status)


@requirement("VL-WIRE-011", "VL-WIRE-030")
def unknown_operation(ctx: Ctx) -> None:
    """An unknown operation is refused with EVS100 naming it."""
    answer = _post(ctx, _wrapper("fetchEverything", _head(ctx)[0]))
    fault = raw.refused(answer, "EVS100", operation="fetchEverything", why="an unknown operation")
    if "fetchEverything" not in fault[1]:
        raise Failure(
            f"the fault does not name the unknown operation: {fault[1][:200]}", requirement="VL-WIRE-011"
        )


@requirement("VL-WIRE-030", "VL-WIRE-031", "VL-WIRE-007")
def fault_shape(ctx: Ctx) -> None:
    """A refusal is HTTP 500, text/xml, faultstring EVSnnn#message; soapenv:Client before the operation."""
    cert_id, adm, _ = _head(ctx)
    answer = _post(ctx, _wrapper("queryVoucherType", cert_id, adm, ("stYear", "x")))
    fault = raw.refused(answer, "EVS100", operation="queryVoucherType", why="stYear 'x'")
    if answer.status != 500 or not answer.content_type.startswith("text/xml"):
        raise WrongAnswer(
            operation="queryVoucherType",
            expected="HTTP 500 text/xml for a fault",
            got=f"HTTP {answer.status} {answer.content_type}",
            requirement="VL-WIRE-007",
        )
    if not fault[2].endswith("Client"):
        raise WrongAnswer(
            operation="queryVoucherType",
            expected="faultcode soapenv:Client (SOAP-layer refusal)",
            got=fault[2],
            requirement="VL-WIRE-031",
        )


@requirement("VL-WIRE-031", "VL-WIRE-030")
def operation_fault_is_server(ctx: Ctx) -> None:
    """A refusal by the operation (an unknown AdmDivCode) has faultcode soapenv:Server.userException."""
    client = ctx.client(ctx.party("finance"))
    fault = ctx.refuses(
        {"EVS004", "EVS112"}, client.query_voucher_type, "990000", ctx.year, why="an AdmDivCode of no party"
    )
    if "Server" not in fault.faultcode:
        raise WrongAnswer(
            operation="queryVoucherType",
            expected="faultcode soapenv:Server.userException",
            got=fault.faultcode,
            requirement="VL-WIRE-031",
        )


@requirement("VL-WIRE-002", "VL-WIRE-003")
def any_wrapper_namespace(ctx: Ctx) -> None:
    """A wrapper in another namespace with qualified parameters is understood (matching on local names)."""
    finance = ctx.party("finance")
    ns = "http://service.realware.example/evoucher"
    xml = (
        f'<r:queryVoucherType xmlns:r="{ns}"><r:certID>{finance.cert_id}</r:certID>'
        f"<r:admDivCode>{ctx.adm}</r:admDivCode><r:stYear>{ctx.year}</r:stYear></r:queryVoucherType>"
    )
    answered(
        _post(ctx, xml), operation="queryVoucherType", expected="an answer to a wrapper in another namespace"
    )


@requirement("VL-WIRE-005")
def positional_arguments(ctx: Ctx) -> None:
    """Arguments named in0, in1, … (Axis clients of another WSDL) are matched by position."""
    in_order = [(f"in{i}", value) for i, (_, value) in enumerate(_head(ctx))]
    answer = _post(ctx, _wrapper("queryVoucherType", *in_order))
    answered(answer, operation="queryVoucherType", expected="an answer to in0/in1/in2")


@requirement("VL-WIRE-005")
def unexpected_element(ctx: Ctx) -> None:
    """An unexpected argument element is refused with EVS100."""
    answer = _post(ctx, _wrapper("queryVoucherType", *_head(ctx), ("vtCode", "5207")))
    raw.refused(answer, "EVS100", operation="queryVoucherType", why="an extra vtCode element")


@requirement("VL-WIRE-005")
def duplicated_element(ctx: Ctx) -> None:
    """A duplicated argument element is refused with EVS100."""
    cert_id, adm, year = _head(ctx)
    answer = _post(ctx, _wrapper("queryVoucherType", cert_id, adm, adm, year))
    raw.refused(answer, "EVS100", operation="queryVoucherType", why="admDivCode twice")


@requirement("VL-WIRE-005", "VL-WIRE-004")
def empty_array_is_evs111(ctx: Ctx) -> None:
    """An array argument with no items is refused with EVS111."""
    call = ctx.client(ctx.party("finance")).query_voucher_status_by_org_type
    ctx.refuses("EVS111", call, ctx.adm, ctx.year, "5207", [], "001", why="voucherNos with no item")


@requirement("VL-WIRE-004")
def array_items_any_name(ctx: Ctx) -> None:
    """Array items are read whatever their element name (<string> as .NET clients send)."""
    items = ("voucherNos", "<string>NOSUCH1</string>")
    xml = _wrapper(
        "queryVoucherStatusByOrgType", *_head(ctx), ("vtCode", "5207"), items, ("decOrgType", "001")
    )
    answer = _post(ctx, xml)
    result = answer.result()
    if result is None or "NOSUCH1" not in etree.tostring(result, encoding="unicode"):
        raise WrongAnswer(
            operation="queryVoucherStatusByOrgType",
            expected="a status for the <string> item",
            got=answer.fault() or answer.content[:300],
        )


@requirement("VL-WIRE-007")
def soapaction_ignored(ctx: Ctx) -> None:
    """Any SOAPAction header is ignored."""
    headers = {**raw.HEADERS, "SOAPAction": '"urn:anything#else"'}
    answer = _post(ctx, _wrapper("queryVoucherType", *_head(ctx)), headers=headers)
    answered(answer, operation="queryVoucherType", expected="an answer whatever the SOAPAction")


@requirement("VL-WIRE-004")
def base64_with_line_breaks(ctx: Ctx) -> None:
    """base64Binary arguments with line breaks (as MIME encoders write them) are accepted."""
    finance = ctx.party("finance")
    v = ctx.voucher("5207")
    text = encode_base64(mof(ctx.stamped(finance, body(v), *ctx.positions("5207"))))
    wrapped = "\n".join(text[i : i + 76] for i in range(0, len(text), 76))
    xml = _wrapper("saveStampVoucher", *_head(ctx), ("vtCode", "5207"), ("voucherMessage", wrapped))
    answered(
        _post(ctx, xml), operation="saveStampVoucher", expected="a stored voucher sent as 76-column base64"
    )


@requirement("VL-WIRE-005", "EV-CODEC-010")
def bad_base64_is_evs100(ctx: Ctx) -> None:
    """Bad base64 in a base64Binary argument is refused with EVS100."""
    client = ctx.client(ctx.party("finance"))
    ctx.refuses(
        "EVS100", client.save_stamp_voucher, ctx.adm, ctx.year, "5207", "@@not base64@@", why="bad base64"
    )


@requirement("VL-WIRE-004", "VL-WIRE-013", "VL-STORE-012")
def status_map_shape(ctx: Ctx) -> None:
    """A StatusMap answers every number asked with [int code, string]; an unknown number is −1."""
    client = ctx.client(ctx.party("finance"))
    numbers = ["NOSUCH-A", "NOSUCH-B"]
    answer = ctx.accepts(
        client.query_voucher_status_by_org_type,
        ctx.adm,
        ctx.year,
        "5207",
        numbers,
        "001",
        why="a status query",
    )
    if sorted(answer) != numbers or any(answer[n][0] != -1 for n in numbers):
        raise WrongAnswer(
            operation="queryVoucherStatusByOrgType", expected="−1 for both unknown numbers", got=answer
        )


@requirement("VL-LIB-037", "VL-WIRE-012", "EV-PKI-014")
def voucher_types_of_the_caller(ctx: Ctx) -> None:
    """queryVoucherType lists exactly the VtCodes of the profile the caller's party may use."""
    for role in ("finance", "agent_bank"):
        party = ctx.party(role)
        answer = ctx.accepts(ctx.client(party).query_voucher_type, ctx.adm, ctx.year, why="queryVoucherType")
        wanted = {
            vt
            for vt in party.vt_codes
            if vt in registry.codes()
            and ctx.profile in registry.get(vt).profiles
            and not registry.get(vt).name_only
        }
        if set(answer) != wanted or not all(isinstance(v, str) and v for v in answer.values()):
            raise WrongAnswer(
                operation="queryVoucherType",
                expected=f"{len(wanted)} VtCodes of {party.handle}",
                got=missing_extra(wanted, set(answer)),
            )


@requirement("VL-LIB-037", "EV-REG-015")
def stamp_positions_of_the_caller(ctx: Ctx) -> None:
    """queryStampPositionWithName answers the caller's own positions of a type, id → name."""
    for role, flags in (("finance", (0,)), ("pboc", (1,))):
        party = ctx.party(role)
        answer = ctx.accepts(
            ctx.client(party).query_stamp_position_with_name,
            ctx.adm,
            ctx.year,
            "5207",
            why="queryStampPositionWithName",
        )
        wanted = {p for f in flags for p in ctx.positions("5207", f)}
        if not wanted <= set(answer) or not all(isinstance(answer[p], str) and answer[p] for p in wanted):
            raise WrongAnswer(
                operation="queryStampPositionWithName", expected=f"{sorted(wanted)} with names", got=answer
            )
