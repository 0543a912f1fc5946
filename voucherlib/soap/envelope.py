"""SOAP 1.1 envelopes: read a request into (operation, typed arguments), write responses.

Requests go through `evoucher.interface.read_envelope` (the codec's `parse_document`), so
DTDs, entities, processing instructions, bad encodings and oversize documents are refused
before lxml sees a byte.
Arguments are matched by name, or by position when none of the names are ours (Axis clients
send `arg0`, `arg1`, … or `in0`, …: VL-WIRE-005). Two dialects are read and answered
(VL-WIRE-003): document/literal, and SOAP-encoded RPC as Axis 1 sends it, with multiRefs,
soapenc arrays and xsi types (`evoucher.soapenc`, VL-WIRE-040..046). A request is answered in
its own dialect.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from evoucher import soapenc
from evoucher.codec.safe import decode_base64, encode_base64
from evoucher.errors import EVS_EMPTY, EVS_PARAM, EvoucherError
from evoucher.interface import NAMESPACE, SOAP_ENV, XSI, Operation, Param, read_envelope
from voucherlib.soap.faults import Fault, RequestFault

XSD = "http://www.w3.org/2001/XMLSchema"
DEFAULT_MAX_REQUEST_BYTES = 8 * 1024 * 1024  # a 3 MB attachment block, base64 twice, fits
_NSMAP = {"soapenv": SOAP_ENV, "xsd": XSD, "xsi": XSI}
_INT = re.compile(r"[+-]?[0-9]{1,10}")
_ARRAY_SIZE = re.compile(r".*\[([0-9]+)\]")
# the Java exception class an Axis client sees in an encoded fault (VL-WIRE-045)
JAVA_EXCEPTION = "java.lang.Exception"


@dataclass(frozen=True)
class Dialect:
    """How a request was written, so that it is answered in kind (VL-WIRE-003).

    `encoded`: SOAP-encoded RPC (Axis 1); `namespace`: the request wrapper's, which an encoded
    response echoes as Axis does (None: unqualified).
    """

    encoded: bool = False
    namespace: str | None = None


LITERAL = Dialect()


@dataclass(frozen=True)
class SoapRequest:
    """A parsed request: soap:Header (or None), soap:Body, the operation's wrapper, its dialect."""

    header: etree._Element | None
    body: etree._Element
    wrapper: etree._Element
    dialect: Dialect

    @property
    def operation(self) -> str:
        return etree.QName(self.wrapper).localname

    @functools.cached_property
    def refs(self) -> soapenc.References:
        """The Body's multiRefs, checked as a whole (VL-WIRE-042) when the arguments are first read."""
        try:
            return soapenc.References(self.body, what="SOAP request")
        except EvoucherError as exc:
            raise RequestFault(exc.evs_code, exc.message) from None


_children = soapenc.children


def parse_request(data: bytes, *, limit: int = DEFAULT_MAX_REQUEST_BYTES) -> SoapRequest:
    """Check and parse a SOAP 1.1 request; anything else is an EVS100/EVS111 error.

    The Body holds one operation and any number of independent elements it references (Axis's
    multiRefs: `soapenc:root="0"`, or an `id` and no root mark; VL-WIRE-006 and VL-WIRE-041).
    """
    envelope = read_envelope(data, limit=limit, what="SOAP request")
    parts = _children(envelope)
    header = parts.pop(0) if parts and parts[0].tag == f"{{{SOAP_ENV}}}Header" else None
    if len(parts) != 1 or parts[0].tag != f"{{{SOAP_ENV}}}Body":
        raise RequestFault(EVS_PARAM, "SOAP request: Envelope must hold an optional Header and then one Body")
    body = parts[0]
    calls = [child for child in _children(body) if not soapenc.is_independent(child)]
    if len(calls) != 1:
        raise RequestFault(
            EVS_PARAM, f"SOAP request: Body must hold exactly one operation, found {len(calls)}"
        )
    wrapper = calls[0]
    dialect = Dialect(soapenc.is_encoded(wrapper, body), etree.QName(wrapper).namespace)
    return SoapRequest(header, body, wrapper, dialect if dialect.encoded else LITERAL)


