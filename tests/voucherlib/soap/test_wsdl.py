"""A stock SOAP client (zeep) loads every served WSDL over loopback HTTP and calls the service."""

from __future__ import annotations

import httpx
import pytest
import zeep
from fastapi import FastAPI
from lxml import etree
from zeep.exceptions import Fault

from evoucher.errors import EVS_LOGIC, EvoucherError
from evoucher.interface import PROFILES, SERVICES, operations_for
from tests.voucherlib.soap.support import CERT_ID, RecordingHandler, serve
from voucherlib.soap import create_soap_router


@pytest.fixture(scope="module")
def server():
    """One uvicorn with both profiles: 2.0 at the root, 1.0 under /v1 (auth off: zeep sends no header)."""
    handler = RecordingHandler()
    app = FastAPI()
    app.include_router(create_soap_router(handler, profile="2.0", auth="off"))
    app.include_router(create_soap_router(handler, profile="1.0", auth="off"), prefix="/v1")
    with serve(app) as base_url:
        yield base_url, handler


@pytest.fixture(scope="module")
def finance(server):
    base_url, handler = server
    return zeep.Client(f"{base_url}/realware/services/AsspFinanceService?wsdl").service, handler


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("service", sorted(SERVICES))
def test_zeep_loads_every_wsdl_with_exactly_the_catalogue_operations(server, service, profile):
    base_url, _ = server
    prefix = "/v1" if profile == "1.0" else ""
    client = zeep.Client(f"{base_url}{prefix}/realware/services/{service}?wsdl")
    binding = client.service._binding
    assert set(binding._operations) == {op.name for op in operations_for(service, profile)}
    assert client.service._binding_options["address"] == f"{base_url}{prefix}/realware/services/{service}"
    for op in operations_for(service, profile):
        signature = binding._operations[op.name].input.signature()
        assert [part.split(":")[0] for part in signature.split(", ")] == [p.name for p in op.params]


def test_base64_return_and_int_arguments(finance):
    service, handler = finance
    result = service.readVoucherAgain(
        certID=CERT_ID, admDivCode="330000", stYear=2026, vtCode="5207", voucherCount=5
    )
    assert result == b"\x00MOF\xffreadVoucherAgain"
    assert handler.calls[-1][:3] == (
        "AsspFinanceService",
        "readVoucherAgain",
        {
            "cert_id": CERT_ID,
            "adm_div_code": "330000",
            "st_year": 2026,
            "vt_code": "5207",
            "voucher_count": 5,
        },
    )


def test_string_array_argument_and_void_return(finance):
    service, handler = finance
    nos = ["2026000001", "凭证-2"]
    assert service.confirmVoucher(CERT_ID, "330000", 2026, "5207", {"item": nos}) is None
    assert handler.calls[-1][2]["voucher_nos"] == nos


def test_byte_array_mof_argument_arrives_byte_for_byte(finance):
    service, handler = finance
    mof = (
        '<?xml version="1.0" encoding="GBK"?><MOF><VoucherCount>1</VoucherCount></MOF>'.encode("gbk")
        + b"\xb9\xfa"
    )
    service.signStampByNos(CERT_ID, "330000", 2026, "5207", mof, '<MOF><Stamp No="rh_ywzqz">s1</Stamp></MOF>')
    args = handler.calls[-1][2]
    assert args["voucher_message"] == mof
    assert args["stamp"] == '<MOF><Stamp No="rh_ywzqz">s1</Stamp></MOF>'


def test_map_return_reads_as_axis_map_items(finance):
    service, _ = finance
    items = service.queryVoucherStatusByOrgType(CERT_ID, "330000", 2026, "5207", {"item": ["A1"]}, "011")
    assert [(i["key"], i["value"]["item"]) for i in items] == [
        ("A1", [3, "签收成功"]),
        ("B2", [-1, "凭证不存在"]),
    ]
    positions = service.queryStampPositionWithName(CERT_ID, "330000", 2026, "5207")
    assert {i["key"]: i["value"] for i in positions}["gz"] == "公章"


def test_fault_reaches_zeep_as_evs_faultstring(finance):
    service, handler = finance
    handler.raises["discardVoucher"] = EvoucherError("凭证已签收，不能作废", evs_code=EVS_LOGIC)
    try:
        with pytest.raises(Fault) as caught:
            service.discardVoucher(CERT_ID, "330000", 2026, "5207", {"item": ["A1"]})
    finally:
        del handler.raises["discardVoucher"]
    assert caught.value.message == "EVS700#凭证已签收，不能作废"
    assert caught.value.code == "soapenv:Server.userException"


def test_the_rpc_encoded_wsdl_types_one_part_per_parameter(server):
    """`?wsdl&style=rpc` is what an Axis 1 service publishes (VL-WIRE-047); Axis builds Calls from it
    in tests/axis. An unknown style is refused."""
    base_url, _ = server
    url = f"{base_url}/v1/realware/services/AsspCBankService"
    wsdl = etree.fromstring(httpx.get(url, params={"wsdl": "", "style": "rpc"}).content)
    ns = {"w": "http://schemas.xmlsoap.org/wsdl/", "s": "http://schemas.xmlsoap.org/wsdl/soap/"}
    assert wsdl.find("w:binding/s:binding", ns).get("style") == "rpc"
    bodies = wsdl.findall("w:binding/w:operation/*/s:body", ns)
    assert {b.get("use") for b in bodies} == {"encoded"}
    assert len(bodies) == 2 * len(operations_for("AsspCBankService", "1.0"))
    parts = wsdl.findall("w:message[@name='confirmVoucherFailRequest']/w:part", ns)
    assert [(p.get("name"), p.get("type")) for p in parts] == [
        ("certID", "xsd:string"), ("admDivCode", "xsd:string"), ("stYear", "xsd:int"),
        ("vtCode", "xsd:string"), ("voucherNos", "tns:ArrayOf_xsd_string"),
        ("errMsgs", "tns:ArrayOf_xsd_string"),
    ]  # fmt: skip
    [returned] = wsdl.findall("w:message[@name='queryVoucherPrintCountResponse']/w:part", ns)
    assert returned.get("type") == "xsd:int"
    refused = httpx.get(url, params={"wsdl": "", "style": "mtom"})
    assert refused.status_code == 400 and "style must be one of document, rpc" in refused.text
