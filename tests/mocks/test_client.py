"""The library client: each operation round-trips through our router, in process and over HTTP."""

from __future__ import annotations

import inspect
import socket

import httpx
import pytest

from evoucher import wsauth
from evoucher.errors import EVS_LOGIC, EvoucherError
from evoucher.interface import OPERATIONS, SERVICES, operations_for
from mocks import AsyncVoucherLibraryClient, LibraryFault, ResponseError, TransportError, VoucherLibraryClient
from tests.voucherlib.soap.support import (
    RecordingHandler,
    identity,
    make_app,
    sample_args,
    sample_result,
    serve,
)

ME = identity()
EVERY = [(service, op) for service in sorted(SERVICES) for op in operations_for(service, "2.0")]


@pytest.mark.anyio
@pytest.mark.parametrize("wire", ["literal", "encoded"])
@pytest.mark.parametrize(("service", "op"), EVERY, ids=[f"{s}.{op.name}" for s, op in EVERY])
async def test_every_operation_round_trips_in_process(service, op, wire):
    handler = RecordingHandler()
    transport = httpx.ASGITransport(app=make_app(handler))
    async with AsyncVoucherLibraryClient(
        "http://library.test", service=service, cert_id=ME.cert_id, key=ME.key, cert_der=ME.cert_der,
        transport=transport, wire=wire,
    ) as client:  # fmt: skip
        result = await getattr(client, op.py_name)(*sample_args(op))
    expected_args = {p.py_name: v for p, v in zip(op.params, [ME.cert_id, *sample_args(op)], strict=True)}
    assert handler.calls == [(service, op.name, expected_args, wsauth.Caller(ME.cert_id, ME.cert_der))]
    assert result == sample_result(op)


def test_every_catalogue_operation_has_a_method_with_the_catalogue_signature():
    for op in OPERATIONS:
        for cls in (VoucherLibraryClient, AsyncVoucherLibraryClient):
            method = getattr(cls, op.py_name)
            assert list(inspect.signature(method).parameters)[1:] == [p.py_name for p in op.params[1:]]
            assert inspect.iscoroutinefunction(method) == (cls is AsyncVoucherLibraryClient)
    signature = inspect.signature(VoucherLibraryClient.read_voucher_again)
    assert str(signature) == (
        "(self, adm_div_code: str, st_year: int, vt_code: str, voucher_count: int) -> bytes"
    )


@pytest.fixture(scope="module")
def loopback():
    handler = RecordingHandler()
    with serve(make_app(handler)) as base_url:
        yield base_url, handler


@pytest.fixture
def client(loopback):
    base_url, handler = loopback
    handler.calls.clear()
    with VoucherLibraryClient(
        base_url, service="AsspCBankService", cert_id=ME.cert_id, key=ME.key, cert_der=ME.cert_der
    ) as c:
        yield c, handler


def test_sync_client_over_loopback_http(client):
    c, handler = client
    assert c.read_voucher_again("330000", 2026, "5207", voucher_count=10) == b"\x00MOF\xffreadVoucherAgain"
    assert c.query_voucher_status_by_org_type("330000", 2026, "5207", ["A1", "B2"], "011") == {
        "A1": (3, "签收成功"),
        "B2": (-1, "凭证不存在"),
    }
    assert c.call("confirmVoucher", "330000", 2026, "5207", ["A1"]) is None
    assert [call[1] for call in handler.calls] == [
        "readVoucherAgain",
        "queryVoucherStatusByOrgType",
        "confirmVoucher",
    ]


def test_faults_carry_code_message_operation_and_request(client):
    c, handler = client
    handler.raises["signStampByNos"] = EvoucherError("rh_ywzqz 位置已签章", evs_code=EVS_LOGIC)
    handler.raises["discardVoucher"] = EvoucherError("凭证已签收", evs_code=EVS_LOGIC)
    try:
        with pytest.raises(LibraryFault) as stamped:
            c.sign_stamp_by_nos(
                "330000", 2026, "5207", b"<MOF/>", '<MOF><Stamp No="rh_ywzqz">s</Stamp></MOF>'
            )
        with pytest.raises(LibraryFault) as discarded:
            c.discard_voucher("330000", 2026, "5207", ["A1"])
    finally:
        handler.raises.clear()
    fault = stamped.value
    assert (fault.evs_code, fault.message, fault.operation) == (
        "EVS700",
        "rh_ywzqz 位置已签章",
        "signStampByNos",
    )
    assert fault.faultcode == "soapenv:Server.userException"
    assert fault.request.url.path == "/realware/services/AsspCBankService"
    assert b"<stamp>" in fault.request.content
    assert fault.is_idempotent_success
    assert not discarded.value.is_idempotent_success
    assert str(discarded.value) == "discardVoucher: EVS700#凭证已签收"


