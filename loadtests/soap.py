"""Reading a library's answers inside the generator: fault, status map, or the MOF a read returns.

The generator sends requests the pool prepared; here it judges what came back, cheaply and
without the typed client: a SOAP Fault (its EVS code) or an answer that is not the operation's
is a failed request whatever the HTTP status, a status query must answer what the lifecycle
implies for each voucher, and a read's MOF is scanned for which documents it handed over and
at which positions they carry stamps (the validity gates need those facts, not the bytes).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from lxml import etree

from evoucher.errors import EvoucherError
from evoucher.interface import SOAP_ENV, parse_fault, read_envelope

MAX_RESPONSE = 64 * 1024 * 1024
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


@dataclass(frozen=True)
class Delivered:
    """One document a read handed over: whose, which, and the positions it arrived stamped at."""

    vt_code: str
    voucher_no: str
    voucher_flag: int
    positions: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    ok: bool
    why: str = ""  # for a failure: `EVS700: …`, `HTTP 502`, `status of X is 3, expected 12`
    statuses: dict[str, int] | None = None
    delivered: tuple[Delivered, ...] = ()
    mof: bytes = b""


def judge(operation: str, status_code: int, content: bytes, expect: dict | None = None) -> Answer:
    """What a response to `operation` says; `expect` maps VoucherNo -> acceptable status codes."""
    try:
        envelope = read_envelope(content, limit=MAX_RESPONSE, what="SOAP response")
    except EvoucherError as exc:
        return Answer(False, f"HTTP {status_code}: not a SOAP answer ({exc.message[:80]})")
    answer = envelope.find(f"{{{SOAP_ENV}}}Body/*")
    if answer is not None and answer.tag == f"{{{SOAP_ENV}}}Fault":
        code, message = parse_fault(answer.findtext("faultstring") or "")
        return Answer(False, f"{code or 'fault'}: {message[:120]}")
    if answer is None or etree.QName(answer).localname != f"{operation}Response":
        return Answer(False, f"HTTP {status_code}: no <{operation}Response>")
    returned = next((c for c in answer if isinstance(c.tag, str)), None)
    if expect is not None:
        statuses = _statuses(returned)
        for no, allowed in expect.items():
            got = statuses.get(no)
            if got not in allowed:
                wanted = "/".join(str(s) for s in sorted(allowed))
                return Answer(False, f"status of {no} is {got}, expected {wanted}", statuses)
        return Answer(True, statuses=statuses)
    if operation in ("readVoucher", "readVoucherAgain"):
        return _read(returned)
    return Answer(True)


def _statuses(returned: etree._Element | None) -> dict[str, int]:
    """VoucherNo -> code of a StatusMap (apachesoap Map of [code, text])."""
    out = {}
    for item in returned if returned is not None else ():
        value = item.find("value")
        if value is None:
            continue
        codes = [c.text for c in value if isinstance(c.tag, str)]
        if codes and (codes[0] or "").strip().lstrip("-").isdigit():
            out[item.findtext("key") or ""] = int(codes[0])
    return out


def _read(returned: etree._Element | None) -> Answer:
    text = (returned.text or "").strip() if returned is not None else ""
    if not text:
        return Answer(True)
    try:
        mof = base64.b64decode(text, validate=True)
        root = etree.fromstring(mof, _PARSER)
    except (binascii.Error, etree.XMLSyntaxError) as exc:
        return Answer(False, f"read: the MOF is not readable ({exc})")
    delivered = []
    for body in root.iter("VoucherBody"):
        stamps = tuple(s.get("No", "") for s in body.iter("Stamp"))
        flag = (body.findtext("VoucherFlag") or "0").strip()
        number = int(flag) if flag.isdigit() else -1
        delivered.append(Delivered(body.get("VtCode", ""), body.get("VoucherNo", ""), number, stamps))
    return Answer(True, delivered=tuple(delivered), mof=mof)