def _items(element: etree._Element, refs: soapenc.References, where: str) -> list[str]:
    """The strings of an array: literal `<item>`s, or a soapenc:Array whose items have any name."""
    if element.get(f"{{{soapenc.SOAPENC}}}offset") is not None or any(
        child.get(f"{{{soapenc.SOAPENC}}}position") is not None for child in _children(element)
    ):
        raise RequestFault(EVS_PARAM, f"{where}: partially transmitted or sparse arrays are not supported")
    items = ["" if soapenc.is_nil(item) else item.text or "" for item in refs.items(element)]
    declared = _ARRAY_SIZE.fullmatch(element.get(soapenc.ARRAY_TYPE) or "")
    if declared is not None and int(declared.group(1)) != len(items):
        raise RequestFault(
            EVS_PARAM, f"{where}: soapenc:arrayType declares {declared.group(1)} items, found {len(items)}"
        )
    return items


def _decode(param: Param, element: etree._Element | None, op: str, refs: soapenc.References) -> Any:
    where = f"{op} argument {param.name}"
    element = None if element is None else refs.deref(element)
    if element is None or soapenc.is_nil(element):
        raise RequestFault(EVS_EMPTY, f"{where} ({param.type}) is missing")
    if param.type == "ArrayOf_xsd_string":
        items = _items(element, refs, where)
        if not items:
            raise RequestFault(EVS_EMPTY, f"{where} is an empty array")
        return items
    text = element.text or ""
    if param.type == "base64Binary":
        return decode_base64(text, where)
    text = text.strip() if param.type == "int" else text
    if not text:
        raise RequestFault(EVS_EMPTY, f"{where} is empty")
    if param.type == "int":
        if not _INT.fullmatch(text) or not -(2**31) <= int(text) < 2**31:
            raise RequestFault(EVS_PARAM, f"{where} must be an xsd:int, got {text[:40]!r}")
        return int(text)
    return text


def decode_args(op: Operation, request: SoapRequest) -> dict[str, Any]:
    """Typed arguments keyed by Python name (`cert_id`, `voucher_nos`, …), in catalogue order.

    By name when every name is ours; else by position when the count is right and none of the
    names are ours or, in the encoded dialect, whatever the names are (Axis's RPC provider
    falls back to position the same way: VL-WIRE-041).
    """
    given = _children(request.wrapper)
    names = [etree.QName(child).localname for child in given]
    expected = [p.name for p in op.params]
    if set(names) <= set(expected) and len(set(names)) == len(names):
        by_name = dict(zip(names, given, strict=True))
        chosen = [by_name.get(name) for name in expected]
    elif (request.dialect.encoded or not set(names) & set(expected)) and len(given) == len(expected):
        chosen = list(given)
    else:
        raise RequestFault(
            EVS_PARAM, f"{op.name} takes ({', '.join(expected)}), got ({', '.join(names) or 'nothing'})"
        )
    refs = request.refs
    return {p.py_name: _decode(p, el, op.name, refs) for p, el in zip(op.params, chosen, strict=True)}


def _encode_any(parent: etree._Element, tag: str, value: Any) -> None:
    """A Map value as Axis writes anyType: xsi:type names the type, lists become ArrayOf_xsd_anyType."""
    el = etree.SubElement(parent, tag)
    if value is None:
        el.set(f"{{{XSI}}}nil", "true")
    elif isinstance(value, bool):
        raise TypeError(f"Map value {value!r}: booleans are not part of the interface")
    elif isinstance(value, str | int):
        el.set(f"{{{XSI}}}type", "xsd:string" if isinstance(value, str) else "xsd:int")
        el.text = str(value)
    elif isinstance(value, bytes):
        el.set(f"{{{XSI}}}type", "xsd:base64Binary")
        el.text = encode_base64(value)
    elif isinstance(value, Sequence):
        el.set(f"{{{XSI}}}type", "tns:ArrayOf_xsd_anyType")
        for item in value:
            _encode_any(el, "item", item)
    else:
        raise TypeError(f"Map value of type {type(value).__name__} cannot be put on the wire")


def _check_return(op: Operation, value: Any) -> None:
    """A handler's value must be of the operation's return type (else the caller gets EVS999)."""
    kind = op.returns
    fits = {
        "void": True,
        "int": isinstance(value, int) and not isinstance(value, bool),
        "base64Binary": isinstance(value, bytes),
    }.get(kind, isinstance(value, Mapping))
    if not fits:
        raise TypeError(f"{op.name} returns {kind}, the handler gave {type(value).__name__}")
    if kind == "StatusMap":
        for key, status in value.items():
            if not _is_status(status):
                raise TypeError(f"{op.name}: status of {key!r} must be (int code, str description)")


