"""SOAP 1.1 section 5 encoding ("rpc/encoded") as Apache Axis 1 writes it, for both ends of the wire.

Real front ends are Axis 1.4 clients that call with `Call.invoke(Object[])`: every int goes out as a
`multiRef` sibling of the operation (`href="#id0"`, `soapenc:root="0"`), a String[] as a
`soapenc:Array`, and they deserialise answers by their `xsi:type` (docs/wire.md VL-WIRE-040..046).
The server reads such requests and answers in kind; the client in `mocks` speaks the dialect to
certify vendors. Both use this module, so the two ends share one reading of the rules, and nothing
here imports either of them.

References are checked as a whole before any value is read: every `href` must name an `id` of the
Body, ids are unique, there are at most MAX_MULTIREFS of them, and no chain of references is
cyclic or deeper than MAX_REF_DEPTH. So a multiRef can be used any number of times but never makes
the reader do more work than the elements it sent (EVS100 otherwise).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from lxml import etree

from evoucher.codec.safe import decode_base64, encode_base64
from evoucher.errors import CodecError
from evoucher.interface import APACHE_SOAP, SOAP_ENV, XSI

SOAPENC = "http://schemas.xmlsoap.org/soap/encoding/"
XSD = "http://www.w3.org/2001/XMLSchema"
ENCODING_STYLE = f"{{{SOAP_ENV}}}encodingStyle"
ROOT = f"{{{SOAPENC}}}root"
ARRAY_TYPE = f"{{{SOAPENC}}}arrayType"
XSI_TYPE = f"{{{XSI}}}type"
XSI_NIL = f"{{{XSI}}}nil"
# prefixes an encoded envelope declares, so `xsi:type` values can name them
NSMAP = {"soapenv": SOAP_ENV, "xsd": XSD, "xsi": XSI, "soapenc": SOAPENC, "apachesoap": APACHE_SOAP}
MAX_MULTIREFS = 10_000
MAX_REF_DEPTH = 8  # Axis needs 2 (a Map whose Object[] holds an int multiRef)


def children(element: etree._Element) -> list[etree._Element]:
    return [child for child in element if isinstance(child.tag, str)]


def is_nil(element: etree._Element) -> bool:
    return element.get(XSI_NIL) in ("true", "1")


def is_independent(element: etree._Element) -> bool:
    """A Body child that is not the call: marked `soapenc:root="0"` (Axis's multiRefs), or, unmarked,
    one carrying an `id` (.NET and gSOAP write referenced arrays and structs that way)."""
    root = element.get(ROOT)
    if root is not None:
        return root.strip() in ("0", "false")
    return element.get("id") is not None


def xsi_type(element: etree._Element) -> tuple[str | None, str] | None:
    """`xsi:type` as (namespace, local name), the prefix resolved in scope; None if absent."""
    value = element.get(XSI_TYPE)
    if value is None:
        return None
    prefix, _, local = value.strip().rpartition(":")
    return element.nsmap.get(prefix or None), local


def _target(href: str, where: str) -> str:
    if not href.startswith("#") or len(href) == 1:
        raise CodecError(f"{where}: href {href[:40]!r} is not a reference to an id in this Body (#id)")
    return href[1:]


class References:
    """The `id`ed elements of a Body and the resolution of `href="#id"` (checked when built)."""

    def __init__(self, body: etree._Element, *, what: str = "SOAP message") -> None:
        self.what = what
        self.by_id: dict[str, etree._Element] = {}
        for element in body.iter():
            if not isinstance(element.tag, str) or element.get("id") is None:
                continue
            ident = element.get("id")
            if ident in self.by_id:
                raise CodecError(f"{what}: id {ident!r} is used twice")
            if len(self.by_id) == MAX_MULTIREFS:
                raise CodecError(f"{what}: more than {MAX_MULTIREFS} multiRef ids")
            self.by_id[ident] = element
        self._depth: dict[str, int] = {}
        for element in body.iter():
            if isinstance(element.tag, str) and element.get("href") is not None:
                self._chain(_target(element.get("href"), what), ())

    def _chain(self, ident: str, path: tuple[str, ...]) -> int:
        """Depth of the references below `ident`; refuses dangling, cyclic and too-deep chains."""
        if ident in path:
            cycle = " -> ".join((*path[path.index(ident) :], ident))
            raise CodecError(f"{self.what}: multiRef references form a cycle ({cycle})")
        if ident not in self.by_id:
            raise CodecError(f"{self.what}: href '#{ident}' names no id in the Body (dangling reference)")
        if ident not in self._depth:
            if len(path) >= MAX_REF_DEPTH:
                raise CodecError(f"{self.what}: multiRef references nest deeper than {MAX_REF_DEPTH}")
            below = [
                self._chain(_target(e.get("href"), self.what), (*path, ident))
                for e in self.by_id[ident].iter()
                if isinstance(e.tag, str) and e.get("href") is not None
            ]
            self._depth[ident] = 1 + max(below, default=0)
            if len(path) + self._depth[ident] > MAX_REF_DEPTH:
                raise CodecError(f"{self.what}: multiRef references nest deeper than {MAX_REF_DEPTH}")
        return self._depth[ident]

    def deref(self, element: etree._Element) -> etree._Element:
        """The element a value is read from: the multiRef `element` points to, or `element` itself."""
        for _ in range(MAX_REF_DEPTH + 1):
            href = element.get("href")
            if href is None:
                return element
            element = self.by_id[_target(href, self.what)]
        raise CodecError(f"{self.what}: multiRef references nest deeper than {MAX_REF_DEPTH}")

    def items(self, element: etree._Element) -> list[etree._Element]:
        """The child elements of a (dereferenced) element, each dereferenced."""
        return [self.deref(child) for child in children(element)]


def is_encoded(operation: etree._Element, body: etree._Element) -> bool:
    """Whether a request uses SOAP encoding: an encodingStyle of soapenc, ids or hrefs, or soapenc types.

    Decided without resolving anything, so that even a request whose references are refused
    is refused in its own dialect.
    """
    for element in itertools.chain((operation,), operation.iterancestors()):
        style = element.get(ENCODING_STYLE)
        if style is not None:
            if style.split()[:1] == [SOAPENC]:
                return True
            break
    if any(
        e.get("id") is not None or e.get("href") is not None for e in body.iter() if isinstance(e.tag, str)
    ):
        return True
    types = (xsi_type(e) for e in operation.iter() if isinstance(e.tag, str))
    return any(t is not None and t[0] == SOAPENC for t in types)


def decode_any(element: etree._Element, refs: References) -> Any:
    """A value typed by its `xsi:type` (Axis's anyType): nil -> None, int, bytes, arrays -> list, else str."""
    element = refs.deref(element)
    if is_nil(element):
        return None
    items = children(element)
    kind = (xsi_type(element) or (None, ""))[1]
    if items or kind == "Array" or kind.startswith("ArrayOf"):
        return [decode_any(item, refs) for item in items]
    if kind in ("int", "long", "short", "integer", "byte"):
        return int((element.text or "").strip())
    if kind in ("base64Binary", "base64"):
        return decode_base64(element.text, "base64 value") if (element.text or "").strip() else b""
    return element.text or ""


class EncodedWriter:
    """Writes values into an encoded Body as Axis does; multiRefs go after the operation element."""

    def __init__(self, body: etree._Element) -> None:
        self.body = body
        self._ids = itertools.count()

    def multi_ref(self, xsi: str, text: str | None = None) -> tuple[str, etree._Element]:
        """A new `<multiRef id soapenc:root="0">` of type `xsi`: (its href, the element)."""
        ident = f"id{next(self._ids)}"
        element = etree.SubElement(self.body, "multiRef", {"id": ident, ROOT: "0"})
        element.set(ENCODING_STYLE, SOAPENC)
        element.set(XSI_TYPE, xsi)
        element.text = text
        return f"#{ident}", element

    def int_ref(self, parent: etree._Element, tag: str, value: int | str, xsi: str = "soapenc:int") -> None:
        etree.SubElement(parent, tag, href=self.multi_ref(xsi, str(value))[0])

    def string_array(self, parent: etree._Element, tag: str, items: Sequence[str]) -> None:
        array = etree.SubElement(parent, tag, {ARRAY_TYPE: f"soapenc:string[{len(items)}]"})
        array.set(XSI_TYPE, "soapenc:Array")
        for item in items:
            self.typed(array, tag, "soapenc:string", item)

    @staticmethod
    def typed(parent: etree._Element, tag: str, xsi: str, text: str) -> etree._Element:
        element = etree.SubElement(parent, tag, {XSI_TYPE: xsi})
        element.text = text
        return element

    def any(self, parent: etree._Element, tag: str, value: Any) -> None:
        """A Java Object as Axis writes it: String, Integer (a multiRef), byte[], Object[], null."""
        if value is None:
            etree.SubElement(parent, tag, {XSI_NIL: "true"})
        elif isinstance(value, bool):
            raise TypeError(f"value {value!r}: booleans are not part of the interface")
        elif isinstance(value, str):
            self.typed(parent, tag, "soapenc:string", value)
        elif isinstance(value, int):
            self.int_ref(parent, tag, value)
        elif isinstance(value, bytes):
            self.typed(parent, tag, "soapenc:base64Binary", encode_base64(value))
        elif isinstance(value, Sequence):
            array = etree.SubElement(parent, tag, {ARRAY_TYPE: f"xsd:anyType[{len(value)}]"})
            array.set(XSI_TYPE, "soapenc:Array")
            for item in value:
                self.any(array, tag, item)
        else:
            raise TypeError(f"a value of type {type(value).__name__} cannot be put on the wire")

    def map(self, parent: etree._Element, tag: str, pairs: Iterable[tuple[str, Any]]) -> None:
        """A java.util.Map: a multiRef of `apachesoap:Map` holding `<item><key/><value/></item>`."""
        href, element = self.multi_ref("apachesoap:Map")
        for key, value in pairs:
            item = etree.SubElement(element, "item")
            self.typed(item, "key", "soapenc:string", str(key))
            self.any(item, "value", value)
        etree.SubElement(parent, tag, href=href)


__all__ = [
    "MAX_MULTIREFS",
    "MAX_REF_DEPTH",
    "NSMAP",
    "SOAPENC",
    "EncodedWriter",
    "References",
    "decode_any",
    "is_encoded",
    "is_independent",
    "is_nil",
    "xsi_type",
]
