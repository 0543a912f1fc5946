"""The Axis 1 rpc/encoded dialect: multiRefs, soapenc arrays, typed answers and faults (VL-WIRE-040..046).

The requests are the ones an Axis 1.4 front end puts on the wire (reference/axis1-wire.md); the
answers must have the shapes Axis's client deserialises into byte[], Map, Integer or nothing.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from evoucher import soapenc
from evoucher.errors import EVS_LOGIC, EvoucherError
from evoucher.interface import APACHE_SOAP, SOAP_ENV, XSI
from tests.voucherlib.soap.support import RecordingHandler, make_app

CBANK = "/realware/services/AsspCBankService"
ENC = 'xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"'
STYLE = 'soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"'
HEAD = (
    f'<arg0 {ENC} xsi:type="soapenc:string">001</arg0><arg1 {ENC} xsi:type="soapenc:string">330000</arg1>'
    f'<arg2 href="#id0"/><arg3 {ENC} xsi:type="soapenc:string">5207</arg3>'
)


def multi_ref(ident: str, value: str, xsi: str = "soapenc:int") -> str:
    return f'<multiRef {ENC} id="{ident}" soapenc:root="0" {STYLE} xsi:type="{xsi}">{value}</multiRef>'


YEAR_REF = multi_ref("id0", "2026")


def envelope(body: str) -> bytes:
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        f'xmlns:xsi="{XSI}"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>'
    ).encode()


def axis(operation: str, args: str, refs: str = YEAR_REF) -> bytes:
    """An Axis 1.4 request: the operation unqualified and encoded, then its multiRefs."""
    return envelope(f"<{operation} {STYLE}>{args}</{operation}>{refs}")


def strings(name: str, *items: str) -> str:
    inner = "".join(f'<{name} xsi:type="soapenc:string">{item}</{name}>' for item in items)
    array = f'soapenc:arrayType="soapenc:string[{len(items)}]" xsi:type="soapenc:Array"'
    return f"<{name} {ENC} {array}>{inner}</{name}>"


@pytest.fixture
def handler():
    return RecordingHandler()


@pytest.fixture
def client(handler):
    with TestClient(make_app(handler, auth="off", max_request_bytes=256 * 1024)) as c:
        yield c


def body_of(response) -> etree._Element:
    return etree.fromstring(response.content).find(f"{{{SOAP_ENV}}}Body")


def test_the_recorded_read_arrives_typed_and_is_answered_as_axis_answers(client, handler):
    args = HEAD + '<arg4 href="#id1"/>'
    response = client.post(CBANK, content=axis("readVoucherAgain", args, multi_ref("id1", "100") + YEAR_REF))
    assert response.status_code == 200, response.text
    assert handler.calls[0][2] == {
        "cert_id": "001", "adm_div_code": "330000", "st_year": 2026, "vt_code": "5207", "voucher_count": 100,
    }  # fmt: skip
    [wrapper] = body_of(response)
    assert wrapper.tag == "readVoucherAgainResponse"  # unqualified, as the request was
    assert wrapper.get(f"{{{SOAP_ENV}}}encodingStyle") == soapenc.SOAPENC
    [returned] = wrapper
    assert (returned.tag, soapenc.xsi_type(returned)) == (
        "readVoucherAgainReturn",
        (soapenc.SOAPENC, "base64Binary"),
    )


def test_arrays_of_any_item_name_and_character_references(client, handler):
    args = HEAD + strings("arg4", "A1", "A2") + strings("arg5", "&#x62D2;&#x6536;", "")
    assert client.post(CBANK, content=axis("confirmVoucherFail", args)).status_code == 200
    assert handler.calls[0][2]["voucher_nos"] == ["A1", "A2"]
    assert handler.calls[0][2]["err_msgs"] == ["拒收", ""]


def test_void_int_and_map_answers_have_the_axis_shapes(client):
    void = body_of(client.post(CBANK, content=axis("confirmVoucher", HEAD + strings("arg4", "A1"))))
    assert [(e.tag, len(e), e.text) for e in void] == [("confirmVoucherResponse", 0, None)]

    count = body_of(client.post(CBANK, content=axis("queryVoucherPrintCount", HEAD + "<arg4>A1</arg4>")))
    wrapper, ref = count
    assert wrapper[0].get("href") == "#" + ref.get("id") and ref.get(soapenc.ROOT) == "0"
    assert (soapenc.xsi_type(ref), ref.text) == ((soapenc.XSD, "int"), "42")

    args = HEAD + strings("arg4", "A1", "B2") + "<arg5>011</arg5>"
    status = body_of(client.post(CBANK, content=axis("queryVoucherStatusByOrgType", args)))
    refs = soapenc.References(status)
    the_map = refs.deref(status[0][0])
    assert soapenc.xsi_type(the_map) == (APACHE_SOAP, "Map")
    first = the_map[0]
    assert [c.tag for c in first] == ["key", "value"]
    assert soapenc.xsi_type(first[1]) == (soapenc.SOAPENC, "Array")
    assert first[1].get(soapenc.ARRAY_TYPE) == "xsd:anyType[2]"
    code, _ = first[1]
    assert soapenc.xsi_type(refs.deref(code)) == (soapenc.SOAPENC, "int")  # the Integer is a multiRef
    assert soapenc.decode_any(the_map[1][1], refs) == [-1, "凭证不存在"]


def test_a_refusal_is_an_axis_user_exception_carrying_the_evs_code(client, handler):
    handler.raises["confirmVoucher"] = EvoucherError("凭证已签收", evs_code=EVS_LOGIC)
    response = client.post(CBANK, content=axis("confirmVoucher", HEAD + strings("arg4", "A1")))
    assert response.status_code == 500
    fault = body_of(response).find(f"{{{SOAP_ENV}}}Fault")
    assert fault.findtext("faultcode") == "soapenv:Server.userException"
    assert fault.findtext("faultstring") == "java.lang.Exception: EVS700#凭证已签收"
    refused = client.post(CBANK, content=axis("confirmVoucher", HEAD + strings("arg4")))
    assert body_of(refused).find(f"{{{SOAP_ENV}}}Fault").findtext("faultstring") == (
        "java.lang.Exception: EVS111#confirmVoucher argument voucherNos is an empty array"
    )


REFUSED = {
    "dangling": (HEAD.replace("#id0", "#id9"), YEAR_REF, "href '#id9' names no id in the Body"),
    "external": (HEAD.replace("#id0", "http://evil/x"), YEAR_REF, "is not a reference to an id in this Body"),
    "duplicate id": (HEAD, YEAR_REF + YEAR_REF, "id 'id0' is used twice"),
    "cycle": (HEAD, '<multiRef id="id0" soapenc:root="0" xmlns:soapenc="http://schemas.xmlsoap.org/soap/'
              'encoding/"><x href="#id1"/></multiRef><multiRef id="id1" soapenc:root="0" xmlns:soapenc="'
              'http://schemas.xmlsoap.org/soap/encoding/"><x href="#id0"/></multiRef>',
              "multiRef references form a cycle (id0 -> id1 -> id0)"),
    "deep": (HEAD, "".join(
        f'<multiRef id="id{i}" soapenc:root="0" {ENC}><x href="#id{i + 1}"/></multiRef>' for i in range(9)
    ) + multi_ref("id9", "1"), "multiRef references nest deeper than 8"),
    "array size": (HEAD + strings("arg4", "A1").replace("[1]", "[3]"), YEAR_REF,
                   "soapenc:arrayType declares 3 items, found 1"),
    "sparse": (HEAD + strings("arg4", "A1").replace("<arg4 xsi", '<arg4 soapenc:position="[2]" xsi'),
               YEAR_REF,
               "sparse arrays are not supported"),
}  # fmt: skip


@pytest.mark.parametrize(("args", "refs", "message"), REFUSED.values(), ids=REFUSED.keys())
def test_bad_references_and_arrays_are_refused_before_the_handler(client, handler, args, refs, message):
    if "arg4" not in args:
        args += strings("arg4", "A1")
    response = client.post(CBANK, content=axis("confirmVoucher", args, refs))
    faultstring = body_of(response).find(f"{{{SOAP_ENV}}}Fault").findtext("faultstring")
    assert faultstring.startswith("java.lang.Exception: EVS100#") and message in faultstring, faultstring
    assert handler.calls == []


def test_multiref_count_is_bounded(client, handler, monkeypatch):
    monkeypatch.setattr(soapenc, "MAX_MULTIREFS", 3)
    refs = YEAR_REF + "".join(multi_ref(f"x{i}", "1") for i in range(3))
    response = client.post(CBANK, content=axis("confirmVoucher", HEAD + strings("arg4", "A1"), refs))
    assert "EVS100#SOAP request: more than 3 multiRef ids" in response.text
    assert handler.calls == []


def test_dotnet_style_independent_arrays_with_an_id_and_inline_ints(client, handler):
    """.NET and gSOAP put a referenced array beside the call with an `id` and no root mark."""
    enc = "http://schemas.xmlsoap.org/soap/encoding/"
    args = (
        '<certID xsi:type="xsd:string">001</certID><admDivCode xsi:type="xsd:string">330000</admDivCode>'
        '<stYear xsi:type="xsd:int">2026</stYear><vtCode xsi:type="xsd:string">5207</vtCode>'
        '<voucherNos href="#id1"/>'
    )
    array = (
        f'<q2:Array id="id1" q2:arrayType="xsd:string[2]" xmlns:q2="{enc}">'
        "<Item>A1</Item><Item>A2</Item></q2:Array>"
    )
    call = f'<q1:confirmVoucher xmlns:q1="urn:realware" soapenv:encodingStyle="{enc}">{args}'
    call += "</q1:confirmVoucher>"
    response = client.post(CBANK, content=envelope(call + array))
    assert response.status_code == 200, response.text
    assert handler.calls[0][2]["voucher_nos"] == ["A1", "A2"]
    assert body_of(response)[0].tag == "{urn:realware}confirmVoucherResponse"  # the request's namespace


def test_encoded_parameters_named_partly_like_ours_match_by_position(client, handler):
    named = HEAD.replace("arg0", "certId").replace("arg1", "admDivCode") + strings("voucherNos", "A1")
    assert client.post(CBANK, content=axis("confirmVoucher", named)).status_code == 200
    assert handler.calls[0][2]["cert_id"] == "001" and handler.calls[0][2]["voucher_nos"] == ["A1"]
    literal = envelope(
        "<confirmVoucher><certId>001</certId><admDivCode>330000</admDivCode><stYear>2026</stYear>"
        "<vtCode>5207</vtCode><voucherNos><item>A1</item></voucherNos></confirmVoucher>"
    )
    assert "EVS100#confirmVoucher takes (certID," in client.post(CBANK, content=literal).text  # as before


def test_only_multirefs_in_the_body_is_no_operation(client):
    response = client.post(CBANK, content=envelope(YEAR_REF))
    assert "Body must hold exactly one operation, found 0" in response.text


def test_literal_requests_keep_their_literal_answers(client):
    literal = (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body>'
        '<ns:queryVoucherPrintCount xmlns:ns="urn:x">'
        "<certID>c</certID><admDivCode>330000</admDivCode><stYear>2026</stYear><vtCode>5207</vtCode>"
        "<voucherNo>A1</voucherNo></ns:queryVoucherPrintCount></soapenv:Body></soapenv:Envelope>"
    )
    response = client.post(CBANK, content=literal.encode())
    assert b"<queryVoucherPrintCountReturn>42</queryVoucherPrintCountReturn>" in response.content
    assert b"multiRef" not in response.content


@given(
    year=st.integers(-(2**31), 2**31 - 1),
    count=st.integers(-(2**31), 2**31 - 1),
    reuse=st.booleans(),
    ids=st.permutations(["a", "b"]),
)
def test_multirefs_in_any_order_and_shared_decode_to_the_same_arguments(year, count, reuse, ids):
    handler = RecordingHandler()
    count = year if reuse else count
    year_id, count_id = ids
    args = HEAD.replace("#id0", f"#{year_id}") + f'<arg4 href="#{year_id if reuse else count_id}"/>'
    refs = [multi_ref(year_id, f" {year} ")] + ([] if reuse else [multi_ref(count_id, str(count))])
    with TestClient(make_app(handler, auth="off")) as c:
        assert (
            c.post(CBANK, content=axis("readVoucherAgain", args, "".join(reversed(refs)))).status_code == 200
        )
    assert (handler.calls[0][2]["st_year"], handler.calls[0][2]["voucher_count"]) == (year, count)
