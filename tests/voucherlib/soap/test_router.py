"""The router refuses what the wire forbids before the handler runs and maps handler errors to faults."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from evoucher.errors import EVS_LOGIC, EvoucherError
from evoucher.interface import OPERATIONS, SOAP_ENV, operations_for
from tests.voucherlib.soap.support import CERT_ID, RecordingHandler, make_app

FINANCE = "/realware/services/AsspFinanceService"
HEAD = f"<certID>{CERT_ID}</certID><admDivCode>330000</admDivCode><stYear>2026</stYear><vtCode>5207</vtCode>"


def soap(operation: str, args: str, *, prolog: str = "") -> bytes:
    return (
        f'{prolog}<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body>'
        f'<ns:{operation} xmlns:ns="urn:any">{args}</ns:{operation}></soapenv:Body></soapenv:Envelope>'
    ).encode()


def fault(response) -> tuple[str, str]:
    assert response.status_code in (404, 500), response.text
    root = etree.fromstring(response.content)
    element = root.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert element is not None, response.text
    return element.findtext("faultcode"), element.findtext("faultstring")


@pytest.fixture
def handler():
    return RecordingHandler()


@pytest.fixture
def client(handler):
    with TestClient(make_app(handler, auth="off", max_request_bytes=64 * 1024)) as c:
        yield c


def test_typed_arguments_reach_the_handler_in_catalogue_order(client, handler):
    response = client.post(
        FINANCE, content=soap("readVoucherAgain", HEAD + "<voucherCount> 5 </voucherCount>")
    )
    assert response.status_code == 200
    service, operation, args, caller = handler.calls[0]
    assert (service, operation) == ("AsspFinanceService", "readVoucherAgain")
    assert list(args.items()) == [
        ("cert_id", CERT_ID),
        ("adm_div_code", "330000"),
        ("st_year", 2026),
        ("vt_code", "5207"),
        ("voucher_count", 5),
    ]
    assert caller.cert_id == CERT_ID and caller.cert_der is None


def test_axis_positional_arguments_and_xsi_types_are_accepted(client, handler):
    xsi = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xsd:string"'
    args = "".join(f"<in{i} {xsi}>{v}</in{i}>" for i, v in enumerate([CERT_ID, "330000", "2026", "5207"]))
    nos = f'<in4 {xsi}><item>A1</item><item xsi:nil="true"/></in4>'
    assert client.post(FINANCE, content=soap("confirmVoucher", args + nos)).status_code == 200
    assert handler.calls[0][2]["voucher_nos"] == ["A1", ""]


@pytest.mark.parametrize(
    ("args", "code", "names"),
    [
        (HEAD.replace("<stYear>2026</stYear>", ""), "EVS111", "stYear"),
        (HEAD.replace("2026", "二〇二六"), "EVS100", "stYear"),
        (HEAD.replace("2026", "99999999999"), "EVS100", "stYear"),
        (HEAD.replace(f"<certID>{CERT_ID}</certID>", "<certID/>"), "EVS111", "certID"),
        (HEAD + "<voucherMessage>not base64!</voucherMessage><stamp>x</stamp>", "EVS100", "voucherMessage"),
        (HEAD + "<stamp>x</stamp>", "EVS111", "voucherMessage"),
        (HEAD + "<voucherMessage>QQ==</voucherMessage><stamp>x</stamp><extra/>", "EVS100", "extra"),
    ],
)
def test_bad_arguments_are_refused_naming_the_argument(client, handler, args, code, names):
    faultcode, faultstring = fault(client.post(FINANCE, content=soap("signStampByNos", args)))
    assert faultcode == "soapenv:Client"
    assert faultstring.startswith(f"{code}#") and names in faultstring
    assert handler.calls == []


def test_empty_array_is_refused_as_empty(client, handler):
    _, faultstring = fault(client.post(FINANCE, content=soap("discardVoucher", HEAD + "<voucherNos/>")))
    assert faultstring.startswith("EVS111#") and "voucherNos" in faultstring
    assert handler.calls == []


V2_ONLY = sorted(op.name for op in OPERATIONS if op.profiles == frozenset({"2.0"}))


@pytest.mark.parametrize("operation", V2_ONLY)
def test_a_1_0_server_refuses_2_0_only_operations(handler, operation):
    with TestClient(make_app(handler, profile="1.0", auth="off")) as c:
        _, faultstring = fault(c.post(FINANCE, content=soap(operation, HEAD)))
    assert faultstring.startswith("EVS100#") and "profile 1.0" in faultstring and operation in faultstring
    assert handler.calls == []


def test_wrong_service_unknown_operation_and_unknown_service(client, handler):
    _, wrong = fault(
        client.post("/realware/services/AsspEStampService", content=soap("confirmVoucher", HEAD))
    )
    assert wrong.startswith("EVS100#AsspEStampService does not offer confirmVoucher")
    _, unknown = fault(client.post(FINANCE, content=soap("dropAllVouchers", HEAD)))
    assert unknown.startswith("EVS100#unknown operation 'dropAllVouchers'")
    response = client.post("/realware/services/OCXService", content=soap("confirmVoucher", HEAD))
    assert response.status_code == 404 and fault(response)[1].startswith("EVS100#no service OCXService")
    assert handler.calls == []


NOS = "<voucherNos><item>A</item></voucherNos>"
ENTITY_REF = "<voucherNos><item>&b;</item></voucherNos>"
BILLION_LAUGHS = '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
XXE = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'


SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
HOSTILE = {
    "entities": (soap("confirmVoucher", HEAD + ENTITY_REF, prolog=BILLION_LAUGHS),
                 "EVS100#SOAP request: markup declaration '<!DOCTYPE '"),
    "external-entity": (soap("confirmVoucher", HEAD + ENTITY_REF.replace("&b;", "&x;"), prolog=XXE),
                        "EVS100#SOAP request: markup declaration '<!DOCTYPE '"),
    "processing-instruction": (soap("confirmVoucher", HEAD + NOS, prolog='<?xml version="1.0"?><?evil x?>'),
                               "EVS100#SOAP request: processing instruction"),
    "utf-16": (soap("confirmVoucher", HEAD + NOS).decode().encode("utf-16"), "EVS100#UTF-16 documents"),
    "oversize": (soap("confirmVoucher", HEAD + "<voucherNos><item>" + "A" * 70_000 + "</item></voucherNos>"),
                 "EVS100#SOAP request: Content-Length 70"),
    "not-soap": (b"<Envelope><Body/></Envelope>", "EVS100#SOAP request: root element is <Envelope>"),
    "soap-1.2": (f'<s:Envelope xmlns:s="{SOAP12}"><s:Body/></s:Envelope>'.encode(),
                 f"EVS100#SOAP request: root element is <{{{SOAP12}}}Envelope>"),
    "two-operations": (soap("confirmVoucher", HEAD).replace(b"</soapenv:Body>", b"<x/></soapenv:Body>"),
                       "EVS100#SOAP request: Body must hold exactly one operation, found 2"),
    "empty": (b"", "EVS111#SOAP request: empty document"),
    "control-character": (b"<\x0b><Body/></\x0b>", "EVS100#SOAP request: root element is <\\x0b>"),
}  # fmt: skip


@pytest.mark.parametrize(("body", "expected"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_or_malformed_envelopes_are_refused_without_a_handler_call(client, handler, body, expected):
    faultcode, faultstring = fault(client.post(FINANCE, content=body))
    assert faultcode == "soapenv:Client"
    assert faultstring.startswith(expected)
    assert handler.calls == []


def test_oversize_body_is_refused_while_streaming(client, handler):
    def chunks():
        yield soap("confirmVoucher", HEAD)[:-30]
        for _ in range(100):
            yield b"<!-- padding -->" * 64

    _, faultstring = fault(client.post(FINANCE, content=chunks()))
    assert faultstring == f"EVS100#SOAP request: body is over the limit of {64 * 1024} bytes"
    assert handler.calls == []


def test_handler_errors_become_evs_faults_and_surprises_leak_nothing(client, handler):
    handler.raises["confirmVoucher"] = EvoucherError("凭证 A1 已退回，不能签收", evs_code=EVS_LOGIC)
    handler.raises["discardVoucher"] = KeyError("SELECT * FROM secret_table")
    args = HEAD + "<voucherNos><item>A1</item></voucherNos>"
    assert fault(client.post(FINANCE, content=soap("confirmVoucher", args))) == (
        "soapenv:Server.userException",
        "EVS700#凭证 A1 已退回，不能签收",
    )
    response = client.post(FINANCE, content=soap("discardVoucher", args))
    faultcode, faultstring = fault(response)
    assert faultcode == "soapenv:Server" and faultstring.startswith("EVS999#")
    assert "secret" not in response.text and "KeyError" not in response.text


def test_a_handler_returning_the_wrong_type_is_a_server_fault(client, handler):
    handler.returns["readVoucherAgain"] = "a str, not bytes"
    _, faultstring = fault(
        client.post(FINANCE, content=soap("readVoucherAgain", HEAD + "<voucherCount>1</voucherCount>"))
    )
    assert faultstring.startswith("EVS999#")


def test_async_handlers_are_awaited():
    seen = []

    class AsyncHandler:
        async def call(self, service, operation, args, caller):
            seen.append(operation)
            return 3

    with TestClient(make_app(AsyncHandler(), auth="off")) as c:
        response = c.post(FINANCE, content=soap("queryVoucherPrintCount", HEAD + "<voucherNo>A1</voucherNo>"))
    assert seen == ["queryVoucherPrintCount"]
    assert b"<queryVoucherPrintCountReturn>3</queryVoucherPrintCountReturn>" in response.content


def test_wsdl_is_served_per_profile_with_the_request_address(handler):
    with TestClient(make_app(handler, profile="1.0"), base_url="http://library.test:8190") as c:
        wsdl = etree.fromstring(c.get(f"{FINANCE}?wsdl").content)
        banner = c.get(FINANCE)
    names = {e.get("name") for e in wsdl.iterfind("{http://schemas.xmlsoap.org/wsdl/}portType/*")}
    assert names == {op.name for op in operations_for("AsspFinanceService", "1.0")}
    address = wsdl.find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address").get("location")
    assert address == f"http://library.test:8190{FINANCE}"
    assert banner.status_code == 200 and "profile 1.0" in banner.text


def test_router_options_are_checked():
    with pytest.raises(ValueError, match="profile must be one of"):
        make_app(RecordingHandler(), profile="3.0")
    with pytest.raises(ValueError, match="auth must be"):
        make_app(RecordingHandler(), auth="optional")
