"""Hostile input: refused fast, with the documented fault, and the target still answers afterwards.

Each check sends one hostile request through the raw poster, expects the EVS code of VL-WIRE-006
(or EV-CODEC-013 for hostile MOF documents inside a valid request), and then asks one harmless
question: a target that hangs or dies on hostile input fails here too.
"""

from __future__ import annotations

import time

from conformance import raw
from conformance.catalogue import requirement
from conformance.context import Ctx
from conformance.failures import Failure, WrongAnswer
from evoucher.interface import FINANCE, NAMESPACE

FAST_SECONDS = 2.0
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"


def _query(ctx: Ctx, cert_id: str) -> str:
    return (
        f'<ns:queryVoucherType xmlns:ns="{NAMESPACE}"><certID>{cert_id}</certID>'
        f"<admDivCode>{ctx.adm}</admDivCode><stYear>{ctx.year}</stYear></ns:queryVoucherType>"
    )


def _still_answers(ctx: Ctx) -> None:
    client = ctx.client(ctx.party("finance"))
    ctx.accepts(client.query_voucher_type, ctx.adm, ctx.year, why="a harmless query after hostile input")


def _hostile(ctx: Ctx, data: bytes, evs: str | set[str], why: str, requirement: str = "VL-WIRE-006") -> None:
    started = time.perf_counter()
    answer = raw.post(ctx, FINANCE, data)
    seconds = time.perf_counter() - started
    raw.refused(answer, evs, operation="POST AsspFinanceService", why=why, requirement=requirement)
    if seconds > FAST_SECONDS:
        raise Failure(
            f"{why} took {seconds:.1f} s to refuse (limit {FAST_SECONDS} s)", requirement=requirement
        )
    _still_answers(ctx)


def _signed(ctx: Ctx) -> bytes:
    finance = ctx.party("finance")
    return raw.envelope(_query(ctx, finance.cert_id), service=FINANCE, holder=finance.org)


@requirement("VL-WIRE-006", "EV-CODEC-013")
def dtd_refused(ctx: Ctx) -> None:
    """A request with a DTD is refused with EVS100."""
    data = _signed(ctx).replace(b"?>", b"?>\n<!DOCTYPE x [<!ELEMENT x ANY>]>", 1)
    _hostile(ctx, data, "EVS100", "a DTD")


@requirement("VL-WIRE-006", "EV-CODEC-013")
def entity_expansion_refused(ctx: Ctx) -> None:
    """Entity expansion (billion laughs) is refused with EVS100, fast."""
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    finance = ctx.party("finance")
    text = _query(ctx, finance.cert_id).replace(f"<admDivCode>{ctx.adm}", "<admDivCode>&l9;")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE e [{lol}]><soapenv:Envelope xmlns:soapenv='
        f'"http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>{text}</soapenv:Body></soapenv:Envelope>'
    ).encode()
    _hostile(ctx, data, "EVS100", "entity expansion")


@requirement("VL-WIRE-006", "EV-CODEC-013")
def external_entity_refused(ctx: Ctx) -> None:
    """An external entity (XXE reading /etc/passwd) is refused with EVS100 and never resolved."""
    finance = ctx.party("finance")
    text = _query(ctx, finance.cert_id).replace(f"<admDivCode>{ctx.adm}", "<admDivCode>&xxe;")
    data = (
        '<?xml version="1.0"?><!DOCTYPE e [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><soapenv:Envelope '
        f'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>{text}</soapenv:Body>'
        "</soapenv:Envelope>"
    ).encode()
    answer = raw.post(ctx, FINANCE, data)
    if b"root:" in answer.content:
        raise Failure(
            "the answer contains /etc/passwd: an external entity was resolved", requirement="VL-WIRE-006"
        )
    raw.refused(answer, "EVS100", operation="POST AsspFinanceService", why="an external entity")
    _still_answers(ctx)


@requirement("VL-WIRE-006")
def processing_instruction_refused(ctx: Ctx) -> None:
    """A processing instruction in the request is refused with EVS100."""
    data = _signed(ctx).replace(b"<soapenv:Body>", b"<?evil instruction?><soapenv:Body>", 1)
    _hostile(ctx, data, "EVS100", "a processing instruction")


@requirement("VL-WIRE-006")
def not_well_formed_refused(ctx: Ctx) -> None:
    """A request that is not well formed is refused with EVS100."""
    _hostile(ctx, _signed(ctx)[:-20], "EVS100", "a truncated envelope")


@requirement("VL-WIRE-006")
def soap12_refused(ctx: Ctx) -> None:
    """A SOAP 1.2 envelope is refused with EVS100."""
    finance = ctx.party("finance")
    data = raw.envelope(_query(ctx, finance.cert_id), service=FINANCE, holder=finance.org, soap_ns=SOAP12)
    _hostile(ctx, data, "EVS100", "a SOAP 1.2 envelope")


@requirement("VL-WIRE-006")
def two_operations_refused(ctx: Ctx) -> None:
    """A Body holding two operations is refused with EVS100."""
    finance = ctx.party("finance")
    text = _query(ctx, finance.cert_id)
    data = raw.envelope(text + text, service=FINANCE, holder=finance.org)
    _hostile(ctx, data, "EVS100", "two operations in one Body")


