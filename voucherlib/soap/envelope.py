"""SOAP 1.1 envelopes: read a request into (operation, typed arguments), write responses.

Requests go through `evoucher.interface.read_envelope` (the codec's `parse_document`), so
DTDs, entities, processing instructions, bad encodings and oversize documents are refused
before lxml sees a byte.
Arguments are matched by name, or by position when none of the names are ours (Axis clients
generated from another WSDL send `in0`, `in1`, …: VL-WIRE-005); `xsi:type` is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from evoucher.codec.safe import decode_base64, encode_base64
from evoucher.errors import EVS_EMPTY, EVS_PARAM
from evoucher.interface import NAMESPACE, SOAP_ENV, XSI, Operation, Param, read_envelope
from voucherlib.soap.faults import Fault, RequestFault

XSD = "http://www.w3.org/2001/XMLSchema"
DEFAULT_MAX_REQUEST_BYTES = 8 * 1024 * 1024  # a 3 MB attachment block, base64 twice, fits
_NSMAP = {"soapenv": SOAP_ENV, "xsd": XSD, "xsi": XSI}
_INT = re.compile(r"[+-]?[0-9]{1,10}")


@dataclass(frozen=True)
class SoapRequest:
    """A parsed request: soap:Header (or None), soap:Body and the operation's wrapper element."""

    header: etree._Element | None
    body: etree._Element
    wrapper: etree._Element

    @property
    def operation(self) -> str:
        return etree.QName(self.wrapper).localname


def _children(element: etree._Element) -> list[etree._Element]:
    return [child for child in element if isinstance(child.tag, str)]


def parse_request(data: bytes, *, limit: int = DEFAULT_MAX_REQUEST_BYTES) -> SoapRequest:
    """Check and parse a SOAP 1.1 request; anything else is an EVS100/EVS111 error."""
    envelope = read_envelope(data, limit=limit, what="SOAP request")
    parts = _children(envelope)
    header = parts.pop(0) if parts and parts[0].tag == f"{{{SOAP_ENV}}}Header" else None
    if len(parts) != 1 or parts[0].tag != f"{{{SOAP_ENV}}}Body":
        raise RequestFault(EVS_PARAM, "SOAP request: Envelope must hold an optional Header and then one Body")
    body = parts[0]
    calls = _children(body)
    if len(calls) != 1:
        raise RequestFault(
            EVS_PARAM, f"SOAP request: Body must hold exactly one operation, found {len(calls)}"
        )
    return SoapRequest(header, body, calls[0])


def _is_nil(element: etree._Element) -> bool:
    return element.get(f"{{{XSI}}}nil") in ("true", "1")


def _decode(param: Param, element: etree._Element | None, op: str) -> Any:
    where = f"{op} argument {param.name}"
    if element is None or _is_nil(element):
        raise RequestFault(EVS_EMPTY, f"{where} ({param.type}) is missing")
    if param.type == "ArrayOf_xsd_string":
        items = ["" if _is_nil(item) else item.text or "" for item in _children(element)]
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


def decode_args(op: Operation, wrapper: etree._Element) -> dict[str, Any]:
    """Typed arguments keyed by Python name (`cert_id`, `voucher_nos`, …), in catalogue order."""
    given = _children(wrapper)
    names = [etree.QName(child).localname for child in given]
    expected = [p.name for p in op.params]
    if set(names) <= set(expected) and len(set(names)) == len(names):
        by_name = dict(zip(names, given, strict=True))
        chosen = [by_name.get(name) for name in expected]
    elif not set(names) & set(expected) and len(given) == len(expected):
        chosen = list(given)
    else:
        raise RequestFault(
            EVS_PARAM, f"{op.name} takes ({', '.join(expected)}), got ({', '.join(names) or 'nothing'})"
        )
    return {p.py_name: _decode(p, el, op.name) for p, el in zip(op.params, chosen, strict=True)}


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


def _encode_return(parent: etree._Element, op: Operation, value: Any) -> None:
    tag = f"{op.name}Return"
    kind = op.returns
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        etree.SubElement(parent, tag).text = str(value)
    elif kind == "base64Binary" and isinstance(value, bytes):
        etree.SubElement(parent, tag).text = encode_base64(value)
    elif kind in ("Map", "StatusMap") and isinstance(value, Mapping):
        result = etree.SubElement(parent, tag)
        for key, item_value in value.items():
            if kind == "StatusMap" and not _is_status(item_value):
                raise TypeError(f"{op.name}: status of {key!r} must be (int code, str description)")
            item = etree.SubElement(result, "item")
            etree.SubElement(item, "key").text = str(key)
            _encode_any(item, "value", item_value)
    else:
        raise TypeError(f"{op.name} returns {kind}, the handler gave {type(value).__name__}")


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


def build_response(op: Operation, value: Any) -> bytes:
    """`<opResponse><opReturn>…</opReturn></opResponse>`; void operations ignore `value`."""
    wrapper = etree.Element(f"{{{NAMESPACE}}}{op.name}Response", nsmap={"tns": NAMESPACE})
    if op.returns != "void":
        _encode_return(wrapper, op, value)
    return envelope(wrapper)


def build_fault(fault: Fault) -> bytes:
    """A soapenv:Fault envelope; faultcode and faultstring unqualified, as SOAP 1.1 §4.4 requires."""
    element = etree.Element(f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(element, "faultcode").text = fault.faultcode
    etree.SubElement(element, "faultstring").text = fault.faultstring
    return envelope(element)
