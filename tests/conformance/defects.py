"""Thirty-odd defects a voucher library might have, each injected into the reference as a wire proxy.

Each names the requirement it breaks and the checks that must catch it; tests/conformance/
test_faulty.py runs those checks against the faulty library and asserts the report names it.
"""

from __future__ import annotations

import re
import time

from evoucher.codec import build_mof, parse_mof
from evoucher.codec.safe import decode_base64, encode_base64
from tests.conformance.faulty import Defect, fault_text, success

SOAP12 = b"http://www.w3.org/2003/05/soap-envelope"
SOAP11 = b"http://schemas.xmlsoap.org/soap/envelope/"


def _is_fault(body: bytes) -> bool:
    return b"<faultstring>" in body


def accept_fault(op: str, marker: str):
    """A response rewrite: a fault of `op` whose text contains `marker` becomes a void success."""

    def rewrite(service: str, called: str, request: bytes, status: int, body: bytes) -> tuple[int, bytes]:
        if called == op and _is_fault(body) and marker in fault_text(body):
            return 200, success(op)
        return status, body

    return rewrite


def status_rewrite(op: str, old: int, new: int):
    """StatusMap values `old` become `new` in the answers of `op`."""
    pattern = re.compile(rf'(<value xsi:type="[\w:]+"><item xsi:type="xsd:int">){old}(</item>)'.encode())

    def rewrite(service: str, called: str, request: bytes, status: int, body: bytes) -> tuple[int, bytes]:
        if called == op:
            body = pattern.sub(rb"\g<1>" + str(new).encode() + rb"\g<2>", body)
        return status, body

    return rewrite


def fault_code_rewrite(old: str, new: str):
    def rewrite(service: str, called: str, request: bytes, status: int, body: bytes) -> tuple[int, bytes]:
        return status, body.replace(f"<faultstring>{old}#".encode(), f"<faultstring>{new}#".encode())

    return rewrite


def _mof_answer(op: str, change):
    """Rewrite the MOF (base64) returned by `op` with `change(bodies) -> bodies`."""
    pattern = re.compile(rf"(<{op}Return>)([^<]+)(</{op}Return>)".encode())

    def rewrite(service: str, called: str, request: bytes, status: int, body: bytes) -> tuple[int, bytes]:
        found = pattern.search(body) if called == op else None
        if not found:
            return status, body
        bodies = parse_mof(decode_base64(found.group(2).decode(), "MOF"))
        data = encode_base64(build_mof(change(bodies))).encode()
        return status, body[: found.start(2)] + data + body[found.end(2) :]

    return rewrite


def _replace_voucher_bytes(bodies):
    import dataclasses

    return [dataclasses.replace(b, voucher=b.voucher.replace(b"><", b">\n<", 1)) for b in bodies]


def _drop_stamps(bodies):
    import dataclasses

    return [dataclasses.replace(b, stamps=()) for b in bodies]


def read_as_read_again(service: str, op: str, body: bytes) -> bytes:
    """readVoucher answered as readVoucherAgain (same arguments): read vouchers are handed over again."""
    if op == "readVoucher":
        return body.replace(b"readVoucher ", b"readVoucherAgain ").replace(
            b"readVoucher>", b"readVoucherAgain>"
        )
    return body


def read_again_back(service: str, op: str, request: bytes, status: int, body: bytes) -> tuple[int, bytes]:
    return status, body.replace(b"readVoucherAgainResponse", b"readVoucherResponse").replace(
        b"readVoucherAgainReturn", b"readVoucherReturn"
    )


def other_bank_reads(service: str, op: str, body: bytes) -> bytes:
    """Any bank reading 5106 reads as the first bank of its division (a broken mailbox filter)."""
    if op in ("readVoucher", "readVoucherAgain") and b"<vtCode>5106</vtCode>" in body:
        return re.sub(rb"<certID>105-(\d+)-01</certID>", rb"<certID>102-\1-01</certID>", body)
    return body