def _encode_return(parent: etree._Element, op: Operation, value: Any) -> None:
    tag = f"{op.name}Return"
    if op.returns in ("Map", "StatusMap"):
        result = etree.SubElement(parent, tag)
        for key, item_value in value.items():
            item = etree.SubElement(result, "item")
            etree.SubElement(item, "key").text = str(key)
            _encode_any(item, "value", item_value)
    else:
        etree.SubElement(parent, tag).text = encode_base64(value) if isinstance(value, bytes) else str(value)


def _is_status(value: Any) -> bool:
    return (
        isinstance(value, Sequence)
        and len(value) == 2
        and isinstance(value[0], int)
        and not isinstance(value[0], bool)
        and isinstance(value[1], str)
    )


def envelope(content: etree._Element) -> bytes:
    """A complete SOAP 1.1 envelope (UTF-8, with declaration) whose Body holds `content`."""
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=_NSMAP)
    etree.SubElement(root, f"{{{SOAP_ENV}}}Body").append(content)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _encoded_response(op: Operation, value: Any, dialect: Dialect) -> bytes:
    """The answer Axis 1 gives an rpc/encoded call, which its client turns into byte[], Map, Integer or
    nothing (VL-WIRE-044): the response wrapper in the request's namespace, ints and Maps as multiRefs."""
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=soapenc.NSMAP)
    body = etree.SubElement(root, f"{{{SOAP_ENV}}}Body")
    ns = dialect.namespace
    name = f"{{{ns}}}{op.name}Response" if ns else f"{op.name}Response"
    wrapper = etree.SubElement(body, name, nsmap={"ns": ns} if ns else None)
    wrapper.set(soapenc.ENCODING_STYLE, soapenc.SOAPENC)
    writer, tag = soapenc.EncodedWriter(body), f"{op.name}Return"
    if op.returns == "int":
        writer.int_ref(wrapper, tag, value, "xsd:int")
    elif op.returns == "base64Binary":
        writer.typed(wrapper, tag, "soapenc:base64Binary", encode_base64(value))
    elif op.returns != "void":
        writer.map(wrapper, tag, value.items())
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def build_response(op: Operation, value: Any, dialect: Dialect = LITERAL) -> bytes:
    """`<opResponse><opReturn>…</opReturn></opResponse>` in the request's dialect; void ignores `value`."""
    _check_return(op, value)
    if dialect.encoded:
        return _encoded_response(op, value, dialect)
    if op.returns == "void":
        return _void_response(op.name)
    wrapper = etree.Element(f"{{{NAMESPACE}}}{op.name}Response", nsmap={"tns": NAMESPACE})
    _encode_return(wrapper, op, value)
    return envelope(wrapper)


@functools.cache
def _void_response(name: str) -> bytes:
    """A void operation's literal answer: the same bytes every time (~20 of them, written once)."""
    return envelope(etree.Element(f"{{{NAMESPACE}}}{name}Response", nsmap={"tns": NAMESPACE}))


# characters XML 1.0 cannot carry: a fault that quotes hostile input (a control character in a
# tag name, say) says them escaped (\x0b) rather than failing to be written
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def build_fault(fault: Fault, dialect: Dialect = LITERAL) -> bytes:
    """A soapenv:Fault envelope; faultcode and faultstring unqualified, as SOAP 1.1 §4.4 requires.

    An encoded request gets the fault as Axis reports an application exception (VL-WIRE-045):
    `soapenv:Server.userException` and `java.lang.Exception: EVSnnn#…`, so `AxisFault.getFaultString()`
    carries the code where front ends look for it.
    """
    element = etree.Element(f"{{{SOAP_ENV}}}Fault")
    text = _NOT_XML.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), fault.faultstring)
    if dialect.encoded:
        etree.SubElement(element, "faultcode").text = "soapenv:Server.userException"
        etree.SubElement(element, "faultstring").text = f"{JAVA_EXCEPTION}: {text}"
    else:
        etree.SubElement(element, "faultcode").text = fault.faultcode
        etree.SubElement(element, "faultstring").text = text
    return envelope(element)