@requirement("VL-WIRE-006")
def other_encoding_refused(ctx: Ctx) -> None:
    """A request in an encoding other than UTF-8 or GBK (UTF-16) is refused with EVS100."""
    text = _signed(ctx).decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    _hostile(ctx, text.encode("utf-16"), "EVS100", "a UTF-16 request")


@requirement("VL-WIRE-006", "VL-WIRE-005")
def empty_request_is_evs111(ctx: Ctx) -> None:
    """An empty request is refused with EVS111."""
    _hostile(ctx, b"", "EVS111", "an empty request")


@requirement("VL-WIRE-006", "EV-CODEC-014")
def deep_nesting_refused(ctx: Ctx) -> None:
    """A request nested 10,000 elements deep is refused with EVS100, fast."""
    depth = 10_000
    finance = ctx.party("finance")
    text = _query(ctx, finance.cert_id).replace("</stYear>", "</stYear>" + "<a>" * depth + "</a>" * depth)
    data = raw.envelope("<x/>", service=FINANCE, holder=None, header=False).replace(b"<x/>", text.encode())
    _hostile(ctx, data, "EVS100", f"{depth} nested elements")


@requirement("VL-WIRE-006")
def oversize_refused(ctx: Ctx) -> None:
    """A request over 8 MiB is refused with EVS100 before it is parsed."""
    finance = ctx.party("finance")
    text = _query(ctx, finance.cert_id).replace("</stYear>", "</stYear><pad>" + "A" * (9 << 20) + "</pad>")
    data = raw.envelope("<x/>", service=FINANCE, holder=None, header=False).replace(b"<x/>", text.encode())
    _hostile(ctx, data, "EVS100", "a 9 MiB request")


@requirement("VL-WIRE-006", "VL-REL-003")
def element_flood_refused(ctx: Ctx) -> None:
    """A signed request whose Body holds 200,000 empty elements (800 KB) is refused with EVS100, fast."""
    finance = ctx.party("finance")
    text = _query(ctx, finance.cert_id).replace("</stYear>", "</stYear>" + "<a/>" * 200_000)
    data = raw.envelope(text, service=FINANCE, holder=finance.org)
    _hostile(ctx, data, "EVS100", "200,000 elements in the Body", requirement="VL-REL-003")


@requirement("EV-CODEC-013", "VL-REL-003")
def mof_element_flood_refused(ctx: Ctx) -> None:
    """A saveStampVoucher whose MOF holds 500,000 empty elements (2 MB) is refused with EVS100, fast."""
    client = ctx.client(ctx.party("finance"))
    mof = b'<?xml version="1.0" encoding="GBK"?>\n<MOF>' + b"<a/>" * 500_000 + b"</MOF>"
    started = time.perf_counter()
    ctx.refuses("EVS100", client.save_stamp_voucher, ctx.adm, ctx.year, "5207", mof,
                why="a MOF of 500,000 elements", requirement="VL-REL-003")  # fmt: skip
    seconds = time.perf_counter() - started
    if seconds > FAST_SECONDS:
        raise Failure(f"a MOF of 500,000 elements took {seconds:.1f} s to refuse", requirement="VL-REL-003")
    _still_answers(ctx)


@requirement("EV-CODEC-013", "VL-LIB-020")
def hostile_mof_refused(ctx: Ctx) -> None:
    """A MOF document carrying a DTD inside a valid request is refused with EVS100, and nothing is stored."""
    client = ctx.client(ctx.party("finance"))
    mof = (
        b'<?xml version="1.0" encoding="GBK"?>\n<!DOCTYPE MOF [<!ENTITY a "b">]>'
        b"<MOF><VoucherCount>1</VoucherCount></MOF>"
    )
    ctx.refuses("EVS100", client.save_stamp_voucher, ctx.adm, ctx.year, "5207", mof, why="a MOF with a DTD")
    _still_answers(ctx)


@requirement("EV-CODEC-002", "VL-LIB-020")
def garbage_mof_refused(ctx: Ctx) -> None:
    """Bytes that are not a MOF document (random binary) are refused with EVS100."""
    client = ctx.client(ctx.party("finance"))
    junk = bytes(ctx.rng.randrange(256) for _ in range(512))
    ctx.refuses(
        {"EVS100"}, client.save_stamp_voucher, ctx.adm, ctx.year, "5207", junk, why="512 random bytes"
    )
    _still_answers(ctx)


@requirement("VL-WIRE-032", "VL-WIRE-006", "VL-REL-005")
def answers_carry_no_secrets(ctx: Ctx) -> None:
    """No answer to hostile input leaks a traceback, a file path or SQL (VL-WIRE-032)."""
    data = _signed(ctx).replace(b"<stYear>", b"<stYear>'; DROP TABLE voucher; --", 1)
    answer = raw.post(ctx, FINANCE, data)
    text = answer.content.decode("utf-8", "replace")
    for marker in ("Traceback", 'File "/', "SELECT ", "psycopg", "sqlite3."):
        if marker in text:
            raise WrongAnswer(
                operation="queryVoucherType", expected="a fault without internals", got=text[:400]
            )
    if answer.fault() is None:
        raise WrongAnswer(operation="queryVoucherType", expected="an EVS100 fault", got=text[:300])