def discard_ignored(service: str, op: str, body: bytes) -> bytes | tuple[int, bytes]:
    return (200, success(op)) if op == "discardVoucher" else body


def soap12_accepted(service: str, op: str, body: bytes) -> bytes:
    return body.replace(SOAP12, SOAP11)


def dtd_stripped(service: str, op: str, body: bytes) -> bytes:
    return re.sub(rb"<!DOCTYPE[^\[>]*(\[[^\]]*\])?\s*>", b"", body, count=1)


def slow_on_entities(service: str, op: str, body: bytes) -> bytes:
    if b"<!ENTITY" in body:
        time.sleep(2.5)
    return body


def replay_cache(state: dict):
    """The same request bytes again get the first answer (no nonce memory at all)."""

    def request(service: str, op: str, body: bytes) -> bytes | tuple[int, bytes]:
        if body in state:
            return state[body]
        state["last"] = body
        return body

    def response(service: str, op: str, request_body: bytes, status: int, body: bytes) -> tuple[int, bytes]:
        state[request_body] = (status, body)
        return status, body

    return request, response


def leak_traceback(service: str, op: str, request: bytes, status: int, body: bytes) -> tuple[int, bytes]:
    leak = b' Traceback (most recent call last): File "/srv/vlib/service.py", line 12'
    return status, body.replace(b"</faultstring>", leak + b"</faultstring>", 1)


def fault_http_200(service: str, op: str, request: bytes, status: int, body: bytes) -> tuple[int, bytes]:
    return (200 if status == 500 else status), body


def faultcode_server(service: str, op: str, request: bytes, status: int, body: bytes) -> tuple[int, bytes]:
    return status, body.replace(
        b"<faultcode>soapenv:Client</faultcode>", b"<faultcode>soapenv:Server</faultcode>"
    )


def unknown_service_200(service: str, op: str, request: bytes, status: int, body: bytes) -> tuple[int, bytes]:
    return (200 if status == 404 else status), body


def wsdl_missing_operation(
    service: str, op: str, request: bytes, status: int, body: bytes
) -> tuple[int, bytes]:
    if op.startswith("GET") and b"<wsdl:definitions" in body:
        body = re.sub(
            rb'<wsdl:operation name="exportPDF">.*?</wsdl:operation>', b"", body, count=1, flags=re.S
        )
    return status, body


def extra_voucher_type(service: str, op: str, request: bytes, status: int, body: bytes) -> tuple[int, bytes]:
    if op == "queryVoucherType":
        extra = b'<item><key>9999</key><value xsi:type="xsd:string">x</value></item>'
        body = body.replace(b"</queryVoucherTypeReturn>", extra + b"</queryVoucherTypeReturn>")
    return status, body


def bounce_without_reason(
    service: str, op: str, request: bytes, status: int, body: bytes
) -> tuple[int, bytes]:
    if op == "batchQueryVoucherNosByBackStatus":
        body = re.sub(rb'(<item xsi:type="xsd:string">)[^<]*(</item>)', rb"\1\2", body)
    return status, body


def drop_idempotent_phrase(phrase: str):
    def rewrite(service: str, op: str, request: bytes, status: int, body: bytes) -> tuple[int, bytes]:
        return status, body.replace(phrase.encode(), "重复操作".encode())

    return rewrite


def _both(*rewrites):
    def rewrite(service: str, op: str, request: bytes, status: int, body: bytes) -> tuple[int, bytes]:
        for r in rewrites:
            status, body = r(service, op, request, status, body)
        return status, body

    return rewrite


def refuse_multirefs(service: str, op: str, body: bytes) -> bytes | tuple[int, bytes]:
    """The reference before the Axis dialect: multiRefs refused."""
    if b'href="#' in body:
        fault = (
            '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/'
            'soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>'
            "EVS100#multiRef is not supported</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
        )
        return 500, fault.encode()
    return body


def literal_faults(service: str, op: str, request: bytes, status: int, body: bytes) -> tuple[int, bytes]:
    return status, body.replace(b"java.lang.Exception: ", b"")


