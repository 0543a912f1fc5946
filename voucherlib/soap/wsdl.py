"""WSDL 1.1 for one service and one profile, generated from the catalogue (evoucher.interface).

Two styles of the same operations (VL-WIRE-003, VL-WIRE-047):
- `document` (the default `?wsdl`): document/literal wrapped. Each operation has a wrapper element
  named after it, whose unqualified children are the parameters in catalogue order, and a
  response wrapper `<opResponse><opReturn/>` — on the wire the same messages as Axis
  rpc/literal, but described in the form stock clients (zeep, JAX-WS, .NET) load most reliably.
  Arrays are Axis's `ArrayOf_xsd_string` (`<item>` children) and maps Axis's `apachesoap:Map`
  of `<item><key/><value/></item>`.
- `rpc` (`?wsdl&style=rpc`): rpc/encoded as an Axis 1 service describes itself, for stub
  generators of that era (WSDL2Java, wsdl.exe): one typed part per parameter, arrays as
  `soapenc:Array` restrictions, `use="encoded"`.
"""

from __future__ import annotations

import functools
from typing import Literal

from lxml import etree

from evoucher.interface import APACHE_SOAP, NAMESPACE, SERVICES, Operation, operations_for
from evoucher.soapenc import SOAPENC

WSDL = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
XSD = "http://www.w3.org/2001/XMLSchema"
HTTP_TRANSPORT = "http://schemas.xmlsoap.org/soap/http"
_NSMAP = {"wsdl": WSDL, "soap": WSDL_SOAP, "xsd": XSD, "tns": NAMESPACE, "apachesoap": APACHE_SOAP}
Style = Literal["document", "rpc"]
STYLES: tuple[Style, ...] = ("document", "rpc")

# catalogue type -> schema type (QName as written in the WSDL)
PARAM_TYPES = {
    "string": "xsd:string",
    "int": "xsd:int",
    "base64Binary": "xsd:base64Binary",
    "ArrayOf_xsd_string": "tns:ArrayOf_xsd_string",
}
RETURN_TYPES = {"int": "xsd:int", "base64Binary": "xsd:base64Binary", "Map": "apachesoap:Map"}
RETURN_TYPES["StatusMap"] = RETURN_TYPES["Map"]


def _el(parent: etree._Element, ns: str, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{ns}}}{tag}", attrs)


def _sequence(parent: etree._Element, name: str) -> etree._Element:
    complex_type = _el(parent, XSD, "complexType", name=name) if name else _el(parent, XSD, "complexType")
    return _el(complex_type, XSD, "sequence")


def _array(schema: etree._Element, name: str, item_type: str) -> None:
    seq = _sequence(schema, name)
    _el(
        seq,
        XSD,
        "element",
        name="item",
        type=item_type,
        minOccurs="0",
        maxOccurs="unbounded",
        nillable="true",
    )


def _encoded_array(schema: etree._Element, name: str, item_type: str) -> None:
    """`soapenc:Array` restricted to `item_type[]`, as Axis's rpc/encoded WSDLs declare arrays."""
    complex_type = _el(schema, XSD, "complexType", name=name)
    restriction = _el(_el(complex_type, XSD, "complexContent"), XSD, "restriction", base="soapenc:Array")
    attribute = _el(restriction, XSD, "attribute", ref="soapenc:arrayType")
    attribute.set(f"{{{WSDL}}}arrayType", f"{item_type}[]")


def _apache_schema(types: etree._Element) -> None:
    schema = _el(types, XSD, "schema", targetNamespace=APACHE_SOAP, elementFormDefault="unqualified")
    item = _sequence(schema, "mapItem")
    _el(item, XSD, "element", name="key", type="xsd:string", nillable="true")
    _el(item, XSD, "element", name="value", type="xsd:anyType", nillable="true")
    seq = _sequence(schema, "Map")
    _el(seq, XSD, "element", name="item", type="apachesoap:mapItem", minOccurs="0", maxOccurs="unbounded")