def test_wrong_python_types_are_refused_naming_the_argument(client):
    c, handler = client
    with pytest.raises(
        TypeError, match=r"argument voucher_nos \(voucherNos\) must be a list of str, got str"
    ):
        c.confirm_voucher("330000", 2026, "5207", "A1")
    with pytest.raises(
        TypeError, match=r"argument voucher_message \(voucherMessage\) must be bytes, got int"
    ):
        c.save_stamp_voucher("330000", 2026, "5207", 7)
    with pytest.raises(TypeError, match="missing a required argument: 'voucher_count'"):
        c.read_voucher_again("330000", 2026, "5207")
    with pytest.raises(TypeError, match=r"confirmVoucher takes 4 arguments"):
        c.call("confirmVoucher", "330000")
    with pytest.raises(ValueError, match="'dropAll' is not in the realware interface catalogue"):
        c.call("dropAll")
    assert handler.calls == []


def test_raw_strings_and_none_go_out_verbatim_for_negative_tests(client):
    c, handler = client
    with pytest.raises(LibraryFault) as bad_year:
        c.read_voucher_again("330000", "二〇二六", "5207", 1)
    with pytest.raises(LibraryFault) as missing:
        c.read_voucher_again("330000", 2026, None, 1)
    assert bad_year.value.evs_code == "EVS100" and "stYear" in bad_year.value.message
    assert missing.value.evs_code == "EVS111" and "vtCode" in missing.value.message
    assert handler.calls == []


def test_constructor_arguments_are_checked():
    with pytest.raises(ValueError, match="service must be one of"):
        VoucherLibraryClient("http://x", service="OCXService", cert_id="c")
    with pytest.raises(ValueError, match="key and cert_der go together"):
        VoucherLibraryClient("http://x", service="AsspCBankService", cert_id="c", key=ME.key)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_server_is_a_transport_error():
    with (
        VoucherLibraryClient(
            f"http://127.0.0.1:{_free_port()}", service="AsspCBankService", cert_id="c"
        ) as c,
        pytest.raises(TransportError) as caught,
    ):
        c.query_voucher_print_count("330000", 2026, "5207", "A1")
    assert caught.value.status_code is None and caught.value.operation == "queryVoucherPrintCount"
    assert "ConnectError" in str(caught.value)


def mock(status: int, body: bytes) -> VoucherLibraryClient:
    transport = httpx.MockTransport(lambda request: httpx.Response(status, content=body))
    return VoucherLibraryClient(
        "http://vendor.test",
        service="AsspPBankService",
        cert_id="c",
        transport=transport,
        max_response_bytes=4096,
    )


ENV = '<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body>{}</e:Body></e:Envelope>'


def test_vendor_answers_that_break_the_interface():
    with pytest.raises(TransportError) as gateway:
        mock(502, b"<html>Bad Gateway</html>").query_voucher_print_count("330000", 2026, "5207", "A1")
    assert gateway.value.status_code == 502
    wrong = ENV.format("<v:somethingElse xmlns:v='urn:v'/>").encode()
    with pytest.raises(ResponseError, match="expected <queryVoucherPrintCountResponse>, got <somethingElse>"):
        mock(200, wrong).query_voucher_print_count("330000", 2026, "5207", "A1")
    not_int = ENV.format(
        "<v:queryVoucherPrintCountResponse xmlns:v='urn:v'><r>many</r></v:queryVoucherPrintCountResponse>"
    )
    with pytest.raises(ResponseError, match="queryVoucherPrintCountReturn is not a valid int"):
        mock(200, not_int.encode()).query_voucher_print_count("330000", 2026, "5207", "A1")
    with pytest.raises(ResponseError, match="over the limit of 4096 bytes"):
        mock(200, b" " * 5000).query_voucher_print_count("330000", 2026, "5207", "A1")
    hostile = b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x "y">]>' + ENV.format("&x;").encode()
    with pytest.raises(ResponseError, match="DOCTYPE/ENTITY are refused"):
        mock(200, hostile).query_voucher_print_count("330000", 2026, "5207", "A1")


def test_axis_style_faults_with_a_java_prefix_are_read():
    body = ENV.format(
        "<e:Fault><faultcode>soapenv:Server.userException</faultcode>"
        "<faultstring>com.realware.EvoucherException: EVS112#证书无权限</faultstring></e:Fault>"
    ).encode()
    with pytest.raises(LibraryFault) as caught:
        mock(500, body).confirm_voucher("330000", 2026, "5207", ["A1"])
    assert (caught.value.evs_code, caught.value.message) == ("EVS112", "证书无权限")
    plain = ENV.format(
        "<e:Fault><faultcode>Server</faultcode><faultstring>NullPointerException</faultstring></e:Fault>"
    )
    with pytest.raises(LibraryFault) as unnumbered:
        mock(500, plain.encode()).confirm_voucher("330000", 2026, "5207", ["A1"])
    assert unnumbered.value.evs_code is None and unnumbered.value.message == "NullPointerException"