_replay_state: dict = {}
_replay_request, _replay_response = replay_cache(_replay_state)

DEFECTS = [
    Defect(
        "accepts a tampered stamp",
        "VL-LIB-023",
        ("stamps.tampered-voucher-refused",),
        response=accept_fault("saveStampVoucher", "HASH_FAILURE"),
    ),
    Defect(
        "accepts an altered signature",
        "VL-LIB-023",
        ("stamps.tampered-signature-refused",),
        response=accept_fault("saveStampVoucher", "SIG_CRYPTO_FAILURE"),
    ),
    Defect(
        "accepts a stamp at another position",
        "VL-LIB-023",
        ("stamps.moved-to-other-position-refused", "stamps.moved-onto-receipt-refused"),
        response=accept_fault("saveStampVoucher", "WRONG_POSITION"),
    ),
    Defect(
        "accepts a seal of the wrong type",
        "VL-LIB-023",
        ("stamps.wrong-seal-type-refused",),
        response=accept_fault("saveStampVoucher", "WRONG_SEAL_TYPE"),
    ),
    Defect(
        "accepts another party's stamp",
        "VL-LIB-023",
        ("stamps.another-partys-stamp-refused",),
        response=accept_fault("saveStampVoucher", "not by a holder"),
    ),
    Defect(
        "accepts a 签章 at a 签名 position",
        "VL-LIB-023",
        ("stamps.stamp-at-signature-position-refused",),
        response=accept_fault("saveStampVoucher", "takes a 签名"),
    ),
    Defect(
        "lets a bank read another bank's voucher",
        "VL-LIB-011",
        ("auth.other-bank-cannot-read",),
        request=other_bank_reads,
        auth=False,
    ),
    Defect(
        "reports status 3 before confirm",
        "VL-LIB-035",
        ("lifecycle.voucher-status-path",),
        response=status_rewrite("queryVoucherStatusByOrgType", 1, 3),
    ),
    Defect(
        "accepts a positive 2302",
        "EV-REG-008",
        ("registry.rules.2302",),
        response=accept_fault("saveStampVoucher", "amount.sign"),
    ),
    Defect(
        "ignores the 100-body limit",
        "EV-CODEC-009",
        ("encoding.hundred-and-one-bodies-refused",),
        response=accept_fault("saveStampVoucher", "the limit is 100"),
    ),
    Defect(
        "answers EVS100 where EVS112 is due",
        "VL-LIB-002",
        ("auth.service-of-another-org-type", "auth.vt-code-outside-permissions"),
        response=fault_code_rewrite("EVS112", "EVS100"),
    ),
    Defect(
        "sends before every position is stamped",
        "VL-LIB-021",
        ("stamps.not-sent-before-every-position",),
        response=accept_fault("sendVoucher", "not every stamp position"),
    ),
    Defect(
        "re-delivers a read voucher to readVoucher",
        "VL-LIB-038",
        ("lifecycle.read-voucher-hands-over-once",),
        request=read_as_read_again,
        response=read_again_back,
        auth=False,
    ),
    Defect(
        "accepts a missing mandatory field",
        "EV-REG-004",
        ("registry.rules.5207",),
        response=accept_fault("saveStampVoucher", "field.mandatory"),
    ),
    Defect(
        "accepts a malformed amount",
        "EV-REG-010",
        ("registry.rules.5201",),
        response=accept_fault("saveStampVoucher", "format.amount"),
    ),
    Defect(
        "accepts a year after the business year",
        "VL-LIB-004",
        ("auth.year-after-business-year",),
        response=accept_fault("readVoucherAgain", ""),
    ),
    Defect(
        "ignores discardVoucher",
        "VL-STORE-014",
        ("lifecycle.discard-withdraws-delivery",),
        request=discard_ignored,
        auth=False,
    ),
    Defect(
        "reports 4 (签收失败) as 5",
        "VL-LIB-035",
        ("lifecycle.confirm-fail-is-4",),
        response=status_rewrite("queryVoucherStatusByOrgType", 4, 5),
    ),
    Defect(
        "never reports the receipt's arrival (12)",
        "VL-LIB-035",
        ("lifecycle.receipt-status-path",),
        response=status_rewrite("queryVoucherStatusByOrgType", 12, 3),
    ),
    Defect(
        "reports an unknown voucher as 13",
        "VL-WIRE-004",
        ("wire.status-map-shape",),
        response=status_rewrite("queryVoucherStatusByOrgType", -1, 13),
    ),
    Defect(
        "bounces without the peer's reason",
        "VL-WIRE-012",
        ("lifecycle.bounces-listed-with-reason",),
        response=bounce_without_reason,
    ),
    Defect(
        "changes the voucher bytes it stores",
        "EV-CODEC-003",
        ("encoding.gbk-round-trip",),
        response=_mof_answer("readVoucher", _replace_voucher_bytes),
    ),
    Defect(
        "drops the stamps on delivery",
        "VL-LIB-043",
        ("encoding.utf8-round-trip", "seals.sign-stamp-by-nos-verifies"),
        response=_mof_answer("readVoucher", _drop_stamps),
    ),
    Defect(
        "answers a repeated confirm without the 成功签收 phrase",
        "VL-LIB-030",
        ("lifecycle.confirm-twice-is-idempotent",),
        response=drop_idempotent_phrase("成功签收"),
    ),
    Defect(
        "answers a repeated stamp without the 位置已签章 phrase",
        "VL-LIB-030",
        ("seals.stamping-twice-is-idempotent",),
        response=drop_idempotent_phrase("位置已签章"),
    ),
    Defect(
        "accepts SOAP 1.2", "VL-WIRE-006", ("hostile.soap12-refused",), request=soap12_accepted, auth=False
    ),
    Defect("accepts a DTD", "VL-WIRE-006", ("hostile.dtd-refused",), request=dtd_stripped),
    Defect(
        "is slow to refuse entity expansion",
        "VL-WIRE-006",
        ("hostile.entity-expansion-refused",),
        request=slow_on_entities,
    ),
    Defect(
        "leaks a traceback in faults",
        "VL-WIRE-032",
        ("hostile.answers-carry-no-secrets",),
        response=leak_traceback,
    ),
    Defect("answers faults with HTTP 200", "VL-WIRE-007", ("wire.fault-shape",), response=fault_http_200),
    Defect(
        "marks SOAP-layer refusals soapenv:Server",
        "VL-WIRE-031",
        ("wire.fault-shape",),
        response=faultcode_server,
    ),
    Defect(
        "answers an unknown service with HTTP 200",
        "VL-WIRE-001",
        ("wire.unknown-service-is-404",),
        response=unknown_service_200,
    ),
    Defect(
        "leaves exportPDF out of its WSDL",
        "VL-WIRE-001",
        ("wire.wsdl-lists-operations.AsspFinanceService",),
        response=wsdl_missing_operation,
    ),
    Defect(
        "lists a VtCode the caller may not use",
        "VL-LIB-037",
        ("wire.voucher-types-of-the-caller",),
        response=extra_voucher_type,
    ),
    Defect(
        "accepts a replayed request",
        "VL-WIRE-022",
        ("auth.replay-refused",),
        request=_replay_request,
        response=_replay_response,
    ),
    Defect(
        "offers 2.0 operations under profile 1.0",
        "VL-WIRE-010",
        ("wire.profile-1-refuses.batchQueryAllVoucherStatus",),
        response=accept_fault("batchQueryAllVoucherStatus", "not part of interface profile"),
        profile="1.0",
    ),
    Defect(
        "refuses Axis multiRefs", "VL-WIRE-041", ("encoded.multiref-int-accepted",), request=refuse_multirefs
    ),
    Defect(
        "answers encoded requests with literal faults",
        "VL-WIRE-045",
        ("encoded.encoded-fault-shape",),
        response=literal_faults,
    ),
]