def _wrappers(schema: etree._Element, op: Operation) -> None:
    request = _sequence(_el(schema, XSD, "element", name=op.name), "")
    for param in op.params:
        _el(request, XSD, "element", name=param.name, type=PARAM_TYPES[param.type])
    response = _sequence(_el(schema, XSD, "element", name=f"{op.name}Response"), "")
    if op.returns != "void":
        _el(response, XSD, "element", name=f"{op.name}Return", type=RETURN_TYPES[op.returns])


def _messages(root: etree._Element, op: Operation, style: Style) -> None:
    """Document style: one `parameters` part per wrapper; rpc: one typed part per parameter."""
    for suffix, element in (("Request", op.name), ("Response", f"{op.name}Response")):
        message = _el(root, WSDL, "message", name=f"{op.name}{suffix}")
        if style == "document":
            _el(message, WSDL, "part", name="parameters", element=f"tns:{element}")
        elif suffix == "Request":
            for param in op.params:
                _el(message, WSDL, "part", name=param.name, type=PARAM_TYPES[param.type])
        elif op.returns != "void":
            _el(message, WSDL, "part", name=f"{op.name}Return", type=RETURN_TYPES[op.returns])


@functools.lru_cache(maxsize=64)
def build_wsdl(service: str, profile: str, location: str, style: Style = "document") -> bytes:
    """The WSDL (UTF-8 bytes) of `service` under `profile` in `style`, with its address at `location`."""
    if service not in SERVICES:
        raise ValueError(f"build_wsdl: service must be one of {sorted(SERVICES)}, got {service!r}")
    if style not in STYLES:
        raise ValueError(f"build_wsdl: style must be one of {', '.join(STYLES)}, got {style!r}")
    ops = operations_for(service, profile)
    if not ops:
        raise ValueError(f"build_wsdl: profile must be one of 1.0, 2.0, got {profile!r}")
    nsmap = _NSMAP if style == "document" else {**_NSMAP, "soapenc": SOAPENC}
    root = etree.Element(f"{{{WSDL}}}definitions", nsmap=nsmap, targetNamespace=NAMESPACE, name=service)
    _el(root, WSDL, "documentation").text = f"{SERVICES[service].meaning}; interface profile {profile}"
    types = _el(root, WSDL, "types")
    _apache_schema(types)
    schema = _el(types, XSD, "schema", targetNamespace=NAMESPACE, elementFormDefault="unqualified")
    _el(schema, XSD, "import", namespace=APACHE_SOAP)
    if style == "document":
        _array(schema, "ArrayOf_xsd_string", "xsd:string")
        _array(schema, "ArrayOf_xsd_anyType", "xsd:anyType")
        for op in ops:
            _wrappers(schema, op)
    else:
        _el(schema, XSD, "import", namespace=SOAPENC)
        _encoded_array(schema, "ArrayOf_xsd_string", "xsd:string")
        _encoded_array(schema, "ArrayOf_xsd_anyType", "xsd:anyType")
    for op in ops:
        _messages(root, op, style)
    port_type = _el(root, WSDL, "portType", name=service)
    binding = _el(root, WSDL, "binding", name=f"{service}SoapBinding", type=f"tns:{service}")
    _el(binding, WSDL_SOAP, "binding", style=style, transport=HTTP_TRANSPORT)
    body = {"use": "literal"} if style == "document" else {
        "use": "encoded", "encodingStyle": SOAPENC, "namespace": NAMESPACE,
    }  # fmt: skip
    for op in ops:
        abstract = _el(port_type, WSDL, "operation", name=op.name)
        _el(abstract, WSDL, "documentation").text = op.meaning
        if style == "rpc":
            abstract.set("parameterOrder", " ".join(p.name for p in op.params))
        _el(abstract, WSDL, "input", name=f"{op.name}Request", message=f"tns:{op.name}Request")
        _el(abstract, WSDL, "output", name=f"{op.name}Response", message=f"tns:{op.name}Response")
        concrete = _el(binding, WSDL, "operation", name=op.name)
        _el(concrete, WSDL_SOAP, "operation", soapAction="")
        for direction in ("input", "output"):
            _el(_el(concrete, WSDL, direction), WSDL_SOAP, "body", **body)
    port = _el(_el(root, WSDL, "service", name=f"{service}Service"), WSDL, "port", name=service)
    port.set("binding", f"tns:{service}SoapBinding")
    _el(port, WSDL_SOAP, "address", location=location)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
