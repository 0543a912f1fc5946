"""Requests the client would never send: hand-built envelopes, posted as they are, answers read safely.

Hostile-input, namespace, positional-argument and replay checks need bytes a well-behaved client
does not produce. `envelope()` wraps a Body (signing it with a party's CallerAuth header unless
told not to), `post()` sends any bytes through the check's recording transport, and `Answer`
reads what came back through the same hostile-input refusals the client applies.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from lxml import etree

from conformance.context import Ctx
from conformance.evidence import RecordingTransport
from conformance.failures import WrongAnswer, WrongFault
from evoucher import wsauth
from evoucher.errors import EvoucherError
from evoucher.interface import SERVICES, SOAP_ENV, parse_fault, read_envelope
from evoucher.pki import Holder

HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}


@dataclass(frozen=True)
class Answer:
    status: int
    content: bytes
    content_type: str

    def fault(self) -> tuple[str | None, str, str] | None:
        """(evs_code, message, faultcode) of a SOAP fault, or None when the answer is not one."""
        try:
            envelope = read_envelope(self.content, limit=64 << 20, what="SOAP response")
        except EvoucherError:
            return None
        fault = envelope.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
        if fault is None:
            return None
        code, message = parse_fault(fault.findtext("faultstring") or "")
        return code, message, fault.findtext("faultcode") or ""

    def result(self) -> etree._Element | None:
        """The Body's answer element of a successful call, else None."""
        try:
            envelope = read_envelope(self.content, limit=64 << 20, what="SOAP response")
        except EvoucherError:
            return None
        answer = envelope.find(f"{{{SOAP_ENV}}}Body/*")
        return None if answer is None or answer.tag == f"{{{SOAP_ENV}}}Fault" else answer


def envelope(
    body_xml: str, *, service: str, holder: Holder | None, header: bool = True, soap_ns: str = SOAP_ENV
) -> bytes:
    """`<Envelope><Header>CallerAuth</Header><Body>body_xml</Body></Envelope>`, UTF-8."""
    text = (
        f'<soapenv:Envelope xmlns:soapenv="{soap_ns}"><soapenv:Body>{body_xml}</soapenv:Body>'
        "</soapenv:Envelope>"
    )
    root = etree.fromstring(text.encode("utf-8"))
    if header and holder is not None:
        body = root[0]
        head = etree.Element(f"{{{soap_ns}}}Header")
        head.append(
            wsauth.build_header(
                service=service,
                cert_id=holder.cert_id,
                key=holder.key,
                cert_der=holder.cert.dump(),
                body=body,
            )
        )
        root.insert(0, head)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def post(
    ctx: Ctx,
    service: str,
    data: bytes,
    *,
    headers: dict[str, str] | None = None,
    method: str = "POST",
    query: str = "",
) -> Answer:
    url = ctx.target.url.rstrip("/") + (
        SERVICES[service].path if service in SERVICES else f"/realware/services/{service}"
    )
    with httpx.Client(
        transport=RecordingTransport(ctx.recorder, ctx.target.transport), timeout=ctx.target.timeout
    ) as http:
        response = http.request(
            method, url + query, content=data if method == "POST" else None, headers=headers or HEADERS
        )
    return Answer(response.status_code, response.content, response.headers.get("content-type", ""))


def refused(
    answer: Answer, evs: str | set[str], *, operation: str, why: str, requirement: str | None = None
) -> tuple:
    """The answer must be a SOAP fault with code `evs` (or one of a set)."""
    expected = {evs} if isinstance(evs, str) else evs
    fault = answer.fault()
    if fault is None:
        raise WrongAnswer(
            operation=operation,
            expected=f"a {'/'.join(sorted(expected))} fault for {why}",
            got=f"HTTP {answer.status}: {answer.content[:300]!r}",
            requirement=requirement,
        )
    if fault[0] not in expected:
        raise WrongFault(
            operation=operation,
            expected="/".join(sorted(expected)),
            got=fault[0],
            message=fault[1],
            requirement=requirement,
        )
    return fault
